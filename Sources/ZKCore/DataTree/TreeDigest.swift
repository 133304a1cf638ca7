import CZlib

/// The 3.6+ tree digest: a wrapping sum of a CRC32 per node (ZooKeeper's `DigestCalculator`
/// with `AdHash`), kept up to date on every change so each logged txn can carry it.
public enum TreeDigest {
    /// Digest version written in `TxnDigest` and snapshots.
    public static let version: Int32 = 2

    /// The digest of one node, or 0 for nodes under `/zookeeper/` which are never hashed.
    public static func node(path: String, data: [UInt8]?, stat: StatPersisted) -> UInt64 {
        if path.hasPrefix("/zookeeper/") { return 0 }
        var crc = CRC32()
        if path != "/" {
            var copy = path
            copy.withUTF8 { crc.update($0) }
        }
        if let data { data.withUnsafeBufferPointer { crc.update($0) } }
        // czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner: 60 bytes, big-endian.
        withUnsafeTemporaryAllocation(byteCount: 60, alignment: 8) { raw in
            raw.storeBytes(of: stat.czxid.bigEndian, toByteOffset: 0, as: Int64.self)
            raw.storeBytes(of: stat.mzxid.bigEndian, toByteOffset: 8, as: Int64.self)
            raw.storeBytes(of: stat.pzxid.bigEndian, toByteOffset: 16, as: Int64.self)
            raw.storeBytes(of: stat.ctime.bigEndian, toByteOffset: 24, as: Int64.self)
            raw.storeBytes(of: stat.mtime.bigEndian, toByteOffset: 32, as: Int64.self)
            raw.storeBytes(of: stat.version.bigEndian, toByteOffset: 40, as: Int32.self)
            raw.storeBytes(of: stat.cversion.bigEndian, toByteOffset: 44, as: Int32.self)
            raw.storeBytes(of: stat.aversion.bigEndian, toByteOffset: 48, as: Int32.self)
            raw.storeBytes(of: stat.ephemeralOwner.bigEndian, toByteOffset: 52, as: Int64.self)
            crc.update(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 60))
        }
        return UInt64(crc.value)
    }
}

/// CRC-32 (IEEE 802.3, as `java.util.zip.CRC32` computes it), through zlib's optimised `crc32`.
public struct CRC32: Sendable {
    private var crc: UInt = 0

    public init() {}

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        crc = CZlib.crc32(crc, base, UInt32(bytes.count))
    }

    /// Feeds an array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    /// The checksum of everything fed so far.
    public var value: UInt32 { UInt32(truncatingIfNeeded: crc) }
}
