import Dispatch
import Logging
import NIOCore

/// When and where the running server writes snapshots and purges old files.
public struct PersistenceSettings: Sendable {
    public var directory: DataDirectory
    /// `snapCount`: a snapshot after about this many txns (randomised as ZooKeeper does).
    public var snapCount: Int
    public var compression: SnapshotCompression
    public var digestEnabled: Bool
    public var forceSync: Bool
    /// `autopurge.snapRetainCount`.
    public var purgeRetainCount: Int
    /// `autopurge.purgeInterval`; zero disables autopurge.
    public var purgeInterval: Duration

    public init(_ config: ServerConfig) {
        directory = DataDirectory(dataDir: config.dataDir, dataLogDir: config.dataLogDir)
        snapCount = max(config.snapCount, 2)
        compression = config.snapshotCompression
        digestEnabled = config.digestEnabled
        forceSync = config.forceSync
        purgeRetainCount = config.autopurgeSnapRetainCount
        purgeInterval = config.autopurgePurgeInterval
    }
}

/// Decides when to roll the log and snapshot (ZooKeeper's `SyncRequestProcessor`): after more than
/// `snapCount/2 + r` txns since the last roll, with `r` drawn anew in `[0, snapCount/2)` each time
/// so the servers of an ensemble do not all snapshot at once. Pure but for the random draw.
struct SnapshotTrigger {
    let snapCount: Int
    private(set) var sinceRoll = 0
    private(set) var threshold: Int

    init(snapCount: Int) {
        self.snapCount = max(snapCount, 2)
        threshold = Self.draw(self.snapCount)
    }

    private static func draw(_ snapCount: Int) -> Int {
        snapCount / 2 + Int.random(in: 0..<max(snapCount / 2, 1))
    }

    /// Counts logged txns; true when it is time to roll and snapshot.
    mutating func logged(_ count: Int) -> Bool {
        sinceRoll += count
        guard sinceRoll > threshold else { return false }
        sinceRoll = 0
        threshold = Self.draw(snapCount)
        return true
    }
}

/// A snapshot being written in the background: chunks are serialized on the core loop, a few
/// thousand nodes at a time with client work in between, and written and fsynced on a queue of
/// their own (DESIGN §4: fuzzy, chunked, never a copy of the whole tree).
final class BackgroundSnapshot: @unchecked Sendable {
    private var writer: SnapshotWriter
    private let sink: SnapshotFileSink
    private let queue: DispatchQueue
    private let loop: any EventLoop
    private let sync: Bool
    private let done: @Sendable (Result<String, any Error>) -> Void
    /// Bytes handed to the queue and not yet written (read and written on the core loop only).
    private var queuedBytes = 0
    private var failed = false
    static let nodesPerChunk = 500
    static let queuedBytesMax = 32 << 20
    /// After a chunk that took t, the next one waits 2t: the snapshot gets at most a third of the
    /// core loop, and no client waits behind more than one small chunk.
    static let idleFactor: UInt64 = 2

    init(writer: SnapshotWriter, sink: SnapshotFileSink, queue: DispatchQueue, loop: any EventLoop, sync: Bool,
         done: @escaping @Sendable (Result<String, any Error>) -> Void) {
        self.writer = writer
        self.sink = sink
        self.queue = queue
        self.loop = loop
        self.sync = sync
        self.done = done
    }

    /// Serializes the next chunk on the core loop and schedules the one after it.
    func step() {
        loop.preconditionInEventLoop()
        if failed { return }
        if queuedBytes > Self.queuedBytesMax {
            loop.scheduleTask(in: .milliseconds(10)) { self.step() }
            return
        }
        let started = SystemClock.monotonicNanos()
        guard let chunk = writer.nextChunk(maxNodes: Self.nodesPerChunk) else {
            queue.async { [self] in
                do { done(.success(try sink.finish(sync: sync))) } catch { sink.abort(); done(.failure(error)) }
            }
            return
        }
        queuedBytes += chunk.count
        queue.async { [self] in
            let result: (any Error)?
            do { try sink.write(chunk); result = nil } catch { result = error }
            loop.execute { [self] in
                queuedBytes -= chunk.count
                if let result, !failed {
                    failed = true
                    queue.async { [self] in sink.abort(); done(.failure(result)) }
                }
            }
        }
        let spent = SystemClock.monotonicNanos() - started
        loop.scheduleTask(in: .nanoseconds(Int64(min(spent * Self.idleFactor, 50_000_000)))) { self.step() }
    }
}

extension BackgroundSnapshot {
    /// Starts a fuzzy snapshot of `tree` into a new snapshot file, the way both runtimes take
    /// them; `finished` runs on `loop` when it is written (or failed, which is logged). Returns
    /// false, having logged why, when the file cannot be created.
    static func start(tree: DataTree, sessions: [(id: SessionID, timeoutMs: Int32)], persistence: PersistenceSettings,
                      queue: DispatchQueue, loop: any EventLoop, logger: Logger,
                      finished: @escaping @Sendable () -> Void) -> Bool {
        let writer = SnapshotWriter(tree: tree, sessions: sessions, digestEnabled: persistence.digestEnabled)
        let sink: SnapshotFileSink
        do {
            sink = try SnapshotFileSink(directory: persistence.directory.snapDir, zxid: writer.zxid,
                                        compression: persistence.compression)
        } catch {
            logger.error("cannot start a snapshot: \(error)")
            return false
        }
        let started = SystemClock.monotonicNanos()
        let snapshot = BackgroundSnapshot(writer: writer, sink: sink, queue: queue, loop: loop,
                                          sync: persistence.forceSync) { result in
            loop.execute {
                switch result {
                case .success(let path):
                    let ms = (SystemClock.monotonicNanos() - started) / 1_000_000
                    logger.info("snapshot \(path) written in \(ms) ms")
                case .failure(let error):
                    logger.error("snapshot failed: \(error)")
                }
                finished()
            }
        }
        snapshot.step()
        return true
    }
}
