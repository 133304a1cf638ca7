import Testing
@testable import ZKCore

extension ClientIntegrationTests {
    /// The session across broken connections, server restarts and expiry, and cancellation on a
    /// live connection (spec client-protocol §2.3, §13). A `TestProxy` between client and server
    /// plays the network.
    @Suite struct Sessions {
        @Test(arguments: Backend.allCases)
        func sessionResumesAfterItsSocketIsKilled(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let proxy = try await TestProxy(targetPort: server.port)
                let zk = try await ZooKeeperClient.connect(proxy.connectString, sessionTimeout: .seconds(10))
                let events = Recorder(zk.events)
                let other = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                let session = zk.sessionID
                try await zk.create("/eph", mode: .ephemeral)
                try await zk.create("/later", data: [0])
                try await zk.create("/meanwhile", data: [0])
                let later = try #require(try await zk.getData("/later", watch: true).watch)
                let meanwhile = try #require(try await zk.getData("/meanwhile", watch: true).watch)

                // Kill the connection and keep the client out while another client changes a node.
                await proxy.setRefusing(true)
                await proxy.killConnections()
                try await events.wait(for: 2)
                try await other.setData("/meanwhile", data: [1])
                await proxy.setRefusing(false)
                try await events.wait(for: 3)
                #expect(events.all == [.connected, .disconnected, .connected])
                #expect(zk.sessionID == session)
                #expect(try await other.exists("/eph")?.ephemeralOwner == session.rawValue)

                // SetWatches re-armed both: the change made while away fires at once (relative to the
                // last zxid seen), the other on the next change.
                #expect(try await Recorder(meanwhile).wait(for: 1) == [WatchEvent(type: .nodeDataChanged, path: "/meanwhile")])
                try await other.setData("/later", data: [1])
                #expect(try await Recorder(later).wait(for: 1) == [WatchEvent(type: .nodeDataChanged, path: "/later")])
                await zk.close()
                await other.close()
                await proxy.shutdown()
            }
        }

        @Test(arguments: Backend.allCases)
        func sessionExpiresWhenTheServerStopsHearingFromIt(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let proxy = try await TestProxy(targetPort: server.port)
                let zk = try await ZooKeeperClient.connect(proxy.connectString, sessionTimeout: .seconds(4))
                let events = Recorder(zk.events)
                let observer = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                try await zk.create("/doomed", mode: .ephemeral)
                let watch = Recorder(try #require(try await zk.getData("/doomed", watch: true).watch))

                await proxy.setRefusing(true)
                await proxy.killConnections()
                // The server expires the silent session and deletes its ephemeral node.
                try await eventually("the server to expire the session") { try await observer.exists("/doomed") == nil }
                await proxy.setRefusing(false)
                try await events.waitFinished()
                #expect(events.all == [.connected, .disconnected, .expired])
                #expect(zk.state == .expired)
                try await watch.waitFinished()
                #expect(watch.all.isEmpty)
                await #expect(throws: ZooKeeperError(code: .sessionExpired, path: "/doomed")) {
                    try await zk.exists("/doomed")
                }
                await zk.close()
                await observer.close()
                await proxy.shutdown()
            }
        }

        /// A restarted swzk (in-memory store) knows neither the session nor the zxids the client saw:
        /// it refuses the client until it has caught up (handshake step 4), then reports the session
        /// expired. A restarted Apache reloads its sessions from disk: the client resumes the same
        /// session and its watches are re-armed with SetWatches.
        @Test(arguments: Backend.allCases)
        func serverRestartMidSession(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let zk = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(20))
                let events = Recorder(zk.events)
                let session = zk.sessionID
                try await zk.create("/kept", data: [0])
                try await zk.create("/kept-eph", mode: .ephemeral)
                let watch = try #require(try await zk.getData("/kept", watch: true).watch)
                let seen = await zk.runtime.lastZxidSeen()

                try await server.restart()
                try await events.wait(for: 2)
                let other = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                switch backend {
                case .swzk, .swzkIOThreads:
                    var filler = 0
                    while try await other.createWithStat("/filler-\(filler)").stat.czxid < seen { filler += 1 }
                    try await events.waitFinished()
                    #expect(events.all == [.connected, .disconnected, .expired])
                    try await Recorder(watch).waitFinished()
                case .apache:
                    try await events.wait(for: 3)
                    #expect(events.all == [.connected, .disconnected, .connected])
                    #expect(zk.sessionID == session)
                    #expect(try await zk.exists("/kept-eph")?.ephemeralOwner == session.rawValue)
                    try await other.setData("/kept", data: [1])
                    #expect(try await Recorder(watch).wait(for: 1) == [WatchEvent(type: .nodeDataChanged, path: "/kept")])
                }
                await zk.close()
                await other.close()
            }
        }

        @Test(arguments: Backend.allCases)
        func cancelledCallThrowsAtOnceAndTheConnectionKeepsItsOrder(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let proxy = try await TestProxy(targetPort: server.port)
                let zk = try await ZooKeeperClient.connect(proxy.connectString, sessionTimeout: .seconds(10))
                let events = Recorder(zk.events)
                try await events.wait(for: 1)
                try await zk.create("/c", data: [3])
                await proxy.setHoldingReplies(true)
                let before = await proxy.bytesToServer()
                let call = Task { try await zk.getData("/c") }
                try await eventually("the request to reach the server") { await proxy.bytesToServer() > before }
                call.cancel()
                await #expect(throws: CancellationError.self) { try await call.value }
                await proxy.setHoldingReplies(false)
                // The late reply is dropped; the next one still matches its request.
                #expect(try await zk.getData("/c").data == [3])
                #expect(events.all == [.connected])
                await zk.close()
                await proxy.shutdown()
            }
        }
    }

    /// Nothing listens: connect gives up after its timeout with ConnectionLoss.
    @Test func connectGivesUpWhenNoServerAnswers() async throws {
        let port = try await TestServer.freePort()
        await #expect(throws: ZooKeeperError.self) {
            _ = try await ZooKeeperClient.connect("127.0.0.1:\(port)", sessionTimeout: .seconds(4),
                                                  connectTimeout: .milliseconds(500))
        }
        #expect(throws: ConnectStringError.badPort("h:0")) {
            _ = try ConnectString(parsing: "h:0")
        }
    }
}
