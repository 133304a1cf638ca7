/// The 3.6+ tree digest: a wrapping sum of a CRC32 per node (ZooKeeper's `DigestCalculator`
/// with `AdHash`), kept up to date on every change so each logged txn can carry it.
public enum TreeDigest {
    /// Digest version written in `TxnDigest` and snapshots.
    public static let version: Int32 = 2

    /// The digest of one node, or 0 for nodes under `/zookeeper/` which are never hashed.
    public static func node(path: String, data: [UInt8]?, stat: StatPersisted) -> UInt64 {
        if path.hasPrefix("/zookeeper/") { return 0 }
        var crc = CRC32()
        if path != "/" { crc.update(Array(path.utf8)) }
        if let data { crc.update(data) }
        var w = JuteWriter(capacity: 60)
        w.writeLong(stat.czxid); w.writeLong(stat.mzxid); w.writeLong(stat.pzxid)
        w.writeLong(stat.ctime); w.writeLong(stat.mtime)
        w.writeInt(stat.version); w.writeInt(stat.cversion); w.writeInt(stat.aversion)
        w.writeLong(stat.ephemeralOwner)
        crc.update(w.bytes)
        return UInt64(crc.value)
    }
}

/// CRC-32 (IEEE 802.3, reflected, as `java.util.zip.CRC32` and zlib compute it).
public struct CRC32: Sendable {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    private var crc: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// Feeds bytes.
    public mutating func update<C: Sequence>(_ bytes: C) where C.Element == UInt8 {
        var c = crc
        Self.table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        crc = c
    }

    /// The checksum of everything fed so far.
    public var value: UInt32 { crc ^ 0xFFFF_FFFF }
}
