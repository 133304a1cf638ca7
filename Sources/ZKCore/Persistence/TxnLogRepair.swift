#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cutting damaged ends off txn logs: in place for recovery after a crash, or into a copy for
/// a person repairing a log by hand (`swzk log-dump --repair`).
public enum TxnLogRepair {
    /// Removes a torn end in place: truncates the file where its good records end, or deletes it
    /// when not even its header was written (as ZooKeeper 3.9.3+ does with an empty last file).
    ///
    /// Only for tails the reader found in the newest file at startup: the bytes cut were never
    /// acknowledged because the crash came before their fsync finished.
    public static func cutTail(_ tail: TxnLogTail) throws(LogError) {
        if tail.isEmptyFile {
            try PosixFile.remove(tail.file)
            _ = PosixFile.syncDirectory(PosixFile.directoryName(tail.file))
        } else {
            try truncate(file: tail.file, at: tail.offset)
        }
    }

    /// Cuts `file` to `offset` bytes and syncs it.
    public static func truncate(file: String, at offset: Int) throws(LogError) {
        try PosixFile.truncate(file, to: offset)
    }

    /// What `copyGoodPrefix` wrote.
    public struct Result: Sendable {
        /// Files written, in order.
        public var written: [String] = []
        /// Records copied.
        public var records = 0
        public var firstZxid: Zxid?
        public var lastZxid: Zxid?
        /// Why and where the copy stops short, nil when the whole log was good.
        public var stop: TxnLogProblem?
        /// Torn ends left out of the copy.
        public var tails: [TxnLogTail] = []
        /// Source files not copied at all because they come after the first bad record.
        public var dropped: [String] = []
    }

    /// Copies a log file, or every log file of a directory, up to but not including the first
    /// bad record, never touching the source.
    ///
    /// `destination` must not exist; for a directory source it becomes a directory holding the
    /// copies under their own names. Files after the one holding the bad record are left out,
    /// because replaying them after a missing transaction would diverge. Torn ends are left out
    /// of each file's copy. Copies are byte-for-byte, without the zero fill, and synced.
    public static func copyGoodPrefix(from source: String, to destination: String,
                                      juteMaxBuffer: Int = Limits.juteMaxBufferDefault) throws(LogError) -> Result {
        if PosixFile.exists(destination) { throw .fileExists(file: destination) }
        let sourceIsDirectory = PosixFile.isDirectory(source)
        let files: [String]
        if sourceIsDirectory {
            files = TxnLogFormat.logFiles(try PosixFile.listDirectory(source), after: .zero).map { PosixFile.join(source, $0.name) }
        } else {
            files = [source]
        }
        var result = Result()
        var goodEnd: [String: Int] = [:]
        var opened: [String] = []
        let reader = TxnLogReader(files: files, from: nil, juteMaxBuffer: juteMaxBuffer)
        reader.fileOpened = { path, _ in
            opened.append(path)
            goodEnd[path] = TxnLogFormat.headerSize
        }
        do {
            while let record = try reader.next() {
                goodEnd[record.file] = record.endOffset
                result.records += 1
                if result.firstZxid == nil { result.firstZxid = record.zxid }
                result.lastZxid = record.zxid
            }
        } catch {
            result.stop = .error(error)
        }
        result.tails = reader.tails
        if result.stop == nil, let last = reader.tails.last, last.file == files.last, !last.isEmptyFile {
            result.stop = .tail(last)
        }
        let reached = Set(opened).union(reader.tails.map(\.file))
        result.dropped = files.filter { !reached.contains($0) }
        if sourceIsDirectory { try PosixFile.makeDirectories(destination) }
        for file in opened {
            let target = sourceIsDirectory ? PosixFile.join(destination, PosixFile.baseName(file)) : destination
            try copyPrefix(of: file, length: goodEnd[file] ?? 0, to: target)
            result.written.append(target)
        }
        if sourceIsDirectory { _ = PosixFile.syncDirectory(destination) }
        return result
    }

    /// Copies the first `length` bytes of `source` into a new file `target` and syncs it.
    static func copyPrefix(of source: String, length: Int, to target: String) throws(LogError) {
        let input = try PosixFile.open(source, flags: O_RDONLY)
        defer { PosixFile.close(input) }
        let output = try PosixFile.open(target, flags: O_WRONLY | O_CREAT | O_EXCL)
        defer { PosixFile.close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var done = 0
        while done < length {
            let want = min(buffer.count, length - done)
            let got = try buffer.withUnsafeMutableBytes { raw in
                Swift.Result { () throws(LogError) in
                    try PosixFile.read(input, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<want]), at: done, path: source)
                }
            }.get()
            guard got == want else { throw .io(file: source, operation: "read", errno: EIO) }
            let code = buffer.withUnsafeBytes { PosixFile.writeFully(output, UnsafeRawBufferPointer(rebasing: $0[0..<want]), at: done) }
            if code != 0 { throw .io(file: target, operation: "write", errno: code) }
            done += want
        }
        let code = PosixFile.dataSync(output)
        if code != 0 { throw .io(file: target, operation: "fsync", errno: code) }
    }
}
