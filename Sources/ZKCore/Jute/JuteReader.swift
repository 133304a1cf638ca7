/// Reads Jute-encoded values from a byte array.
///
/// The counterpart of ZooKeeper's `BinaryInputArchive`. Every length prefix is checked against
/// `maxBufferLength` (its `checkLength`), so a hostile length can never make us allocate.
public struct JuteReader: Sendable {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// Offset of the next unread byte.
    public private(set) var offset: Int
    /// Largest buffer or string accepted, as `jute.maxbuffer` plus its extra allowance.
    public let maxBufferLength: Int

    /// Creates a reader over `bytes` starting at `offset`.
    public init(_ bytes: [UInt8], offset: Int = 0, maxBufferLength: Int = Limits.juteMaxBufferDefault) {
        self.bytes = bytes
        self.offset = offset
        // ZooKeeper allows jute.maxbuffer plus an equal "extra" allowance (at least 1024).
        self.maxBufferLength = maxBufferLength + max(maxBufferLength, 1024)
    }

    /// Bytes not yet read.
    @inlinable public var remaining: Int { bytes.count - offset }

    /// True when every byte has been read.
    @inlinable public var isAtEnd: Bool { offset >= bytes.count }

    private func need(_ n: Int) throws(JuteError) {
        if bytes.count - offset < n {
            throw .truncated(offset: offset, needed: n, available: bytes.count - offset)
        }
    }

    /// Reads one byte.
    public mutating func readByte() throws(JuteError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a boolean; any non-zero byte is true, as in Java.
    public mutating func readBool() throws(JuteError) -> Bool { try readByte() != 0 }

    /// Reads a 32-bit big-endian integer.
    public mutating func readInt() throws(JuteError) -> Int32 {
        try need(4)
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
        offset += 4
        return Int32(bitPattern: v)
    }

    /// Reads a 64-bit big-endian integer.
    public mutating func readLong() throws(JuteError) -> Int64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return Int64(bitPattern: v)
    }

    private mutating func readLength() throws(JuteError) -> Int? {
        let at = offset
        let length = try readInt()
        if length == -1 { return nil }
        if length < 0 || Int(length) > maxBufferLength {
            throw .unreasonableLength(offset: at, length: length)
        }
        return Int(length)
    }

    /// Reads a length-prefixed buffer; -1 is nil.
    public mutating func readBuffer() throws(JuteError) -> [UInt8]? {
        guard let length = try readLength() else { return nil }
        try need(length)
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }

    /// Reads a length-prefixed string, replacing malformed UTF-8 as Java's decoder does; -1 is nil.
    public mutating func readString() throws(JuteError) -> String? {
        guard let length = try readLength() else { return nil }
        try need(length)
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }

    /// Reads a string that must be present; null reads as the empty string, as Java code mostly treats it.
    public mutating func readNonNullString() throws(JuteError) -> String { try readString() ?? "" }

    /// Reads a vector; count -1 is nil. Counts are not length-checked (as in Java) but every
    /// element read is, so a huge count fails on truncation rather than on allocation.
    public mutating func readVector<T>(_ element: (inout JuteReader) throws(JuteError) -> T) throws(JuteError) -> [T]? {
        let count = try readInt()
        if count == -1 { return nil }
        if count < 0 { throw .unreasonableLength(offset: offset - 4, length: count) }
        var out: [T] = []
        out.reserveCapacity(min(Int(count), remaining))
        for _ in 0..<count { out.append(try element(&self)) }
        return out
    }

    /// Reads a vector of strings.
    public mutating func readStrings() throws(JuteError) -> [String]? {
        try readVector { (r: inout JuteReader) throws(JuteError) in try r.readNonNullString() }
    }

    /// Reads a nested record.
    public mutating func read<R: JuteDecodable>(_ type: R.Type = R.self) throws(JuteError) -> R {
        try R(from: &self)
    }

    /// Reads a vector of records.
    public mutating func readRecords<R: JuteDecodable>(_ type: R.Type = R.self) throws(JuteError) -> [R]? {
        try readVector { (r: inout JuteReader) throws(JuteError) in try R(from: &r) }
    }

    /// Reads `count` raw bytes with no prefix.
    public mutating func readRaw(_ count: Int) throws(JuteError) -> [UInt8] {
        try need(count)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads the rest of the bytes.
    public mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}
