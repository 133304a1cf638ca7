#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One transaction read from a log file, with where it was found.
public struct TxnLogRecord: Hashable, Sendable {
    /// The file's path as the reader was given it.
    public var file: String
    /// Offset of the record's first byte (its checksum field).
    public var offset: Int
    /// The stored checksum, a Java long (0...2^32-1 when valid).
    public var storedChecksum: Int64
    /// The payload as stored: `TxnHeader | body | [TxnDigest]`.
    public var payload: [UInt8]
    public var entry: TxnLogEntry

    public var zxid: Zxid { Zxid(entry.header.zxid) }
    /// Offset just after the record's end marker.
    public var endOffset: Int { offset + payload.count + TxnLogFormat.recordOverhead }
}

/// Where a file's readable records end for a reason that is not corruption: what a crash leaves.
///
/// Apache ZooKeeper reads past these silently; swzk reports them so recovery can cut the file
/// at `offset` (see `TxnLogRepair.cutTail`) and `log-dump --verify` can flag them.
public struct TxnLogTail: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// Where the last good record ends; bytes from here on are the tear.
    public var offset: Int
    public var reason: String
    /// True when the file is shorter than a header: a crash between creating and writing it.
    public var isEmptyFile: Bool { offset == 0 }

    public init(file: String, offset: Int, reason: String) { self.file = file; self.offset = offset; self.reason = reason }

    public var description: String { "\(file): log ends at offset \(offset): \(reason)" }
}

/// Reads transactions from one log file or from a log directory in zxid order (the read half of
/// ZooKeeper's `FileTxnLog`, its `FileTxnIterator`).
///
/// A file ends cleanly at end of file or at a zero length (the preallocated zero fill). A record
/// cut short by a crash ends the file too and is recorded in `tails`: a file that ends inside a
/// record, a missing 'B' marker, or a checksum mismatch in the very last record of the last file,
/// each only when nothing but zeros follows. Anything else is an error:
/// - `checksumMismatch`, `corruptRecord` for an undecodable payload, and `unsupportedTxn` leave
///   the reader after the bad record, so a tool may go on and report the rest;
/// - a bad header, an impossible length or a missing marker with data after it break the
///   framing: the reader stops and returns nil from then on.
///
/// Files are read with `pread` in chunks, so the zero fill of a 64 MiB file is never loaded.
public final class TxnLogReader {
    /// The files to read, oldest first.
    public let files: [String]
    /// Records with a lower zxid are skipped (nil: none are).
    public let startZxid: Zxid?
    /// Torn ends found so far, in file order.
    public private(set) var tails: [TxnLogTail] = []
    /// Called with each file's path and header as the file is opened.
    public var fileOpened: ((String, FileHeader) -> Void)?
    /// Accept top-level type-13 records (to dump a poisoned 3.8.0 log); off for recovery.
    public var acceptsTopLevelCheck = false

    private let maxPayloadBytes: Int
    private let juteMaxBuffer: Int
    private var fileIndex = -1
    private var cursor: LogFileCursor?
    private var offset = 0
    private var stopped = false
    var isStopped: Bool { stopped }

    /// Reads one file, every record in it (or those from `zxid` on).
    public convenience init(file: String, from zxid: Zxid? = nil,
                            juteMaxBuffer: Int = Limits.juteMaxBufferDefault) throws(LogError) {
        self.init(files: [file], from: zxid, juteMaxBuffer: juteMaxBuffer)
    }

    /// Reads the log files of `directory` (a `version-2` directory) holding transactions from
    /// `zxid` on: the newest file starting at or before it and every later one, as ZooKeeper
    /// selects them on restore. Records below `zxid` are skipped.
    public convenience init(directory: String, from zxid: Zxid = .zero,
                            juteMaxBuffer: Int = Limits.juteMaxBufferDefault) throws(LogError) {
        let names = try PosixFile.listDirectory(directory)
        let selected = TxnLogFormat.logFiles(names, after: zxid)
        self.init(files: selected.map { PosixFile.join(directory, $0.name) }, from: zxid, juteMaxBuffer: juteMaxBuffer)
    }

    /// Reads `files` in the order given.
    public init(files: [String], from zxid: Zxid?, juteMaxBuffer: Int = Limits.juteMaxBufferDefault) {
        self.files = files
        self.startZxid = zxid
        self.juteMaxBuffer = juteMaxBuffer
        // BinaryInputArchive accepts jute.maxbuffer plus an equal extra allowance (at least 1 KiB).
        self.maxPayloadBytes = juteMaxBuffer + max(juteMaxBuffer, 1024)
    }

    /// The file being read and the offset of the next record, nil before the first and after the last.
    public var position: (file: String, offset: Int)? {
        cursor.map { ($0.path, offset) }
    }

    /// The next transaction, or nil at the end of the log.
    public func next() throws(LogError) -> TxnLogRecord? {
        while !stopped {
            guard let file = cursor else {
                fileIndex += 1
                guard fileIndex < files.count else { stopped = true; return nil }
                try open(files[fileIndex])
                continue
            }
            guard let record = try readRecord(file) else {
                cursor = nil
                continue
            }
            if let startZxid, record.zxid < startZxid { continue }
            return record
        }
        return nil
    }

    /// Reads every remaining record.
    public func readAll() throws(LogError) -> [TxnLogRecord] {
        var out: [TxnLogRecord] = []
        while let record = try next() { out.append(record) }
        return out
    }

    // MARK: - Files

    private func open(_ path: String) throws(LogError) {
        let file: LogFileCursor
        do {
            file = try LogFileCursor(path: path)
        } catch {
            stopped = true
            throw error
        }
        let count = try load(file, at: 0, count: TxnLogFormat.headerSize)
        if count < TxnLogFormat.headerSize {
            // ZooKeeper 3.9.3+ deletes such a file when it is the last one; a crash between
            // creating a file and writing its header leaves it.
            tails.append(TxnLogTail(file: path, offset: 0,
                                    reason: count == 0 ? "empty file" : "file ends inside its header (\(count) bytes)"))
            return
        }
        var r = JuteReader(file.bytes(at: 0, count: TxnLogFormat.headerSize))
        let header: FileHeader
        do {
            header = try FileHeader(from: &r)
        } catch {
            stopped = true
            throw .badHeader(file: path, reason: "\(error)")
        }
        guard header.magic == FileHeader.txnLogMagic else {
            stopped = true
            let hex = String(UInt32(bitPattern: header.magic), radix: 16)
            throw .badHeader(file: path, reason: "magic number 0x\(hex) is not ZKLG (0x5a4b4c47)")
        }
        cursor = file
        offset = TxnLogFormat.headerSize
        fileOpened?(path, header)
    }

    private func load(_ file: LogFileCursor, at offset: Int, count: Int) throws(LogError) -> Int {
        do {
            return try file.load(at: offset, count: count)
        } catch {
            stopped = true
            throw error
        }
    }

    /// Reads the record at `offset`; nil when the file has no more.
    private func readRecord(_ file: LogFileCursor) throws(LogError) -> TxnLogRecord? {
        let start = offset
        var available = try load(file, at: start, count: TxnLogFormat.recordPrefixSize)
        while true {
            let frame = file.withBytes(at: start, count: available) {
                TxnLogFormat.frame(in: $0, at: 0, maxPayloadBytes: maxPayloadBytes)
            }
            switch frame {
            case .short(let needed):
                if available < needed {
                    let more = try load(file, at: start, count: needed)
                    if more > available { available = more; continue }
                }
                if try !file.isZero(from: start, count: available) {
                    tails.append(TxnLogTail(file: file.path, offset: start,
                                            reason: "the file ends inside a record (\(available) of \(needed) bytes)"))
                }
                return nil
            case .zeroLength:
                return nil
            case .badLength(let length):
                stopped = true
                throw .corruptRecord(file: file.path, offset: start,
                                     reason: "length \(length) is negative or above the limit of \(maxPayloadBytes) bytes")
            case let .missingMarker(at, found):
                if try file.isZeroToEnd(from: start + at) {
                    tails.append(TxnLogTail(file: file.path, offset: start,
                                            reason: "the last record has no end-of-record marker"))
                    return nil
                }
                stopped = true
                let hex = String(found, radix: 16)
                throw .corruptRecord(file: file.path, offset: start,
                                     reason: "end-of-record marker is 0x\(hex), not 'B', and data follows")
            case let .record(stored, payloadRange, end):
                offset = start + end
                let payload = file.bytes(at: start + payloadRange.lowerBound, count: payloadRange.count)
                let valid = payload.withUnsafeBytes { TxnLogFormat.checksumMatches(stored: stored, payload: $0) }
                if !valid {
                    if fileIndex == files.count - 1, try file.isZeroToEnd(from: offset) {
                        tails.append(TxnLogTail(file: file.path, offset: start,
                                                reason: "checksum mismatch in the last record"))
                        stopped = true
                        return nil
                    }
                    throw .checksumMismatch(file: file.path, offset: start)
                }
                let entry = try decode(payload, file: file.path, offset: start)
                return TxnLogRecord(file: file.path, offset: start, storedChecksum: stored, payload: payload, entry: entry)
            }
        }
    }

    /// Decodes a payload whose checksum is good.
    private func decode(_ payload: [UInt8], file: String, offset: Int) throws(LogError) -> TxnLogEntry {
        var r = JuteReader(payload, maxBufferLength: juteMaxBuffer)
        let header: TxnHeader
        do {
            header = try TxnHeader(from: &r)
        } catch {
            throw .corruptRecord(file: file, offset: offset, reason: "txn header: \(error)")
        }
        if !Self.isLoggable(header.type) && !(acceptsTopLevelCheck && header.type == .check) {
            throw .unsupportedTxn(file: file, offset: offset, zxid: Zxid(header.zxid), type: header.type)
        }
        r = JuteReader(payload, maxBufferLength: juteMaxBuffer)
        do {
            return try TxnLogEntry(from: &r)
        } catch {
            throw .corruptRecord(file: file, offset: offset, reason: "\(header.type.name) txn: \(error)")
        }
    }

    /// The types ZooKeeper's `SerializeUtils.deserializeTxn` accepts at the top level.
    static func isLoggable(_ type: OpCode) -> Bool {
        switch type {
        case .createSession, .closeSession, .create, .create2, .createTTL, .createContainer, .delete,
             .deleteContainer, .setData, .reconfig, .setACL, .error, .multi:
            return true
        default:
            return false
        }
    }
}

/// Buffered positional reads of one file.
final class LogFileCursor {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Bytes read per `pread` when more are needed: large enough to make reads cheap, small
    /// enough that the zero fill after the records is not read.
    private static let chunk = 256 * 1024

    init(path: String) throws(LogError) {
        self.path = path
        fd = try PosixFile.open(path, flags: O_RDONLY)
    }

    deinit { PosixFile.close(fd) }

    /// Makes the bytes `offset..<offset+count` available; returns how many exist (fewer at end of file).
    func load(at offset: Int, count: Int) throws(LogError) -> Int {
        let bufferEnd = bufferStart + buffer.count
        if offset >= bufferStart && offset + count <= bufferEnd { return count }
        let size = max(count, Self.chunk)
        var fresh = [UInt8](repeating: 0, count: size)
        let result = fresh.withUnsafeMutableBytes { raw in
            Result { () throws(LogError) in try PosixFile.read(fd, into: raw, at: offset, path: path) }
        }
        let read = try result.get()
        fresh.removeLast(size - read)
        buffer = fresh
        bufferStart = offset
        return min(count, read)
    }

    /// Calls `body` with loaded bytes starting at `offset`.
    func withBytes<R>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        buffer.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[(offset - bufferStart)..<(offset - bufferStart + count)]))
        }
    }

    /// A copy of loaded bytes.
    func bytes(at offset: Int, count: Int) -> [UInt8] {
        Array(buffer[(offset - bufferStart)..<(offset - bufferStart + count)])
    }

    /// True when the `count` loaded bytes at `offset` are all zero.
    func isZero(from offset: Int, count: Int) throws(LogError) -> Bool {
        withBytes(at: offset, count: count) { $0.allSatisfy { $0 == 0 } }
    }

    /// True when every byte from `offset` to the end of the file is zero (reads in chunks).
    func isZeroToEnd(from offset: Int) throws(LogError) -> Bool {
        var at = offset
        while true {
            let count = try load(at: at, count: Self.chunk)
            if count == 0 { return true }
            if try !isZero(from: at, count: count) { return false }
            at += count
        }
    }
}
