/// The last `capacity` txns seen, oldest first, in a fixed ring: the replayed tail recovery hands
/// to the leader's committed log for DIFF syncs (ZooKeeper's `ZKDatabase.committedLog`, filled by
/// `addCommittedProposal` from `FileTxnSnapLog.restore`'s replay, `zookeeper.commitLogCount` long).
///
/// A ring so that replaying millions of txns at start-up keeps only `capacity` of them in memory.
public struct TxnHistory: Sendable {
    /// Most txns kept.
    public let capacity: Int
    private var storage: [LoggedTxn] = []
    /// Index of the oldest txn once the ring is full.
    private var head = 0

    /// An empty history keeping at most `capacity` txns (0 keeps none).
    public init(capacity: Int) {
        precondition(capacity >= 0, "a history cannot hold a negative number of txns")
        self.capacity = capacity
        storage.reserveCapacity(min(capacity, 4096))
    }

    /// Number of txns held.
    public var count: Int { storage.count }

    /// Adds the newest txn, dropping the oldest when full.
    public mutating func append(_ txn: LoggedTxn) {
        guard capacity > 0 else { return }
        if storage.count < capacity {
            storage.append(txn)
        } else {
            storage[head] = txn
            head = (head + 1) % capacity
        }
    }

    /// The txns held, oldest first.
    public var elements: [LoggedTxn] {
        Array(storage[head...] + storage[..<head])
    }
}
