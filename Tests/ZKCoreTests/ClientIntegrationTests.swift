import Testing
@testable import ZKCore

/// `ZooKeeperClient` against real servers over loopback: swzk's `ServerRuntime` in this process and
/// Apache ZooKeeper 3.8 (through `shared/tools/apache-zk.sh`). Every test runs against both, one
/// server at a time (each Apache instance is a JVM).
@Suite(.serialized) struct ClientIntegrationTests {}

extension ClientIntegrationTests {
    /// Every operation once, with the results both servers must agree on.
    @Suite struct Operations {
        @Test(arguments: Backend.allCases)
        func everyOperation(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let zk = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                #expect(zk.state == .connected)
                #expect(zk.sessionTimeout == .seconds(10))
                let r = "/ops"
                #expect(try await zk.create(r, data: Array("root".utf8)) == r)
                let (a, aStat) = try await zk.createWithStat(r + "/a", data: [1, 2, 3])
                #expect(a == r + "/a" && aStat.dataLength == 3 && aStat.version == 0)
                #expect(try await zk.create(r + "/s-", mode: .persistentSequential) == r + "/s-0000000001")
                let eph = try await zk.create(r + "/e", mode: .ephemeral)
                let ephSeq = try await zk.create(r + "/es-", mode: .ephemeralSequential)
                #expect(ephSeq == r + "/es-0000000003")
                #expect(try await zk.create(r + "/c", mode: .container) == r + "/c")
                let (ttl, ttlStat) = try await zk.createWithStat(r + "/t", mode: .persistentWithTTL, ttl: .seconds(600))
                #expect(ttl == r + "/t" && ttlStat.ephemeralOwner == 0)
                #expect(try await zk.create(r + "/ts-", mode: .persistentSequentialWithTTL, ttl: .seconds(600))
                        == r + "/ts-0000000006")
                await #expect(throws: ZooKeeperError(code: .nodeExists, path: r + "/a")) {
                    try await zk.create(r + "/a")
                }

                #expect(try await zk.exists(r + "/a")?.dataLength == 3)
                #expect(try await zk.exists(r + "/missing") == nil)
                let got = try await zk.getData(r + "/a")
                #expect(got.data == [1, 2, 3] && got.stat == aStat)
                #expect(try await zk.setData(r + "/a", data: [4], version: 0).version == 1)
                await #expect(throws: ZooKeeperError(code: .badVersion, path: r + "/a")) {
                    try await zk.setData(r + "/a", data: [5], version: 0)
                }
                #expect(try await zk.getACL(r + "/a").acl == ACL.openUnsafe)
                #expect(try await zk.setACL(r + "/a", acl: ACL.readUnsafe, version: 0).aversion == 1)
                let acl = try await zk.getACL(r + "/a")
                #expect(acl.acl == ACL.readUnsafe && acl.stat.aversion == 1)

                let children = ["a", "c", "e", "es-0000000003", "s-0000000001", "t", "ts-0000000006"]
                #expect(try await zk.getChildren(r).sorted() == children)
                let withStat = try await zk.getChildrenWithStat(r)
                #expect(withStat.children.sorted() == children && withStat.stat.numChildren == 7)
                #expect(try await zk.getAllChildrenNumber(r) == 7)
                #expect(try await zk.getEphemerals(prefix: r).sorted() == [eph, ephSeq])
                try await zk.sync(r)
                #expect(try await zk.whoAmI() == [ClientInfo(authScheme: "ip", user: "127.0.0.1")])
                let config = try await zk.getConfig(watch: true)
                #expect(config.data == [] && config.watch != nil)
                // Standalone servers refuse reconfig unless reconfigEnabled is set.
                await #expect(throws: ZooKeeperError(code: .reconfigDisabled, path: "/zookeeper/config")) {
                    try await zk.reconfig(joining: "server.2=127.0.0.1:2888:3888;2181")
                }

                await #expect(throws: ZooKeeperError(code: .notEmpty, path: r)) { try await zk.delete(r) }
                await #expect(throws: ZooKeeperError(code: .badVersion, path: r + "/a")) {
                    try await zk.delete(r + "/a", version: 0)
                }
                try await zk.delete(r + "/a", version: 1)
                #expect(try await zk.exists(r + "/a") == nil)

                let reads = try await zk.multiRead([.getData(r + "/s-0000000001"), .getChildren(r + "/c"),
                                                    .getData(r + "/missing")])
                #expect(reads.count == 3)
                if case .getData(let data, _) = reads[0] { #expect(data == []) } else { Issue.record("\(reads[0])") }
                #expect(reads[1] == .getChildren([]))
                #expect(reads[2] == .error(.noNode))

                let results = try await zk.multi([
                    .create(r + "/m1"), .setData(r + "/m1", data: [9]), .check(r + "/m1", version: 1),
                    .create(r + "/m2", mode: .container), .delete(r + "/m1"),
                ])
                #expect(results.count == 5)
                #expect(results[0] == .create(path: r + "/m1", stat: nil))
                if case .setData(let stat) = results[1] { #expect(stat.version == 1) } else { Issue.record("\(results[1])") }
                #expect(results[2] == .check && results[4] == .delete)
                if case .create(let path, let stat) = results[3] { #expect(path == r + "/m2" && stat != nil) }
                await zk.close()
                #expect(zk.state == .closed)
                await #expect(throws: ZooKeeperError(code: .sessionExpired, path: r)) { try await zk.exists(r) }
            }
        }

        @Test(arguments: Backend.allCases)
        func failedMultiThrowsWithEveryResult(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let zk = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                try await zk.create("/mf")
                let error = await #expect(throws: ZooKeeperError.self) {
                    try await zk.multi([.create("/mf/x"), .setData("/mf", data: [1], version: 99), .create("/mf/y")])
                }
                #expect(error?.code == .badVersion)
                #expect(error?.path == "/mf")
                #expect(error?.results == [.error(.ok), .error(.badVersion), .error(.runtimeInconsistency)])
                #expect(try await zk.exists("/mf/x") == nil)
                await zk.close()
            }
        }

        @Test(arguments: Backend.allCases)
        func authControlsAccessAndBadCredentialsEndTheSession(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let alice = try await ZooKeeperClient.connect(
                    server.connectString, sessionTimeout: .seconds(10), auth: [("digest", Array("alice:secret".utf8))])
                let creatorOnly = [ACL(perms: .all, id: Id(scheme: "auth", id: ""))]
                try await alice.create("/secret", data: [7], acl: creatorOnly)
                #expect(try await alice.getData("/secret").data == [7])
                #expect(try await alice.whoAmI().contains(ClientInfo(authScheme: "digest", user: "alice")))

                let stranger = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                await #expect(throws: ZooKeeperError(code: .noAuth, path: "/secret")) {
                    try await stranger.getData("/secret")
                }
                let events = Recorder(stranger.events)
                await #expect(throws: ZooKeeperError(code: .authFailed)) {
                    try await stranger.addAuth(scheme: "nosuchscheme", credentials: [1])
                }
                try await events.waitFinished()
                #expect(events.all == [.connected, .authFailed])
                #expect(stranger.state == .authFailed)
                await #expect(throws: ZooKeeperError(code: .authFailed, path: "/")) { try await stranger.exists("/") }
                await alice.close()
            }
        }

        @Test(arguments: Backend.allCases)
        func chrootIsInvisibleToTheCaller(_ backend: Backend) async throws {
            try await withServer(backend) { server in
                let root = try await ZooKeeperClient.connect(server.connectString, sessionTimeout: .seconds(10))
                try await root.create("/app")
                let zk = try await ZooKeeperClient.connect(server.connectString + "/app", sessionTimeout: .seconds(10))
                #expect(zk.chroot == Chroot("/app"))
                #expect(try await zk.create("/x", data: [1]) == "/x")
                #expect(try await zk.createWithStat("/q-", mode: .persistentSequential).path == "/q-0000000001")
                #expect(try await root.exists("/app/x") != nil)
                #expect(try await zk.getChildren("/").sorted() == ["q-0000000001", "x"])
                #expect(try await zk.exists("/")?.numChildren == 2)
                #expect(try await zk.create("/e", mode: .ephemeral) == "/e")
                #expect(try await zk.getEphemerals() == ["/e"])
                #expect(try await zk.multi([.create("/m")]) == [.create(path: "/m", stat: nil)])
                // The config node is read without the chroot.
                _ = try await zk.getConfig()

                let (missing, watch) = try await zk.exists("/y", watch: true)
                #expect(missing == nil)
                let events = Recorder(try #require(watch))
                try await root.create("/app/y")
                #expect(try await events.wait(for: 1) == [WatchEvent(type: .nodeCreated, path: "/y")])
                await zk.close()
                await root.close()
            }
        }
    }
}
