#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading committed txns back from the on-disk logs for a learner too far behind the leader's
/// in-memory committed log (quorum-protocol.md §7.3, row "peerLastZxid < minCommittedLog"):
/// ZooKeeper's `ZKDatabase.getProposalsFromTxnLog` with `calculateTxnLogSizeLimit`, as
/// `LearnerHandler.syncFollower` uses them.
public enum TxnLogDiff {
    /// The logged txns a DIFF to a learner at `peerLast` needs, or nil when the rule says SNAP.
    ///
    /// The answer starts with an anchor: the newest logged txn at or below `peerLast` (it equals
    /// `peerLast` when the learner's last txn is in the log: then DIFF and skip it; otherwise the
    /// learner has txns the leader never committed: TRUNC to the anchor within an epoch, SNAP
    /// across epochs, as `LearnerHandler.queueCommittedProposals` decides). Every logged txn
    /// after `peerLast` follows in zxid order, up to and including `through` when given (the
    /// leader's `minCommittedLog`, where its committed log takes over).
    ///
    /// Nil (send SNAP), following ZooKeeper:
    /// - `factor < 0` (`zookeeper.snapshotSizeFactor` negative: txn-log sync is off);
    /// - the logs to scan (every file starting at or after `peerLast` plus the newest starting
    ///   before it, `FileTxnIterator`'s choice) total more bytes on disk, zero fill included, than
    ///   `snapshotSize × factor` (`snapshotSize`: the newest valid snapshot file's size). As in
    ///   ZooKeeper a limit of 0 (no snapshot, or `factor == 0`) means no limit is checked;
    /// - the first txn of those files is newer than `peerLast` (no log, or purged too far);
    /// - a log cannot be read (ZooKeeper logs the `IOException` and falls back to SNAP);
    /// - `through` is given and the logs end before it: a gap between the log and the committed
    ///   log ("Detected gap between end of txnlog and start of committedLog").
    ///
    /// Reads files synchronously: run it off the core's loop (DESIGN.md §11).
    public static func txnsForDiff(logDir: String, from peerLast: Zxid, through: Zxid? = nil,
                                   snapshotSize: Int, factor: Double,
                                   juteMaxBuffer: Int = Limits.juteMaxBufferDefault) -> [LoggedTxn]? {
        guard factor >= 0, let names = try? PosixFile.listDirectory(logDir) else { return nil }
        let limit = Int64(Double(snapshotSize) * factor)  // Java's (long) cast truncates
        let entries = TxnLogFormat.logFiles(names, after: .zero)
        var selected = entries.filter { $0.startZxid >= peerLast }
        if let older = entries.last(where: { $0.startZxid < peerLast }) { selected.insert(older, at: 0) }
        guard !selected.isEmpty else { return nil }
        let paths = selected.map { PosixFile.join(logDir, $0.name) }
        if limit > 0 {
            var total: Int64 = 0
            for path in paths {
                guard let size = fileSize(path) else { return nil }
                total += size
            }
            guard total <= limit else { return nil }
        }
        let reader = TxnLogReader(files: paths, from: nil, juteMaxBuffer: juteMaxBuffer)
        var anchor: LoggedTxn?
        var after: [LoggedTxn] = []
        do {
            while let record = try reader.next() {
                let entry = record.entry
                let txn = LoggedTxn(header: entry.header, body: entry.body, digest: entry.digest)
                if record.zxid <= peerLast {
                    anchor = txn
                    continue
                }
                // The first txn read is newer than the learner's: nothing proves the learner's
                // history matches ours.
                guard anchor != nil else { return nil }
                if let through, record.zxid > through { break }
                after.append(txn)
            }
        } catch {
            return nil
        }
        guard let anchor else { return nil }
        if let through, max(peerLast, after.last?.zxid ?? peerLast) < through { return nil }
        return [anchor] + after
    }

    /// A file's size on disk, nil when it cannot be read.
    static func fileSize(_ path: String) -> Int64? {
        guard let fd = try? PosixFile.open(path, flags: O_RDONLY) else { return nil }
        defer { PosixFile.close(fd) }
        return (try? PosixFile.size(fd, path: path)).map(Int64.init)
    }
}
