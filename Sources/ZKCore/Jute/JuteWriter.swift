/// Appends Jute-encoded values to a growing byte array.
///
/// The counterpart of ZooKeeper's `BinaryOutputArchive`: big-endian integers, length-prefixed
/// buffers and strings, -1 for null. It knows nothing of sockets; the runtime copies `bytes` out.
public struct JuteWriter: Sendable {
    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer with room for `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written so far.
    @inlinable public var count: Int { bytes.count }

    /// Writes one signed byte.
    public mutating func writeByte(_ value: UInt8) { bytes.append(value) }

    /// Writes a boolean as 0x00 or 0x01.
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Writes a 32-bit big-endian integer.
    public mutating func writeInt(_ value: Int32) {
        let v = UInt32(bitPattern: value)
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// Writes a 64-bit big-endian integer.
    public mutating func writeLong(_ value: Int64) {
        let v = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }

    /// Writes a length-prefixed byte buffer; nil is written as length -1.
    public mutating func writeBuffer(_ value: [UInt8]?) {
        guard let value else { writeInt(-1); return }
        writeInt(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Writes a length-prefixed UTF-8 string; nil is written as length -1.
    public mutating func writeString(_ value: String?) {
        guard let value else { writeInt(-1); return }
        var copy = value
        copy.withUTF8 { utf8 in
            writeInt(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Writes a vector: its count, then each element; nil is written as count -1.
    public mutating func writeVector<T>(_ values: [T]?, _ element: (inout JuteWriter, T) -> Void) {
        guard let values else { writeInt(-1); return }
        writeInt(Int32(values.count))
        for value in values { element(&self, value) }
    }

    /// Writes a vector of strings.
    public mutating func writeStrings(_ values: [String]?) {
        writeVector(values) { $0.writeString($1) }
    }

    /// Writes a nested record in place.
    public mutating func write<R: JuteEncodable>(_ record: R) { record.encode(to: &self) }

    /// Writes a vector of records.
    public mutating func writeRecords<R: JuteEncodable>(_ records: [R]?) {
        writeVector(records) { $0.write($1) }
    }

    /// Appends raw bytes with no prefix.
    public mutating func writeRaw<C: Collection>(_ raw: C) where C.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    /// Overwrites four bytes at `offset` with a big-endian integer (used for frame lengths).
    public mutating func patchInt(_ value: Int32, at offset: Int) {
        let v = UInt32(bitPattern: value)
        bytes[offset] = UInt8(truncatingIfNeeded: v >> 24)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
        bytes[offset + 2] = UInt8(truncatingIfNeeded: v >> 8)
        bytes[offset + 3] = UInt8(truncatingIfNeeded: v)
    }
}

/// A value that can write itself in Jute's binary form.
public protocol JuteEncodable: Sendable {
    /// Appends this value's fields, in declaration order, to `writer`.
    func encode(to writer: inout JuteWriter)
}

/// A value that can read itself from Jute's binary form.
public protocol JuteDecodable: Sendable {
    /// Reads this value's fields, in declaration order, from `reader`.
    init(from reader: inout JuteReader) throws(JuteError)
}

/// A record that is both written and read.
public typealias JuteCodable = JuteEncodable & JuteDecodable

extension JuteEncodable {
    /// This record's encoding on its own.
    public var juteBytes: [UInt8] {
        var writer = JuteWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

extension JuteDecodable {
    /// Decodes one record from `bytes`, ignoring trailing bytes as ZooKeeper's reader does.
    public init(juteBytes bytes: [UInt8], maxBufferLength: Int = Limits.juteMaxBufferDefault) throws(JuteError) {
        var reader = JuteReader(bytes, maxBufferLength: maxBufferLength)
        try self.init(from: &reader)
    }
}
