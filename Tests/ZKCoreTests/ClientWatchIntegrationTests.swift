import Testing
@testable import ZKCore

extension ClientIntegrationTests {
    /// Watches end to end: one-shot and persistent registrations, delivery before the reply that
    /// follows the event, and removal (spec client-protocol §9, §12).
    @Suite struct Watches {
        @Test(arguments: Backend.allCases)
        func oneShotEventsArriveBeforeTheReplyOfTheWrite(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let zk = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                try await zk.create("/w", data: [1])
                let data = try #require(try await zk.getData("/w", watch: true).watch)
                let (missing, created) = try await zk.exists("/w/new", watch: true)
                #expect(missing == nil)
                let exist = try #require(created)
                let child = try #require(try await zk.getChildren("/w", watch: true).watch)
                // A getData watch on a missing node is not set.
                await #expect(throws: ZooKeeperError(code: .noNode, path: "/nope")) {
                    try await zk.getData("/nope", watch: true)
                }

                try await zk.setData("/w", data: [2])
                // The event came before the setData reply on the wire, so it is already in the stream.
                #expect(data.deliveredCount == 1)
                #expect(exist.deliveredCount == 0 && child.deliveredCount == 0)
                try await zk.create("/w/new")
                #expect(exist.deliveredCount == 1 && child.deliveredCount == 1)

                let dataEvents = Recorder(data), existEvents = Recorder(exist), childEvents = Recorder(child)
                for recorder in [dataEvents, existEvents, childEvents] { try await recorder.waitFinished() }
                #expect(dataEvents.all == [WatchEvent(type: .nodeDataChanged, path: "/w")])
                #expect(existEvents.all == [WatchEvent(type: .nodeCreated, path: "/w/new")])
                #expect(childEvents.all == [WatchEvent(type: .nodeChildrenChanged, path: "/w")])

                // One-shot: the next change is not seen by the old registration, only by a new one.
                let again = try #require(try await zk.getData("/w", watch: true).watch)
                try await zk.delete("/w/new")
                try await zk.delete("/w")
                #expect(again.deliveredCount == 1)
                #expect(try await Recorder(again).wait(for: 1) == [WatchEvent(type: .nodeDeleted, path: "/w")])
                await zk.close()
            }
        }

        @Test(arguments: Backend.allCases)
        func persistentWatchesStayUntilRemoved(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let zk = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                let recursive = try await zk.addWatch("/tree", mode: .persistentRecursive)
                let persistent = try await zk.addWatch("/tree/a", mode: .persistent)
                let r = Recorder(recursive), p = Recorder(persistent)
                try await zk.create("/tree")
                try await zk.create("/tree/a")
                try await zk.create("/tree/a/b")
                try await zk.setData("/tree/a", data: [1])
                try await zk.delete("/tree/a/b")
                #expect(recursive.deliveredCount == 5 && persistent.deliveredCount == 4)
                #expect(try await r.wait(for: 5) == [
                    WatchEvent(type: .nodeCreated, path: "/tree"), WatchEvent(type: .nodeCreated, path: "/tree/a"),
                    WatchEvent(type: .nodeCreated, path: "/tree/a/b"), WatchEvent(type: .nodeDataChanged, path: "/tree/a"),
                    WatchEvent(type: .nodeDeleted, path: "/tree/a/b"),
                ])
                #expect(try await p.wait(for: 4) == [
                    WatchEvent(type: .nodeCreated, path: "/tree/a"), WatchEvent(type: .nodeChildrenChanged, path: "/tree/a"),
                    WatchEvent(type: .nodeDataChanged, path: "/tree/a"), WatchEvent(type: .nodeChildrenChanged, path: "/tree/a"),
                ])

                // Removing one registration ends its stream with PersistentWatchRemoved.
                try await zk.removeWatches(persistent)
                try await p.waitFinished()
                #expect(p.all.last == WatchEvent(type: .persistentWatchRemoved, path: "/tree/a"))
                await #expect(throws: ZooKeeperError(code: .noWatcher, path: "/tree/a")) {
                    try await zk.removeWatches(persistent)
                }
                try await zk.removeAllWatches("/tree", type: .any)
                try await r.waitFinished()
                #expect(r.all.last == WatchEvent(type: .persistentWatchRemoved, path: "/tree"))
                await #expect(throws: ZooKeeperError(code: .noWatcher, path: "/tree")) {
                    try await zk.removeAllWatches("/tree", type: .any)
                }

                // Nothing fires for them any more; a fresh one-shot still works.
                let fresh = try #require(try await zk.getData("/tree/a", watch: true).watch)
                try await zk.setData("/tree/a", data: [2])
                #expect(fresh.deliveredCount == 1)
                #expect(r.all.count == 6 && p.all.count == 5)
                await zk.close()
            }
        }

        @Test(arguments: Backend.allCases)
        func oneShotWatchCanBeRemoved(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let zk = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                try await zk.create("/rm")
                let child = try #require(try await zk.getChildren("/rm", watch: true).watch)
                let data = try #require(try await zk.getData("/rm", watch: true).watch)
                try await zk.removeAllWatches("/rm", type: .children)
                #expect(try await Recorder(child).wait(for: 1) == [WatchEvent(type: .childWatchRemoved, path: "/rm")])
                try await zk.removeWatches(data)
                #expect(try await Recorder(data).wait(for: 1) == [WatchEvent(type: .dataWatchRemoved, path: "/rm")])
                await zk.close()
            }
        }
    }
}
