import Testing
@testable import ZKCore

/// Authentication packets and the super user (spec §10), and the container/TTL reaper run from
/// `tick` (spec §7).
@Suite struct ServerCoreAuthContainerTests {
    let c1 = ConnectionID(1), c2 = ConnectionID(2)

    private func event(_ type: EventType, _ path: String) -> WatcherEvent { WatcherEvent(type: type, path: path) }

    // MARK: - Auth

    @Test func digestAuthAddsIdsAndGrantsAccess() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.create(1, "/a", "secret", acl: [digestACL("alice:pw")])
        #expect(h.getData(2, "/a").err == .noAuth)
        let out = h.addDigest(2, "alice:pw")
        #expect(out.replies(to: c2).map(\.0) == [ReplyHeader(xid: Xid.auth, zxid: 0, err: .ok)])
        #expect(!out.closed(c2))
        #expect(h.getData(2, "/a").data == "secret")
        // Wrong credentials are accepted as an id that matches nothing.
        h.session(3)
        let wrong = h.addDigest(3, "alice:nope")
        #expect(wrong.replies(to: ConnectionID(3)).first?.0.err == .ok)
        #expect(h.getData(3, "/a").err == .noAuth)
        #expect(h.logged.count == 4, "auth is not a txn")
    }

    @Test func authIsAnsweredAheadOfPendingWrites() {
        let h = CoreHarness()
        h.session(1)
        h.driver.autoSync = false
        h.send(1, .create(.create, CreateRequest(path: "/a", data: [], acl: ACL.openUnsafe, flags: 0)))
        let out = h.addDigest(1, "alice:pw")
        #expect(out.replies(to: c1).map(\.0) == [ReplyHeader(xid: Xid.auth, zxid: 0, err: .ok)])
    }

    @Test(arguments: ["foo", "super", "world", "sasl", "auth"])
    func unknownOrUnusableSchemeFailsAndCloses(scheme: String) {
        let h = CoreHarness()
        h.session(1)
        let out = h.driver.feed(.request(c1, xid: Xid.auth, .auth(AuthPacket(scheme: scheme, auth: Array("x:y".utf8)))))
        #expect(out.replies(to: c1).map(\.0) == [ReplyHeader(xid: Xid.auth, zxid: 0, err: .authFailed)])
        #expect(out.closed(c1))
        #expect(h.core.report(now: h.driver.now).authFailedCount == 1)
    }

    @Test func superDigestBypassesACLs() {
        var settings = ServerSettings(tickMs: 2000)
        settings.superDigest = DigestAuthenticationProvider.generateDigest("super:adminpw")
        let h = CoreHarness(settings: settings)
        h.session(1)
        h.session(2)
        _ = h.addDigest(1, "alice:pw")
        _ = h.create(1, "/a", "secret", acl: [digestACL("alice:pw")])
        _ = h.create(1, "/a/b", acl: [digestACL("alice:pw", .read)])
        #expect(h.getData(2, "/a").err == .noAuth)
        _ = h.addDigest(2, "super:adminpw")
        #expect(h.call(2, .whoAmI).body == .whoAmI(WhoAmIResponse(clientInfo: [
            ClientInfo(authScheme: "ip", user: "127.0.0.1"), ClientInfo(authScheme: "super", user: ""),
            ClientInfo(authScheme: "digest", user: "super"),
        ])))
        #expect(h.getData(2, "/a").data == "secret")
        #expect(h.setData(2, "/a", "mine").err == .ok)
        guard case .getACL(let acl) = h.call(2, .getACL(GetACLRequest(path: "/a"))).body else {
            Issue.record("no ACL"); return
        }
        #expect(acl.acl == [digestACL("alice:pw")], "super sees digests unmasked")
        #expect(h.delete(2, "/a/b").err == .ok)
        #expect(h.call(2, .setACL(SetACLRequest(path: "/zookeeper/config", acl: ACL.openUnsafe))).err == .ok)
        // The wrong super password is an ordinary digest id.
        h.session(3)
        #expect(h.addDigest(3, "super:wrong").replies(to: ConnectionID(3)).first?.0.err == .ok)
        #expect(h.getData(3, "/a").err == .noAuth)
    }

    @Test func skipACLAllowsEverything() {
        var settings = ServerSettings(tickMs: 2000)
        settings.skipACL = true
        let h = CoreHarness(settings: settings)
        h.session(1)
        h.session(2)
        _ = h.addDigest(1, "alice:pw")
        _ = h.create(1, "/a", "secret", acl: [digestACL("alice:pw")])
        #expect(h.getData(2, "/a").data == "secret")
        #expect(h.setData(2, "/zookeeper/config", "x").err == .ok)
    }

    // MARK: - Containers and TTL nodes

    private func reaperHarness() -> CoreHarness {
        var settings = ServerSettings(tickMs: 2000)
        settings.containerCheckIntervalMs = 1000
        settings.extendedTypesEnabled = true
        let h = CoreHarness(settings: settings)
        h.session(1)
        h.session(2)
        return h
    }

    private func createContainer(_ h: CoreHarness, _ path: String) {
        #expect(h.create(1, path, flags: 4, op: .createContainer).err == .ok)
    }

    private func createTTL(_ h: CoreHarness, _ path: String, ttl: Int64) {
        #expect(h.call(1, .createTTL(CreateTTLRequest(path: path, data: [], acl: ACL.openUnsafe, flags: 5, ttl: ttl))).err
            == .ok)
    }

    @Test func emptiedContainerIsReapedOnTheNextScan() {
        let h = reaperHarness()
        createContainer(h, "/c")
        _ = h.create(1, "/c/x")
        _ = h.delete(1, "/c/x")
        createContainer(h, "/never")
        createContainer(h, "/busy")
        _ = h.create(1, "/busy/kid")
        _ = h.exists(2, "/c", watch: true)
        _ = h.children(2, "/", watch: true)
        let before = h.logged.count
        #expect(h.tick(999).isEmpty, "the first scan waits one interval")
        let out = h.tick(1)
        #expect(h.logged.count == before + 1)
        let txn = h.logged.last!
        #expect(txn.header == TxnHeader(clientId: 0, cxid: 0, zxid: h.lastZxid, time: h.driver.now.wallMs,
                                        type: .deleteContainer))
        #expect(txn.header.type.rawValue == 20)
        #expect(txn.body == .delete(DeleteTxn(path: "/c")))
        #expect(UInt64(bitPattern: txn.digest?.treeDigest ?? 0) == h.tree.digest)
        #expect(h.tree.node(at: "/c") == nil)
        #expect(h.tree.node(at: "/never") != nil, "a never-used container is kept")
        #expect(h.tree.node(at: "/busy") != nil)
        #expect(out.events(to: c2) == [event(.nodeDeleted, "/c"), event(.nodeChildrenChanged, "/")])
        #expect(!h.tree.containers.contains("/c"))
        // Nothing more to do on the next scans.
        #expect(h.tick(1000).isEmpty)
        _ = h.delete(1, "/busy/kid")
        _ = h.tick(1000)
        #expect(h.tree.node(at: "/busy") == nil)
    }

    @Test func neverUsedContainersGoWhenConfigured() {
        var settings = ServerSettings(tickMs: 2000)
        settings.containerCheckIntervalMs = 1000
        settings.containerMaxNeverUsedIntervalMs = 5000
        let h = CoreHarness(settings: settings)
        h.session(1)
        createContainer(h, "/never")
        _ = h.tick(1000)
        #expect(h.tree.node(at: "/never") != nil)
        _ = h.tick(5000)
        #expect(h.tree.node(at: "/never") == nil)
    }

    @Test func expiredTTLNodesAreReaped() {
        let h = reaperHarness()
        createTTL(h, "/short", ttl: 500)
        createTTL(h, "/long", ttl: 1_000_000)
        createTTL(h, "/parent", ttl: 500)
        _ = h.create(1, "/parent/kid")
        createTTL(h, "/touched", ttl: 1500)
        _ = h.tick(1000)
        #expect(h.tree.node(at: "/short") == nil)
        #expect(h.tree.node(at: "/long") != nil)
        #expect(h.tree.node(at: "/parent") != nil, "a TTL node with children stays")
        #expect(h.tree.node(at: "/touched") != nil)
        let reaped = h.logged.filter { $0.header.type == .deleteContainer }
        #expect(reaped.map(\.body) == [.delete(DeleteTxn(path: "/short"))])
        // A setData renews the TTL clock (mtime).
        _ = h.setData(1, "/touched", "still here")
        _ = h.tick(1000)
        #expect(h.tree.node(at: "/touched") != nil)
        _ = h.tick(1000)
        #expect(h.tree.node(at: "/touched") == nil)
    }

    @Test func reaperRespectsAChildCreatedWhileItsDeleteIsPending() {
        let h = reaperHarness()
        createContainer(h, "/c")
        _ = h.create(1, "/c/x")
        _ = h.delete(1, "/c/x")
        h.driver.autoSync = false
        h.send(1, .create(.create, CreateRequest(path: "/c/y", data: [], acl: ACL.openUnsafe, flags: 0)))
        _ = h.tick(1000)
        let txn = h.logged.last!
        #expect(txn.header.type == .error)
        #expect(txn.header.clientId == 0 && txn.header.cxid == 0)
        #expect(txn.body == .error(ErrorTxn(err: .notEmpty)))
        h.driver.sync()
        #expect(h.tree.node(at: "/c/y") != nil)
    }
}
