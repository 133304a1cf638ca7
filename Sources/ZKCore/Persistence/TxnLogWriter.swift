#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends transactions to the log files of one directory (the write half of ZooKeeper's
/// `FileTxnLog`), in Apache's byte format.
///
/// The first append after creation or after `roll()` creates `log.<zxid of that txn>` with the
/// header ZKLG/2/dbid 0. Records are buffered until `flush()` or `sync()`, which write them with
/// one `pwrite`; before that the file is extended with zeros in `preAllocSize` steps exactly as
/// ZooKeeper's `FilePadding` does, so `fdatasync` rarely has a file size to update. Existing data
/// is never rewritten. After a failed write or sync the writer refuses every later call with the
/// same error, because what reached the disk is no longer known.
///
/// Not thread-safe: one thread (the `FileLogStore` disk writer, or a tool) owns it.
public final class TxnLogWriter {
    /// The directory holding the log files (usually `<dataLogDir>/version-2`).
    public let directory: String
    /// The preallocation step in bytes; 0 turns preallocation off.
    public let preAllocSize: Int
    /// When false `sync()` only writes, without `fdatasync` (zoo.cfg `forceSync=no`).
    public let forceSync: Bool
    private let io: LogFileIO

    private var fd: Int32 = -1
    /// Path of the file being appended to, nil between files.
    public private(set) var currentFile: String?
    /// Bytes of the current file that are ours: written plus pending.
    private var position = 0
    /// Offset where the pending bytes go.
    private var written = 0
    /// The padded size `FilePadding` tracks (its `currentSize`).
    private var paddedSize = 0
    /// The padded size already applied to the file.
    private var paddedOnDisk = 0
    private var pending: [UInt8] = []
    private var unsynced = false
    private var directoryUnsynced = false
    private var failure: LogError?
    /// The zxid of the last txn appended, if any.
    public private(set) var lastZxid: Zxid?

    /// Creates a writer for `directory`, creating the directory if needed; no file is opened yet.
    public convenience init(directory: String, preAllocSize: Int = Limits.preAllocSizeDefaultKiB * 1024,
                            forceSync: Bool = true) throws(LogError) {
        try self.init(directory: directory, preAllocSize: preAllocSize, forceSync: forceSync, io: .posix)
    }

    /// Creates a writer whose system calls can be replaced (tests inject ENOSPC and EIO this way).
    init(directory: String, preAllocSize: Int, forceSync: Bool, io: LogFileIO) throws(LogError) {
        precondition(preAllocSize >= 0, "preAllocSize must not be negative")
        self.directory = directory
        self.preAllocSize = preAllocSize
        self.forceSync = forceSync
        self.io = io
        try PosixFile.makeDirectories(directory)
    }

    deinit {
        if fd >= 0 { PosixFile.close(fd) }
    }

    /// The file size ZooKeeper's `FilePadding.calculateFileSizeWithPadding` asks for: unchanged
    /// until the write position comes within 4 KiB of the padded end, then one more step (or, if
    /// already past the end, the next multiple of the step above the position).
    public static func paddedFileSize(position: Int, currentSize: Int, preAllocSize: Int) -> Int {
        guard preAllocSize > 0, position + 4096 >= currentSize else { return currentSize }
        if position > currentSize {
            let size = position + preAllocSize
            return size - size % preAllocSize
        }
        return currentSize + preAllocSize
    }

    /// Buffers one transaction; it reaches the file at the next `flush()` or `sync()`.
    public func append(_ entry: TxnLogEntry) throws(LogError) {
        try append(payload: entry.juteBytes, zxid: Zxid(entry.header.zxid))
    }

    /// Buffers one already encoded payload (`TxnHeader | body | [TxnDigest]`) whose header
    /// carries `zxid`, which names the file if this append starts one.
    public func append(payload: [UInt8], zxid: Zxid) throws(LogError) {
        if let failure { throw failure }
        precondition(!payload.isEmpty, "a txn log record needs a payload")
        if fd < 0 { try startFile(zxid: zxid) }
        paddedSize = Self.paddedFileSize(position: position, currentSize: paddedSize, preAllocSize: preAllocSize)
        let before = pending.count
        TxnLogFormat.appendRecord(payload: payload, to: &pending)
        position += pending.count - before
        lastZxid = zxid
    }

    /// Writes buffered records to the file (without forcing them to disk).
    public func flush() throws(LogError) {
        if let failure { throw failure }
        guard fd >= 0, !pending.isEmpty, let file = currentFile else { return }
        if paddedSize > paddedOnDisk {
            // One zero byte at the new last offset extends the file; the gap reads as zeros.
            var zero: UInt8 = 0
            let code = withUnsafeBytes(of: &zero) { io.write(fd, $0, paddedSize - 1) }
            if code != 0 { throw fail(.io(file: file, operation: "preallocate", errno: code)) }
            paddedOnDisk = paddedSize
        }
        let code = pending.withUnsafeBytes { io.write(fd, $0, written) }
        if code != 0 { throw fail(.io(file: file, operation: "write", errno: code)) }
        written += pending.count
        pending.removeAll(keepingCapacity: true)
        unsynced = true
    }

    /// Writes buffered records and, unless `forceSync` is off, forces them to stable storage.
    public func sync() throws(LogError) {
        try flush()
        guard forceSync, let file = currentFile else { return }
        if unsynced {
            let code = io.sync(fd)
            if code != 0 { throw fail(.io(file: file, operation: "fsync", errno: code)) }
            unsynced = false
        }
        if directoryUnsynced {
            let code = PosixFile.syncDirectory(directory)
            if code != 0 { throw fail(.io(file: directory, operation: "fsync directory", errno: code)) }
            directoryUnsynced = false
        }
    }

    /// Syncs and closes the current file, so the next append starts a new one. A synced file's
    /// pages leave the page cache: a finished log is read again only by a restart or a lagging
    /// follower, and gigabytes of it in the cache only make later writes reclaim pages first.
    public func roll() throws(LogError) {
        guard fd >= 0 else { return }
        try sync()
        if forceSync { PosixFile.dropCachedPages(fd) }
        PosixFile.close(fd)
        fd = -1
        currentFile = nil
    }

    /// Syncs and closes the current file; the writer may be used again (it starts a new file).
    public func close() throws(LogError) {
        if failure != nil {
            if fd >= 0 { PosixFile.close(fd) }
            fd = -1
            currentFile = nil
            return
        }
        try roll()
    }

    /// Creates `log.<zxid>` and writes its header, as ZooKeeper does before padding.
    private func startFile(zxid: Zxid) throws(LogError) {
        let path = PosixFile.join(directory, TxnLogFormat.fileName(startingAt: zxid))
        var newFD: Int32
        do {
            newFD = try PosixFile.open(path, flags: O_WRONLY | O_CREAT | O_EXCL)
        } catch .io(_, _, let code) where code == EEXIST {
            // A file of this name can only be left by a crash before its first record was
            // complete (otherwise the next zxid would be higher); replace it only if that holds.
            guard try TxnLogWriter.holdsNoRecords(path) else { throw fail(.fileExists(file: path)) }
            newFD = try PosixFile.open(path, flags: O_WRONLY | O_TRUNC)
        }
        fd = newFD
        currentFile = path
        directoryUnsynced = true
        let header = FileHeader.txnLog.juteBytes
        let code = header.withUnsafeBytes { io.write(fd, $0, 0) }
        if code != 0 { throw fail(.io(file: path, operation: "write header", errno: code)) }
        position = header.count
        written = header.count
        paddedSize = header.count
        paddedOnDisk = header.count
        unsynced = true
    }

    /// True when `path` holds no complete, valid record (empty, header only, zero fill, torn).
    static func holdsNoRecords(_ path: String) throws(LogError) -> Bool {
        let reader = try TxnLogReader(file: path)
        do {
            return try reader.next() == nil
        } catch {
            return false
        }
    }

    private func fail(_ error: LogError) -> LogError {
        failure = error
        return error
    }
}
