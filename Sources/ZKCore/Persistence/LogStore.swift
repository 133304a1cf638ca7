/// Where prepared transactions go before they may be applied: the "log" step of the pipeline.
///
/// The runtime hands each batch the core produces to `append`; the store makes it durable (a
/// file store on its own disk-writer thread, with one fsync per group of batches) and then calls
/// `synced` with the highest durable zxid, from any thread. A write is answered only after that.
/// A failure is reported once through `synced`; the server then stops acknowledging writes.
public protocol LogStore: AnyObject, Sendable {
    /// Queues a batch, in zxid order after every earlier batch.
    func append(_ txns: [LoggedTxn], synced: @escaping @Sendable (Result<Zxid, any Error>) -> Void)
    /// Makes a batch durable on the calling thread when the store has nothing else to do, and
    /// says how that went; nil when the store is busy (use `append`). Saves the two thread hops of
    /// `append` for a lone write on an idle server.
    func appendIfIdle(_ txns: [LoggedTxn]) -> Result<Zxid, any Error>?
    /// Starts a new log file at the next txn (after a snapshot); stores without files ignore it.
    func roll()
    /// Finishes pending writes and releases files.
    func close()
}

/// A log kept in memory only: nothing survives a restart. It counts what went through it.
public final class InMemoryLogStore: LogStore, @unchecked Sendable {
    private var appended = 0

    public init() {}

    /// Number of txns appended so far (only read by tests, on the appending thread).
    public var appendedCount: Int { appended }

    public func append(_ txns: [LoggedTxn], synced: @escaping @Sendable (Result<Zxid, any Error>) -> Void) {
        appended += txns.count
        if let last = txns.last { synced(.success(last.zxid)) }
    }

    public func appendIfIdle(_ txns: [LoggedTxn]) -> Result<Zxid, any Error>? {
        guard let last = txns.last else { return nil }
        appended += txns.count
        return .success(last.zxid)
    }

    public func roll() {}
    public func close() {}
}
