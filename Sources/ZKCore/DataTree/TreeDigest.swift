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

/// CRC-32 (IEEE 802.3, as `java.util.zip.CRC32` computes it), slicing by 8: eight table lookups
/// per 8 bytes, independent of each other, instead of one dependent lookup per byte. Node digests
/// hash short inputs (a path, a small value, 60 bytes of stat) where zlib's `crc32` mostly runs
/// its byte-at-a-time loop; this is several times faster there and as fast on long data.
public struct CRC32: Sendable {
    private var crc: UInt32 = 0

    public init() {}

    /// `tables[k][b]`: the CRC of byte b followed by k zero bytes (reflected polynomial 0xEDB88320).
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let previous = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var c = ~crc
        var p = UnsafeRawPointer(base)
        var n = bytes.count
        Self.tables.withUnsafeBufferPointer { tb in
            let t = tb.baseAddress!
            while n >= 8 {
                let lo = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                c = (c >> 8) ^ t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                n -= 1
            }
        }
        crc = ~c
    }

    /// Feeds an array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    /// The checksum of everything fed so far.
    public var value: UInt32 { crc }
}
