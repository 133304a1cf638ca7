#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One of the two epoch files an ensemble member keeps in its snapshot directory (disk-format.md §9).
public enum EpochFile: String, Sendable, CaseIterable {
    /// `currentEpoch`: the epoch of the last leader this server completed a sync with (ZooKeeper's
    /// `QuorumPeer.CURRENT_EPOCH_FILENAME`); what a learner reports in ACKEPOCH.
    case current = "currentEpoch"
    /// `acceptedEpoch`: the highest epoch this server has promised to follow (ZooKeeper's
    /// `QuorumPeer.ACCEPTED_EPOCH_FILENAME`); what it sends in FOLLOWERINFO.
    case accepted = "acceptedEpoch"
}

/// Why the epoch files could not be read, written or trusted. Every case names the file, so the
/// CLI's one-line message is enough to find it (DESIGN §6).
public enum EpochFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed; `errno` is the C error number.
    case io(file: String, operation: String, errno: Int32)
    /// The file's first line is not a decimal `long` (ZooKeeper: `Found <line> in <file>`).
    case malformed(file: String, content: String)
    /// `currentEpoch` is older than the epoch of the last logged zxid and no `currentEpoch.tmp`
    /// can stand in for it (ZooKeeper: "The current epoch, …, is older than the last zxid, …").
    case currentEpochBehindLog(file: String, currentEpoch: Int64, lastZxid: Zxid)
    /// `acceptedEpoch` is below `currentEpoch` (ZooKeeper: "The accepted epoch, … is less than
    /// the current epoch, …").
    case acceptedBehindCurrent(file: String, acceptedEpoch: Int64, currentEpoch: Int64)

    public var description: String {
        switch self {
        case let .io(file, operation, code):
            return "\(file): \(operation) failed: \(LogError.errorText(code))"
        case let .malformed(file, content):
            return "\(file): '\(content)' is not an epoch (expected a decimal number)"
        case let .currentEpochBehindLog(file, current, lastZxid):
            return "\(file): current epoch \(current) is older than the epoch of the last logged zxid \(lastZxid)"
                + " and there is no \(EpochFile.current.rawValue).tmp to recover from"
        case let .acceptedBehindCurrent(file, accepted, current):
            return "\(file): accepted epoch \(accepted) is less than the current epoch \(current)"
        }
    }

    /// The file the error is about.
    public var file: String {
        switch self {
        case let .io(file, _, _), let .malformed(file, _), let .currentEpochBehindLog(file, _, _),
             let .acceptedBehindCurrent(file, _, _):
            return file
        }
    }
}

/// The epochs a peer starts with, and what `EpochFiles.loadAtStartup` had to do to get them.
public struct StartupEpochs: Sendable, Equatable {
    /// `currentEpoch` after the start-up rules.
    public var current: Int64
    /// `acceptedEpoch` after the start-up rules.
    public var accepted: Int64
    /// Files that were missing and were written with the epoch of the last zxid.
    public var created: [EpochFile]
    /// True when `currentEpoch` lagged the log and was taken from `currentEpoch.tmp`.
    public var recoveredFromTemporary: Bool

    public init(current: Int64, accepted: Int64, created: [EpochFile] = [], recoveredFromTemporary: Bool = false) {
        self.current = current
        self.accepted = accepted
        self.created = created
        self.recoveredFromTemporary = recoveredFromTemporary
    }
}

/// Reads and writes `currentEpoch` and `acceptedEpoch` in `<dataDir>/version-2` exactly as
/// ZooKeeper 3.8 does (`QuorumPeer.readLongFromFile` / `writeLongToFile` / `loadDataBase`).
///
/// Format: the decimal text of a Java `long`, no newline (`Long.toString`); on reading, only the
/// first line counts and a trailing line end is accepted (`BufferedReader.readLine` +
/// `Long.parseLong`). Writes go through `<name>.tmp`, which is fsynced and then renamed over the
/// file (`AtomicFileWritingIdiom` over `AtomicFileOutputStream`); swzk also fsyncs the directory
/// afterwards so the rename itself survives a crash, which ZooKeeper leaves to luck.
///
/// ZooKeeper 3.4 marked the NEWLEADER update with an `updatingEpoch` file; 3.8 no longer writes
/// or reads one. A crash between writing `currentEpoch.tmp` and the rename is what 3.8 recovers
/// from instead (`loadAtStartup`).
public struct EpochFiles: Sendable {
    /// The snapshot directory holding the files (`<dataDir>/version-2`).
    public let directory: String

    /// The epoch files in `directory`, the snapshot directory itself.
    public init(directory: String) {
        self.directory = directory
    }

    /// The epoch files of the data directory `dataDir` (they live in its `version-2`).
    public init(dataDir: String) {
        self.init(directory: PosixFile.join(dataDir, "version-2"))
    }

    /// The path of `file`.
    public func path(_ file: EpochFile) -> String {
        PosixFile.join(directory, file.rawValue)
    }

    /// The path of the temporary file a write of `file` goes through (`AtomicFileOutputStream.TMP_EXTENSION`).
    public func temporaryPath(_ file: EpochFile) -> String {
        path(file) + ".tmp"
    }

    // MARK: - Reading and writing

    /// The epoch stored in `file`, or nil when the file does not exist.
    public func read(_ file: EpochFile) throws(EpochFileError) -> Int64? {
        try EpochFiles.readEpoch(at: path(file))
    }

    /// Replaces `file`'s content with `epoch`, atomically and durably: `<name>.tmp` is written and
    /// fsynced, renamed over `<name>`, then the directory is fsynced. On failure the temporary
    /// file is removed and the old content stays.
    public func write(_ epoch: Int64, to file: EpochFile) throws(EpochFileError) {
        let target = path(file)
        let temporary = temporaryPath(file)
        let bytes = EpochFiles.encode(epoch)
        do throws(LogError) {
            let fd = try PosixFile.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
            var code = bytes.withUnsafeBytes { PosixFile.writeFully(fd, $0, at: 0) }
            if code == 0 { code = fsync(fd) == 0 ? 0 : errno }
            PosixFile.close(fd)
            guard code == 0 else { throw LogError.io(file: temporary, operation: "write", errno: code) }
            guard rename(temporary, target) == 0 else {
                throw LogError.io(file: temporary, operation: "rename to \(target)", errno: errno)
            }
        } catch {
            _ = unlink(temporary)
            throw EpochFiles.converted(error)
        }
        let code = PosixFile.syncDirectory(directory)
        guard code == 0 else { throw .io(file: directory, operation: "fsync directory", errno: code) }
    }

    /// The bytes of an epoch file: `Long.toString(epoch)`, no line end (the Apache fixture
    /// `currentEpoch` is the single byte `2`).
    public static func encode(_ epoch: Int64) -> [UInt8] {
        Array(String(epoch).utf8)
    }

    /// The epoch in an epoch file's bytes: the first line (ended by `\n`, `\r` or `\r\n`, or by
    /// the end of the file) parsed as `Long.parseLong` does: an optional `+` or `-`, then ASCII
    /// digits, within the range of a `long`. Anything else, an empty file included, is refused
    /// with a message naming `file`.
    public static func decode(_ bytes: some Collection<UInt8>, file: String) throws(EpochFileError) -> Int64 {
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        let text = String(decoding: line, as: UTF8.self)
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int64(text)
        else {
            throw .malformed(file: file, content: text.count > 40 ? String(text.prefix(40)) + "…" : text)
        }
        return value
    }

    // MARK: - Start-up

    /// The epochs a peer starts with, after ZooKeeper's `QuorumPeer.loadDataBase` rules, given the
    /// last zxid of the database just loaded:
    /// 1. A missing `currentEpoch` is written with the epoch of `lastProcessedZxid` (an
    ///    installation upgraded from before epoch files existed).
    /// 2. If the epoch of `lastProcessedZxid` is newer than `currentEpoch`, the server crashed while
    ///    updating it: `currentEpoch.tmp`, if present, holds the new value and is installed;
    ///    otherwise the files cannot be trusted and start-up fails.
    /// 3. A missing `acceptedEpoch` is written with the epoch of `lastProcessedZxid`.
    /// 4. `acceptedEpoch < currentEpoch` fails start-up.
    public func loadAtStartup(lastProcessedZxid: Zxid) throws(EpochFileError) -> StartupEpochs {
        let epochOfZxid = lastProcessedZxid.rawValue >> 32
        var result = StartupEpochs(current: 0, accepted: 0)
        if let current = try read(.current) {
            result.current = current
        } else {
            try write(epochOfZxid, to: .current)
            result.current = epochOfZxid
            result.created.append(.current)
        }
        if epochOfZxid > result.current {
            guard let pending = try EpochFiles.readEpoch(at: temporaryPath(.current)) else {
                throw .currentEpochBehindLog(file: path(.current), currentEpoch: result.current, lastZxid: lastProcessedZxid)
            }
            try write(pending, to: .current)
            result.current = pending
            result.recoveredFromTemporary = true
        }
        if let accepted = try read(.accepted) {
            result.accepted = accepted
        } else {
            try write(epochOfZxid, to: .accepted)
            result.accepted = epochOfZxid
            result.created.append(.accepted)
        }
        guard result.accepted >= result.current else {
            throw .acceptedBehindCurrent(file: path(.accepted), acceptedEpoch: result.accepted, currentEpoch: result.current)
        }
        return result
    }

    // MARK: - Helpers

    /// The epoch in the file at `path`, nil when there is no such file. Reads at most 4 KiB: a
    /// valid epoch is at most 20 characters, so a longer first line is malformed anyway.
    private static func readEpoch(at path: String) throws(EpochFileError) -> Int64? {
        guard PosixFile.exists(path) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count: Int
        do throws(LogError) {
            let fd = try PosixFile.open(path, flags: O_RDONLY)
            defer { PosixFile.close(fd) }
            let read = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(LogError) -> Int in try PosixFile.read(fd, into: raw, at: 0, path: path) }
            }
            count = try read.get()
        } catch {
            throw converted(error)
        }
        return try decode(buffer[..<count], file: path)
    }

    /// A `LogError` from the shared POSIX helpers as an `EpochFileError`.
    private static func converted(_ error: LogError) -> EpochFileError {
        switch error {
        case let .io(file, operation, code):
            return .io(file: file, operation: operation, errno: code)
        case .checksumMismatch, .corruptRecord, .unsupportedTxn, .badHeader, .zxidGap, .fileExists, .closed:
            return .io(file: error.file ?? "?", operation: error.description, errno: 0)
        }
    }
}
