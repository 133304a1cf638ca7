import Testing
@testable import ZKCore

/// A createSession txn at `(epoch, counter)`: the machines only look at the zxid.
func zabTxn(_ epoch: Int32, _ counter: Int32, session: Int64 = 0x42) -> LoggedTxn {
    LoggedTxn(header: TxnHeader(clientId: session, cxid: 0, zxid: Zxid(epoch: epoch, counter: counter).rawValue,
                                time: 1_000, type: .createSession),
              body: .createSession(CreateSessionTxn(timeOut: 30000)), digest: nil)
}

/// `"type zxid"` for each packet, for readable assertions on what was sent.
func summary(_ packets: [QuorumPacket]) -> [String] {
    packets.map { "\(ZabType(rawValue: $0.type).map { "\($0)" } ?? "type\($0.type)") \(Zxid($0.zxid))" }
}

/// A verifier over voters `1...voters` plus the given observers.
func zabVerifier(voters: Int, observers: [Int64] = []) -> QuorumVerifier {
    QuorumVerifier(servers: (1...voters).map {
        QuorumServer(id: ServerID(Int64($0)), address: "127.0.0.1", quorumPort: 3000 + $0, electionPort: 4000 + $0)
    } + observers.map {
        QuorumServer(id: ServerID($0), address: "127.0.0.1", quorumPort: 3000 + Int($0), electionPort: 4000 + Int($0),
                     role: .observer)
    })
}

/// The learner connection of server `sid` (tests use one connection per server, numbered alike).
func conn(_ sid: Int64) -> LearnerConnectionID { LearnerConnectionID(UInt64(sid)) }

extension Array where Element == LeaderAction {
    /// Every packet sent to `id`, in order.
    func packets(to id: LearnerConnectionID) -> [QuorumPacket] {
        flatMap { action -> [QuorumPacket] in
            if case let .send(to, packets) = action, to == id { return packets } else { return [] }
        }
    }

    /// The connections closed.
    var closed: [LearnerConnectionID] {
        compactMap { if case let .close(id, _) = $0 { return id } else { return nil } }
    }

    /// Whether the leader gave up.
    var quits: Bool { contains { if case .quit = $0 { return true } else { return false } } }

    /// The actions without log lines.
    var withoutLogs: [LeaderAction] { filter { if case .log = $0 { return false } else { return true } } }
}

/// Drives a `Leader` the way `QuorumPeer` does, one event at a time.
struct LeaderDriver {
    var leader: Leader
    var now: Int64 = 0

    init(myID: Int64 = 1, verifier: QuorumVerifier = zabVerifier(voters: 3), settings: ZabSettings = ZabSettings(),
         acceptedEpoch: Int32 = 0, currentEpoch: Int32 = 0, lastZxid: Zxid = .zero, history: [LoggedTxn] = []) {
        leader = Leader(myID: ServerID(myID), verifier: verifier, settings: settings, acceptedEpoch: acceptedEpoch,
                        currentEpoch: currentEpoch, lastZxid: lastZxid, history: history, now: 0)
    }

    /// Server `sid` connects and sends FOLLOWERINFO (or OBSERVERINFO).
    @discardableResult
    mutating func join(_ sid: Int64, acceptedEpoch: Int32 = 0, observerInfo: Bool = false) -> [LeaderAction] {
        var out = leader.learnerConnected(conn(sid), now: now)
        out += leader.received(ZabPacket.learnerInfo(observer: observerInfo, sid: ServerID(sid),
                                                     acceptedEpoch: acceptedEpoch, configVersion: 0),
                               from: conn(sid), now: now)
        return out
    }

    @discardableResult
    mutating func ackEpoch(_ sid: Int64, lastLogged: Zxid = .zero, currentEpoch: Int32 = 0) -> [LeaderAction] {
        leader.received(ZabPacket.ackEpoch(lastLogged: lastLogged, currentEpoch: currentEpoch), from: conn(sid), now: now)
    }

    @discardableResult
    mutating func ack(_ sid: Int64, _ zxid: Zxid) -> [LeaderAction] {
        leader.received(ZabPacket.bare(.ack, zxid: zxid), from: conn(sid), now: now)
    }

    @discardableResult
    mutating func send(_ sid: Int64, _ packet: QuorumPacket) -> [LeaderAction] {
        leader.received(packet, from: conn(sid), now: now)
    }

    @discardableResult
    mutating func tick(at time: Int64) -> [LeaderAction] {
        now = time
        return leader.tick(now: time)
    }

    /// Full discovery and sync of `learners` (all at zxid 0, epoch 0), NEWLEADER ACKed: epoch 1.
    mutating func establish(_ learners: [Int64], observers: Set<Int64> = []) {
        for sid in learners { join(sid, observerInfo: observers.contains(sid)) }
        for sid in learners { ackEpoch(sid) }
        for sid in learners { ack(sid, Zxid(epoch: 1, counter: 0)) }
        precondition(leader.phase == .broadcast)
    }
}

/// The Zab leader event by event: discovery, the choice of DIFF/TRUNC/SNAP, NEWLEADER, broadcast
/// with quorum commits gated on the leader's own log, SYNC, sessions and liveness.
@Suite struct ZabLeaderTests {
    // MARK: - Discovery

    @Test func epochIsMaxAcceptedPlusOneOnceAQuorumIncludingTheLeaderSentFollowerInfo() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5), acceptedEpoch: 2, currentEpoch: 2)
        #expect(d.join(2, acceptedEpoch: 4).withoutLogs.isEmpty)
        #expect(d.leader.phase == .discovery)
        let out = d.join(3, acceptedEpoch: 1).withoutLogs
        #expect(d.leader.phase == .awaitingEpochAcks)
        #expect(d.leader.epoch == 5)
        #expect(out == [.persistAcceptedEpoch(5),
                        .send(conn(2), [ZabPacket.leaderInfo(epoch: 5)]),
                        .send(conn(3), [ZabPacket.leaderInfo(epoch: 5)])])
    }

    @Test func leaderOwnAcceptedEpochCountsWhenItIsTheHighest() {
        var d = LeaderDriver(acceptedEpoch: 7, currentEpoch: 6)
        let out = d.join(2, acceptedEpoch: 3)
        #expect(d.leader.epoch == 8)
        #expect(out.withoutLogs.first == .persistAcceptedEpoch(8))
    }

    @Test func learnerJoiningAfterTheEpochIsFixedGetsLeaderInfoAtOnceWithoutChangingIt() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.join(2)
        d.join(3)
        #expect(d.leader.epoch == 1)
        let out = d.join(4, acceptedEpoch: 9)
        #expect(out.withoutLogs == [.send(conn(4), [ZabPacket.leaderInfo(epoch: 1)])])
        #expect(d.leader.epoch == 1)
    }

    @Test func observersNeverCountTowardTheEpochQuorum() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 3, observers: [4, 5]))
        #expect(d.join(4, observerInfo: true).withoutLogs.isEmpty)
        #expect(d.join(5, observerInfo: true).withoutLogs.isEmpty)
        #expect(d.leader.phase == .discovery)
        let out = d.join(2).withoutLogs
        #expect(d.leader.phase == .awaitingEpochAcks)
        // Every learner waiting, observers included, is told the epoch.
        #expect(out == [.persistAcceptedEpoch(1),
                        .send(conn(2), [ZabPacket.leaderInfo(epoch: 1)]),
                        .send(conn(4), [ZabPacket.leaderInfo(epoch: 1)]),
                        .send(conn(5), [ZabPacket.leaderInfo(epoch: 1)])])
    }

    @Test func aParticipantSendingObserverInfoIsTreatedAsAnObserver() {
        var d = LeaderDriver()
        #expect(d.join(2, observerInfo: true).withoutLogs.isEmpty)
        #expect(d.leader.phase == .discovery)
        #expect(!d.join(3).withoutLogs.isEmpty)
        #expect(d.leader.phase == .awaitingEpochAcks)
    }

    @Test func observerAcceptedEpochStillRaisesTheProposedEpoch() {
        // ZooKeeper's getEpochToPropose raises the epoch for every learner and counts only
        // participants; otherwise an observer that accepted a higher epoch could never join.
        var d = LeaderDriver(verifier: zabVerifier(voters: 3, observers: [4]))
        d.join(4, acceptedEpoch: 6, observerInfo: true)
        d.join(2, acceptedEpoch: 1)
        #expect(d.leader.epoch == 7)
    }

    @Test func ackEpochQuorumPersistsCurrentEpochThenSyncsEveryWaitingLearner() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.join(2)
        d.join(3)
        #expect(d.ackEpoch(2).withoutLogs.isEmpty)
        #expect(d.leader.phase == .awaitingEpochAcks)
        let out = d.ackEpoch(3).withoutLogs
        #expect(d.leader.phase == .awaitingNewLeaderAcks)
        let newLeader = ZabPacket.newLeader(epoch: 1, configText: d.leader.verifier.configText)
        #expect(out == [.persistCurrentEpoch(1),
                        .send(conn(2), [ZabPacket.bare(.diff, zxid: .zero)]), .send(conn(2), [newLeader]),
                        .send(conn(3), [ZabPacket.bare(.diff, zxid: .zero)]), .send(conn(3), [newLeader])])
    }

    @Test func ackEpochOfMinusOneDoesNotCountTowardTheQuorum() {
        var d = LeaderDriver()
        d.join(2)
        d.join(3)
        #expect(d.ackEpoch(2, currentEpoch: -1).withoutLogs.isEmpty)
        #expect(d.leader.phase == .awaitingEpochAcks)
        let out = d.ackEpoch(3)
        #expect(out.withoutLogs.first == .persistCurrentEpoch(1))
        #expect(summary(out.packets(to: conn(2))) == ["diff 0x0", "newLeader 0x100000000"])
        #expect(summary(out.packets(to: conn(3))) == ["diff 0x0", "newLeader 0x100000000"])
    }

    @Test func learnerAheadOfTheLeaderIsDropped() {
        let history = (1...5).map { zabTxn(1, $0) }
        var d = LeaderDriver(verifier: zabVerifier(voters: 5), acceptedEpoch: 1, currentEpoch: 1,
                             lastZxid: Zxid(epoch: 1, counter: 5), history: history)
        d.join(2, acceptedEpoch: 1)
        d.join(3, acceptedEpoch: 1)
        d.join(4, acceptedEpoch: 1)
        #expect(d.leader.epoch == 2)
        #expect(d.ackEpoch(2, lastLogged: Zxid(epoch: 1, counter: 6), currentEpoch: 1).closed == [conn(2)])
        #expect(d.ackEpoch(3, lastLogged: Zxid(epoch: 1, counter: 1), currentEpoch: 2).closed == [conn(3)])
        // Behind, in the same epoch: fine, and with the leader a quorum of three.
        let out = d.ackEpoch(4, lastLogged: Zxid(epoch: 1, counter: 5), currentEpoch: 1)
        #expect(out.closed.isEmpty)
        #expect(d.leader.phase == .awaitingEpochAcks)
    }

    @Test func ackEpochBeforeLeaderInfoDropsThatLearner() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.join(2)
        let out = d.ackEpoch(2)
        #expect(out.closed == [conn(2)])
        #expect(!out.quits)
    }

    @Test func followerInfoFromAStrangerOrFromItselfIsRefused() {
        var d = LeaderDriver()
        #expect(d.join(9).closed == [conn(9)])
        var e = LeaderDriver()
        #expect(e.join(1).closed == [conn(1)])
    }

    @Test func aReconnectingServerReplacesItsOlderConnection() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.join(2)
        _ = d.leader.learnerConnected(LearnerConnectionID(20), now: 0)
        let out = d.leader.received(ZabPacket.learnerInfo(observer: false, sid: ServerID(2), acceptedEpoch: 0,
                                                          configVersion: 0), from: LearnerConnectionID(20), now: 0)
        #expect(out.closed == [conn(2)])
        #expect(d.leader.phase == .discovery)
    }

    // MARK: - Synchronization (quorum-protocol.md §7.3)

    /// A leader over the given committed history that has since been in one more epoch (which
    /// logged nothing), so a learner of the history's epoch is never "ahead" of it; it syncs one
    /// learner at `peerLast` in epoch last+2 and returns what that sent.
    func sync(history: [LoggedTxn], peerLast: Zxid, commitLogCount: Int = 500) -> [LeaderAction] {
        let last = history.last?.zxid ?? .zero
        var d = LeaderDriver(settings: ZabSettings(commitLogCount: commitLogCount, diskDiffEnabled: false),
                             acceptedEpoch: last.epoch + 1,
                             currentEpoch: last.epoch + 1, lastZxid: last, history: history)
        d.join(2, acceptedEpoch: peerLast.epoch)
        return d.ackEpoch(2, lastLogged: peerLast, currentEpoch: peerLast.epoch)
    }

    func leader(history: [LoggedTxn], commitLogCount: Int = 500) -> Leader {
        let last = history.last?.zxid ?? .zero
        return LeaderDriver(settings: ZabSettings(commitLogCount: commitLogCount), acceptedEpoch: last.epoch,
                            currentEpoch: last.epoch, lastZxid: last, history: history).leader
    }

    @Test func peerAtTheLeadersLastZxidGetsAnEmptyDiff() {
        let history = (1...5).map { zabTxn(1, $0) }
        #expect(leader(history: history).syncPlan(peerLast: Zxid(epoch: 1, counter: 5)) == .diff([]))
        let out = sync(history: history, peerLast: Zxid(epoch: 1, counter: 5))
        #expect(summary(out.packets(to: conn(2))) == ["diff 0x100000005", "newLeader 0x300000000"])
    }

    @Test func peerBehindWithinTheCommittedLogGetsDiffWithTheMissingProposalsAndCommits() throws {
        let history = (1...5).map { zabTxn(1, $0) }
        #expect(leader(history: history).syncPlan(peerLast: Zxid(epoch: 1, counter: 3))
                == .diff([zabTxn(1, 4), zabTxn(1, 5)]))
        let packets = sync(history: history, peerLast: Zxid(epoch: 1, counter: 3)).packets(to: conn(2))
        #expect(summary(packets) == ["diff 0x100000005", "proposal 0x100000004", "commit 0x100000004",
                                     "proposal 0x100000005", "commit 0x100000005", "newLeader 0x300000000"])
        #expect(try ZabPacket.txn(of: packets[1]) == zabTxn(1, 4))
    }

    @Test func peerPastTheCommittedLogInTheSameEpochIsTruncatedToTheLeadersLast() {
        let history = (1...5).map { zabTxn(1, $0) }
        #expect(leader(history: history).syncPlan(peerLast: Zxid(epoch: 1, counter: 7)) == .trunc(Zxid(epoch: 1, counter: 5), []))
        let packets = sync(history: history, peerLast: Zxid(epoch: 1, counter: 7)).packets(to: conn(2))
        #expect(summary(packets) == ["trunc 0x100000005", "newLeader 0x300000000"])
    }

    @Test func peerWithATxnTheLeaderNeverCommittedInsideItsLogIsTruncatedToThePreviousOne() {
        // The leader's log skips (1,3), which the peer logged but nobody committed.
        let history = [zabTxn(1, 1), zabTxn(1, 2), zabTxn(1, 4), zabTxn(1, 5)]
        #expect(leader(history: history).syncPlan(peerLast: Zxid(epoch: 1, counter: 3))
                == .trunc(Zxid(epoch: 1, counter: 2), [zabTxn(1, 4), zabTxn(1, 5)]))
        let packets = sync(history: history, peerLast: Zxid(epoch: 1, counter: 3)).packets(to: conn(2))
        #expect(summary(packets) == ["trunc 0x100000002", "proposal 0x100000004", "commit 0x100000004",
                                     "proposal 0x100000005", "commit 0x100000005", "newLeader 0x300000000"])
    }

    @Test func peerOlderThanTheCommittedLogGetsASnapshot() throws {
        let history = (1...5).map { zabTxn(1, $0) }
        #expect(leader(history: history, commitLogCount: 3).syncPlan(peerLast: Zxid(epoch: 1, counter: 1)) == .snap)
        let out = sync(history: history, peerLast: Zxid(epoch: 1, counter: 1), commitLogCount: 3)
        let snapshotAt = try #require(out.firstIndex(of: .sendSnapshot(conn(2))))
        #expect(summary(out.packets(to: conn(2))) == ["newLeader 0x300000000"])
        // The snapshot goes out before NEWLEADER.
        let newLeaderAt = try #require(out.firstIndex { if case .send(conn(2), _) = $0 { return true } else { return false } })
        #expect(snapshotAt < newLeaderAt)
    }

    @Test func peerOlderThanTheCommittedLogIsServedFromTheLogsOnDiskWhenTheyJoinUp() throws {
        let history = (1...5).map { zabTxn(1, $0) }
        var d = LeaderDriver(settings: ZabSettings(commitLogCount: 3), acceptedEpoch: 2, currentEpoch: 2,
                             lastZxid: Zxid(epoch: 1, counter: 5), history: history)
        d.join(2, acceptedEpoch: 1)
        let asked = d.ackEpoch(2, lastLogged: Zxid(epoch: 1, counter: 1), currentEpoch: 1)
        #expect(asked.contains(.readHistory(conn(2), after: Zxid(epoch: 1, counter: 1), through: Zxid(epoch: 1, counter: 3))))
        #expect(asked.packets(to: conn(2)).isEmpty, "nothing is sent before the history is read")
        let out = d.leader.historyRead(conn(2), txns: (1...3).map { zabTxn(1, $0) }, now: 0)
        #expect(summary(out.packets(to: conn(2))) == ["diff 0x100000005", "proposal 0x100000002", "commit 0x100000002",
                                                       "proposal 0x100000003", "commit 0x100000003",
                                                       "proposal 0x100000004", "commit 0x100000004",
                                                       "proposal 0x100000005", "commit 0x100000005", "newLeader 0x300000000"])
        // Logs that cannot serve it (nil) give the snapshot instead.
        var e = LeaderDriver(settings: ZabSettings(commitLogCount: 3), acceptedEpoch: 2, currentEpoch: 2,
                             lastZxid: Zxid(epoch: 1, counter: 5), history: history)
        e.join(2, acceptedEpoch: 1)
        _ = e.ackEpoch(2, lastLogged: Zxid(epoch: 1, counter: 1), currentEpoch: 1)
        #expect(e.leader.historyRead(conn(2), txns: nil, now: 0).contains(.sendSnapshot(conn(2))))
    }

    @Test func peerWhoseUncommittedTxnsCrossAnEpochBoundaryGetsASnapshot() {
        let history = [zabTxn(1, 1), zabTxn(1, 2), zabTxn(2, 1), zabTxn(2, 2)]
        #expect(leader(history: history).syncPlan(peerLast: Zxid(epoch: 1, counter: 3)) == .snap)
        let out = sync(history: history, peerLast: Zxid(epoch: 1, counter: 3))
        #expect(out.contains(.sendSnapshot(conn(2))))
    }

    @Test func peerAtTheStartOfANewEpochGetsDiffOfThatEpochsTxns() {
        let history = [zabTxn(1, 1), zabTxn(1, 2), zabTxn(2, 1), zabTxn(2, 2)]
        #expect(leader(history: history).syncPlan(peerLast: Zxid(epoch: 2, counter: 0))
                == .diff([zabTxn(2, 1), zabTxn(2, 2)]))
        // Past the log's end at a new epoch, only a snapshot is safe.
        #expect(leader(history: history).syncPlan(peerLast: Zxid(epoch: 3, counter: 0)) == .snap)
    }

    @Test func leaderWithoutHistoryServesOnlyAnExactMatchByDiff() {
        let l = leader(history: [])
        #expect(l.syncPlan(peerLast: .zero) == .diff([]))
        let withLastOnly = LeaderDriver(acceptedEpoch: 1, currentEpoch: 1, lastZxid: Zxid(epoch: 1, counter: 4)).leader
        #expect(withLastOnly.syncPlan(peerLast: Zxid(epoch: 1, counter: 2)) == .snap)
    }

    // MARK: - NEWLEADER

    @Test func newLeaderAckQuorumEstablishesTheEpochAndSendsUpToDate() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        for sid in [2, 3, 4] as [Int64] { d.join(sid) }
        for sid in [2, 3, 4] as [Int64] { d.ackEpoch(sid) }
        #expect(d.ack(2, Zxid(epoch: 1, counter: 0)).withoutLogs.isEmpty)
        let out = d.ack(3, Zxid(epoch: 1, counter: 0))
        #expect(d.leader.phase == .broadcast)
        #expect(out.withoutLogs == [.established(epoch: 1),
                                    .send(conn(2), [ZabPacket.bare(.upToDate, zxid: .none)]),
                                    .send(conn(3), [ZabPacket.bare(.upToDate, zxid: .none)])])
        // A later NEWLEADER ACK is answered with UPTODATE at once.
        #expect(d.ack(4, Zxid(epoch: 1, counter: 0)).withoutLogs
                == [.send(conn(4), [ZabPacket.bare(.upToDate, zxid: .none)])])
        #expect(d.leader.learnerCounts.followers == 3)
    }

    @Test func observerNewLeaderAckDoesNotEstablishTheEpoch() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 3, observers: [4]))
        d.join(4, observerInfo: true)
        d.join(2)
        d.ackEpoch(4)
        d.ackEpoch(2)
        #expect(d.ack(4, Zxid(epoch: 1, counter: 0)).withoutLogs.isEmpty)
        #expect(d.leader.phase == .awaitingNewLeaderAcks)
        #expect(d.ack(2, Zxid(epoch: 1, counter: 0)).withoutLogs.first == .established(epoch: 1))
    }

    @Test func anAckOfAnotherZxidBeforeTheNewLeaderAckDropsTheLearner() {
        var d = LeaderDriver()
        d.join(2)
        d.ackEpoch(2)
        let out = d.ack(2, Zxid(epoch: 1, counter: 3))
        #expect(out.closed == [conn(2)])
        #expect(d.leader.phase == .awaitingNewLeaderAcks)
    }

    // MARK: - Broadcast

    @Test func proposalsGoToFollowersNotObservers() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 3, observers: [4]))
        d.establish([2, 3, 4], observers: [4])
        let out = d.leader.proposed([zabTxn(1, 1)], now: 0)
        #expect(out == [.send(conn(2), [ZabPacket.proposal(zabTxn(1, 1))]),
                        .send(conn(3), [ZabPacket.proposal(zabTxn(1, 1))])])
    }

    @Test func commitWaitsForTheLeadersOwnFsyncEvenWithAQuorumOfAcks() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 3, observers: [4]))
        d.establish([2, 3, 4], observers: [4])
        _ = d.leader.proposed([zabTxn(1, 1)], now: 0)
        #expect(d.ack(2, Zxid(epoch: 1, counter: 1)).isEmpty)
        #expect(d.ack(3, Zxid(epoch: 1, counter: 1)).isEmpty)
        #expect(d.leader.lastCommitted == .zero)
        let out = d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0)
        #expect(out == [.send(conn(2), [ZabPacket.bare(.commit, zxid: Zxid(epoch: 1, counter: 1))]),
                        .send(conn(3), [ZabPacket.bare(.commit, zxid: Zxid(epoch: 1, counter: 1))]),
                        .send(conn(4), [ZabPacket.proposal(zabTxn(1, 1), type: .inform)]),
                        .commit(through: Zxid(epoch: 1, counter: 1))])
    }

    @Test func leaderFsyncAloneDoesNotCommitWithoutAQuorum() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.establish([2, 3, 4])
        _ = d.leader.proposed([zabTxn(1, 1)], now: 0)
        #expect(d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0).isEmpty)
        #expect(d.ack(2, Zxid(epoch: 1, counter: 1)).isEmpty)
        let out = d.ack(3, Zxid(epoch: 1, counter: 1))
        #expect(out.last == .commit(through: Zxid(epoch: 1, counter: 1)))
        #expect(summary(out.packets(to: conn(4))) == ["commit 0x100000001"])
    }

    @Test func observerAcksNeverCountTowardACommit() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 3, observers: [4]))
        d.establish([2, 3, 4], observers: [4])
        _ = d.leader.proposed([zabTxn(1, 1)], now: 0)
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0)
        #expect(d.ack(4, Zxid(epoch: 1, counter: 1)).isEmpty)
        #expect(d.leader.lastCommitted == .zero)
    }

    @Test func commitsGoOutInZxidOrderWhenAcksArriveOutOfOrder() {
        var d = LeaderDriver()
        d.establish([2, 3])
        _ = d.leader.proposed([zabTxn(1, 1), zabTxn(1, 2)], now: 0)
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 2), now: 0)
        #expect(d.ack(3, Zxid(epoch: 1, counter: 2)).isEmpty)
        #expect(d.leader.lastCommitted == .zero)
        let out = d.ack(3, Zxid(epoch: 1, counter: 1))
        #expect(summary(out.packets(to: conn(2))) == ["commit 0x100000001", "commit 0x100000002"])
        #expect(out.last == .commit(through: Zxid(epoch: 1, counter: 2)))
        #expect(d.leader.lastCommitted == Zxid(epoch: 1, counter: 2))
    }

    @Test func partialLeaderFsyncCommitsOnlyWhatIsDurable() {
        var d = LeaderDriver()
        d.establish([2, 3])
        _ = d.leader.proposed([zabTxn(1, 1), zabTxn(1, 2)], now: 0)
        d.ack(2, Zxid(epoch: 1, counter: 1))
        d.ack(2, Zxid(epoch: 1, counter: 2))
        let out = d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0)
        #expect(out.last == .commit(through: Zxid(epoch: 1, counter: 1)))
        #expect(d.leader.logSynced(through: Zxid(epoch: 1, counter: 2), now: 0).last
                == .commit(through: Zxid(epoch: 1, counter: 2)))
    }

    @Test func learnerSyncedDuringBroadcastGetsOutstandingProposalsBeforeNewLeader() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.establish([2, 3])
        _ = d.leader.proposed([zabTxn(1, 1)], now: 0)
        d.join(4)
        let out = d.ackEpoch(4)
        #expect(summary(out.packets(to: conn(4))) == ["diff 0x0", "proposal 0x100000001", "newLeader 0x100000000"])
        // Its COMMIT follows once the proposal commits, even before its NEWLEADER ACK.
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0)
        d.ack(2, Zxid(epoch: 1, counter: 1))
        let commit = d.ack(3, Zxid(epoch: 1, counter: 1))
        #expect(summary(commit.packets(to: conn(4))) == ["commit 0x100000001"])
    }

    @Test func committedProposalsSyncARestartedLearnerByDiff() {
        var d = LeaderDriver()
        d.establish([2])
        _ = d.leader.proposed([zabTxn(1, 1), zabTxn(1, 2)], now: 0)
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 2), now: 0)
        d.ack(2, Zxid(epoch: 1, counter: 1))
        d.ack(2, Zxid(epoch: 1, counter: 2))
        #expect(d.leader.lastCommitted == Zxid(epoch: 1, counter: 2))
        // As in the capture: a follower restarted in the same epoch sends ACKEPOCH(-1).
        d.join(3, acceptedEpoch: 1)
        let out = d.ackEpoch(3, lastLogged: Zxid(epoch: 1, counter: 1), currentEpoch: -1)
        #expect(summary(out.packets(to: conn(3)))
                == ["diff 0x100000002", "proposal 0x100000002", "commit 0x100000002", "newLeader 0x100000000"])
        // Older than the in-memory committed log: only a snapshot (no on-disk log is read).
        #expect(d.leader.syncPlan(peerLast: .zero) == .snap)
    }

    @Test func observerSyncedDuringBroadcastGetsNoOutstandingProposalButItsInform() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 3, observers: [4]))
        d.establish([2])
        _ = d.leader.proposed([zabTxn(1, 1)], now: 0)
        d.join(4, observerInfo: true)
        #expect(summary(d.ackEpoch(4).packets(to: conn(4))) == ["diff 0x0", "newLeader 0x100000000"])
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0)
        let out = d.ack(2, Zxid(epoch: 1, counter: 1))
        #expect(out.packets(to: conn(4)) == [ZabPacket.proposal(zabTxn(1, 1), type: .inform)])
    }

    @Test func lateAckOfACommittedProposalChangesNothing() {
        var d = LeaderDriver()
        d.establish([2, 3])
        _ = d.leader.proposed([zabTxn(1, 1)], now: 0)
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0)
        #expect(d.ack(2, Zxid(epoch: 1, counter: 1)).last == .commit(through: Zxid(epoch: 1, counter: 1)))
        #expect(d.ack(3, Zxid(epoch: 1, counter: 1)).isEmpty)
        #expect(d.ack(3, Zxid(epoch: 1, counter: 9)).isEmpty)
    }

    @Test func aClosedLearnersPendingSyncIsForgotten() {
        var d = LeaderDriver()
        d.establish([2, 3])
        _ = d.leader.proposed([zabTxn(1, 1)], now: 0)
        let sync = ForwardedRequest(session: SessionID(7), cxid: 3, type: .sync, body: [0, 0, 0, 1, 0x2f], authInfo: [])
        d.send(3, ZabPacket.request(sync))
        #expect(d.leader.pendingSyncCount == 1)
        _ = d.leader.learnerClosed(conn(3), now: 0)
        #expect(d.leader.pendingSyncCount == 0)
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0)
        let out = d.ack(2, Zxid(epoch: 1, counter: 1))
        #expect(out.packets(to: conn(3)).isEmpty)
        #expect(out.last == .commit(through: Zxid(epoch: 1, counter: 1)))
    }

    let syncRequest = ForwardedRequest(session: SessionID(7), cxid: 3, type: .sync,
                                       body: ClientRequest.sync(SyncRequest(path: "/")).encodedBody(), authInfo: [])
    let pingReply = ZabPacket.pingReply(zxid: .zero, touched: [])

    @Test func syncIsAnsweredOnceAQuorumAnsweredAPingSentAfterIt() {
        // Unlike Apache ZooKeeper (ZOOKEEPER-1675), a sync confirms the leader still leads: every
        // synced learner gets a PING, and SYNC goes back once a quorum of voters answered theirs.
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.establish([2, 3, 4, 5])
        // A routine PING first: replies to it must not confirm the sync (replies answer PINGs in order).
        #expect(summary(d.tick(at: d.leader.nextDeadline).packets(to: conn(3))) == ["ping 0x0"])
        let out = d.send(2, ZabPacket.request(syncRequest))
        #expect(summary(out.packets(to: conn(2))) == ["ping 0x0"])
        #expect(summary(out.packets(to: conn(5))) == ["ping 0x0"])
        #expect(d.leader.pendingSyncCount == 1)
        #expect(d.send(3, pingReply).isEmpty)
        #expect(d.send(4, pingReply).isEmpty, "server 4 answered its older PING; the sync's is still out")
        #expect(d.send(4, pingReply).isEmpty, "the leader, 3 and 4 make a quorum only with 3's second reply")
        #expect(summary(d.send(3, pingReply).packets(to: conn(2))) == ["sync 0x0"])
        #expect(d.leader.pendingSyncCount == 0)
    }

    @Test func aSyncIsNotConfirmedWithoutAQuorumBehindTheLeader() {
        var d = LeaderDriver()
        d.establish([2, 3])
        _ = d.send(2, ZabPacket.request(syncRequest))
        _ = d.leader.learnerClosed(conn(2), now: 0)
        #expect(d.leader.pendingSyncCount == 0, "a departed learner's syncs go with it")
        var out: [LeaderAction] = []
        d.leader.syncRequested(by: nil, into: &out)
        _ = d.leader.learnerClosed(conn(3), now: 0)
        // The leader alone (a deposed leader that does not know it yet) never confirms it.
        #expect(d.leader.pendingSyncCount == 1)
        #expect(!d.tick(at: d.leader.nextDeadline).contains(.localSyncConfirmed))
    }

    @Test func syncRequestWaitsForTheLastProposedToCommit() {
        var d = LeaderDriver()
        d.establish([2, 3])
        _ = d.leader.proposed([zabTxn(1, 1), zabTxn(1, 2)], now: 0)
        #expect(summary(d.send(3, ZabPacket.request(syncRequest)).packets(to: conn(3))) == ["ping 0x100000002"])
        #expect(d.send(3, pingReply).isEmpty, "confirmed, but 0x100000002 is not committed yet")
        #expect(d.leader.pendingSyncCount == 1)
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 2), now: 0)
        let first = d.ack(2, Zxid(epoch: 1, counter: 1))
        #expect(summary(first.packets(to: conn(3))) == ["commit 0x100000001"])
        let second = d.ack(2, Zxid(epoch: 1, counter: 2))
        #expect(summary(second.packets(to: conn(3))) == ["commit 0x100000002", "sync 0x0"])
        #expect(d.leader.pendingSyncCount == 0)
    }

    @Test func theLeadersOwnClientsSyncIsConfirmedTheSameWay() {
        var d = LeaderDriver()
        d.establish([2, 3])
        var out: [LeaderAction] = []
        d.leader.syncRequested(by: nil, into: &out)
        #expect(summary(out.packets(to: conn(2))) == ["ping 0x0"])
        #expect(!out.contains(.localSyncConfirmed))
        #expect(d.send(2, pingReply) == [.localSyncConfirmed])
    }

    @Test func forwardedWriteIsHandedToTheCoreWithTheSendersID() {
        var d = LeaderDriver()
        d.establish([2, 3])
        let create = ForwardedRequest(session: SessionID(7), cxid: 1, type: .create,
                                      body: ClientRequest.create(.create, CreateRequest(path: "/a", data: [], acl: ACL.openUnsafe, flags: 0)).encodedBody(),
                                      authInfo: [Id(scheme: "ip", id: "127.0.0.1")])
        #expect(d.send(3, ZabPacket.request(create)) == [.prepare(create, from: ServerID(3))])
    }

    @Test func pingReplyTouchesTheSessionsItCarries() {
        var d = LeaderDriver()
        d.establish([2, 3])
        let ping = ZabPacket.pingReply(zxid: .zero, touched: [(SessionID(5), 4000), (SessionID(6), 9000)])
        #expect(d.send(2, ping) == [.touch([SessionTouch(session: SessionID(5), timeoutMs: 4000),
                                            SessionTouch(session: SessionID(6), timeoutMs: 9000)])])
        #expect(d.send(2, ZabPacket.pingReply(zxid: .zero, touched: [])).isEmpty)
    }

    @Test func revalidateIsAskedOfTheCoreAndAnsweredToThatLearner() {
        var d = LeaderDriver()
        d.establish([2, 3])
        #expect(d.send(2, ZabPacket.revalidateRequest(session: SessionID(5), timeoutMs: 6000))
                == [.revalidate(conn(2), SessionID(5), timeoutMs: 6000)])
        #expect(d.leader.revalidated(conn(2), session: SessionID(5), valid: true)
                == [.send(conn(2), [ZabPacket.revalidateReply(session: SessionID(5), valid: true)])])
    }

    @Test func leaderPingsForwardingLearnersEveryHalfTick() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 3, observers: [4]))
        d.establish([2, 4], observers: [4])
        let out = d.tick(at: 1000)
        #expect(summary(out.packets(to: conn(2))) == ["ping 0x0"])
        #expect(summary(out.packets(to: conn(4))) == ["ping 0x0"])
        #expect(d.tick(at: 1500).packets(to: conn(2)).isEmpty)
    }

    @Test func followerSyncedWhileAProposalWasOutstandingIsKeptInAnIdleEnsemble() {
        // Leader and learner machines wired together. The proposal queued in learner 3's sync
        // commits before its UPTODATE; the learner must still ACK it, or the leader's syncLimit
        // check drops it once the ensemble goes idle.
        var d = LeaderDriver()
        d.establish([2])
        _ = d.leader.proposed([zabTxn(1, 1)], now: 0)
        var learner = Learner(myID: ServerID(3), observer: false, settings: ZabSettings(), acceptedEpoch: 0,
                              currentEpoch: 0, lastLogged: .zero, now: 0)
        var toLearner: [QuorumPacket] = []
        var toLeader: [QuorumPacket] = []
        func learnerDid(_ actions: [LearnerAction]) {
            for action in actions {
                switch action {
                case .send(let packets): toLeader += packets
                case .persist(let txns): learnerDid(learner.logSynced(through: txns.last!.zxid, now: d.now))
                case .pingReply(let zxid): toLeader.append(ZabPacket.pingReply(zxid: zxid, touched: []))
                case .quit(let reason): Issue.record("learner quit: \(reason)")
                default: break
                }
            }
        }
        _ = d.leader.learnerConnected(conn(3), now: 0)
        learnerDid(learner.connected(configVersion: 0, now: 0))
        // FOLLOWERINFO → LEADERINFO → ACKEPOCH → DIFF, PROPOSAL, NEWLEADER.
        for _ in 0..<2 {
            for packet in toLeader { toLearner += d.send(3, packet).packets(to: conn(3)) }
            toLeader.removeAll()
            for packet in toLearner { learnerDid(learner.received(packet, now: 0)) }
            toLearner.removeAll()
        }
        #expect(summary(toLeader) == ["ack 0x100000000"])
        // The proposal commits (server 2 and the leader) before the NEWLEADER ACK is read.
        _ = d.leader.logSynced(through: Zxid(epoch: 1, counter: 1), now: 0)
        toLearner += d.ack(2, Zxid(epoch: 1, counter: 1)).packets(to: conn(3))
        for packet in toLeader { toLearner += d.send(3, packet).packets(to: conn(3)) }
        toLeader.removeAll()
        #expect(summary(toLearner) == ["commit 0x100000001", "upToDate 0xffffffffffffffff"])
        for packet in toLearner { learnerDid(learner.received(packet, now: 0)) }
        toLearner.removeAll()
        #expect(learner.stage == .broadcast)
        for packet in toLeader { d.send(3, packet) }
        toLeader.removeAll()
        // Idle from here: both learners answer the leader's pings.
        var closed: [LearnerConnectionID] = []
        for time in stride(from: Int64(1000), through: 30000, by: 1000) {
            let out = d.tick(at: time)
            closed += out.closed
            for packet in out.packets(to: conn(3)) { learnerDid(learner.received(packet, now: time)) }
            for packet in toLeader { d.send(3, packet) }
            toLeader.removeAll()
            if !out.packets(to: conn(2)).isEmpty { d.send(2, ZabPacket.pingReply(zxid: .zero, touched: [])) }
        }
        #expect(closed.isEmpty)
        #expect(d.leader.learnerCounts.followers == 2)
    }

    // MARK: - Against the capture

    @Test func leaderAnswersTheCapturedFollowerExactlyAsZooKeeperDid() throws {
        // Server 3 led the fresh 3.8.0 ensemble; replay what server 1 sent it. Proposals come from
        // the core: each forwarded write (and, before the ACK of a local one, each local write)
        // is proposed with the txn the capture shows, and the leader's own log syncs at once.
        let fromLearner = try capturedQuorumStep("t=1.586s learner :42048")
        let toLearner = try capturedQuorumStep("t=1.586s leader sid 3 -> learner :42048")
        var txns = try toLearner.filter { $0.type == ZabType.proposal.rawValue }.map { try ZabPacket.txn(of: $0) }
        var leader = Leader(myID: ServerID(3), verifier: captureVerifier(), settings: ZabSettings(), acceptedEpoch: 0,
                            currentEpoch: 0, lastZxid: .zero, history: [], now: 0)
        let learner = conn(1)
        var sent: [QuorumPacket] = []
        var prepared: [ForwardedRequest] = []
        var epochWrites: [LeaderAction] = []
        func record(_ actions: [LeaderAction]) {
            for action in actions {
                switch action {
                case .send(learner, let packets):
                    sent += packets.filter { $0.type != ZabType.ping.rawValue }
                    // The learner answers the PING a sync sends (a quorum-confirmed sync, which
                    // Apache's leader does not do; everything else is as captured).
                    if packets.contains(where: { $0.type == ZabType.ping.rawValue }) {
                        record(leader.received(ZabPacket.pingReply(zxid: .zero, touched: []), from: learner, now: 0))
                    }
                case .persistAcceptedEpoch, .persistCurrentEpoch, .established: epochWrites.append(action)
                case .close(_, let reason), .quit(let reason): Issue.record("unexpected: \(reason)")
                default: break
                }
            }
        }
        func propose(through zxid: Zxid) {
            while let next = txns.first, next.zxid <= zxid {
                txns.removeFirst()
                record(leader.proposed([next], now: 0))
                record(leader.logSynced(through: next.zxid, now: 0))
            }
        }
        record(leader.learnerConnected(learner, now: 0))
        for packet in fromLearner where packet.type != ZabType.ping.rawValue {
            if packet.type == ZabType.ack.rawValue, Zxid(packet.zxid).counter > 0 { propose(through: Zxid(packet.zxid)) }
            let out = leader.received(packet, from: learner, now: 0)
            record(out)
            for case .prepare(let request, let sid) in out {
                #expect(sid == ServerID(1))
                prepared.append(request)
                guard let next = txns.first else { Issue.record("no captured proposal left for \(request.type)"); continue }
                propose(through: next.zxid)
            }
        }
        #expect(epochWrites == [.persistAcceptedEpoch(1), .persistCurrentEpoch(1), .established(epoch: 1)])
        #expect(prepared.map(\.type) == [.createSession, .create, .closeSession])
        #expect(prepared.first?.authInfo == nil && prepared.last?.authInfo == [Id(scheme: "ip", id: "127.0.0.1")])
        let expected = toLearner.filter { $0.type != ZabType.ping.rawValue }
        #expect(summary(sent) == summary(expected))
        #expect(sent.map(encoded) == expected.map(encoded))
        #expect(leader.lastCommitted == Zxid(epoch: 1, counter: 6))
        // And its PINGs carry the last proposed zxid, as captured after the restart.
        let pings = leader.tick(now: 1000).packets(to: learner)
        #expect(pings.map(encoded) == [try capturedQuorumStep("t=0.000s leader sid 3 -> learner :42048")[0]].map(encoded))
    }

    // MARK: - Liveness and protocol errors

    @Test func aSilentLearnerIsDroppedPastItsDeadline() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.establish([2, 3, 4])
        // Established at t=0: deadlines are syncLimit × tick = 10 s. Learner 2 keeps talking.
        d.now = 9000
        d.send(2, ZabPacket.pingReply(zxid: .zero, touched: []))
        #expect(d.tick(at: 10000).closed.isEmpty)
        let out = d.tick(at: 10001)
        #expect(Set(out.closed) == [conn(3), conn(4)])
        #expect(!out.quits)
    }

    @Test func aProposalUnackedPastSyncLimitDropsTheLearnerEvenIfItPings() {
        var d = LeaderDriver()
        d.establish([2, 3])
        d.now = 1000
        _ = d.leader.proposed([zabTxn(1, 1)], now: 1000)
        d.ack(3, Zxid(epoch: 1, counter: 1))
        d.now = 10500
        d.send(2, ZabPacket.pingReply(zxid: .zero, touched: []))
        d.send(3, ZabPacket.pingReply(zxid: .zero, touched: []))
        #expect(d.tick(at: 11000).closed.isEmpty)
        let out = d.tick(at: 11001)
        #expect(out.closed == [conn(2)])
    }

    @Test func proposalsSentBeforeTheNewLeaderAckAreNotTimedBySyncLimit() {
        // Learner 3 joins an established epoch; it is still syncing (a long SNAP stream, say)
        // when proposals go out: initLimit bounds it then, not syncLimit (ZooKeeper starts its
        // SyncLimitCheck at the NEWLEADER ACK).
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.establish([2, 4])
        d.now = 1000
        d.join(3)
        d.ackEpoch(3)
        _ = d.leader.proposed([zabTxn(1, 1)], now: 1000)
        d.ack(2, Zxid(epoch: 1, counter: 1))
        d.ack(4, Zxid(epoch: 1, counter: 1))
        d.now = 11_500
        d.send(2, ZabPacket.pingReply(zxid: .zero, touched: []))
        d.send(4, ZabPacket.pingReply(zxid: .zero, touched: []))
        d.ack(3, Zxid(epoch: 1, counter: 0))
        #expect(d.tick(at: 12_000).closed.isEmpty, "the proposal was sent before learner 3's NEWLEADER ACK")
        // Proposals sent after it are timed.
        _ = d.leader.proposed([zabTxn(1, 2)], now: 12_000)
        d.now = 21_000
        for sid: Int64 in [2, 3, 4] { d.send(sid, ZabPacket.pingReply(zxid: .zero, touched: [])) }
        d.ack(2, Zxid(epoch: 1, counter: 2))
        d.ack(4, Zxid(epoch: 1, counter: 2))
        #expect(d.tick(at: 22_000).closed.isEmpty)
        #expect(d.tick(at: 22_001).closed == [conn(3)])
    }

    @Test func leaderQuitsWhenItsSyncedVotersAreNoLongerAQuorum() {
        var d = LeaderDriver()
        d.establish([2, 3])
        // Learner 3 goes silent; learner 2 talks until 14 s.
        d.now = 5000
        d.send(2, ZabPacket.pingReply(zxid: .zero, touched: []))
        #expect(d.tick(at: 12000).closed == [conn(3)])
        d.now = 14000
        d.send(2, ZabPacket.pingReply(zxid: .zero, touched: []))
        // The first quorum check (at initLimit) still sees {1, 2}.
        #expect(!d.tick(at: 20000).quits)
        #expect(!d.tick(at: 22000).quits)
        let out = d.tick(at: 24001)
        #expect(out.closed == [conn(2)])
        #expect(out.quits)
    }

    @Test func leaderQuitsWhenDiscoveryDoesNotFinishWithinInitLimit() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.join(2)
        #expect(!d.tick(at: 19999).quits)
        #expect(d.tick(at: 20000).quits)
    }

    @Test func outOfPhasePacketsDropOnlyThatLearner() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.establish([2, 3, 4])
        let again = d.send(2, ZabPacket.learnerInfo(observer: false, sid: ServerID(2), acceptedEpoch: 1, configVersion: 0))
        #expect(again.closed == [conn(2)] && !again.quits)
        let proposal = d.send(3, ZabPacket.proposal(zabTxn(1, 1)))
        #expect(proposal.closed == [conn(3)] && !proposal.quits)
        #expect(d.leader.phase == .broadcast)
        #expect(d.leader.learnerCounts.followers == 1)
        // A dropped learner's packets are ignored.
        #expect(d.ack(2, Zxid(epoch: 1, counter: 1)).isEmpty)
    }

    @Test func garbagePacketsDropOnlyThatLearner() {
        var d = LeaderDriver(verifier: zabVerifier(voters: 5))
        d.join(2)
        d.join(3)
        d.join(4)
        let malformed = d.send(2, QuorumPacket(type: ZabType.ackEpoch.rawValue, zxid: 0, data: [1]))
        #expect(malformed.closed == [conn(2)] && !malformed.quits)
        let unknown = d.send(3, QuorumPacket(type: 99, zxid: 0))
        #expect(unknown.closed == [conn(3)] && !unknown.quits)
        #expect(d.leader.phase == .awaitingEpochAcks)
        // The remaining learner still syncs.
        #expect(d.ackEpoch(4).closed.isEmpty)
    }

    @Test func requestBeforeBroadcastDropsTheLearner() {
        var d = LeaderDriver()
        d.join(2)
        let sync = ForwardedRequest(session: SessionID(7), cxid: 3, type: .sync, body: [], authInfo: nil)
        #expect(d.send(2, ZabPacket.request(sync)).closed == [conn(2)])
    }
}
