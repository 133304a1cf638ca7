import Testing
@testable import ZKCore

/// The connection life cycle of the core: handshake (spec §2), requests before it, per-address and
/// sessionless limits, and the global outstanding-request throttle.
@Suite struct ServerCoreHandshakeTests {
    let c1 = ConnectionID(1), c2 = ConnectionID(2), c3 = ConnectionID(3)
    let base = SessionIDGenerator.initialBase(serverId: ServerID(1), monotonicMillis: 0x798bea)

    private func response(_ session: SessionID, timeout: Int32, readOnly: Bool? = false) -> OutboundMessage {
        .connectResponse(ConnectResponse(timeOut: timeout, sessionId: session.rawValue,
                                         passwd: SessionCredentials.sessionPassword(for: session), readOnly: readOnly))
    }

    @Test func newSessionIsLoggedThenAnswered() {
        let h = CoreHarness()
        h.driver.autoSync = false
        h.open(1)
        let out = h.driver.feed(.connect(c1, CoreHarness.connectRequest(timeout: 30000)))
        #expect(out.sent(to: c1).isEmpty, "no answer before the createSession txn is durable")
        #expect(h.logged.count == 1)
        #expect(h.logged[0].header == TxnHeader(clientId: base.rawValue, cxid: 0, zxid: 1,
                                                time: h.driver.now.wallMs, type: .createSession))
        #expect(h.logged[0].body == .createSession(CreateSessionTxn(timeOut: 30000)))
        let synced = h.driver.sync()
        #expect(synced.sent(to: c1) == [response(base, timeout: 30000)])
        #expect(h.core.sessions.isActive(base))
        #expect(h.lastZxid == 1)

        h.driver.autoSync = true
        let second = h.session(2)
        #expect(second.rawValue == base.rawValue + 1)
    }

    @Test func clientWithoutReadOnlyByteGetsNone() {
        let h = CoreHarness()
        h.open(1)
        let out = h.driver.feed(.connect(c1, CoreHarness.connectRequest(readOnly: nil)))
        #expect(out.sent(to: c1) == [response(base, timeout: 30000, readOnly: nil)])
        // A client asking for read-only gets a normal session from a read-write server.
        h.open(2)
        let ro = h.driver.feed(.connect(c2, CoreHarness.connectRequest(readOnly: true)))
        #expect(ro.sent(to: c2) == [response(SessionID(base.rawValue + 1), timeout: 30000, readOnly: false)])
    }

    @Test(arguments: [(Int32(1000), Int32(4000)), (100_000, 40000), (4000, 4000), (40000, 40000), (12345, 12345)])
    func timeoutIsClamped(asked: Int32, negotiated: Int32) {
        let h = CoreHarness()
        h.open(1)
        let out = h.driver.feed(.connect(c1, CoreHarness.connectRequest(timeout: asked)))
        #expect(out.sent(to: c1) == [response(base, timeout: negotiated)])
        #expect(h.logged[0].body == .createSession(CreateSessionTxn(timeOut: negotiated)))
        #expect(h.core.sessions.sessions[base]?.timeoutMs == negotiated)
    }

    @Test func resumeWithRightPasswordMovesTheSession() {
        let h = CoreHarness()
        let session = h.session(1)
        #expect(h.create(1, "/a").err == .ok)
        h.open(2)
        let out = h.driver.feed(.connect(c2, CoreHarness.connectRequest(
            session: session.rawValue, passwd: SessionCredentials.sessionPassword(for: session), timeout: 10000,
            lastZxidSeen: h.lastZxid)))
        #expect(out.closed(c1), "the session's previous connection is closed")
        #expect(out.sent(to: c2) == [response(session, timeout: 10000)])
        #expect(h.logged.count == 2, "a resume logs nothing")
        #expect(h.core.sessions.sessions[session]?.timeoutMs == 10000)
        #expect(h.core.sessionOwner[session] == c2)
        #expect(h.getData(2, "/a").err == .ok)
        // Requests on the old connection are no longer served.
        #expect(h.send(1, .getData(GetDataRequest(path: "/a"))).sent(to: c1).isEmpty)
    }

    @Test func resumeWithWrongPasswordIsRefusedAndStillDropsTheOldConnection() {
        let h = CoreHarness()
        let session = h.session(1)
        h.open(2)
        var wrong = SessionCredentials.sessionPassword(for: session)
        wrong[0] ^= 0xff
        let out = h.driver.feed(.connect(c2, CoreHarness.connectRequest(session: session.rawValue, passwd: wrong)))
        #expect(out.sent(to: c2) == [.connectResponse(.invalid(readOnly: false))])
        #expect(out.closed(c2))
        // Spec §2 step 7b (live 3.8.0): the legitimate client is disconnected before the check.
        #expect(out.closed(c1))
        let sendIndex = out.firstIndex { if case .send(c2, _) = $0 { return true } else { return false } }
        let closeIndex = out.firstIndex { if case .close(c2, _) = $0 { return true } else { return false } }
        #expect(sendIndex! < closeIndex!, "the refusal is sent before the close")
        // The session itself stays valid.
        #expect(h.core.sessions.isActive(session))
        h.open(3)
        let again = h.driver.feed(.connect(c3, CoreHarness.connectRequest(
            session: session.rawValue, passwd: SessionCredentials.sessionPassword(for: session))))
        #expect(again.sent(to: c3) == [response(session, timeout: 30000)])
    }

    @Test func unknownSessionIsRefused() {
        let h = CoreHarness()
        h.open(1)
        let ghost = SessionID(0x0100_0000_0000_1234)
        let out = h.driver.feed(.connect(c1, CoreHarness.connectRequest(
            session: ghost.rawValue, passwd: SessionCredentials.sessionPassword(for: ghost), readOnly: nil)))
        #expect(out.sent(to: c1) == [.connectResponse(.invalid(readOnly: nil))])
        #expect(out.closed(c1))
        #expect(h.logged.isEmpty)
    }

    @Test func clientAheadOfServerIsClosedWithoutReply() {
        let h = CoreHarness()
        h.session(1)
        h.open(2)
        let out = h.driver.feed(.connect(c2, CoreHarness.connectRequest(lastZxidSeen: h.lastZxid + 1)))
        #expect(out.sent(to: c2).isEmpty)
        #expect(out.closed(c2))
        #expect(h.logged.count == 1)
        // Equal is fine.
        h.open(3)
        let ok = h.driver.feed(.connect(c3, CoreHarness.connectRequest(lastZxidSeen: h.lastZxid)))
        #expect(!ok.closed(c3))
        #expect(ok.sent(to: c3).count == 1)
    }

    @Test func requestBeforeConnectClosesTheConnection() {
        let h = CoreHarness()
        h.open(1)
        let out = h.send(1, .getData(GetDataRequest(path: "/")))
        #expect(out.sent(to: c1).isEmpty)
        #expect(out.closed(c1))
        #expect(h.core.connections[c1] == nil)
    }

    @Test func secondConnectRequestClosesTheConnection() {
        let h = CoreHarness()
        h.session(1)
        let out = h.driver.feed(.connect(c1, CoreHarness.connectRequest()))
        #expect(out.closed(c1))
        #expect(h.logged.count == 1)
    }

    @Test func requestsQueuedBehindSessionCreationAreAnsweredAfterIt() {
        let h = CoreHarness()
        h.driver.autoSync = false
        h.open(1)
        h.driver.feed(.connect(c1, CoreHarness.connectRequest()))
        #expect(h.send(1, .exists(ExistsRequest(path: "/"))).sent(to: c1).isEmpty)
        let out = h.driver.sync().sent(to: c1)
        #expect(out.count == 2)
        guard out.count == 2 else { return }
        #expect(out[0] == response(base, timeout: 30000))
        if case let .reply(header, .stat) = out[1] { #expect(header.xid == 1 && header.err == .ok) } else {
            Issue.record("expected the exists reply, got \(out[1])")
        }
    }

    @Test func maxClientConnectionsPerAddress() {
        var settings = ServerSettings(tickMs: 2000)
        settings.maxClientCnxns = 2
        let h = CoreHarness(settings: settings)
        #expect(!h.open(1, address: "10.0.0.1").closed(c1))
        #expect(!h.open(2, address: "10.0.0.1").closed(c2))
        #expect(h.open(3, address: "10.0.0.1").closed(c3))
        #expect(!h.open(4, address: "10.0.0.2").closed(ConnectionID(4)))
        #expect(h.core.connections.count == 3)
        h.driver.feed(.closed(c1))
        #expect(!h.open(5, address: "10.0.0.1").closed(ConnectionID(5)))
        #expect(h.open(6, address: "10.0.0.1").closed(ConnectionID(6)))
        #expect(h.core.report(now: h.driver.now).connectionRejected == 2)
    }

    @Test func sessionlessConnectionIsDroppedAfterTheTimeout() {
        var settings = ServerSettings(tickMs: 2000)
        settings.sessionlessConnectionTimeoutMs = 10_000
        let h = CoreHarness(settings: settings)
        h.open(1)
        h.session(2)
        #expect(!h.tick(9_999).closed(c1))
        let out = h.tick(1)
        #expect(out.closed(c1))
        #expect(!out.closed(c2))
        #expect(h.core.connections[c1] == nil)
        #expect(!h.tick(5_000).closed(c2))
    }

    @Test func globalOutstandingLimitThrottlesAndResumes() {
        var settings = ServerSettings(tickMs: 2000)
        settings.globalOutstandingLimit = 2
        let h = CoreHarness(settings: settings)
        h.session(1)
        h.driver.autoSync = false
        let throttleOn = CoreAction.throttle(true), throttleOff = CoreAction.throttle(false)
        #expect(!h.send(1, .create(.create, CreateRequest(path: "/a", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .contains(throttleOn))
        #expect(!h.send(1, .create(.create, CreateRequest(path: "/b", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .contains(throttleOn))
        #expect(h.send(1, .getData(GetDataRequest(path: "/a"))).contains(throttleOn))
        #expect(!h.send(1, .getData(GetDataRequest(path: "/b"))).contains(throttleOn), "reported once")
        #expect(h.core.report(now: h.driver.now).outstandingRequests == 4)
        let synced = h.driver.sync()
        #expect(synced.contains(throttleOff))
        #expect(synced.replies(to: c1).map(\.0.err) == [.ok, .ok, .ok, .ok])
        #expect(h.core.report(now: h.driver.now).outstandingRequests == 0)
    }

    @Test func closedConnectionReleasesItsOutstandingCount() {
        var settings = ServerSettings(tickMs: 2000)
        settings.globalOutstandingLimit = 2
        let h = CoreHarness(settings: settings)
        h.session(1)
        h.driver.autoSync = false
        for path in ["/a", "/b", "/c"] {
            h.send(1, .create(.create, CreateRequest(path: path, data: nil, acl: ACL.openUnsafe, flags: 0)))
        }
        let out = h.driver.feed(.closed(c1))
        #expect(out.contains(.throttle(false)))
        #expect(h.core.report(now: h.driver.now).outstandingRequests == 0)
        // The writes still commit; nobody is left to answer.
        let synced = h.driver.sync()
        #expect(synced.sent(to: c1).isEmpty)
        #expect(h.tree.node(at: "/c") != nil)
    }
}
