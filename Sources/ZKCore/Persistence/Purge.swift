#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file a purge keeps or removes.
public struct PurgeFile: Hashable, Sendable {
    /// Full path.
    public var path: String
    /// File name.
    public var name: String
    /// The zxid in the name, nil when the name has none (such `log.*`/`snapshot.*` files count as
    /// zxid -1, as in ZooKeeper).
    public var zxid: Zxid?
    /// Last modification, ms since the epoch (nil if the file could not be examined).
    public var modifiedMs: Int64?
}

/// What a purge will do (disk-format.md §10.1): which snapshots it keeps, which txn logs those
/// need, and which older files go.
public struct PurgePlan: Sendable {
    /// The snapshot directory (`<dataDir>/version-2`).
    public var snapDir: String
    /// The txn log directory (`<dataLogDir>/version-2`).
    public var logDir: String
    /// How many snapshots are kept.
    public var retain: Int
    /// The kept snapshots, newest first; empty when the directory has no valid snapshot, and
    /// then nothing is removed.
    public var keptSnapshots: [PurgeFile]
    /// The zxid of the oldest kept snapshot: older files go unless a kept snapshot needs them.
    public var leastRetainedZxid: Zxid?
    /// The txn logs kept because replay from the oldest kept snapshot reads them, ascending.
    public var retainedLogs: [PurgeFile]
    /// Files to delete: txn logs first, then snapshots, each ascending by zxid.
    public var removals: [PurgeFile]
}

/// A file a purge could not delete.
public struct PurgeFailure: Hashable, Sendable {
    public var file: PurgeFile
    public var reason: String
}

/// What executing a plan did.
public struct PurgeResult: Sendable {
    public var removed: [PurgeFile]
    public var failures: [PurgeFailure]
}

/// Why a purge was refused. Nothing on disk is touched in any of these cases.
public enum PurgeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer than `Purge.retainMin` snapshots asked for.
    case retainTooSmall(Int)
    /// A directory is missing or cannot be listed.
    case unreadableDirectory(SnapshotError)
    /// A snapshot that would be kept does not verify; purging could delete what recovery needs.
    case keptSnapshotInvalid(SnapshotError)

    public var description: String {
        switch self {
        case .retainTooSmall(let count):
            return "snapshot count to keep must be at least \(Purge.retainMin), got \(count)"
        case .unreadableDirectory(let error):
            return error.description
        case .keptSnapshotInvalid(let error):
            return "refusing to purge: a snapshot that would be kept does not verify: \(error.description)"
        }
    }
}

/// Removes old snapshots and txn logs (ZooKeeper's `PurgeTxnLog.purge`), for both the server's
/// autopurge task and `swzk purge`.
///
/// The rules are ZooKeeper's: keep the `retain` newest snapshots that look complete; let `keep`
/// be the zxid of the oldest of them; keep the newest log starting at or before `keep` and every
/// later log; delete every other `log.*` and every `snapshot.*` whose zxid is below `keep`
/// (names without a zxid count as -1 and go too). swzk adds one safety check ZooKeeper does not
/// make: every kept snapshot is read end to end and its seals checked first.
public enum Purge {
    /// ZooKeeper refuses to keep fewer than three snapshots.
    public static let retainMin = 3

    private static let logPrefix = "log"

    /// Works out what to remove. `snapDir` and `logDir` are the `version-2` directories (the same
    /// one when dataLogDir is not set). `verifySnapshots` reads every kept snapshot first.
    public static func plan(snapDir: String, logDir: String, retain: Int,
                            verifySnapshots: Bool = true) throws(PurgeError) -> PurgePlan {
        guard retain >= retainMin else { throw .retainTooSmall(retain) }
        let snapshots: [SnapshotFileInfo]
        let snapNames: [String]
        let logNames: [String]
        do {
            snapshots = try SnapshotDirectory(path: snapDir).snapshots()
            snapNames = try SnapshotPosixFile.listDirectory(snapDir)
            logNames = try SnapshotPosixFile.listDirectory(logDir)
        } catch {
            throw .unreadableDirectory(error)
        }
        var plan = PurgePlan(snapDir: snapDir, logDir: logDir, retain: retain, keptSnapshots: [],
                             leastRetainedZxid: nil, retainedLogs: [], removals: [])
        let kept = Array(snapshots.lazy.filter { SnapshotReader.looksComplete(file: $0.path) }.prefix(retain))
        guard let oldest = kept.last else { return plan }
        if verifySnapshots {
            for snapshot in kept {
                do { _ = try SnapshotReader.verify(file: snapshot.path) } catch { throw .keptSnapshotInvalid(error) }
            }
        }
        let keep = oldest.zxid
        plan.keptSnapshots = kept.map { file(in: snapDir, name: $0.name, zxid: $0.zxid) }
        plan.leastRetainedZxid = keep

        // FileTxnLog.getLogFiles: the newest log starting at or before `keep`, and all later ones.
        let logs = logNames.compactMap { name -> PurgeFile? in
            guard name.hasPrefix(logPrefix + ".") else { return nil }
            return file(in: logDir, name: name, zxid: DataFileName.zxid(of: name, prefix: logPrefix))
        }.filter { !SnapshotPosixFile.isDirectory($0.path) }.sorted(by: ascending)
        var firstNeeded: Int64 = 0
        for log in logs {
            guard let zxid = log.zxid?.rawValue, zxid <= keep.rawValue else { continue }
            firstNeeded = max(firstNeeded, zxid)
        }
        plan.retainedLogs = logs.filter { ($0.zxid?.rawValue ?? -1) >= firstNeeded }
        let retainedNames = Set(plan.retainedLogs.map(\.name))
        plan.removals = logs.filter { !retainedNames.contains($0.name) && ($0.zxid?.rawValue ?? -1) < keep.rawValue }

        let oldSnapshots = snapNames.compactMap { name -> PurgeFile? in
            guard name.hasPrefix(SnapshotFormat.fileNamePrefix + ".") else { return nil }
            let zxid = DataFileName.zxid(of: name, prefix: SnapshotFormat.fileNamePrefix)
            guard (zxid?.rawValue ?? -1) < keep.rawValue else { return nil }
            return file(in: snapDir, name: name, zxid: zxid)
        }.filter { !SnapshotPosixFile.isDirectory($0.path) }.sorted(by: ascending)
        plan.removals += oldSnapshots
        return plan
    }

    /// Deletes the plan's removals, one by one, calling `announce` before each (the CLI prints
    /// `removalLine`, the server logs it); a file that cannot be deleted is reported and the rest
    /// still go, as ZooKeeper does.
    public static func execute(_ plan: PurgePlan, announce: (PurgeFile) -> Void = { _ in }) -> PurgeResult {
        var result = PurgeResult(removed: [], failures: [])
        for file in plan.removals {
            announce(file)
            do {
                try SnapshotPosixFile.remove(file.path)
                result.removed.append(file)
            } catch {
                result.failures.append(PurgeFailure(file: file, reason: error.description))
            }
        }
        return result
    }

    /// One run of the server's periodic purge (ZooKeeper's `DatadirCleanupManager.PurgeTask`):
    /// a configured count below 3 is raised to 3 with a warning, as ZooKeeper does; every
    /// removal, failure or refusal goes to `log` as one line. Returns what was removed (nil
    /// when the purge was refused). Blocking file I/O: call it off the core's loop.
    @discardableResult
    public static func autopurge(snapDir: String, logDir: String, configuredRetain: Int,
                                 log: (String) -> Void) -> PurgeResult? {
        var retain = configuredRetain
        if retain < retainMin {
            log("autopurge.snapRetainCount \(configuredRetain) is below \(retainMin); using \(retainMin)")
            retain = retainMin
        }
        do {
            let plan = try Purge.plan(snapDir: snapDir, logDir: logDir, retain: retain)
            let result = execute(plan) { log(removalLine($0)) }
            for failure in result.failures { log("Failed to remove \(failure.file.path): \(failure.reason)") }
            return result
        } catch {
            log("purge skipped: \(error.description)")
            return nil
        }
    }

    /// The line ZooKeeper prints per removed file: `Removing file: <mtime>\t<path>`, the time in
    /// Java's default medium date-time format for en_US in the local zone (`Nov 22, 2026, 9:36:58 AM`).
    public static func removalLine(_ file: PurgeFile) -> String {
        "Removing file: " + javaMediumDateTime(epochMs: file.modifiedMs ?? 0) + "\t" + file.path
    }

    // MARK: - Helpers

    private static func file(in directory: String, name: String, zxid: Zxid?) -> PurgeFile {
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        return PurgeFile(path: path, name: name, zxid: zxid, modifiedMs: SnapshotPosixFile.attributes(path)?.modifiedMs)
    }

    private static func ascending(_ a: PurgeFile, _ b: PurgeFile) -> Bool {
        let za = a.zxid?.rawValue ?? -1, zb = b.zxid?.rawValue ?? -1
        return za != zb ? za < zb : a.name < b.name
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `DateFormat.getDateTimeInstance()` of Java 11+ for en_US, in the process's local time zone.
    static func javaMediumDateTime(epochMs: Int64) -> String {
        var seconds = time_t(epochMs / 1000)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return String(epochMs) }
        let hour12 = parts.tm_hour % 12 == 0 ? 12 : parts.tm_hour % 12
        let twoDigits = { (v: Int32) in v < 10 ? "0\(v)" : "\(v)" }
        return "\(months[Int(parts.tm_mon)]) \(parts.tm_mday), \(parts.tm_year + 1900), "
            + "\(hour12):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) \(parts.tm_hour < 12 ? "AM" : "PM")"
    }
}
