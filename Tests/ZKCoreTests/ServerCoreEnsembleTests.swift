import Testing
@testable import ZKCore

/// A leader core (server 1) and a learner core (server 2) wired by hand the way `QuorumPeer`
/// wires them: what the learner forwards is prepared by the leader, committed there, and the
/// committed txns are applied on the learner.
struct EnsembleCores {
    var leader: ServerCore
    var learner: ServerCore
    var now = CoreTime(wallMs: 1_700_000_000_000, monotonicMs: 50_000)

    init() {
        var leaderSettings = ServerSettings(tickMs: 2000)
        leaderSettings.serverID = ServerID(1)
        var learnerSettings = ServerSettings(tickMs: 2000)
        learnerSettings.serverID = ServerID(2)
        leader = ServerCore(settings: leaderSettings, tree: DataTree(), now: now)
        learner = ServerCore(settings: learnerSettings, tree: DataTree(), now: now)
        leader.becomeLeader(epoch: 1)
        learner.becomeLearner()
    }

    /// Feeds a client input to the learner.
    mutating func toLearner(_ input: CoreInput) -> [CoreAction] { learner.received(input, now: now) }

    /// Feeds a client input to the leader.
    mutating func toLeader(_ input: CoreInput) -> [CoreAction] { leader.received(input, now: now) }

    /// The leader prepares a forwarded request and commits it at once; returns its txns.
    mutating func prepareAndCommit(_ request: ForwardedRequest) -> [LoggedTxn] {
        let txns = leader.prepareForwarded(request, now: now).persisted
        if let last = txns.last { _ = leader.commitThrough(last.zxid, now: now) }
        return txns
    }

    /// A new session on learner connection `n`, created through the leader; returns its id.
    mutating func learnerSession(_ n: UInt64, timeout: Int32 = 30000) -> SessionID {
        _ = toLearner(.opened(ConnectionID(n), address: "127.0.0.1", port: 40000 + Int(n)))
        let out = toLearner(.connect(ConnectionID(n), CoreHarness.connectRequest(timeout: timeout)))
        guard let forward = out.forwarded.first else {
            Issue.record("the learner did not forward createSession: \(out)")
            return SessionID(0)
        }
        _ = learner.applyCommitted(prepareAndCommit(forward), now: now)
        return forward.session
    }
}

extension Array where Element == CoreAction {
    /// The requests forwarded to the leader.
    var forwarded: [ForwardedRequest] {
        compactMap { if case .forward(let request) = $0 { return request } else { return nil } }
    }

    /// Every txn handed to the log.
    var persisted: [LoggedTxn] {
        flatMap { action -> [LoggedTxn] in if case .persist(let txns) = action { return txns } else { return [] } }
    }

    /// The connect responses sent to `id`.
    func connectResponses(to id: ConnectionID) -> [ConnectResponse] {
        sent(to: id).compactMap { if case .connectResponse(let r) = $0 { return r } else { return nil } }
    }
}

/// The client-facing half of an ensemble member: a learner forwards writes, new sessions and
/// syncs and answers them when the leader's commits arrive; the leader prepares forwarded
/// requests with their auth ids; a member that is not serving refuses clients.
@Suite struct ServerCoreEnsembleTests {
    let c1 = ConnectionID(1)

    func createRequest(_ path: String, _ data: String = "", acl: [ACL] = ACL.openUnsafe) -> ClientRequest {
        .create(.create, CreateRequest(path: path, data: Array(data.utf8), acl: acl, flags: 0))
    }

    // MARK: - Learner

    @Test func newSessionOnALearnerForwardsCreateSessionAndAnswersWhenItCommits() throws {
        var e = EnsembleCores()
        _ = e.toLearner(.opened(c1, address: "127.0.0.1", port: 40001))
        let out = e.toLearner(.connect(c1, CoreHarness.connectRequest(timeout: 100_000)))
        #expect(out.connectResponses(to: c1).isEmpty)
        let forward = try #require(out.forwarded.first)
        var body = JuteWriter()
        body.writeInt(40000)  // clamped to maxSessionTimeout, as the handshake answer will be
        #expect(out.forwarded == [ForwardedRequest(session: forward.session, cxid: 0, type: .createSession,
                                                   body: body.bytes, authInfo: nil)])
        #expect(forward.session.rawValue >> 56 == 2, "a learner's session ids carry its server id")
        let txns = e.prepareAndCommit(forward)
        #expect(txns.map(\.header.type) == [.createSession])
        #expect(txns.first?.header.clientId == forward.session.rawValue)
        let applied = e.learner.applyCommitted(txns, now: e.now)
        let response = try #require(applied.connectResponses(to: c1).first)
        #expect(response.sessionId == forward.session.rawValue)
        #expect(response.timeOut == 40000)
        #expect(response.passwd == SessionCredentials.sessionPassword(for: forward.session))
        #expect(e.learner.sessions.sessions[forward.session] != nil)
    }

    @Test func learnerForwardsAWriteAndAnswersItOnlyWhenTheMatchingTxnIsApplied() throws {
        var e = EnsembleCores()
        let s1 = e.learnerSession(1)
        let s2 = e.learnerSession(2)
        let create = createRequest("/a", "x")
        let out = e.toLearner(.request(c1, xid: 1, create))
        #expect(out.sent(to: c1).isEmpty)
        #expect(out.persisted.isEmpty, "a learner never logs a client write itself")
        #expect(out.forwarded == [ForwardedRequest(session: s1, cxid: 1, type: .create, body: create.encodedBody(),
                                                   authInfo: [Id(scheme: "ip", id: "127.0.0.1")])])
        // Another session's commit does not answer it.
        _ = e.toLearner(.request(ConnectionID(2), xid: 1, createRequest("/b")))
        let other = e.prepareAndCommit(ForwardedRequest(session: s2, cxid: 1, type: .create,
                                                        body: createRequest("/b").encodedBody(), authInfo: []))
        let otherApplied = e.learner.applyCommitted(other, now: e.now)
        #expect(otherApplied.replies(to: c1).isEmpty)
        #expect(otherApplied.replies(to: ConnectionID(2)).map(\.0.xid) == [1])
        let mine = e.prepareAndCommit(try #require(out.forwarded.first))
        let applied = e.learner.applyCommitted(mine, now: e.now)
        let replies = applied.replies(to: c1)
        #expect(replies.map(\.0.xid) == [1])
        #expect(replies.first?.0.err == .ok)
        #expect(replies.first?.1 == .create(CreateResponse(path: "/a")))
        #expect(replies.first?.0.zxid == mine.last?.header.zxid)
        #expect(e.learner.tree.lastProcessedZxid == mine.last?.zxid)
    }

    @Test func requestsBehindASyncWaitUnprocessedUntilItIsAnswered() throws {
        // On a learner: the write after a sync is not forwarded until the leader's SYNC came back,
        // so its reply can never overtake the sync's (the leader confirms a sync with a quorum,
        // which may take longer than committing a later write).
        var e = EnsembleCores()
        _ = e.learnerSession(1)
        let sync = e.toLearner(.request(c1, xid: 1, .sync(SyncRequest(path: "/"))))
        #expect(sync.forwarded.map(\.type) == [.sync])
        let held = e.toLearner(.request(c1, xid: 2, createRequest("/after")))
        let read = e.toLearner(.request(c1, xid: 3, .exists(ExistsRequest(path: "/", watch: false))))
        #expect(held.forwarded.isEmpty && held.sent(to: c1).isEmpty && read.sent(to: c1).isEmpty)
        let answered = e.learner.syncReached(now: e.now)
        #expect(answered.replies(to: c1).map(\.0.xid) == [1])
        #expect(answered.forwarded.map(\.type) == [.create], "released once the sync is answered")
        let applied = e.learner.applyCommitted(e.prepareAndCommit(try #require(answered.forwarded.first)), now: e.now)
        #expect(applied.replies(to: c1).map(\.0.xid) == [2, 3])
    }

    @Test func theLeadersOwnSyncIsHeldForConfirmationAndWritesBehindItWait() throws {
        var e = EnsembleCores()
        let c = ConnectionID(9)
        _ = e.toLeader(.opened(c, address: "127.0.0.1", port: 40009))
        let connect = e.toLeader(.connect(c, CoreHarness.connectRequest()))
        if let last = connect.persisted.last { _ = e.leader.commitThrough(last.zxid, now: e.now) }
        let sync = e.toLeader(.request(c, xid: 1, .sync(SyncRequest(path: "/"))))
        #expect(sync.forwarded.map(\.type) == [.sync], "handed to the Leader machine to confirm")
        #expect(sync.sent(to: c).isEmpty)
        let write = e.toLeader(.request(c, xid: 2, createRequest("/w")))
        #expect(write.persisted.isEmpty, "not prepared while the sync waits")
        let confirmed = e.leader.syncReached(now: e.now)
        #expect(confirmed.replies(to: c).map(\.0.xid) == [1])
        #expect(confirmed.persisted.count == 1)
    }

    @Test func readsQueuedBehindAForwardedWriteWaitForItsCommit() throws {
        var e = EnsembleCores()
        _ = e.learnerSession(1)
        let forward = try #require(e.toLearner(.request(c1, xid: 1, createRequest("/a", "v1"))).forwarded.first)
        let read = e.toLearner(.request(c1, xid: 2, .getData(GetDataRequest(path: "/a", watch: false))))
        #expect(read.sent(to: c1).isEmpty)
        let applied = e.learner.applyCommitted(e.prepareAndCommit(forward), now: e.now)
        let replies = applied.replies(to: c1)
        #expect(replies.map(\.0.xid) == [1, 2])
        guard case .getData(let data)? = replies.last?.1 else { Issue.record("no getData reply"); return }
        #expect(data.data == Array("v1".utf8))
    }

    @Test func forwardedRequestsCountAsOutstandingUntilAnswered() throws {
        var e = EnsembleCores()
        _ = e.learnerSession(1)
        #expect(e.learner.report(now: e.now).outstandingRequests == 0)
        let forward = try #require(e.toLearner(.request(c1, xid: 1, createRequest("/a"))).forwarded.first)
        _ = e.toLearner(.request(c1, xid: 2, .sync(SyncRequest(path: "/"))))
        _ = e.toLearner(.request(c1, xid: 3, .exists(ExistsRequest(path: "/a", watch: false))))
        #expect(e.learner.report(now: e.now).outstandingRequests == 3)
        _ = e.learner.applyCommitted(e.prepareAndCommit(forward), now: e.now)
        #expect(e.learner.report(now: e.now).outstandingRequests == 2)
        let reached = e.learner.syncReached(now: e.now)
        #expect(reached.replies(to: c1).map(\.0.xid) == [2, 3])
        #expect(e.learner.report(now: e.now).outstandingRequests == 0)
    }

    @Test func readsOnAnIdleLearnerConnectionAreAnsweredAtOnce() {
        var e = EnsembleCores()
        _ = e.learnerSession(1)
        let out = e.toLearner(.request(c1, xid: 1, .exists(ExistsRequest(path: "/", watch: false))))
        #expect(out.forwarded.isEmpty)
        #expect(out.replies(to: c1).map(\.0.xid) == [1])
    }

    @Test func syncIsForwardedAndAnsweredOnlyWhenTheLeaderSyncArrives() {
        var e = EnsembleCores()
        _ = e.learnerSession(1)
        let sync = ClientRequest.sync(SyncRequest(path: "/"))
        let out = e.toLearner(.request(c1, xid: 1, sync))
        #expect(out.forwarded.map(\.type) == [.sync])
        #expect(out.forwarded.first?.body == sync.encodedBody())
        #expect(out.sent(to: c1).isEmpty)
        let read = e.toLearner(.request(c1, xid: 2, .exists(ExistsRequest(path: "/", watch: false))))
        #expect(read.sent(to: c1).isEmpty)
        let reached = e.learner.syncReached(now: e.now)
        #expect(reached.replies(to: c1).map(\.0.xid) == [1, 2])
        #expect(reached.replies(to: c1).first?.0.err == .ok)
    }

    @Test func syncReachedAnswersTheOldestWaitingSyncOnly() {
        var e = EnsembleCores()
        _ = e.learnerSession(1)
        _ = e.learnerSession(2)
        _ = e.toLearner(.request(c1, xid: 1, .sync(SyncRequest(path: "/"))))
        _ = e.toLearner(.request(ConnectionID(2), xid: 1, .sync(SyncRequest(path: "/"))))
        let first = e.learner.syncReached(now: e.now)
        #expect(first.replies(to: c1).count == 1 && first.replies(to: ConnectionID(2)).isEmpty)
        #expect(e.learner.syncReached(now: e.now).replies(to: ConnectionID(2)).count == 1)
    }

    @Test func resumedSessionOnALearnerIsRevalidatedAndAccepted() throws {
        var e = EnsembleCores()
        let session = e.learnerSession(1)
        _ = e.toLearner(.closed(c1))
        let c5 = ConnectionID(5)
        _ = e.toLearner(.opened(c5, address: "127.0.0.1", port: 40005))
        let request = CoreHarness.connectRequest(session: session.rawValue,
                                                 passwd: SessionCredentials.sessionPassword(for: session), timeout: 20000)
        let out = e.toLearner(.connect(c5, request))
        #expect(out.filter { if case .log = $0 { false } else { true } } == [.revalidate(session, timeoutMs: 20000)])
        #expect(out.connectResponses(to: c5).isEmpty)
        let live = e.leader.revalidateSession(session, timeoutMs: 20000, now: e.now)
        #expect(live)
        let answered = e.learner.revalidated(session, valid: true, now: e.now)
        let response = try #require(answered.connectResponses(to: c5).first)
        #expect(response.sessionId == session.rawValue && response.timeOut == 20000)
        #expect(!answered.closed(c5))
        // The session now serves requests on the new connection.
        #expect(e.toLearner(.request(c5, xid: 1, .exists(ExistsRequest(path: "/", watch: false)))).replies(to: c5).count == 1)
    }

    @Test func sessionFromAnotherMemberIsAdoptedWhenTheLeaderRevalidatesIt() throws {
        var e = EnsembleCores()
        let session = SessionID(0x0300_0000_0000_0007)  // made by server 3
        #expect(e.learner.sessions.sessions[session] == nil)
        _ = e.toLearner(.opened(c1, address: "127.0.0.1", port: 40001))
        let request = CoreHarness.connectRequest(session: session.rawValue,
                                                 passwd: SessionCredentials.sessionPassword(for: session), timeout: 10000)
        #expect(e.toLearner(.connect(c1, request)).contains(.revalidate(session, timeoutMs: 10000)))
        let answered = e.learner.revalidated(session, valid: true, now: e.now)
        #expect(answered.connectResponses(to: c1).first?.sessionId == session.rawValue)
        #expect(e.learner.sessions.sessions[session]?.timeoutMs == 10000)
        #expect(e.toLearner(.request(c1, xid: 1, .exists(ExistsRequest(path: "/", watch: false)))).replies(to: c1).count == 1)
    }

    @Test func revalidatedSessionMovesOffItsOlderConnection() throws {
        var e = EnsembleCores()
        let session = e.learnerSession(1)
        let c5 = ConnectionID(5)
        _ = e.toLearner(.opened(c5, address: "127.0.0.1", port: 40005))
        let request = CoreHarness.connectRequest(session: session.rawValue,
                                                 passwd: SessionCredentials.sessionPassword(for: session))
        let out = e.toLearner(.connect(c5, request))
        // As ZooKeeper does, the older connection goes before the session is checked.
        #expect(out.closed(c1))
        let answered = e.learner.revalidated(session, valid: true, now: e.now)
        #expect(answered.connectResponses(to: c5).count == 1)
        #expect(e.toLearner(.request(c5, xid: 1, .exists(ExistsRequest(path: "/", watch: false)))).replies(to: c5).count == 1)
    }

    @Test func resumedSessionTheLeaderNoLongerKnowsIsRejected() throws {
        var e = EnsembleCores()
        let session = SessionID(0x0200_0000_0000_0042)
        let live = e.leader.revalidateSession(session, timeoutMs: 30000, now: e.now)
        #expect(!live)
        _ = e.toLearner(.opened(c1, address: "127.0.0.1", port: 40001))
        let request = CoreHarness.connectRequest(session: session.rawValue,
                                                 passwd: SessionCredentials.sessionPassword(for: session))
        #expect(e.toLearner(.connect(c1, request)).contains(.revalidate(session, timeoutMs: 30000)))
        let answered = e.learner.revalidated(session, valid: false, now: e.now)
        let response = try #require(answered.connectResponses(to: c1).first)
        #expect(response.sessionId == 0 && response.timeOut == 0)
        #expect(answered.closed(c1))
    }

    @Test func resumedSessionWithAWrongPasswordIsRefusedWithoutAskingTheLeader() {
        var e = EnsembleCores()
        let session = e.learnerSession(1)
        _ = e.toLearner(.opened(ConnectionID(5), address: "127.0.0.1", port: 40005))
        let out = e.toLearner(.connect(ConnectionID(5), CoreHarness.connectRequest(session: session.rawValue)))
        #expect(!out.contains { if case .revalidate = $0 { true } else { false } })
        #expect(out.connectResponses(to: ConnectionID(5)).first?.sessionId == 0)
        #expect(out.closed(ConnectionID(5)))
    }

    @Test func learnerRecordsTouchedSessionsForThePingReply() {
        var e = EnsembleCores()
        let session = e.learnerSession(1, timeout: 12000)
        _ = e.learner.takeTouchedSessions()
        _ = e.toLearner(.request(c1, xid: 1, .exists(ExistsRequest(path: "/", watch: false))))
        #expect(e.learner.takeTouchedSessions() == [SessionTouch(session: session, timeoutMs: 12000)])
        #expect(e.learner.takeTouchedSessions().isEmpty)
    }

    // MARK: - Leader

    @Test func leaderPreparesForwardedWritesWithTheForwardedAuthIDs() throws {
        var e = EnsembleCores()
        let session = SessionID(0x0200_0000_0000_0001)
        _ = e.prepareAndCommit(ForwardedRequest(session: session, cxid: 0, type: .createSession,
                                                body: [0, 0, 0x75, 0x30], authInfo: nil))
        let digestID = Id(scheme: "digest", id: DigestAuthenticationProvider.generateDigest("alice:secret"))
        let ip = Id(scheme: "ip", id: "127.0.0.1")
        let secure = e.prepareAndCommit(ForwardedRequest(session: session, cxid: 1, type: .create,
                                                         body: createRequest("/secure", acl: [digestACL("alice:secret")]).encodedBody(),
                                                         authInfo: [ip, digestID]))
        #expect(secure.map(\.header.type) == [.create])
        let child = createRequest("/secure/child").encodedBody()
        let refused = e.prepareAndCommit(ForwardedRequest(session: session, cxid: 2, type: .create, body: child,
                                                          authInfo: [ip]))
        #expect(refused.map(\.header.type) == [.error])
        #expect(refused.first?.body == .error(ErrorTxn(err: .noAuth)))
        #expect(refused.first?.header.clientId == session.rawValue && refused.first?.header.cxid == 2)
        let allowed = e.prepareAndCommit(ForwardedRequest(session: session, cxid: 3, type: .create, body: child,
                                                          authInfo: [ip, digestID]))
        #expect(allowed.map(\.header.type) == [.create])
        #expect(e.leader.tree.node(at: "/secure/child") != nil)
    }

    @Test func leaderFailsAForwardedWriteOfAnUnknownSessionWithSessionExpired() {
        var e = EnsembleCores()
        let txns = e.prepareAndCommit(ForwardedRequest(session: SessionID(0x0200_0000_0000_0099), cxid: 1, type: .create,
                                                       body: createRequest("/ghost").encodedBody(), authInfo: []))
        #expect(txns.map(\.header.type) == [.error])
        #expect(txns.first?.body == .error(ErrorTxn(err: .sessionExpired)))
        #expect(e.leader.tree.node(at: "/ghost") == nil)
    }

    @Test func leaderForwardedTxnsContinueTheEpochsZxids() {
        var e = EnsembleCores()
        let txns = e.leader.prepareForwarded(ForwardedRequest(session: SessionID(0x0200_0000_0000_0001), cxid: 0,
                                                              type: .createSession, body: [0, 0, 0x75, 0x30],
                                                              authInfo: nil), now: e.now).persisted
        #expect(txns.map(\.zxid) == [Zxid(epoch: 1, counter: 1)])
        #expect(txns.first?.body == .createSession(CreateSessionTxn(timeOut: 30000)))
        #expect(e.leader.sessions.sessions[SessionID(0x0200_0000_0000_0001)] != nil)
    }

    @Test func leaderAppliesItsOwnTxnsOnlyWhenTheQuorumCommits() {
        var e = EnsembleCores()
        let c = ConnectionID(7)
        _ = e.toLeader(.opened(c, address: "127.0.0.1", port: 40007))
        let connect = e.toLeader(.connect(c, CoreHarness.connectRequest()))
        let createSession = connect.persisted
        #expect(createSession.map(\.zxid) == [Zxid(epoch: 1, counter: 1)])
        #expect(connect.connectResponses(to: c).isEmpty)
        // logSynced is the leader peer's business; only commitThrough answers.
        let committed = e.leader.commitThrough(Zxid(epoch: 1, counter: 1), now: e.now)
        #expect(committed.connectResponses(to: c).count == 1)
    }

    @Test func leaderRevalidatesLiveSessionsOnly() {
        var e = EnsembleCores()
        let session = SessionID(0x0200_0000_0000_0001)
        let before = e.leader.revalidateSession(session, timeoutMs: 30000, now: e.now)
        #expect(!before)
        _ = e.prepareAndCommit(ForwardedRequest(session: session, cxid: 0, type: .createSession,
                                                body: [0, 0, 0x75, 0x30], authInfo: nil))
        let after = e.leader.revalidateSession(session, timeoutMs: 30000, now: e.now)
        #expect(after)
    }

    @Test func closeSessionOnALearnerIsForwardedAndClosesTheConnectionWhenItCommits() throws {
        var e = EnsembleCores()
        let session = e.learnerSession(1)
        let out = e.toLearner(.request(c1, xid: 1, .closeSession))
        let forward = try #require(out.forwarded.first)
        #expect(forward.type == .closeSession && forward.session == session && forward.body.isEmpty)
        #expect(!out.closed(c1))
        let applied = e.learner.applyCommitted(e.prepareAndCommit(forward), now: e.now)
        #expect(applied.replies(to: c1).map(\.0.xid) == [1])
        #expect(applied.closed(c1))
        #expect(e.learner.sessions.sessions[session] == nil)
    }

    @Test func watchesOnALearnerFireWhenAnotherSessionsWriteIsApplied() throws {
        var e = EnsembleCores()
        _ = e.learnerSession(1)
        let s2 = e.learnerSession(2)
        let create = try #require(e.toLearner(.request(c1, xid: 1, createRequest("/w", "0"))).forwarded.first)
        _ = e.learner.applyCommitted(e.prepareAndCommit(create), now: e.now)
        _ = e.toLearner(.request(c1, xid: 2, .getData(GetDataRequest(path: "/w", watch: true))))
        let set = ForwardedRequest(session: s2, cxid: 1, type: .setData,
                                   body: ClientRequest.setData(SetDataRequest(path: "/w", data: [1], version: -1)).encodedBody(),
                                   authInfo: [])
        let applied = e.learner.applyCommitted(e.prepareAndCommit(set), now: e.now)
        #expect(applied.events(to: c1).map(\.path) == ["/w"])
    }

    @Test func containersAreReapedByTheLeaderOnly() throws {
        var e = EnsembleCores()
        let session = e.learnerSession(1)
        for (cxid, request) in [(1, ClientRequest.create(.createContainer, CreateRequest(path: "/c", data: [], acl: ACL.openUnsafe, flags: 4))),
                                (2, createRequest("/c/x")), (3, .delete(DeleteRequest(path: "/c/x", version: -1)))] {
            let forward = ForwardedRequest(session: session, cxid: Int32(cxid), type: request.opCode,
                                           body: request.encodedBody(), authInfo: [])
            _ = e.learner.applyCommitted(e.prepareAndCommit(forward), now: e.now)
        }
        #expect(e.learner.tree.node(at: "/c")?.children.isEmpty == true)
        let later = CoreTime(wallMs: e.now.wallMs + 120_000, monotonicMs: e.now.monotonicMs + 120_000)
        let learnerTick = e.learner.tick(now: later)
        #expect(learnerTick.persisted.isEmpty, "a learner must not log txns of its own")
        #expect(e.learner.lastAssignedZxid == e.leader.lastAssignedZxid)
        let leaderTick = e.leader.tick(now: later)
        // (The idle session expires there too.)
        #expect(leaderTick.persisted.map(\.header.type).filter { $0 != .closeSession } == [.deleteContainer])
        var notServing = e.learner
        _ = notServing.stopServing(reason: "election")
        #expect(notServing.tick(now: CoreTime(wallMs: later.wallMs + 120_000, monotonicMs: later.monotonicMs + 120_000))
            .persisted.isEmpty)
    }

    // MARK: - Roles

    @Test func notServingCoreClosesANewConnectionRightAfterItsConnectRequest() {
        var e = EnsembleCores()
        _ = e.learner.stopServing(reason: "election")
        _ = e.toLearner(.opened(c1, address: "127.0.0.1", port: 40001))
        let out = e.toLearner(.connect(c1, CoreHarness.connectRequest()))
        #expect(out.closed(c1))
        #expect(out.connectResponses(to: c1).isEmpty)
        #expect(out.forwarded.isEmpty && out.persisted.isEmpty)
    }

    @Test func stoppingServingClosesEveryClientConnection() {
        var e = EnsembleCores()
        _ = e.learnerSession(1)
        _ = e.learnerSession(2)
        let out = e.learner.stopServing(reason: "lost the leader")
        #expect(out.closed(c1) && out.closed(ConnectionID(2)))
        #expect(e.learner.role == .notServing)
    }

    @Test func sessionsExpireOnTheLeaderButNotOnALearner() {
        var e = EnsembleCores()
        let session = e.learnerSession(1, timeout: 4000)
        #expect(e.leader.sessions.sessions[session] != nil)
        #expect(e.learner.sessions.sessions[session] != nil)
        let later = CoreTime(wallMs: e.now.wallMs + 60_000, monotonicMs: e.now.monotonicMs + 60_000)
        let learnerTick = e.learner.tick(now: later)
        #expect(learnerTick.persisted.isEmpty && learnerTick.forwarded.isEmpty)
        #expect(!learnerTick.closed(c1))
        let leaderTick = e.leader.tick(now: later)
        #expect(leaderTick.persisted.map(\.header.type) == [.closeSession])
        #expect(leaderTick.persisted.first?.header.clientId == session.rawValue)
    }
}
