import Testing
@testable import ZKCore

/// The leader's session owners: a write for a session arriving through a server other than the
/// one its client now talks to fails with SessionMoved (ZooKeeper's `checkSession`).
@Suite struct SessionMovedTests {
    let now = CoreTime(wallMs: 1_700_000_000_000, monotonicMs: 10_000)
    let session = SessionID(0x0200_0000_0000_0001)

    func leader() -> ServerCore {
        var settings = ServerSettings(tickMs: 2000)
        settings.serverID = ServerID(1)
        var core = ServerCore(settings: settings, tree: DataTree(), now: now)
        core.becomeLeader(epoch: 1)
        return core
    }

    func persisted(_ actions: [CoreAction]) -> [LoggedTxn] {
        actions.flatMap { action -> [LoggedTxn] in
            if case .persist(let txns) = action { return txns }
            return []
        }
    }

    func create(_ path: String, cxid: Int32) -> ForwardedRequest {
        var w = JuteWriter()
        CreateRequest(path: path, data: [1], acl: ACL.openUnsafe, flags: 0).encode(to: &w)
        return ForwardedRequest(session: session, cxid: cxid, type: .create, body: w.bytes, authInfo: [])
    }

    /// Creates the session through server 2 and commits it.
    func withSession() -> ServerCore {
        var core = leader()
        var w = JuteWriter()
        w.writeInt(10_000)
        let txns = persisted(core.prepareForwarded(
            ForwardedRequest(session: session, cxid: 0, type: .createSession, body: w.bytes, authInfo: nil),
            from: ServerID(2), now: now))
        _ = core.commitThrough(txns.last!.zxid, now: now)
        return core
    }

    @Test func theCreatingServerMayWrite() {
        var core = withSession()
        let txns = persisted(core.prepareForwarded(create("/a", cxid: 1), from: ServerID(2), now: now))
        #expect(txns.map(\.header.type) == [.create])
    }

    @Test func afterARevalidateOnlyTheNewServerMayWrite() {
        var core = withSession()
        let live = core.revalidateSession(session, timeoutMs: 10_000, owner: ServerID(3), now: now)
        #expect(live)
        let stale = persisted(core.prepareForwarded(create("/a", cxid: 1), from: ServerID(2), now: now))
        #expect(stale.map(\.header.type) == [.error])
        #expect(stale.first?.body == .error(ErrorTxn(err: .sessionMoved)))
        let fresh = persisted(core.prepareForwarded(create("/b", cxid: 2), from: ServerID(3), now: now))
        #expect(fresh.map(\.header.type) == [.create])
        _ = core.commitThrough(fresh.last!.zxid, now: now)
        #expect(core.tree.node(at: "/a") == nil)
        #expect(core.tree.node(at: "/b") != nil)
    }

    @Test func aSessionThatMovedToTheLeaderCannotWriteThroughItsOldServer() {
        var core = withSession()
        let request = ConnectRequest(lastZxidSeen: 0, timeOut: 10_000, sessionId: session.rawValue,
                                     passwd: SessionCredentials.sessionPassword(for: session), readOnly: false)
        _ = core.received([.opened(ConnectionID(7), address: "127.0.0.1", port: 4000), .connect(ConnectionID(7), request)],
                          now: now)
        let stale = persisted(core.prepareForwarded(create("/a", cxid: 1), from: ServerID(2), now: now))
        #expect(stale.first?.body == .error(ErrorTxn(err: .sessionMoved)))
        let local = persisted(core.received(.request(ConnectionID(7), xid: 2,
                                                     .create(.create, CreateRequest(path: "/c", data: [], acl: ACL.openUnsafe, flags: 0))),
                                            now: now))
        #expect(local.map(\.header.type) == [.create])
    }

    @Test func aLeaderThatDoesNotServeClosesClientsAfterTheirHandshake() {
        var settings = ServerSettings(tickMs: 2000)
        settings.serverID = ServerID(1)
        settings.leaderServes = false
        var core = ServerCore(settings: settings, tree: DataTree(), now: now)
        core.becomeLeader(epoch: 1)
        let request = ConnectRequest(lastZxidSeen: 0, timeOut: 10_000, sessionId: 0,
                                     passwd: Array(repeating: 0, count: 16), readOnly: false)
        let actions = core.received([.opened(ConnectionID(3), address: "127.0.0.1", port: 4000),
                                     .connect(ConnectionID(3), request)], now: now)
        #expect(actions.contains { if case .close(ConnectionID(3), _) = $0 { return true } else { return false } })
        #expect(persisted(actions).isEmpty, "no session is created")
        // It still prepares what learners forward.
        var w = JuteWriter()
        w.writeInt(10_000)
        let txns = persisted(core.prepareForwarded(
            ForwardedRequest(session: session, cxid: 0, type: .createSession, body: w.bytes, authInfo: nil),
            from: ServerID(2), now: now))
        #expect(txns.map(\.header.type) == [.createSession])
    }
}
