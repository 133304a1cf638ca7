/// The byte layout of ZooKeeper's transaction log files, as pure functions (disk-format.md §1–§3).
///
/// A file is a 16-byte `FileHeader` followed by records `long adler32 | int len | payload | 'B'`
/// and then, usually, zero fill left by preallocation. Files are named `log.<hex zxid of their
/// first record>`. Nothing here touches the file system.
public enum TxnLogFormat {
    /// Bytes of the file header (`FileHeader`: magic, version, dbid).
    public static let headerSize = 16
    /// Bytes a record adds around its payload: checksum (8), length (4) and the end marker (1).
    public static let recordOverhead = 13
    /// Bytes before a record's payload: checksum and length.
    public static let recordPrefixSize = 12
    /// The end-of-record marker, ASCII 'B' (ZooKeeper's `Util.writeTxnBytes`).
    public static let endOfRecord: UInt8 = 0x42
    /// The file name prefix (ZooKeeper's `FileTxnLog.LOG_FILE_PREFIX`).
    public static let filePrefix = "log"

    // MARK: - Records

    /// Appends one framed record holding `payload` to `buffer`.
    ///
    /// The checksum covers the payload only, as ZooKeeper's `FileTxnLog.append` computes it.
    public static func appendRecord(payload: [UInt8], to buffer: inout [UInt8]) {
        let checksum = UInt64(Adler32.checksum(payload))
        buffer.reserveCapacity(buffer.count + payload.count + recordOverhead)
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: checksum >> UInt64(shift))) }
        let length = UInt32(payload.count)
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        buffer.append(contentsOf: payload)
        buffer.append(endOfRecord)
    }

    /// One framed record holding `payload`.
    public static func record(payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        appendRecord(payload: payload, to: &out)
        return out
    }

    /// One framed record holding `entry` (header, body, optional digest).
    public static func record(_ entry: TxnLogEntry) -> [UInt8] { record(payload: entry.juteBytes) }

    /// What the bytes at a record position hold.
    public enum Frame: Hashable, Sendable {
        /// A complete record: the stored checksum (a Java long), where the payload lies in the
        /// bytes given, and the offset just after the end marker.
        case record(storedChecksum: Int64, payload: Range<Int>, end: Int)
        /// A zero length: the preallocated zero fill, which ends the log.
        case zeroLength
        /// Fewer bytes are available than the record needs; `needed` counts from the record start.
        case short(needed: Int)
        /// The payload is followed by something other than 'B'.
        case missingMarker(at: Int, found: UInt8)
        /// A length below zero or above `maxPayloadBytes`.
        case badLength(Int32)
    }

    /// Decodes the record frame starting at `offset` in `bytes` without checking the checksum.
    ///
    /// `maxPayloadBytes` mirrors ZooKeeper's `jute.maxbuffer` plus its extra allowance.
    public static func frame(in bytes: UnsafeRawBufferPointer, at offset: Int, maxPayloadBytes: Int) -> Frame {
        let available = bytes.count - offset
        guard available >= recordPrefixSize else { return .short(needed: recordPrefixSize) }
        var checksum: UInt64 = 0
        for i in 0..<8 { checksum = checksum << 8 | UInt64(bytes[offset + i]) }
        var rawLength: UInt32 = 0
        for i in 8..<12 { rawLength = rawLength << 8 | UInt32(bytes[offset + i]) }
        let length = Int32(bitPattern: rawLength)
        if length == 0 { return .zeroLength }
        if length < 0 || Int(length) > maxPayloadBytes { return .badLength(length) }
        let total = recordPrefixSize + Int(length) + 1
        guard available >= total else { return .short(needed: total) }
        let marker = bytes[offset + total - 1]
        if marker != endOfRecord { return .missingMarker(at: offset + total - 1, found: marker) }
        let start = offset + recordPrefixSize
        return .record(storedChecksum: Int64(bitPattern: checksum), payload: start..<start + Int(length),
                       end: offset + total)
    }

    /// True when the stored checksum is the Adler-32 of the payload (compared as Java longs).
    public static func checksumMatches(stored: Int64, payload: UnsafeRawBufferPointer) -> Bool {
        var adler = Adler32()
        adler.update(payload)
        return stored == Int64(adler.value)
    }

    // MARK: - File names

    /// `log.<zxid>` with the zxid as `Long.toHexString` writes it (ZooKeeper's `Util.makeLogName`).
    public static func fileName(startingAt zxid: Zxid) -> String { filePrefix + "." + zxid.hex }

    /// The zxid a log file name carries, or nil when the name is not a log file's.
    ///
    /// Follows ZooKeeper's `Util.getZxidFromName`: the text between the first and second dot
    /// must parse as a signed hex long; anything after a second dot is ignored. Names that do
    /// not parse, and negative values, are not log files.
    public static func zxid(fromFileName name: String) -> Zxid? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == filePrefix else { return nil }
        let digits = parts[1]
        guard !digits.isEmpty, digits.count <= 16, digits.allSatisfy(\.isHexDigit),
              let value = UInt64(digits, radix: 16), value <= UInt64(Int64.max) else { return nil }
        return Zxid(Int64(value))
    }

    /// A log file's name and the zxid of its first record.
    public struct FileEntry: Hashable, Sendable {
        public var name: String
        public var startZxid: Zxid
        public init(name: String, startZxid: Zxid) { self.name = name; self.startZxid = startZxid }
    }

    /// The log files that may hold transactions after `zxid`, oldest first (ZooKeeper's
    /// `FileTxnLog.getLogFiles`): the newest file starting at or before `zxid`, and every later one.
    ///
    /// Names that are not log file names are ignored.
    public static func logFiles(_ names: some Sequence<String>, after zxid: Zxid) -> [FileEntry] {
        var entries = names.compactMap { name in self.zxid(fromFileName: name).map { FileEntry(name: name, startZxid: $0) } }
        entries.sort { ($0.startZxid, $0.name) < ($1.startZxid, $1.name) }
        // As in ZooKeeper the floor starts at 0, so with no file at or below `zxid` every file is kept.
        var floor = Zxid.zero
        for entry in entries where entry.startZxid <= zxid && entry.startZxid > floor { floor = entry.startZxid }
        return entries.filter { $0.startZxid >= floor }
    }
}
