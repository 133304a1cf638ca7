/// What `TxnLogTruncation.truncate` changed on disk.
public struct LogTruncation: Hashable, Sendable {
    /// The zxid truncated to: nothing newer is left in the logs or snapshots.
    public var zxid: Zxid
    /// The log file holding `zxid` (the newest starting at or before it), nil when there is none.
    public var cutFile: String?
    /// The length `cutFile` was cut to: the end of its last record at or below `zxid`.
    public var cutOffset: Int?
    /// The last txn kept in `cutFile`, nil when it kept none.
    public var lastKeptZxid: Zxid?
    /// Log files removed because every txn in them is newer than `zxid`, newest first.
    public var deletedLogs: [String] = []
    /// Snapshot files removed because they are named after a zxid newer than `zxid`.
    public var deletedSnapshots: [String] = []
}

/// Cuts the txn logs (and snapshots) of a data directory back to a zxid: what a learner does on a
/// TRUNC packet from the leader (quorum-protocol.md §7.4), ZooKeeper's `ZKDatabase.truncateLog`
/// → `FileTxnSnapLog.truncateLog` → `FileTxnLog.truncate`.
public enum TxnLogTruncation {
    /// Deletes every txn log file (a learner just wrote the snapshot the leader sent by SNAP):
    /// they hold this server's history from before the SNAP, which may end in txns the ensemble
    /// never committed (a SNAP rather than a TRUNC was chosen for it). The snapshot covers all it
    /// needs; if this server later leads, a log read for a DIFF must not find those txns, because
    /// joining them to later epochs looks contiguous. Returns the paths deleted.
    public static func retireAll(logDirectory: String) throws(LogError) -> [String] {
        var deleted: [String] = []
        for entry in TxnLogFormat.logFiles(try PosixFile.listDirectory(logDirectory), after: .zero) {
            let path = PosixFile.join(logDirectory, entry.name)
            try PosixFile.remove(path)
            deleted.append(path)
        }
        if !deleted.isEmpty { try syncDirectory(logDirectory) }
        return deleted
    }

    /// Removes every txn after `zxid` from the log files of `logDirectory` and every snapshot newer
    /// than `zxid` from `snapDirectory`; the caller then reloads the database from disk.
    ///
    /// What it does, in this order (each step leaves the directory loadable if a crash follows):
    /// 1. deletes each `snapshot.<z>[.*]` with `z > zxid` (not `.tmp` files of a snapshot still
    ///    being written), then syncs the directory;
    /// 2. deletes each `log.<z>` with `z > zxid`, newest first, so a crash midway never leaves a
    ///    gap between the files that remain;
    /// 3. cuts the newest log starting at or before `zxid` right after its last record with a zxid
    ///    at or below `zxid` (the zero fill after it goes too), syncs it and the directory.
    /// The next append then starts a new file, `log.<next zxid>`, as after ZooKeeper's truncate
    /// (its `FileTxnSnapLog` reopens a fresh `FileTxnLog`). Logs older than the cut file and
    /// snapshots at or below `zxid` are untouched.
    ///
    /// Where this differs from ZooKeeper 3.8/3.9 on purpose:
    /// - `FileTxnLog.truncate` cuts after the first record whose zxid is `>= zxid`, so when `zxid`
    ///   itself is not logged (a learner whose last zxid came from a snapshot, or a `zxid` below
    ///   the first log) it keeps one txn newer than `zxid`; here none is kept.
    /// - ZooKeeper throws ("No log files found to truncate!") when no record `>= zxid` exists, and
    ///   the learner exits; here that is a success that cuts nothing (nothing newer is logged).
    /// - ZooKeeper never deletes snapshots here, so a learner holding a snapshot newer than `zxid`
    ///   reloads it and keeps the txns the leader told it to drop; here such snapshots are removed.
    ///   If that leaves no snapshot, the reload needs one (or `snapshot.trust.empty`).
    ///
    /// Read errors (a checksum mismatch or broken framing before the cut point) throw and change
    /// nothing more; the learner must not go on (ZooKeeper exits with code 13).
    public static func truncate(logDirectory: String, snapDirectory: String?, to zxid: Zxid,
                                juteMaxBuffer: Int = Limits.juteMaxBufferDefault) throws(LogError) -> LogTruncation {
        var result = LogTruncation(zxid: zxid)
        if let snapDirectory, PosixFile.isDirectory(snapDirectory) {
            result.deletedSnapshots = try removeSnapshots(in: snapDirectory, newerThan: zxid)
        }
        let entries = TxnLogFormat.logFiles(try PosixFile.listDirectory(logDirectory), after: .zero)
        for entry in entries.reversed() where entry.startZxid > zxid {
            let path = PosixFile.join(logDirectory, entry.name)
            try PosixFile.remove(path)
            result.deletedLogs.append(path)
        }
        if !result.deletedLogs.isEmpty { try syncDirectory(logDirectory) }
        guard let holder = entries.last(where: { $0.startZxid <= zxid }) else { return result }
        let path = PosixFile.join(logDirectory, holder.name)
        let reader = TxnLogReader(files: [path], from: nil, juteMaxBuffer: juteMaxBuffer)
        var end: Int?
        while let record = try reader.next(), record.zxid <= zxid {
            end = record.endOffset
            result.lastKeptZxid = record.zxid
        }
        result.cutFile = path
        if let end {
            try PosixFile.truncate(path, to: end)
            result.cutOffset = end
        } else {
            // Not one complete record (a file torn before its first record was written): nothing
            // in it is kept, and leaving its name would block the next file of that name.
            try PosixFile.remove(path)
            result.deletedLogs.append(path)
            result.cutOffset = 0
        }
        try syncDirectory(logDirectory)
        return result
    }

    /// Deletes the snapshots named after a zxid above `zxid`; returns their paths, newest first.
    private static func removeSnapshots(in directory: String, newerThan zxid: Zxid) throws(LogError) -> [String] {
        var doomed: [(zxid: Zxid, path: String)] = []
        for name in try PosixFile.listDirectory(directory) {
            guard !name.hasSuffix(SnapshotFormat.temporarySuffix),
                  let fileZxid = DataFileName.zxid(of: name, prefix: SnapshotFormat.fileNamePrefix),
                  fileZxid > zxid else { continue }
            doomed.append((fileZxid, PosixFile.join(directory, name)))
        }
        doomed.sort { $0.zxid != $1.zxid ? $0.zxid > $1.zxid : $0.path < $1.path }
        for file in doomed { try PosixFile.remove(file.path) }
        if !doomed.isEmpty { try syncDirectory(directory) }
        return doomed.map(\.path)
    }

    private static func syncDirectory(_ directory: String) throws(LogError) {
        let code = PosixFile.syncDirectory(directory)
        if code != 0 { throw .io(file: directory, operation: "fsync directory", errno: code) }
    }
}
