/// What `srvr`, `stat` and `mntr` say about a member's part in the ensemble.
extension QuorumPeer {
    /// The ensemble part of a member's report (ZooKeeper's `QuorumPeer.getDetailedPeerState` and
    /// the leader's learner counts).
    public func quorumReport(now: CoreTime) -> QuorumReport {
        let quorumSize = verifier.votingMembers.count
        switch role {
        case .looking:
            return QuorumReport(peerState: .looking, zabPhase: .election, quorumSize: quorumSize)
        case .leading(let leader):
            let counts = leader.learnerCounts
            let phase: QuorumReport.ZabPhase
            switch leader.phase {
            case .discovery, .awaitingEpochAcks: phase = .discovery
            case .awaitingNewLeaderAcks: phase = .synchronization
            case .broadcast: phase = .broadcast
            }
            let synced = leader.syncedVoters(now: now.monotonicMs).count - 1
            return QuorumReport(peerState: .leading, zabPhase: phase, quorumSize: quorumSize,
                                leader: .init(learners: counts.learners, syncedFollowers: synced,
                                              syncedObservers: counts.observers, pendingSyncs: leader.pendingSyncCount,
                                              uptimeMs: max(0, now.monotonicMs - leader.startedMs)))
        case .following(let learner, let leaderID):
            let phase: QuorumReport.ZabPhase
            switch learner.stage {
            case .connecting, .awaitingLeaderInfo: phase = .discovery
            case .awaitingSyncMode, .receivingSnapshot, .syncing, .awaitingUpToDate: phase = .synchronization
            case .broadcast: phase = .broadcast
            }
            return QuorumReport(peerState: learner.isObserver ? .observing : .following, zabPhase: phase,
                                quorumSize: quorumSize, followerSyncedObservers: learner.isObserver ? nil : 0,
                                learnerMasterID: leaderID.rawValue)
        }
    }
}
