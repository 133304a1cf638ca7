import Testing
@testable import ZKCore

/// The leader's DIFF from on-disk logs for a learner older than the committed log: the logged
/// txns must join the committed log without a gap, or the learner gets a SNAP.
@Suite struct ZabDiskDiffTests {
    func txn(_ epoch: Int32, _ counter: Int32) -> LoggedTxn {
        LoggedTxn(header: TxnHeader(clientId: 0, cxid: 0, zxid: Zxid(epoch: epoch, counter: counter).rawValue, time: 0,
                                    type: .error),
                  body: .error(ErrorTxn(err: .ok)), digest: nil)
    }

    /// A leader whose committed log holds (2,11)...(2,20).
    func leader() -> Leader {
        let servers = (1...3).map { QuorumServer(id: ServerID(Int64($0)), address: "127.0.0.1", quorumPort: 2000 + $0,
                                                 electionPort: 3000 + $0) }
        return Leader(myID: ServerID(1), verifier: QuorumVerifier(servers: servers),
                      settings: ZabSettings(tickMs: 200, commitLogCount: 10), acceptedEpoch: 2, currentEpoch: 2,
                      lastZxid: Zxid(epoch: 2, counter: 20), history: (1...20).map { txn(2, $0) }, now: 0)
    }

    @Test func loggedTxnsJoiningTheCommittedLogGiveADiff() {
        let logged = (5...11).map { txn(2, $0) }  // anchor (2,5), then through minCommitted (2,11)
        let plan = leader().diskPlan(peerLast: Zxid(epoch: 2, counter: 5), logged: logged)
        #expect(plan == .diff((6...20).map { txn(2, $0) }))
    }

    @Test func aGapInTheLoggedHistoryIsASnap() {
        let gap = [txn(2, 3)] + (5...11).map { txn(2, $0) }
        #expect(leader().diskPlan(peerLast: Zxid(epoch: 2, counter: 4), logged: gap) == .snap,
                "(2,5) does not follow the anchor (2,3)")
        let whole = [txn(2, 3)] + (4...11).map { txn(2, $0) }
        #expect(leader().diskPlan(peerLast: Zxid(epoch: 2, counter: 3), logged: whole) == .diff((4...20).map { txn(2, $0) }))
    }

    @Test func aPeerAheadOfTheAnchorIsASnapWhenTheHistoryGoesOnInALaterEpoch() {
        // Logged: (1,9), then epoch 2 from (2,1). The peer's last txn (1,10) was never committed;
        // the next logged txn is from a later epoch, so ZooKeeper sends SNAP rather than TRUNC.
        let servers = (1...3).map { QuorumServer(id: ServerID(Int64($0)), address: "127.0.0.1", quorumPort: 2000 + $0,
                                                 electionPort: 3000 + $0) }
        let leader = Leader(myID: ServerID(1), verifier: QuorumVerifier(servers: servers),
                            settings: ZabSettings(tickMs: 200, commitLogCount: 5), acceptedEpoch: 2, currentEpoch: 2,
                            lastZxid: Zxid(epoch: 2, counter: 10), history: (1...10).map { txn(2, $0) }, now: 0)
        let logged = [txn(1, 9)] + (1...6).map { txn(2, $0) }
        #expect(leader.diskPlan(peerLast: Zxid(epoch: 1, counter: 10), logged: logged) == .snap)
        // The same logs serve a DIFF to a peer that stopped at (1,9).
        #expect(leader.diskPlan(peerLast: Zxid(epoch: 1, counter: 9), logged: logged) == .diff((1...10).map { txn(2, $0) }))
    }

    @Test func nothingLoggedOrAGapBeforeTheCommittedLogIsASnap() {
        #expect(leader().diskPlan(peerLast: Zxid(epoch: 2, counter: 5), logged: nil) == .snap)
        #expect(leader().diskPlan(peerLast: Zxid(epoch: 2, counter: 5), logged: []) == .snap)
        let short = (5...8).map { txn(2, $0) }  // ends at (2,8); the committed log starts at (2,11)
        #expect(leader().diskPlan(peerLast: Zxid(epoch: 2, counter: 5), logged: short) == .snap)
    }

    @Test func logsReadWhileTheCommittedLogMovedOnPastThemAreASnap() {
        // Found by simulation seed 580 once the log read ran off the core loop: the read was asked
        // through the committed log's start (1,5); meanwhile epoch 2 committed enough to push
        // (1,6)...(1,9) out of it. Joining (1,5) straight to (2,1) looks contiguous (the first txn
        // of a later epoch) but skips the end of epoch 1: that learner diverged.
        let servers = (1...3).map { QuorumServer(id: ServerID(Int64($0)), address: "127.0.0.1", quorumPort: 2000 + $0,
                                                 electionPort: 3000 + $0) }
        let leader = Leader(myID: ServerID(1), verifier: QuorumVerifier(servers: servers),
                            settings: ZabSettings(tickMs: 200, commitLogCount: 5), acceptedEpoch: 2, currentEpoch: 2,
                            lastZxid: Zxid(epoch: 2, counter: 5),
                            history: (1...9).map { txn(1, $0) } + (1...5).map { txn(2, $0) }, now: 0)
        let readEarlier = (3...5).map { txn(1, $0) }
        #expect(leader.diskPlan(peerLast: Zxid(epoch: 1, counter: 3), logged: readEarlier) == .snap)
        // Read through the committed log's start as it is now, the same learner gets its DIFF.
        let readNow = (3...9).map { txn(1, $0) } + [txn(2, 1)]
        #expect(leader.diskPlan(peerLast: Zxid(epoch: 1, counter: 3), logged: readNow)
                == .diff((4...9).map { txn(1, $0) } + (1...5).map { txn(2, $0) }))
    }
}
