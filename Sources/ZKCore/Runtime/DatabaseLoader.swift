/// What start-up recovery found and did, for the server log and for tests.
public struct LoadReport: Sendable {
    /// The snapshot the tree came from (nil: an empty database).
    public var snapshotFile: String?
    public var snapshotZxid: Zxid = .zero
    /// Newer snapshots passed over, with the reason.
    public var skippedSnapshots: [String] = []
    public var txnsReplayed = 0
    /// Torn ends cut off the newest log file (a crash before their fsync finished).
    public var tailsCut: [String] = []
    /// Torn ends left in older files (ZooKeeper reads past them too).
    public var tailsIgnored: [String] = []
    public var digestMismatches: [Zxid] = []
    public var lastZxid: Zxid = .zero
    /// The snapshot written while loading: only when no snapshot was found, so that the logs the
    /// server is about to write always have a snapshot to start from.
    public var snapshotWritten: String?
    /// True when the log held txns newer than the loaded snapshot: the runtime then writes a
    /// fresh snapshot in the background once it serves (ZooKeeper's `loadData` writes it before
    /// serving; the files on disk already hold everything, so it only shortens the next start).
    public var snapshotWanted = false
    /// The last txns replayed from the log (at most the `historyCount` asked for), oldest first:
    /// only txns newer than the snapshot, since those are the ones replayed. The leader's
    /// committed log for DIFF syncs starts from these (disk-format.md §8 step 5).
    public var history: [LoggedTxn] = []
}

/// Loads the database at start-up (ZooKeeper's `FileTxnSnapLog.restore`): the newest snapshot
/// that passes its checks, every log txn after it, and a cut of a torn last record. A directory
/// without a snapshot gets one of the loaded tree at once; otherwise the fresh snapshot
/// ZooKeeper's `loadData` takes is left to the runtime (`LoadReport.snapshotWanted`).
public enum DatabaseLoader {
    /// Why the database cannot be loaded; one line naming the file and offset where there is one.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads the database; `historyCount` is how many of the last replayed txns to keep in
    /// `LoadReport.history` (nil: `config.commitLogCount`, ZooKeeper's `zookeeper.commitLogCount`).
    public static func load(_ directory: DataDirectory, config: ServerConfig,
                            historyCount: Int? = nil) throws -> (RecoveredState, LoadReport) {
        var report = LoadReport()
        let initializeMarker = try directory.prepare()
        let recovery: SnapshotRecovery
        do {
            recovery = try SnapshotDirectory(path: directory.snapDir)
                .newestValid(options: SnapshotReadOptions(maxBufferLength: config.juteMaxBuffer))
        } catch {
            throw LoadError(description: "\(error)")
        }
        report.skippedSnapshots = recovery.skipped.map(\.description)
        var state: RecoveredState
        if let snapshot = recovery.snapshot {
            state = RecoveredState(tree: snapshot.tree,
                                   sessions: Dictionary(snapshot.sessions.map { ($0.id, $0.timeoutMs) },
                                                        uniquingKeysWith: { _, last in last }),
                                   snapshotDigest: snapshot.digest)
            report.snapshotFile = recovery.file?.path
            report.snapshotZxid = snapshot.zxid
        } else {
            let logs = TxnLogFormat.logFiles((try? PosixFile.listDirectory(directory.logDir)) ?? [], after: .zero)
            if !logs.isEmpty && !config.snapshotTrustEmpty && !initializeMarker {
                throw LoadError(description: "\(directory.logDir): transaction logs but no snapshot in \(directory.snapDir); "
                    + "set snapshot.trust.empty=true to replay the logs from an empty tree")
            }
            state = RecoveredState()
        }

        let reader: TxnLogReader
        var history = TxnHistory(capacity: max(historyCount ?? config.commitLogCount, 0))
        do {
            reader = try TxnLogReader(directory: directory.logDir, from: report.snapshotZxid.next(),
                                      juteMaxBuffer: config.juteMaxBuffer)
            while let record = try reader.next() {
                let entry = record.entry
                if state.replay(entry) { history.append(LoggedTxn(header: entry.header, body: entry.body, digest: entry.digest)) }
            }
        } catch {
            throw LoadError(description: "\(error); the server will not start on a damaged log: "
                + "`swzk log-dump --verify \(directory.logDir)` shows the damage and "
                + "`swzk log-dump --repair OUT <file>` writes a copy that ends before it")
        }
        for tail in reader.tails {
            if tail.file == reader.files.last {
                do { try TxnLogRepair.cutTail(tail) } catch { throw LoadError(description: "\(error)") }
                report.tailsCut.append(tail.description)
            } else {
                report.tailsIgnored.append(tail.description)
            }
        }
        report.history = history.elements
        report.txnsReplayed = state.txnsReplayed
        report.digestMismatches = state.digestMismatches
        report.lastZxid = state.tree.lastProcessedZxid
        if recovery.snapshot == nil {
            do {
                report.snapshotWritten = try SnapshotFile.write(
                    tree: state.tree, sessions: state.sessions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                    to: directory.snapDir, compression: config.snapshotCompression,
                    digestEnabled: config.digestEnabled, sync: config.forceSync)
            } catch {
                throw LoadError(description: "cannot write the start-up snapshot: \(error)")
            }
        } else {
            report.snapshotWanted = state.txnsReplayed > 0
        }
        return (state, report)
    }
}
