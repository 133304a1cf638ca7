import Testing
@testable import ZKCore

extension Array where Element == LearnerAction {
    /// Every packet sent to the leader, in order.
    var sentPackets: [QuorumPacket] {
        flatMap { action -> [QuorumPacket] in if case .send(let packets) = action { return packets } else { return [] } }
    }

    /// Whether the learner gave up.
    var quits: Bool { contains { if case .quit = $0 { return true } else { return false } } }

    /// The txns applied, in order.
    var applied: [LoggedTxn] {
        flatMap { action -> [LoggedTxn] in if case .apply(let txns) = action { return txns } else { return [] } }
    }
}

/// Drives a `Learner` the way `QuorumPeer` does, one packet or disk report at a time.
struct LearnerDriver {
    var learner: Learner
    var now: Int64 = 0

    init(observer: Bool = false, acceptedEpoch: Int32 = 1, currentEpoch: Int32 = 1,
         lastLogged: Zxid = Zxid(epoch: 1, counter: 3), settings: ZabSettings = ZabSettings()) {
        learner = Learner(myID: ServerID(2), observer: observer, settings: settings, acceptedEpoch: acceptedEpoch,
                          currentEpoch: currentEpoch, lastLogged: lastLogged, now: 0)
    }

    @discardableResult
    mutating func receive(_ packet: QuorumPacket) -> [LearnerAction] { learner.received(packet, now: now) }

    @discardableResult
    mutating func receive(_ type: ZabType, _ zxid: Zxid) -> [LearnerAction] { receive(ZabPacket.bare(type, zxid: zxid)) }

    @discardableResult
    mutating func propose(_ txn: LoggedTxn) -> [LearnerAction] { receive(ZabPacket.proposal(txn)) }

    @discardableResult
    mutating func synced(_ zxid: Zxid) -> [LearnerAction] { learner.logSynced(through: zxid, now: now) }

    /// Connects and answers LEADERINFO for `epoch`.
    mutating func discover(epoch: Int32 = 2) {
        _ = learner.connected(configVersion: 0, now: now)
        receive(ZabPacket.leaderInfo(epoch: epoch))
    }

    /// Discovery, an empty DIFF, NEWLEADER and UPTODATE: serving in `epoch`.
    mutating func serve(epoch: Int32 = 2) {
        discover(epoch: epoch)
        receive(.diff, learner.lastLogged)
        receive(ZabPacket.newLeader(epoch: epoch, configText: ""))
        receive(.upToDate, .none)
        precondition(learner.stage == .broadcast)
    }
}

func ack(_ zxid: Zxid) -> QuorumPacket { ZabPacket.bare(.ack, zxid: zxid) }

/// The Zab follower/observer event by event: epoch agreement, DIFF/TRUNC/SNAP, the durability
/// rules for ACKs and applies, SYNC, observers and timeouts.
@Suite struct ZabLearnerTests {
    // MARK: - Discovery

    @Test func connectingSendsFollowerInfoOrObserverInfoWithTheAcceptedEpoch() {
        var f = LearnerDriver(acceptedEpoch: 4)
        #expect(f.learner.connected(configVersion: 7, now: 0)
                == [.send([ZabPacket.learnerInfo(observer: false, sid: ServerID(2), acceptedEpoch: 4, configVersion: 7)])])
        var o = LearnerDriver(observer: true, acceptedEpoch: 4)
        #expect(o.learner.connected(configVersion: 0, now: 0).sentPackets.map(\.type) == [ZabType.observerInfo.rawValue])
    }

    @Test func newerEpochIsPersistedAsAcceptedBeforeAckEpochReportsTheCurrentEpoch() {
        var d = LearnerDriver(acceptedEpoch: 1, currentEpoch: 1)
        _ = d.learner.connected(configVersion: 0, now: 0)
        #expect(d.receive(ZabPacket.leaderInfo(epoch: 2))
                == [.persistAcceptedEpoch(2), .send([ZabPacket.ackEpoch(lastLogged: Zxid(epoch: 1, counter: 3), currentEpoch: 1)])])
        #expect(d.learner.acceptedEpoch == 2 && d.learner.currentEpoch == 1)
        #expect(d.learner.stage == .awaitingSyncMode)
    }

    @Test func alreadyAcceptedEpochIsAnsweredWithMinusOne() {
        var d = LearnerDriver(acceptedEpoch: 2, currentEpoch: 1)
        _ = d.learner.connected(configVersion: 0, now: 0)
        #expect(d.receive(ZabPacket.leaderInfo(epoch: 2))
                == [.send([ZabPacket.ackEpoch(lastLogged: Zxid(epoch: 1, counter: 3), currentEpoch: -1)])])
    }

    @Test func olderEpochThanAcceptedMakesTheLearnerQuit() {
        var d = LearnerDriver(acceptedEpoch: 3, currentEpoch: 3)
        _ = d.learner.connected(configVersion: 0, now: 0)
        let out = d.receive(ZabPacket.leaderInfo(epoch: 2))
        #expect(out.quits)
        #expect(out.sentPackets.isEmpty)
    }

    // MARK: - Synchronization

    @Test func diffTxnsAreAppliedOnceDurableAndNewLeaderIsAckedAfterThemWithTheEpochPersisted() {
        var d = LearnerDriver()
        d.discover()
        #expect(d.receive(.diff, Zxid(epoch: 1, counter: 5)).isEmpty)
        #expect(d.propose(zabTxn(1, 4)) == [.persist([zabTxn(1, 4)])])
        #expect(d.receive(.commit, Zxid(epoch: 1, counter: 4)).isEmpty)
        #expect(d.propose(zabTxn(1, 5)) == [.persist([zabTxn(1, 5)])])
        #expect(d.receive(.commit, Zxid(epoch: 1, counter: 5)).isEmpty)
        #expect(d.receive(ZabPacket.newLeader(epoch: 2, configText: "")).isEmpty)
        // Half the sync durable: apply that half, no NEWLEADER ACK yet.
        #expect(d.synced(Zxid(epoch: 1, counter: 4)) == [.apply([zabTxn(1, 4)])])
        #expect(d.synced(Zxid(epoch: 1, counter: 5))
                == [.apply([zabTxn(1, 5)]), .persistCurrentEpoch(2), .send([ack(Zxid(epoch: 2, counter: 0))])])
        #expect(d.learner.currentEpoch == 2)
        #expect(d.learner.stage == .awaitingUpToDate)
    }

    @Test func emptyDiffAcksNewLeaderAtOnce() {
        var d = LearnerDriver()
        d.discover()
        d.receive(.diff, Zxid(epoch: 1, counter: 3))
        #expect(d.receive(ZabPacket.newLeader(epoch: 2, configText: ""))
                == [.persistCurrentEpoch(2), .send([ack(Zxid(epoch: 2, counter: 0))])])
    }

    @Test func newLeaderOfTheCurrentEpochIsAckedWithoutRewritingTheEpoch() {
        var d = LearnerDriver(acceptedEpoch: 2, currentEpoch: 2, lastLogged: Zxid(epoch: 2, counter: 6))
        d.discover(epoch: 2)
        d.receive(.diff, Zxid(epoch: 2, counter: 6))
        #expect(d.receive(ZabPacket.newLeader(epoch: 2, configText: "")) == [.send([ack(Zxid(epoch: 2, counter: 0))])])
    }

    @Test func proposalsAfterNewLeaderDoNotHoldItsAckBack() {
        var d = LearnerDriver()
        d.discover()
        d.receive(.diff, Zxid(epoch: 1, counter: 4))
        d.propose(zabTxn(1, 4))
        d.receive(.commit, Zxid(epoch: 1, counter: 4))
        d.receive(ZabPacket.newLeader(epoch: 2, configText: ""))
        #expect(d.propose(zabTxn(2, 1)) == [.persist([zabTxn(2, 1)])])
        // Only the txns logged before NEWLEADER have to be durable.
        #expect(d.synced(Zxid(epoch: 1, counter: 4))
                == [.apply([zabTxn(1, 4)]), .persistCurrentEpoch(2), .send([ack(Zxid(epoch: 2, counter: 0))])])
    }

    @Test func newLeaderOfAnotherEpochMakesTheLearnerQuit() {
        var d = LearnerDriver()
        d.discover()
        d.receive(.diff, Zxid(epoch: 1, counter: 3))
        #expect(d.receive(ZabPacket.newLeader(epoch: 3, configText: "")).quits)
    }

    @Test func truncCutsTheLogAndTheHistoryContinuesAfterIt() {
        var d = LearnerDriver(lastLogged: Zxid(epoch: 1, counter: 7))
        d.discover()
        #expect(d.receive(.trunc, Zxid(epoch: 1, counter: 5)) == [.truncate(to: Zxid(epoch: 1, counter: 5))])
        #expect(d.learner.lastLogged == Zxid(epoch: 1, counter: 5))
        #expect(d.learner.applied == Zxid(epoch: 1, counter: 5))
        #expect(d.propose(zabTxn(1, 6)) == [.persist([zabTxn(1, 6)])])
    }

    @Test func truncBeyondTheLastLoggedTxnMakesTheLearnerQuit() {
        var d = LearnerDriver(lastLogged: Zxid(epoch: 1, counter: 3))
        d.discover()
        let out = d.receive(.trunc, Zxid(epoch: 1, counter: 5))
        #expect(out.quits)
        #expect(!out.contains(.truncate(to: Zxid(epoch: 1, counter: 5))))
    }

    @Test func snapReceivesTheSnapshotThenWritesItDurablyBeforeNewLeader() {
        var d = LearnerDriver()
        d.discover()
        #expect(d.receive(.snap, Zxid(epoch: 1, counter: 9)) == [.receiveSnapshot(zxid: Zxid(epoch: 1, counter: 9))])
        #expect(d.learner.stage == .receivingSnapshot(Zxid(epoch: 1, counter: 9)))
        #expect(d.learner.snapshotLoaded(now: 0) == [.writeSnapshot])
        #expect(d.learner.lastLogged == Zxid(epoch: 1, counter: 9) && d.learner.applied == Zxid(epoch: 1, counter: 9))
        #expect(d.propose(zabTxn(1, 10)) == [.persist([zabTxn(1, 10)])])
        d.receive(.commit, Zxid(epoch: 1, counter: 10))
        #expect(d.receive(ZabPacket.newLeader(epoch: 2, configText: "")).isEmpty)
        #expect(d.synced(Zxid(epoch: 1, counter: 10)).sentPackets == [ack(Zxid(epoch: 2, counter: 0))])
    }

    @Test func snapshotLoadedOutsideASnapSyncMakesTheLearnerQuit() {
        var d = LearnerDriver()
        d.discover()
        #expect(d.learner.snapshotLoaded(now: 0).quits)
    }

    @Test func upToDateStartsServingAndAcks() {
        var d = LearnerDriver()
        d.discover()
        d.receive(.diff, Zxid(epoch: 1, counter: 3))
        d.receive(ZabPacket.newLeader(epoch: 2, configText: ""))
        #expect(d.receive(.upToDate, .none) == [.startServing(epoch: 2), .send([ack(Zxid(epoch: 2, counter: 0))])])
        #expect(d.learner.stage == .broadcast)
    }

    @Test func proposalsDurableBeforeUpToDateAreAckedRightAfterIt() {
        var d = LearnerDriver()
        d.discover()
        d.receive(.diff, Zxid(epoch: 1, counter: 3))
        d.receive(ZabPacket.newLeader(epoch: 2, configText: ""))
        d.propose(zabTxn(2, 1))
        #expect(d.synced(Zxid(epoch: 2, counter: 1)).sentPackets.isEmpty)
        #expect(d.receive(.upToDate, .none) == [.startServing(epoch: 2), .send([ack(Zxid(epoch: 2, counter: 0))]),
                                                .send([ack(Zxid(epoch: 2, counter: 1))])])
    }

    @Test func proposalQueuedDuringSyncIsAckedEvenIfItCommittedBeforeUpToDate() {
        // The leader queues an outstanding proposal (PROPOSAL without COMMIT) before NEWLEADER and
        // waits for this learner's ACK of it (syncLimit); if it commits and is applied here before
        // UPTODATE it must still be ACKed, as ZooKeeper's learner ACKs every txn it logs.
        var d = LearnerDriver()
        d.discover()
        d.receive(.diff, Zxid(epoch: 1, counter: 3))
        d.propose(zabTxn(2, 1))
        d.receive(ZabPacket.newLeader(epoch: 2, configText: ""))
        #expect(d.synced(Zxid(epoch: 2, counter: 1)).sentPackets == [ack(Zxid(epoch: 2, counter: 0))])
        #expect(d.receive(.commit, Zxid(epoch: 2, counter: 1)).applied == [zabTxn(2, 1)])
        let out = d.receive(.upToDate, .none)
        #expect(out.sentPackets == [ack(Zxid(epoch: 2, counter: 0)), ack(Zxid(epoch: 2, counter: 1))])
    }

    @Test func outOfPhasePacketsDuringSyncMakeTheLearnerQuit() {
        var early = LearnerDriver()
        early.discover()
        #expect(early.receive(.upToDate, .none).quits)
        var twice = LearnerDriver()
        twice.discover()
        #expect(twice.receive(ZabPacket.leaderInfo(epoch: 2)).quits)
        var unknown = LearnerDriver()
        unknown.discover()
        let out = unknown.receive(QuorumPacket(type: 99, zxid: 0))
        #expect(!out.quits)
        #expect(unknown.learner.stage == .awaitingSyncMode)
    }

    // MARK: - Broadcast

    @Test func proposalIsAckedOnlyAfterItIsDurable() {
        var d = LearnerDriver()
        d.serve()
        #expect(d.propose(zabTxn(2, 1)) == [.persist([zabTxn(2, 1)])])
        #expect(d.propose(zabTxn(2, 2)) == [.persist([zabTxn(2, 2)])])
        #expect(d.synced(Zxid(epoch: 2, counter: 1)) == [.send([ack(Zxid(epoch: 2, counter: 1))])])
        #expect(d.synced(Zxid(epoch: 2, counter: 2)) == [.send([ack(Zxid(epoch: 2, counter: 2))])])
        #expect(d.synced(Zxid(epoch: 2, counter: 2)).isEmpty)
    }

    @Test func commitBeforeDurabilityAppliesOnTheSync() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        #expect(d.receive(.commit, Zxid(epoch: 2, counter: 1)).isEmpty)
        #expect(d.synced(Zxid(epoch: 2, counter: 1))
                == [.send([ack(Zxid(epoch: 2, counter: 1))]), .apply([zabTxn(2, 1)])])
        #expect(d.learner.applied == Zxid(epoch: 2, counter: 1))
    }

    @Test func durabilityBeforeCommitAppliesOnTheCommit() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        #expect(d.synced(Zxid(epoch: 2, counter: 1)).applied.isEmpty)
        #expect(d.receive(.commit, Zxid(epoch: 2, counter: 1)) == [.apply([zabTxn(2, 1)])])
    }

    @Test func commitsApplyInOrderOnlyUpToTheDurablePoint() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        d.propose(zabTxn(2, 2))
        d.receive(.commit, Zxid(epoch: 2, counter: 1))
        d.receive(.commit, Zxid(epoch: 2, counter: 2))
        #expect(d.synced(Zxid(epoch: 2, counter: 1)).applied == [zabTxn(2, 1)])
        #expect(d.synced(Zxid(epoch: 2, counter: 2)).applied == [zabTxn(2, 2)])
    }

    @Test func commitOfAnUnknownZxidMakesTheLearnerQuit() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        #expect(d.receive(.commit, Zxid(epoch: 2, counter: 2)).quits)
    }

    @Test func commitOutOfOrderMakesTheLearnerQuit() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        d.propose(zabTxn(2, 2))
        #expect(d.receive(.commit, Zxid(epoch: 2, counter: 2)).quits)
    }

    @Test func repeatedCommitOfAnAppliedTxnIsIgnored() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        d.synced(Zxid(epoch: 2, counter: 1))
        d.receive(.commit, Zxid(epoch: 2, counter: 1))
        #expect(d.receive(.commit, Zxid(epoch: 2, counter: 1)).isEmpty)
    }

    @Test func proposalSkippingAZxidWithinAnEpochMakesTheLearnerQuit() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        let out = d.propose(zabTxn(2, 3))
        #expect(out.quits)
        #expect(!out.contains(.persist([zabTxn(2, 3)])))
    }

    @Test func proposalNotAfterTheLastLoggedMakesTheLearnerQuit() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        #expect(d.propose(zabTxn(2, 1)).quits)
    }

    @Test func firstProposalOfANewEpochMayStartAtCounterOne() {
        var d = LearnerDriver()
        d.serve(epoch: 3)
        #expect(d.propose(zabTxn(3, 1)) == [.persist([zabTxn(3, 1)])])
    }

    @Test func syncCompletesOnlyAfterEveryEarlierCommitIsApplied() {
        var d = LearnerDriver()
        d.serve()
        d.propose(zabTxn(2, 1))
        d.receive(.commit, Zxid(epoch: 2, counter: 1))
        #expect(d.receive(.sync, .zero).isEmpty)
        #expect(d.synced(Zxid(epoch: 2, counter: 1))
                == [.send([ack(Zxid(epoch: 2, counter: 1))]), .apply([zabTxn(2, 1)]), .syncReached])
    }

    @Test func syncWithNothingPendingCompletesAtOnce() {
        var d = LearnerDriver()
        d.serve()
        #expect(d.receive(.sync, .zero) == [.syncReached])
        // An uncommitted proposal does not hold a SYNC back: the leader sends SYNC after its commit.
        d.propose(zabTxn(2, 1))
        #expect(d.receive(.sync, .zero) == [.syncReached])
    }

    @Test func pingIsEchoedWithItsZxid() {
        var d = LearnerDriver()
        d.serve()
        #expect(d.receive(.ping, Zxid(epoch: 2, counter: 0)) == [.pingReply(Zxid(epoch: 2, counter: 0))])
    }

    @Test func revalidateAnswerIsPassedOn() {
        var d = LearnerDriver()
        d.serve()
        #expect(d.receive(ZabPacket.revalidateReply(session: SessionID(9), valid: true))
                == [.revalidated(SessionID(9), valid: true)])
    }

    @Test func malformedProposalMakesTheLearnerQuit() {
        var d = LearnerDriver()
        d.serve()
        #expect(d.receive(QuorumPacket(type: ZabType.proposal.rawValue, zxid: Zxid(epoch: 2, counter: 1).rawValue,
                                       data: [0, 1, 2])).quits)
    }

    // MARK: - Observers

    @Test func observerLogsInformAndAppliesItOnceDurableWithoutAcking() {
        var d = LearnerDriver(observer: true)
        d.serve()
        #expect(d.receive(ZabPacket.proposal(zabTxn(2, 1), type: .inform)) == [.persist([zabTxn(2, 1)])])
        #expect(d.synced(Zxid(epoch: 2, counter: 1)) == [.apply([zabTxn(2, 1)])])
    }

    @Test func observerRefusesProposalsAndCommitsInBroadcast() {
        var p = LearnerDriver(observer: true)
        p.serve()
        #expect(p.propose(zabTxn(2, 1)).quits)
        var c = LearnerDriver(observer: true)
        c.serve()
        #expect(c.receive(.commit, Zxid(epoch: 2, counter: 1)).quits)
    }

    @Test func followerRefusesInform() {
        var d = LearnerDriver()
        d.serve()
        #expect(d.receive(ZabPacket.proposal(zabTxn(2, 1), type: .inform)).quits)
    }

    @Test func observerTakesInformWhileItsNewLeaderAckWaitsForTheLog() {
        // The leader sends INFORM to an observer as soon as it sent NEWLEADER; the observer may
        // still be making its sync durable.
        var d = LearnerDriver(observer: true)
        d.discover()
        d.receive(.diff, Zxid(epoch: 1, counter: 4))
        d.propose(zabTxn(1, 4))
        d.receive(.commit, Zxid(epoch: 1, counter: 4))
        d.receive(ZabPacket.newLeader(epoch: 2, configText: ""))
        let out = d.receive(ZabPacket.proposal(zabTxn(2, 1), type: .inform))
        #expect(!out.quits)
        #expect(out == [.persist([zabTxn(2, 1)])])
        #expect(d.synced(Zxid(epoch: 2, counter: 1))
                == [.apply([zabTxn(1, 4), zabTxn(2, 1)]), .persistCurrentEpoch(2), .send([ack(Zxid(epoch: 2, counter: 0))])])
    }

    // MARK: - Against the capture

    /// Feeds a learner every packet the 3.8.0 leader sent in a captured step, with a disk that
    /// syncs at once, and returns what it sent back (PINGs excluded) and what it applied.
    func replay(_ step: String, acceptedEpoch: Int32, currentEpoch: Int32, lastLogged: Zxid) throws
        -> (sent: [QuorumPacket], applied: [Zxid], syncs: Int, pings: [Zxid]) {
        var learner = Learner(myID: ServerID(1), observer: false, settings: ZabSettings(), acceptedEpoch: acceptedEpoch,
                              currentEpoch: currentEpoch, lastLogged: lastLogged, now: 0)
        var sent: [QuorumPacket] = []
        var applied: [Zxid] = []
        var syncs = 0
        var pings: [Zxid] = []
        func collect(_ actions: [LearnerAction], into learner: inout Learner) {
            for action in actions {
                switch action {
                case .send(let packets): sent += packets
                case .persist(let txns): collect(learner.logSynced(through: txns.last!.zxid, now: 0), into: &learner)
                case .apply(let txns): applied += txns.map(\.zxid)
                case .syncReached: syncs += 1
                case .pingReply(let zxid): pings.append(zxid)
                case .quit(let reason): Issue.record("learner quit: \(reason)")
                default: break
                }
            }
        }
        collect(learner.connected(configVersion: 0, now: 0), into: &learner)
        for packet in try capturedQuorumStep(step) { collect(learner.received(packet, now: 0), into: &learner) }
        #expect(learner.stage == .broadcast)
        return (sent, applied, syncs, pings)
    }

    @Test func freshFollowerAnswersTheCapturedLeaderExactlyAsZooKeeperDid() throws {
        let (sent, applied, syncs, pings) = try replay("t=1.586s leader sid 3 -> learner :42048", acceptedEpoch: 0,
                                                        currentEpoch: 0, lastLogged: .zero)
        let expected = try capturedQuorumStep("t=1.586s learner :42048")
            .filter { $0.type != ZabType.ping.rawValue && $0.type != ZabType.request.rawValue }
        #expect(sent.map(encoded) == expected.map(encoded))
        #expect(applied == (1...6).map { Zxid(epoch: 1, counter: $0) })
        #expect(syncs == 1)
        #expect(pings == [Zxid(epoch: 1, counter: 0), Zxid(epoch: 1, counter: 0)])
    }

    @Test func restartedFollowerSyncedByDiffAcksLikeTheCapture() throws {
        let (sent, applied, _, pings) = try replay("t=40.435s leader sid 3 -> learner :42452", acceptedEpoch: 1,
                                                   currentEpoch: 1, lastLogged: Zxid(0x1_0000_0006))
        let expected = try capturedQuorumStep("t=40.435s learner :42452").filter { $0.type != ZabType.ping.rawValue }
        // FOLLOWERINFO, ACKEPOCH(-1), the NEWLEADER and UPTODATE ACKs, then the DIFF txns ACKed.
        #expect(sent.map(encoded) == expected.map(encoded))
        #expect(applied == (7...10).map { Zxid(epoch: 1, counter: $0) })
        #expect(pings == [Zxid(0x1_0000_000a), Zxid(0x1_0000_000a)])
    }

    // MARK: - Timeouts

    @Test func leaderSilentPastInitLimitDuringSyncMakesTheLearnerQuit() {
        var d = LearnerDriver()
        _ = d.learner.connected(configVersion: 0, now: 0)
        #expect(d.learner.tick(now: 20000).isEmpty)
        #expect(d.learner.tick(now: 20001).quits)
    }

    @Test func leaderSilentPastSyncLimitInBroadcastMakesTheLearnerQuit() {
        var d = LearnerDriver()
        d.serve()
        d.now = 5000
        d.receive(.ping, Zxid(epoch: 2, counter: 0))
        #expect(d.learner.tick(now: 15000).isEmpty)
        #expect(d.learner.tick(now: 15001).quits)
    }
}
