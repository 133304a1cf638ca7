/// The ensemble defaults, kept beside the other limits (DESIGN §7) but in their own file so the
/// quorum work does not collide with edits to `Limits.swift`.
extension Limits {
    /// ZooKeeper's `zookeeper.cnxTimeout` default (`QuorumCnxManager.cnxTO`): how long an
    /// election-port connect may take before the peer gives up on that server for this round.
    public static let electionConnectTimeoutMsDefault = 5000
    /// ZooKeeper's `zookeeper.electionPortBindRetry` default: attempts to bind the election port,
    /// one second apart, before the peer stops (0 means retry forever).
    public static let electionPortBindRetryDefault = 3
    /// ZooKeeper's `zookeeper.commitLogCount` default and minimum (`ZKDatabase.DEFAULT_COMMIT_LOG_COUNT`):
    /// committed proposals the leader keeps in memory to sync learners by DIFF; smaller values are raised.
    public static let commitLogCountMin = 500
    /// ZooKeeper's `zookeeper.snapshotSizeFactor` default: a DIFF read from txn logs may total at
    /// most this fraction of the newest snapshot's size, else the learner gets a SNAP.
    public static let snapshotSizeFactorDefault = 0.33
    /// ZooKeeper's `zookeeper.fastleader.minNotificationInterval` default: first wait for election
    /// notifications, doubled after each empty wait.
    public static let minNotificationIntervalMsDefault = 200
    /// ZooKeeper's `zookeeper.fastleader.maxNotificationInterval` default: the cap of that doubling.
    public static let maxNotificationIntervalMsDefault = 60_000
    /// ZooKeeper's `zookeeper.leader.maxConcurrentSnapSyncs` default (`LearnerMaster`): snapshot
    /// syncs to observers at once, so a wave of observers cannot saturate the leader's disk and network.
    public static let maxConcurrentSnapSyncsDefault = 10
    /// ZooKeeper's `zookeeper.leader.maxConcurrentDiffSyncs` default: DIFF syncs to observers at once.
    public static let maxConcurrentDiffSyncsDefault = 100
}
