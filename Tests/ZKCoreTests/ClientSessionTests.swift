import Testing
@testable import ZKCore

/// The client session machine driven event by event: handshake, timers, host rotation, resume and
/// the terminal states (spec client-protocol §2.3, §3, §13).
@Suite struct ClientSessionTests {
    @Test func handshakeSendsConnectRequestAndReportsConnected() {
        var d = SessionDriver()
        #expect(d.start() == [.connect(to: HostAddress(host: "127.0.0.1", port: 2181))])
        #expect(d.machine.state == .connecting(host: 0, since: d.now, handshakeSent: false))
        #expect(d.socketConnected() == [.send(.connect(ConnectRequest(
            lastZxidSeen: 0, timeOut: 30000, sessionId: 0, passwd: [UInt8](repeating: 0, count: 16), readOnly: false)))])
        let actions = d.receive(SessionDriver.connectResponse(timeout: 12000))
        #expect(actions == [.emit(.connected)])
        #expect(d.machine.state == .connected(readOnly: false))
        #expect(d.machine.sessionID == SessionDriver.sessionID)
        #expect(d.machine.password == SessionDriver.password)
        #expect(d.machine.negotiatedTimeoutMs == 12000)
        // Read timeout 8000 (2/3), ping after 4000 (half of it).
        #expect(d.machine.nextDeadline == d.now + 4000)
    }

    @Test func connectRequestFrameMatchesTheCapturedBytes() {
        // Spec §2 byte sample: new session, timeout 30000, readOnly byte 0.
        let packet = ClientPacket.connect(ConnectRequest(lastZxidSeen: 0, timeOut: 30000, sessionId: 0,
                                                         passwd: [UInt8](repeating: 0, count: 16), readOnly: false))
        let hex = packet.frameBytes.map { String(format2: $0) }.joined()
        #expect(hex == "0000002d" + "00000000" + "0000000000000000" + "00007530" + "0000000000000000" + "00000010"
                + String(repeating: "00", count: 16) + "00")
    }

    @Test func pingsWhenIdleForHalfTheReadTimeoutCappedAtTenSeconds() {
        var d = SessionDriver(timeoutMs: 6000)
        d.connect(timeout: 6000)
        d.advance(1999)
        #expect(d.tick().isEmpty)
        d.advance(1)
        #expect(d.tick() == [.send(.request(xid: Xid.ping, .ping))])
        // The ping reply counts as traffic and updates nothing else.
        #expect(d.receive(SessionDriver.reply(xid: Xid.ping, zxid: 0x55)).isEmpty)
        #expect(d.machine.lastZxidSeen == 0)

        var long = SessionDriver(timeoutMs: 40000)
        long.connect(timeout: 40000)
        #expect(long.machine.nextDeadline == long.now + 10_000)
    }

    @Test func connectTimeoutIsSessionTimeoutOverHostCount() {
        var d = SessionDriver(hosts: 3, timeoutMs: 30000)
        let first = d.start()
        #expect(first == [.connect(to: d.machine.hosts[0])])
        d.advance(9999)
        #expect(d.tick().isEmpty)
        d.advance(1)
        // No socket ever connected: no random wait, straight to the next host.
        #expect(d.tick() == [.closeConnection, .connect(to: d.machine.hosts[1])])
        #expect(d.machine.state == .connecting(host: 1, since: d.now, handshakeSent: false))
    }

    @Test func hostsAreShuffledBySeed() {
        let a = SessionDriver(hosts: 5, seed: 1).machine.hosts
        let b = SessionDriver(hosts: 5, seed: 1).machine.hosts
        let c = SessionDriver(hosts: 5, seed: 2).machine.hosts
        #expect(a == b)
        #expect(Set(a) == Set(c) && a.count == 5)
    }

    @Test func readTimeoutFailsPendingAndMovesToTheNextHost() {
        var d = SessionDriver(hosts: 3, timeoutMs: 30000)
        d.connect()
        let (id, sent) = d.submit(.getData(GetDataRequest(path: "/a")))
        #expect(sent.requests.map(\.xid) == [1])
        d.advance(19_999)
        _ = d.tick() // a ping, no timeout yet
        d.advance(1)
        let actions = d.tick()
        #expect(actions == [.closeConnection, .deliver(id, .failed(.connectionLoss)), .emit(.disconnected)])
        guard case .reconnecting(let host, let at) = d.machine.state else {
            Issue.record("expected reconnecting, got \(d.machine.state)")
            return
        }
        #expect(host == 1)
        #expect(at >= d.now && at < d.now + Limits.clientReconnectJitterMs)
        #expect(d.machine.nextDeadline == at)
        d.now = at
        #expect(d.tick() == [.connect(to: d.machine.hosts[1])])
    }

    @Test func singleHostWaitsASpinDelayBeforeRetryingIt() {
        var d = SessionDriver(hosts: 1)
        d.connect()
        _ = d.lost()
        guard case .reconnecting(0, let at) = d.machine.state else {
            Issue.record("expected reconnecting to host 0, got \(d.machine.state)")
            return
        }
        #expect(at >= d.now + Limits.clientHostSpinDelayMs)
        #expect(at < d.now + Limits.clientHostSpinDelayMs + Limits.clientReconnectJitterMs)
    }

    @Test func reconnectResumesTheSessionWithLastZxidFromRepliesOnly() {
        var d = SessionDriver(hosts: 2)
        d.connect()
        let (id, sent) = d.submit(.exists(ExistsRequest(path: "/a")))
        #expect(sent.requests.map(\.xid) == [1])
        let reply = d.receive(SessionDriver.reply(xid: 1, zxid: 0x42, err: .noNode))
        #expect(reply.outcome(id) == .reply(ClientReply(zxid: 0x42, err: .noNode)))
        // A notification's zxid (-1 in 3.8, the txn's in 3.9) is not a reply's.
        _ = d.receive(SessionDriver.frame(.reply(ReplyHeader(xid: -1, zxid: 0x99, err: .ok),
                                                 .none)) + WatcherEvent(type: .nodeCreated, path: "/x").juteBytes)
        #expect(d.machine.lastZxidSeen == 0x42)
        _ = d.lost()
        if case .reconnecting(_, let at) = d.machine.state { d.now = at }
        #expect(d.tick() == [.connect(to: d.machine.hosts[1])])
        #expect(d.socketConnected() == [.send(.connect(ConnectRequest(
            lastZxidSeen: 0x42, timeOut: 30000, sessionId: SessionDriver.sessionID.rawValue,
            passwd: SessionDriver.password, readOnly: false)))])
        #expect(d.receive(SessionDriver.connectResponse()) == [.emit(.connected)])
        // Xids keep counting across connections.
        #expect(d.submit(.sync(SyncRequest(path: "/"))).1.requests.map(\.xid) == [2])
    }

    @Test func outOfOrderXidIsAConnectionLoss() {
        var d = SessionDriver(hosts: 2)
        d.connect()
        let (first, _) = d.submit(.getData(GetDataRequest(path: "/a")))
        let (second, _) = d.submit(.getData(GetDataRequest(path: "/b")))
        let actions = d.receive(SessionDriver.reply(xid: 2, zxid: 5, err: .noNode))
        #expect(actions.first == .closeConnection)
        #expect(actions.outcome(first) == .failed(.connectionLoss))
        #expect(actions.outcome(second) == .failed(.connectionLoss))
        #expect(actions.emitted == [.disconnected])
        // A reply when nothing is outstanding is as bad.
        d.connect()
        #expect(d.receive(SessionDriver.reply(xid: 9, zxid: 5)).first == .closeConnection)
    }

    @Test func nonPositiveTimeoutInConnectResponseExpiresTheSession() {
        var d = SessionDriver()
        d.connect()
        let (watchRequest, _) = d.submit(.getData(GetDataRequest(path: "/w", watch: true)), watch: (WatchID(1), .data))
        _ = d.receive(SessionDriver.reply(xid: 1, zxid: 3, .getData(GetDataResponse(data: [], stat: Stat()))))
        _ = watchRequest
        _ = d.lost()
        let (queued, _) = d.submit(.sync(SyncRequest(path: "/")))
        if case .reconnecting(_, let at) = d.machine.state { d.now = at }
        _ = d.tick()
        _ = d.socketConnected()
        let actions = d.receive(SessionDriver.connectResponse(timeout: 0, session: SessionID(0)))
        #expect(actions == [.closeConnection, .emit(.expired), .deliver(queued, .failed(.sessionExpired)),
                            .endWatches([WatchID(1)])])
        #expect(d.machine.state == .expired)
        #expect(d.machine.nextDeadline == nil)
        let (late, refused) = d.submit(.sync(SyncRequest(path: "/")))
        #expect(refused == [.deliver(late, .failed(.sessionExpired))])
    }

    @Test func rejectedAuthEndsTheSession() {
        var d = SessionDriver()
        d.connect()
        let (auth, sent) = d.addAuth("digest", "bob:wrong")
        #expect(sent == [.send(.request(xid: Xid.auth, .auth(AuthPacket(scheme: "digest", auth: Array("bob:wrong".utf8)))))])
        let (pending, _) = d.submit(.getData(GetDataRequest(path: "/a")))
        let actions = d.receive(SessionDriver.reply(xid: Xid.auth, zxid: 0, err: .authFailed))
        #expect(actions == [.deliver(auth, .failed(.authFailed)), .closeConnection, .emit(.authFailed),
                            .deliver(pending, .failed(.authFailed))])
        #expect(d.machine.state == .authFailed)
        let (late, refused) = d.submit(.sync(SyncRequest(path: "/")))
        #expect(refused == [.deliver(late, .failed(.authFailed))])
    }

    @Test func authIsResentAfterReconnectBeforeWatchesAndQueuedRequests() {
        var d = SessionDriver()
        d.connect()
        let (auth, _) = d.addAuth("digest", "bob:pw")
        #expect(d.receive(SessionDriver.reply(xid: Xid.auth, zxid: 0)).outcome(auth) == .reply(ClientReply(zxid: 0, err: .ok)))
        _ = d.submit(.exists(ExistsRequest(path: "/e", watch: true)), watch: (WatchID(1), .exist))
        _ = d.receive(SessionDriver.reply(xid: 1, zxid: 7, err: .noNode))
        _ = d.lost()
        let (queued, _) = d.submit(.getData(GetDataRequest(path: "/q")))
        let actions = d.connect()
        #expect(actions.emitted == [.connected])
        #expect(actions.requests.map(\.xid) == [Xid.auth, 2, 3])
        #expect(actions.requests.map(\.request) == [
            .auth(AuthPacket(scheme: "digest", auth: Array("bob:pw".utf8))),
            .setWatches(SetWatches(relativeZxid: 7, existWatches: ["/e"])),
            .getData(GetDataRequest(path: "/q")),
        ])
        // The SetWatches reply is consumed internally; the queued request's reply reaches its caller.
        #expect(d.receive(SessionDriver.reply(xid: 2, zxid: 7)).isEmpty)
        #expect(d.receive(SessionDriver.reply(xid: 3, zxid: 8, err: .noNode)).outcome(queued)
                == .reply(ClientReply(zxid: 8, err: .noNode)))
    }

    @Test func queuedRequestsFailWhenTheAttemptFails() {
        var d = SessionDriver(hosts: 2)
        _ = d.start()
        let (id, actions) = d.submit(.sync(SyncRequest(path: "/")))
        #expect(actions.isEmpty)
        #expect(d.lost() == [.deliver(id, .failed(.connectionLoss)), .connect(to: d.machine.hosts[1])])
    }

    @Test func readOnlyServerIsReportedAndNotResumedLater() {
        var d = SessionDriver(hosts: 2, canBeReadOnly: true)
        _ = d.start()
        guard case .send(.connect(let request)) = d.socketConnected().first else {
            Issue.record("no ConnectRequest")
            return
        }
        #expect(request.readOnly == true)
        #expect(d.receive(SessionDriver.connectResponse(readOnly: true)) == [.emit(.connectedReadOnly)])
        #expect(d.machine.state == .connected(readOnly: true))
        _ = d.lost()
        if case .reconnecting(_, let at) = d.machine.state { d.now = at }
        _ = d.tick()
        // ClientCnxn sends session 0 until it has seen a read-write server (seenRwServerBefore).
        guard case .send(.connect(let again)) = d.socketConnected().first else {
            Issue.record("no ConnectRequest")
            return
        }
        #expect(again.sessionId == 0)
    }

    @Test func closeSendsCloseSessionAndEndsOnItsReply() {
        var d = SessionDriver()
        d.connect()
        _ = d.submit(.addWatch(AddWatchRequest(path: "/p", mode: .persistent)), watch: (WatchID(4), .persistent))
        _ = d.receive(SessionDriver.reply(xid: 1, zxid: 2, .errorResponse(ErrorResponse(err: .ok))))
        let close = d.machine.close(id: RequestID(99), now: d.now)
        #expect(close == [.send(.request(xid: 2, .closeSession))])
        #expect(d.machine.state == .closing)
        let (late, refused) = d.submit(.sync(SyncRequest(path: "/")))
        #expect(refused == [.deliver(late, .failed(.connectionLoss))])
        let done = d.receive(SessionDriver.reply(xid: 2, zxid: 3))
        #expect(done == [.closeConnection, .emit(.closed), .endWatches([WatchID(4)]),
                         .deliver(RequestID(99), .reply(ClientReply(zxid: 0, err: .ok)))])
        #expect(d.machine.state == .closed)
        let (after, refusedAfter) = d.submit(.sync(SyncRequest(path: "/")))
        #expect(refusedAfter == [.deliver(after, .failed(.sessionExpired))])
    }

    @Test func closeWhileDisconnectedEndsAtOnce() {
        var d = SessionDriver()
        d.connect()
        _ = d.lost()
        let actions = d.machine.close(id: RequestID(5), now: d.now)
        #expect(actions == [.emit(.closed), .deliver(RequestID(5), .reply(ClientReply(zxid: 0, err: .ok)))])
        #expect(d.machine.nextDeadline == nil)
    }

    @Test func closingTimesOutWithoutAReply() {
        var d = SessionDriver(timeoutMs: 6000)
        d.connect(timeout: 6000)
        _ = d.machine.close(id: RequestID(5), now: d.now)
        d.advance(4000)
        let actions = d.tick()
        #expect(actions == [.closeConnection, .emit(.closed), .deliver(RequestID(5), .reply(ClientReply(zxid: 0, err: .ok)))])
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self.init([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}
