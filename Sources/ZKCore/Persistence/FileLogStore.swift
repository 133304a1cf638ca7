#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers

/// The durable `LogStore`: ZooKeeper's txn log files in a directory, written by one disk-writer
/// thread with group commit (ZooKeeper's `SyncRequestProcessor` over `FileTxnLog`).
///
/// `append` only queues. The writer thread takes everything queued since it last looked, writes
/// those batches with one `pwrite`, makes them durable with one `fdatasync`, and then calls each
/// batch's `synced` in queue order with that batch's highest zxid. So while one fsync runs, the
/// batches arriving meanwhile gather into the next group. `roll()` is queued in the same order:
/// batches before it end the current file, batches after it start a new one.
///
/// `appendIfIdle` is the short way for a lone write on an idle server: when nothing is queued and
/// the writer thread is not writing, the caller writes and syncs the batch itself (saving the hop
/// to the writer thread and back); otherwise it declines and the caller uses `append`. The caller
/// is the core's event loop, which must not sit in a slow disk while reads wait behind it, so it
/// also declines while syncs are slow: while their moving average (every sync counts, on either
/// path) is above `slowSyncNanos`, and for `stallBackoffNanos` after any one sync took longer than
/// `stallNanos`. A single sync of a few milliseconds, which a shared disk gives about once a
/// second, moves the average little and does not turn the short way off.
///
/// `truncate(to:)` (a learner's TRUNC) is queued in the same order too: batches before it are
/// written first, then the current file is closed and the logs are cut; later batches start a
/// new file.
///
/// Failure is final. When a write or sync fails (ENOSPC, EIO, …), the batches of that group and
/// every batch queued or appended later get `.failure(LogError.io(…))`; nothing is retried,
/// rewritten or truncated, so bytes already on disk stay as they are, and success is never
/// reported for data that did not reach the disk. The store logs nothing: the runtime reports the
/// failure once.
public final class FileLogStore: LogStore, @unchecked Sendable {
    /// Where the log files live (`<dataLogDir>/version-2`).
    public let directory: String

    private enum Operation {
        case append([LoggedTxn], @Sendable (Result<Zxid, any Error>) -> Void)
        case roll
        case truncate(Zxid, snapDirectory: String?, @Sendable (Result<LogTruncation, any Error>) -> Void)
    }

    /// Queue state, guarded by `condition`, whose value is 1 while there is work or a close pending
    /// and nobody is writing (`wakeValue`).
    private let condition = ConditionLock(value: 0)
    private var queue: [Operation] = []
    private var closing = false
    /// True while the writer thread or an `appendIfIdle` caller owns `writer`, `failure` and `lastZxid`.
    private var writing = false
    /// `appendIfIdle` declines until this monotonic time (guarded by `condition`).
    private var shortWayResumesAt: UInt64 = 0
    /// `appendIfIdle` declines while the average sync takes longer than this.
    static let slowSyncNanos: UInt64 = 2_000_000
    /// A single sync slower than this turns `appendIfIdle` off for `stallBackoffNanos`.
    static let stallNanos: UInt64 = 20_000_000
    static let stallBackoffNanos: UInt64 = 1_000_000_000
    /// Moving average of sync durations (weight 1/8 per sync; guarded by `condition`).
    private var averageSyncNanos: UInt64 = 0
    /// Set by whoever owns `writer` after each of its syncs: its duration and end; moved into
    /// `averageSyncNanos` and `shortWayResumesAt` under the lock.
    private var syncsSinceRelease: [(nanos: UInt64, endedAt: UInt64)] = []
    private let finished = ConditionLock(value: 0)

    /// Touched only by whoever set `writing` (the writer thread, or an `appendIfIdle` caller).
    private let writer: TxnLogWriter
    private var failure: LogError?
    private var lastZxid = Zxid.none

    /// Opens a store on `directory` (created if missing) and starts its writer thread, which
    /// runs (and keeps the store alive) until `close()`.
    ///
    /// - Parameters:
    ///   - preAllocSize: preallocation step in bytes (zoo.cfg `preAllocSize` is in KiB); 0 turns it off.
    ///   - forceSync: false skips `fdatasync` (zoo.cfg `forceSync=no`): faster, not durable.
    public convenience init(directory: String, preAllocSize: Int = Limits.preAllocSizeDefaultKiB * 1024,
                            forceSync: Bool = true) throws(LogError) {
        try self.init(directory: directory, preAllocSize: preAllocSize, forceSync: forceSync, io: .posix)
    }

    /// Opens the store a parsed zoo.cfg describes: `<dataLogDir>/version-2`, `preAllocSize` KiB
    /// steps and `forceSync`.
    public convenience init(config: ServerConfig) throws(LogError) {
        try self.init(directory: config.dataLogDir + "/version-2", preAllocSize: config.preAllocSizeKiB * 1024,
                      forceSync: config.forceSync)
    }

    /// Opens a store whose system calls can be replaced, for fault-injection tests.
    init(directory: String, preAllocSize: Int, forceSync: Bool, io: LogFileIO) throws(LogError) {
        self.directory = directory
        writer = try TxnLogWriter(directory: directory, preAllocSize: preAllocSize, forceSync: forceSync, io: io)
        DiskWriterThread.start { [self] in run() }
    }

    // MARK: - LogStore

    public func append(_ txns: [LoggedTxn], synced: @escaping @Sendable (Result<Zxid, any Error>) -> Void) {
        condition.lock()
        if closing {
            condition.unlock()
            synced(.failure(LogError.closed))
            return
        }
        queue.append(.append(txns, synced))
        condition.unlock(withValue: wakeValue)
    }

    public func appendIfIdle(_ txns: [LoggedTxn]) -> Result<Zxid, any Error>? {
        condition.lock()
        guard !closing, !writing, queue.isEmpty, averageSyncNanos <= Self.slowSyncNanos,
              SystemClock.monotonicNanos() >= shortWayResumesAt else {
            condition.unlock()
            return nil
        }
        writing = true
        // The value is already 0 (nothing queued, nobody writing); a plain unlock does not
        // broadcast, so the sleeping writer thread is not woken for nothing.
        condition.unlock()
        write(txns)
        if failure == nil {
            do { try timedSync() } catch { failure = error }
        }
        let result: Result<Zxid, any Error> = failure.map { .failure($0) } ?? .success(lastZxid)
        releaseWriter()
        return result
    }

    /// Appends a batch to the file unless the store has failed (call as the owner of `writer`).
    private func write(_ txns: [LoggedTxn]) {
        if failure == nil {
            do {
                for txn in txns {
                    try writer.append(TxnLogEntry(header: txn.header, body: txn.body, digest: txn.digest))
                }
            } catch {
                failure = error
            }
        }
        lastZxid = txns.last?.zxid ?? lastZxid
    }

    /// Gives up ownership of `writer`. The condition's value is 0 while someone writes, so it
    /// only changes (and the writer thread is only woken) when work is waiting or a close is.
    private func releaseWriter() {
        condition.lock()
        writing = false
        noteSyncTimes()
        if wakeValue == 1 { condition.unlock(withValue: 1) } else { condition.unlock() }
    }

    /// Syncs the writer, remembering how long it took (call as the owner of `writer`).
    private func timedSync() throws(LogError) {
        let started = SystemClock.monotonicNanos()
        try writer.sync()
        let ended = SystemClock.monotonicNanos()
        syncsSinceRelease.append((ended - started, ended))
    }

    /// Folds the owner's sync times into the average, and turns the short way off for a while
    /// after a stall (call with the lock held, as the owner of `writer` just before giving it up).
    private func noteSyncTimes() {
        for sync in syncsSinceRelease {
            averageSyncNanos = averageSyncNanos - averageSyncNanos / 8 + sync.nanos / 8
            if sync.nanos > Self.stallNanos {
                shortWayResumesAt = max(shortWayResumesAt, sync.endedAt + Self.stallBackoffNanos)
            }
        }
        syncsSinceRelease.removeAll(keepingCapacity: true)
    }

    /// The condition's value for the current state (call with the lock held).
    private var wakeValue: Int { (!queue.isEmpty || closing) && !writing ? 1 : 0 }

    public func roll() {
        condition.lock()
        if closing {
            condition.unlock()
            return
        }
        queue.append(.roll)
        condition.unlock(withValue: wakeValue)
    }

    /// Cuts the log back to `zxid` (a learner's TRUNC, ZooKeeper's `FileTxnSnapLog.truncateLog`,
    /// which closes its `FileTxnLog`, truncates, and opens a fresh one), in order with appends:
    /// batches queued before it are written and synced first, then the current file is closed,
    /// `TxnLogTruncation.truncate` runs (deleting snapshots newer than `zxid` in `snapDirectory`
    /// too, when given), and the next append starts a new file `log.<its zxid>`. `done` is called
    /// on the writer thread. A failure is final, like a failed write: the log's state is unknown.
    public func truncate(to zxid: Zxid, snapDirectory: String?,
                         done: @escaping @Sendable (Result<LogTruncation, any Error>) -> Void) {
        condition.lock()
        if closing {
            condition.unlock()
            done(.failure(LogError.closed))
            return
        }
        queue.append(.truncate(zxid, snapDirectory: snapDirectory, done))
        condition.unlock(withValue: wakeValue)
    }

    /// `truncate(to:snapDirectory:done:)`, waiting for it: for a learner handling TRUNC, which
    /// reloads the database from disk next and has nothing else to do meanwhile. Must not be
    /// called from a `synced` callback (those run on the writer thread this waits for).
    public func truncate(to zxid: Zxid, snapDirectory: String?) throws -> LogTruncation {
        let outcome = TruncationOutcome()
        truncate(to: zxid, snapDirectory: snapDirectory) { result in outcome.set(result) }
        return try outcome.wait().get()
    }

    /// Writes and syncs everything queued, answers every callback, closes the file and stops the
    /// writer thread; returns when that is done. Later appends fail with `LogError.closed`.
    ///
    /// Must not be called from a `synced` callback: those run on the writer thread, which this waits for.
    public func close() {
        condition.lock()
        closing = true
        condition.unlock(withValue: wakeValue)
        finished.lock(whenValue: 1)
        finished.unlock()
    }

    // MARK: - Writer thread

    private func run() {
        while true {
            condition.lock(whenValue: 1)
            let operations = queue
            queue.removeAll()
            if closing && operations.isEmpty {
                condition.unlock()
                break
            }
            writing = true
            condition.unlock(withValue: 0)
            process(operations)
            // Becomes 1 again while closing, so the loop comes back to see the queue empty.
            releaseWriter()
        }
        if failure == nil {
            do { try writer.close() } catch { failure = error }
        } else {
            try? writer.close()
        }
        finished.lock()
        finished.unlock(withValue: 1)
    }

    /// Writes one group: every append up to a roll shares one sync.
    private func process(_ operations: [Operation]) {
        var group: [(zxid: Zxid, callback: @Sendable (Result<Zxid, any Error>) -> Void)] = []
        for operation in operations {
            switch operation {
            case let .append(txns, callback):
                write(txns)
                group.append((lastZxid, callback))
            case .roll:
                commit(&group)
                if failure == nil {
                    do { try writer.roll() } catch { failure = error }
                }
            case let .truncate(zxid, snapDirectory, done):
                commit(&group)
                done(truncateFiles(to: zxid, snapDirectory: snapDirectory))
            }
        }
        commit(&group)
    }

    /// Closes the current file and truncates (call as the owner of `writer`).
    private func truncateFiles(to zxid: Zxid, snapDirectory: String?) -> Result<LogTruncation, any Error> {
        if let failure { return .failure(failure) }
        do {
            try writer.close()
            let result = try TxnLogTruncation.truncate(logDirectory: directory, snapDirectory: snapDirectory, to: zxid)
            lastZxid = zxid
            return .success(result)
        } catch {
            failure = error
            return .failure(error)
        }
    }

    /// Syncs what the group wrote, then answers its callbacks in order.
    private func commit(_ group: inout [(zxid: Zxid, callback: @Sendable (Result<Zxid, any Error>) -> Void)]) {
        guard !group.isEmpty else { return }
        if failure == nil {
            do { try timedSync() } catch { failure = error }
        }
        for (zxid, callback) in group {
            if let failure {
                callback(.failure(failure))
            } else {
                callback(.success(zxid))
            }
        }
        group.removeAll()
    }
}

/// Hands a truncation's result from the writer thread to the thread waiting for it.
private final class TruncationOutcome: @unchecked Sendable {
    private let ready = ConditionLock(value: 0)
    private var result: Result<LogTruncation, any Error>?

    func set(_ value: Result<LogTruncation, any Error>) {
        ready.lock()
        result = value
        ready.unlock(withValue: 1)
    }

    func wait() -> Result<LogTruncation, any Error> {
        ready.lock(whenValue: 1)
        defer { ready.unlock() }
        return result!
    }
}

/// Starts a dedicated, detached POSIX thread; the disk writer must not share a thread pool,
/// since it blocks in `fdatasync` for as long as the disk takes.
enum DiskWriterThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "cannot start the disk writer thread: \(LogError.errorText(rc))")
        pthread_detach(thread)
        #else
        var thread: pthread_t?
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "cannot start the disk writer thread: \(LogError.errorText(rc))")
        pthread_detach(thread!)
        #endif
    }
}
