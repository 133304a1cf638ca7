// The snapshot file layout of ZooKeeper 3.8 (disk-format.md §5, ZooKeeper's `FileSnap`,
// `SnapStream`, `SerializeUtils.serializeSnapshot` and `DataTree.serialize`):
//
//   FileHeader {ZKSN, 2, -1}
//   int sessionCount, then (long id, int timeoutMs) each
//   int aclCount, then (long key, vector<ACL>) each
//   (ustring path, buffer data, long aclKey, StatPersisted) per node, pre-order from the root ""
//   ustring "/"                                   end of the tree
//   long adler32, ustring "/"                     seal #1
//   long zxid, int digestVersion, long digest     digest section (3.6+)
//   long adler32, ustring "/"                     seal #2
//   [long lastProcessedZxid, long adler32, "/"]   3.9 only; read, never written

/// Constants of the snapshot format.
public enum SnapshotFormat {
    /// File names start with this prefix and a dot (`FileSnap.SNAPSHOT_FILE_PREFIX`).
    public static let fileNamePrefix = "snapshot"
    /// Directory under dataDir/dataLogDir that holds the files (`FileTxnSnapLog.version`).
    public static let versionDirectoryName = "version-2"
    /// Suffix of a snapshot being written; such files are never read as snapshots.
    public static let temporarySuffix = ".tmp"
    /// Path string that ends the node list and every seal.
    static let endMarker = "/"
    /// Tree path of the root as written in the file.
    static let rootFilePath = ""
    /// The snappy-java stream magic (`SnappyCodec.MAGIC_HEADER`).
    static let snappyMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    /// The gzip member magic.
    static let gzipMagic: [UInt8] = [0x1F, 0x8B]

    /// `<dir>/version-2`, where ZooKeeper keeps snapshots and logs below a configured directory.
    public static func versionDirectory(of directory: String) -> String {
        directory.hasSuffix("/") ? directory + versionDirectoryName : directory + "/" + versionDirectoryName
    }
}

/// The digest section of a snapshot (ZooKeeper's `DataTree.ZxidDigest`): the tree digest after
/// the txn `zxid` was applied, as it stood when the tree had been fully serialized.
public struct SnapshotDigest: Hashable, Sendable {
    /// The last zxid applied when serialization ended; 0 is ZooKeeper's "no digest" marker.
    public var zxid: Zxid
    /// The digest algorithm version, 2 since 3.6 (`DigestCalculator.DIGEST_VERSION`).
    public var version: Int32
    /// The tree digest (disk-format.md §6).
    public var value: UInt64

    public init(zxid: Zxid, version: Int32 = TreeDigest.version, value: UInt64) {
        self.zxid = zxid
        self.version = version
        self.value = value
    }

    /// The record ZooKeeper writes when no txn was processed since start-up.
    public static let empty = SnapshotDigest(zxid: .zero, value: 0)
}

/// What comparing a snapshot's stored digest with the digest of the loaded tree showed.
///
/// A fuzzy snapshot stores the digest as of the *end* of serialization, so a tree that changed
/// meanwhile matches only after log replay reaches `SnapshotDigest.zxid` (ZooKeeper's
/// `DataTree.compareSnapshotDigests`, called at load time and again during replay).
public enum SnapshotDigestCheck: Hashable, Sendable {
    /// The file has no digest section (written before 3.6 or with `zookeeper.digest.enabled=false`).
    case absent
    /// The digest section is the empty marker (zxid 0): nothing to compare.
    case empty
    /// The loaded tree's digest equals the stored one.
    case matches
    /// The stored digest is for the snapshot's own zxid and differs from the tree's.
    case mismatch(computed: UInt64)
    /// The stored digest is for a later zxid (the tree changed while it was written); compare
    /// when replay has applied that zxid.
    case deferred(until: Zxid)
    /// The stored digest is for an earlier zxid than the file name's; ZooKeeper ignores it.
    case stale
    /// The digest uses an algorithm version other than 2 and cannot be recomputed here.
    case unsupportedVersion(Int32)
}

/// How a snapshot file is compressed, chosen by the last part of its name as ZooKeeper does
/// (`SnapStream.getStreamMode`): `.gz`, `.snappy`, anything else plain.
extension SnapshotCompression {
    /// The name suffix, with its dot; empty for plain files.
    public var fileSuffix: String {
        switch self {
        case .none: return ""
        case .gz: return ".gz"
        case .snappy: return ".snappy"
        }
    }

    /// The compression a file name implies.
    public init(fileName: String) {
        let parts = fileName.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count > 1, let last = parts.last else { self = .none; return }
        switch last.lowercased() {
        case "gz": self = .gz
        case "snappy": self = .snappy
        default: self = .none
        }
    }
}

/// A file name of a snapshot or txn log (`Util.getZxidFromName`): `<prefix>.<hex zxid>[.<more>]`.
public enum DataFileName {
    /// The zxid of `name` if it is `<prefix>.<hex>…`, else nil (ZooKeeper's -1).
    public static func zxid(of name: String, prefix: String) -> Zxid? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == prefix else { return nil }
        // Java's Long.parseLong(hex, 16): an optional sign, then hex digits, within Int64's range.
        guard let value = Int64(parts[1], radix: 16) else { return nil }
        return Zxid(value)
    }

    /// `snapshot.<hex>` plus the compression suffix, as ZooKeeper names a new snapshot.
    public static func snapshot(zxid: Zxid, compression: SnapshotCompression) -> String {
        SnapshotFormat.fileNamePrefix + "." + zxid.hex + compression.fileSuffix
    }
}

/// Why a snapshot could not be read or written. Every case names the file; decoding errors also
/// name the offset in the uncompressed stream where the problem was found.
public enum SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be opened, read, written, synced or renamed.
    case io(file: String, operation: String, errno: Int32)
    /// The first four bytes are not `ZKSN`.
    case badMagic(file: String, found: Int32)
    /// The bytes do not decode as a snapshot: truncated, an unreasonable length, a node whose
    /// parent is missing.
    case corrupt(file: String, offset: Int, reason: String)
    /// An Adler-32 seal does not match the bytes before it.
    case checksumMismatch(file: String, offset: Int, stored: Int64, computed: Int64)
    /// The compressed stream is damaged.
    case decompression(file: String, reason: String)
    /// The file uses a compression swzk cannot read.
    case unsupportedCompression(file: String, method: String)
    /// No candidate snapshot in a directory could be read.
    case noValidSnapshot(directory: String, failures: [String])

    public var description: String {
        switch self {
        case let .io(file, operation, code):
            return "\(file): \(operation) failed: \(SnapshotPosixFile.message(code))"
        case let .badMagic(file, found):
            return "\(file): not a snapshot (magic 0x\(String(UInt32(bitPattern: found), radix: 16)) at offset 0, expected ZKSN)"
        case let .corrupt(file, offset, reason):
            return "\(file): corrupt at offset \(offset): \(reason)"
        case let .checksumMismatch(file, offset, stored, computed):
            return "\(file): checksum mismatch at offset \(offset): stored \(stored), computed \(computed)"
        case let .decompression(file, reason):
            return "\(file): damaged compressed stream: \(reason)"
        case let .unsupportedCompression(file, method):
            return "\(file): \(method) compression is not supported; recompress it with gz or store it plain"
        case let .noValidSnapshot(directory, failures):
            return "\(directory): no readable snapshot (" + failures.joined(separator: "; ") + ")"
        }
    }
}
