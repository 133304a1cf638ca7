/// The timing and sizing knobs of Zab, in milliseconds and counts (zoo.cfg's tickTime, initLimit,
/// syncLimit and `zookeeper.commitLogCount`).
public struct ZabSettings: Sendable, Equatable {
    public var tickMs: Int64
    /// Ticks a learner has to connect and finish its sync.
    public var initLimit: Int64
    /// Ticks a learner may stay silent, or leave a proposal un-ACKed, in broadcast.
    public var syncLimit: Int64
    /// Committed proposals the leader keeps in memory to sync learners by DIFF.
    public var commitLogCount: Int
    /// Serve a learner older than the committed log from the on-disk logs
    /// (`zookeeper.snapshotSizeFactor` ≥ 0); else it gets a SNAP.
    public var diskDiffEnabled: Bool

    public init(tickMs: Int64 = 2000, initLimit: Int64 = 10, syncLimit: Int64 = 5, commitLogCount: Int = 500,
                diskDiffEnabled: Bool = true) {
        self.tickMs = tickMs; self.initLimit = initLimit; self.syncLimit = syncLimit; self.commitLogCount = commitLogCount
        self.diskDiffEnabled = diskDiffEnabled
    }

    /// How long discovery and sync may take (`initLimit × tickTime`).
    public var initMs: Int64 { initLimit * tickMs }
    /// How long a peer may stay silent in broadcast (`syncLimit × tickTime`).
    public var syncMs: Int64 { syncLimit * tickMs }
    /// The leader pings every half tick (ZooKeeper's `Leader.lead` loop).
    public var pingIntervalMs: Int64 { max(1, tickMs / 2) }
}

/// One learner connection as the leader knows it (the leader's `LearnerHandler`).
public struct LearnerConnectionID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "learner#\(rawValue)" }
}

/// A session a learner's clients kept alive since the last PING, with its timeout.
public struct SessionTouch: Hashable, Sendable {
    public var session: SessionID
    public var timeoutMs: Int32
    public init(session: SessionID, timeoutMs: Int32) { self.session = session; self.timeoutMs = timeoutMs }
}
