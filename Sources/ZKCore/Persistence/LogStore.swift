/// Where prepared transactions go before they may be applied: the "log" step of the pipeline.
///
/// The runtime appends each batch the core hands out and reports back the highest zxid that is
/// durable. File-backed storage in ZooKeeper's format implements this same protocol.
public protocol LogStore: AnyObject {
    /// Appends a batch in zxid order; returns the highest zxid now durable.
    func append(_ txns: [LoggedTxn]) throws -> Zxid?
}

/// A log kept in memory only: nothing survives a restart. The standalone server uses it until the
/// durable txn log lands; it still counts what went through it for the statistics.
public final class InMemoryLogStore: LogStore {
    public private(set) var appendedCount = 0
    public private(set) var lastZxid: Zxid?

    public init() {}

    public func append(_ txns: [LoggedTxn]) throws -> Zxid? {
        appendedCount += txns.count
        if let last = txns.last { lastZxid = last.zxid }
        return lastZxid
    }
}
