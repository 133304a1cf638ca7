/// A data tree and session table loaded from a snapshot file, plus what the file said about itself.
///
/// The tree is fuzzy when the file was written while the server kept applying txns: replaying
/// the txn log from `zxid + 1` (disk-format.md §8) makes it consistent.
public struct RestoredSnapshot {
    /// The restored tree; `lastProcessedZxid` is set to `zxid`.
    public var tree: DataTree
    /// Sessions with their negotiated timeouts in ms, in file order.
    public var sessions: [(id: SessionID, timeoutMs: Int32)]
    /// Where log replay starts from: the zxid in the file name (ZooKeeper's rule). Without one
    /// (a file with an unusual name) the 3.9 trailer's zxid, else the digest section's, else 0.
    public var zxid: Zxid
    /// The digest section, or nil when the file has none. The empty marker (zxid 0) is kept.
    public var digest: SnapshotDigest?
    /// How the stored digest compares with the loaded tree.
    public var digestCheck: SnapshotDigestCheck
    /// The 3.9 `lastProcessedZxid` trailer, when present.
    public var lastProcessedZxid: Zxid?
    /// Number of entries in the file's ACL table (before unused lists were dropped).
    public var aclCount: Int
    /// Number of uncompressed bytes in the stream.
    public var byteCount: Int
    /// The first seal that did not match; only ever set when reading with
    /// `SnapshotReadOptions.toleratesChecksumMismatch` (otherwise a mismatch is thrown).
    public var checksumError: SnapshotError?
    /// Child names per parent path in the order the file lists them, when asked for with
    /// `SnapshotReadOptions.recordsFileOrder` (to print or rewrite a file in its own order).
    public var childOrder: [String: [String]]?

    /// True when the stored digest equals the digest of the loaded tree.
    public var digestValid: Bool { digestCheck == .matches }
    /// True when every seal matched.
    public var checksumValid: Bool { checksumError == nil }
}

/// Choices for reading a snapshot.
public struct SnapshotReadOptions: Sendable {
    /// `jute.maxbuffer`: the largest node data or string accepted (plus the same again, as Java allows).
    public var maxBufferLength: Int = Limits.juteMaxBufferDefault
    /// Whether to record `RestoredSnapshot.childOrder`.
    public var recordsFileOrder = false
    /// Whether a seal mismatch is recorded in `RestoredSnapshot.checksumError` instead of thrown
    /// (for inspection tools; never for a restore).
    public var toleratesChecksumMismatch = false

    public init(maxBufferLength: Int = Limits.juteMaxBufferDefault, recordsFileOrder: Bool = false,
                toleratesChecksumMismatch: Bool = false) {
        self.maxBufferLength = maxBufferLength
        self.recordsFileOrder = recordsFileOrder
        self.toleratesChecksumMismatch = toleratesChecksumMismatch
    }
}

/// Reads snapshot files (ZooKeeper's `FileSnap.deserialize` with `SnapStream.checkSealIntegrity`):
/// header, sessions, ACL table and nodes into a fresh `DataTree`, then each seal and the digest
/// section. Any decoding problem or a seal mismatch is a `SnapshotError` naming file and offset.
public enum SnapshotReader {
    /// Reads a snapshot file, picking the codec from its name (`.gz` inflated, `.snappy` refused).
    public static func read(file path: String, options: SnapshotReadOptions = .init()) throws(SnapshotError) -> RestoredSnapshot {
        var input = try openInput(path, options: options)
        let name = baseName(path)
        let nameZxid = DataFileName.zxid(of: name, prefix: SnapshotFormat.fileNamePrefix)
        return try decode(&input, nameZxid: nameZxid, options: options)
    }

    /// Decodes a snapshot held in memory (uncompressed). `zxid` is the zxid its file name would carry.
    public static func decode(_ bytes: [UInt8], name: String = "snapshot", zxid: Zxid?,
                              options: SnapshotReadOptions = .init()) throws(SnapshotError) -> RestoredSnapshot {
        var input = SnapshotInput(file: name, source: .bytes(bytes), maxBufferLength: options.maxBufferLength)
        return try decode(&input, nameZxid: zxid, options: options)
    }

    /// Checks a snapshot file end to end (every field decodes, every seal matches) without
    /// building a tree; returns the uncompressed size. Purge uses it before deleting anything.
    public static func verify(file path: String, maxBufferLength: Int = Limits.juteMaxBufferDefault) throws(SnapshotError) -> Int {
        let options = SnapshotReadOptions(maxBufferLength: maxBufferLength)
        var input = try openInput(path, options: options)
        var sink = SnapshotBody.Discard()
        let trailer = try SnapshotBody.decode(&input, into: &sink)
        return trailer.byteCount
    }

    /// ZooKeeper's cheap `SnapStream.isValidSnapshot`: a name with a zxid, and for plain files at
    /// least 10 bytes ending in the length-1 string "/", for gzip files the gzip magic, for snappy
    /// files snappy-java's magic. It does not read the body; `read` and `verify` do.
    public static func looksComplete(file path: String) -> Bool {
        let name = baseName(path)
        guard DataFileName.zxid(of: name, prefix: SnapshotFormat.fileNamePrefix) != nil,
              let handle = try? SnapshotPosixFile.openForReading(path),
              let size = try? handle.size() else { return false }
        switch SnapshotCompression(fileName: name) {
        case .none:
            guard size >= 10, let tail = try? handle.read(at: size - 5, count: 5) else { return false }
            return tail == [0, 0, 0, 1, 0x2F]
        case .gz:
            return (try? handle.read(at: 0, count: 2)) == SnapshotFormat.gzipMagic
        case .snappy:
            return (try? handle.read(at: 0, count: 8)) == SnapshotFormat.snappyMagic
        }
    }

    // MARK: - Internals

    static func baseName(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    private static func openInput(_ path: String, options: SnapshotReadOptions) throws(SnapshotError) -> SnapshotInput {
        let name = baseName(path)
        let compression = SnapshotCompression(fileName: name)
        if compression == .snappy { throw .unsupportedCompression(file: path, method: "snappy") }
        let handle = try SnapshotPosixFile.openForReading(path)
        let source: SnapshotSource = compression == .gz
            ? .gzip(handle, SnapshotGzipDecoder(file: path)) : .file(handle)
        return SnapshotInput(file: path, source: source, maxBufferLength: options.maxBufferLength)
    }

    private static func decode(_ input: inout SnapshotInput, nameZxid: Zxid?,
                               options: SnapshotReadOptions) throws(SnapshotError) -> RestoredSnapshot {
        var builder = SnapshotBody.TreeBuilder(file: input.file, recordsOrder: options.recordsFileOrder)
        let trailer = try SnapshotBody.decode(&input, into: &builder,
                                              toleratesChecksumMismatch: options.toleratesChecksumMismatch)
        let tree = builder.tree
        let zxid = nameZxid ?? trailer.lastProcessedZxid ?? trailer.digest?.zxid ?? .zero
        tree.lastProcessedZxid = zxid
        tree.purgeUnusedACLs()
        tree.recountAllQuotas()
        return RestoredSnapshot(
            tree: tree, sessions: builder.sessions, zxid: zxid, digest: trailer.digest,
            digestCheck: check(trailer.digest, treeDigest: tree.digest, snapshotZxid: zxid),
            lastProcessedZxid: trailer.lastProcessedZxid, aclCount: builder.aclCount,
            byteCount: trailer.byteCount, checksumError: trailer.sealFailure, childOrder: builder.childOrder)
    }

    /// Compares a stored digest with the loaded tree's, as `DataTree.compareSnapshotDigests` would.
    static func check(_ stored: SnapshotDigest?, treeDigest: UInt64, snapshotZxid: Zxid) -> SnapshotDigestCheck {
        guard let stored else { return .absent }
        if stored.zxid == .zero { return .empty }
        if stored.version != TreeDigest.version { return .unsupportedVersion(stored.version) }
        if stored.value == treeDigest { return .matches }
        if stored.zxid > snapshotZxid { return .deferred(until: stored.zxid) }
        if stored.zxid < snapshotZxid { return .stale }
        return .mismatch(computed: treeDigest)
    }
}

/// The shared walk over a snapshot's sections; what happens to each decoded item is up to a
/// `SnapshotBodySink` (build a tree, or discard for a seal-only check).
enum SnapshotBody {
    /// What follows the tree.
    struct Trailer {
        var digest: SnapshotDigest?
        var lastProcessedZxid: Zxid?
        var byteCount: Int
        /// The first seal mismatch, when mismatches are tolerated.
        var sealFailure: SnapshotError?
    }

    /// Receives decoded items in file order.
    protocol Sink {
        mutating func session(_ id: SessionID, timeoutMs: Int32)
        mutating func acl(key: Int64, list: [ACL])
        mutating func node(path: String, data: [UInt8]?, aclKey: Int64, stat: StatPersisted, offset: Int) throws(SnapshotError)
    }

    /// Ignores everything (for `SnapshotReader.verify`).
    struct Discard: Sink {
        mutating func session(_ id: SessionID, timeoutMs: Int32) {}
        mutating func acl(key: Int64, list: [ACL]) {}
        mutating func node(path: String, data: [UInt8]?, aclKey: Int64, stat: StatPersisted, offset: Int) {}
    }

    /// Builds a `DataTree` as ZooKeeper's `DataTree.deserialize` does.
    struct TreeBuilder: Sink {
        let file: String
        let tree = DataTree.emptyForRestore()
        var sessions: [(id: SessionID, timeoutMs: Int32)] = []
        var aclCount = 0
        var childOrder: [String: [String]]?

        init(file: String, recordsOrder: Bool) {
            self.file = file
            childOrder = recordsOrder ? [:] : nil
        }

        mutating func session(_ id: SessionID, timeoutMs: Int32) { sessions.append((id, timeoutMs)) }

        mutating func acl(key: Int64, list: [ACL]) {
            aclCount += 1
            tree.restoreACL(key: key, acl: list)
        }

        mutating func node(path: String, data: [UInt8]?, aclKey: Int64, stat: StatPersisted,
                           offset: Int) throws(SnapshotError) {
            let node = DataNode(data: data, aclKey: aclKey, stat: stat)
            if path == SnapshotFormat.rootFilePath {
                tree.restoreNode(path: DataTree.rootPath, node: node)
                return
            }
            guard path.hasPrefix("/"), let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else {
                throw .corrupt(file: file, offset: offset, reason: "node path \"\(path)\" is not absolute")
            }
            let parentPath = slash == path.utf8.startIndex ? DataTree.rootPath : String(path[..<slash])
            guard tree.node(at: parentPath) != nil else {
                throw .corrupt(file: file, offset: offset,
                               reason: "node \(path) comes before its parent \(parentPath)")
            }
            tree.restoreNode(path: path, node: node)
            if childOrder != nil {
                childOrder![parentPath, default: []].append(String(path[path.utf8.index(after: slash)...]))
            }
        }
    }

    /// Decodes header, sessions, ACL table, nodes and every trailing section with their seals.
    static func decode<S: Sink>(_ input: inout SnapshotInput, into sink: inout S,
                                toleratesChecksumMismatch: Bool = false) throws(SnapshotError) -> Trailer {
        var seals = SealChecker(tolerant: toleratesChecksumMismatch)
        try decodePrologue(&input, into: &sink)
        try decodeNodes(&input, into: &sink)
        try seals.check(&input)
        var trailer = Trailer(byteCount: 0)
        // The digest section (3.6+) and the lastProcessedZxid section (3.9+) are optional: a file
        // may end after any seal.
        if !(try input.isAtEnd()) {
            trailer.digest = try decodeDigest(&input)
            try seals.check(&input)
        }
        if !(try input.isAtEnd()) {
            trailer.lastProcessedZxid = Zxid(try input.readLong())
            try seals.check(&input)
        }
        trailer.byteCount = input.offset
        trailer.sealFailure = seals.failure
        return trailer
    }

    /// File header, session table and ACL table.
    private static func decodePrologue<S: Sink>(_ input: inout SnapshotInput, into sink: inout S) throws(SnapshotError) {
        let magic = try input.readInt()
        guard magic == FileHeader.snapshotMagic else { throw .badMagic(file: input.file, found: magic) }
        _ = try input.readInt()   // version: ZooKeeper checks only the magic
        _ = try input.readLong()  // dbid
        let sessionCount = try input.readInt()
        if sessionCount > 0 {
            for _ in 0..<sessionCount {
                let id = try input.readLong()
                sink.session(SessionID(id), timeoutMs: try input.readInt())
            }
        }
        let aclCount = try input.readInt()
        if aclCount > 0 {
            for _ in 0..<aclCount {
                let key = try input.readLong()
                let at = input.offset
                let count = try input.readInt()
                guard count >= 0 else {
                    throw .corrupt(file: input.file, offset: at, reason: "ACL list \(key) has no entries vector")
                }
                var list: [ACL] = []
                for _ in 0..<count { list.append(try input.readACL()) }
                sink.acl(key: key, list: list)
            }
        }
    }

    /// Nodes up to and including the "/" end marker.
    private static func decodeNodes<S: Sink>(_ input: inout SnapshotInput, into sink: inout S) throws(SnapshotError) {
        while true {
            let at = input.offset
            guard let path = try input.readString() else {
                throw .corrupt(file: input.file, offset: at, reason: "null node path")
            }
            if path == SnapshotFormat.endMarker { return }
            let data = try input.readBuffer()
            let aclKey = try input.readLong()
            let stat = try input.readRecord(StatPersisted.self, size: 60)
            try sink.node(path: path, data: data, aclKey: aclKey, stat: stat, offset: at)
        }
    }

    /// The `ZxidDigest` record; digest version 1 stored the value as a hex string.
    private static func decodeDigest(_ input: inout SnapshotInput) throws(SnapshotError) -> SnapshotDigest {
        let zxid = try input.readLong()
        let version = try input.readInt()
        guard version < 2 else {
            return SnapshotDigest(zxid: Zxid(zxid), version: version, value: UInt64(bitPattern: try input.readLong()))
        }
        let at = input.offset
        let text = try input.readString() ?? "0"
        guard let value = UInt64(text, radix: 16) else {
            throw .corrupt(file: input.file, offset: at, reason: "digest \"\(text)\" is not hex")
        }
        return SnapshotDigest(zxid: Zxid(zxid), version: version, value: value)
    }

    /// Checks seals, either throwing on the first mismatch or remembering it (inspection tools).
    private struct SealChecker {
        let tolerant: Bool
        var failure: SnapshotError?

        init(tolerant: Bool) { self.tolerant = tolerant }

        mutating func check(_ input: inout SnapshotInput) throws(SnapshotError) {
            do {
                try SnapshotBody.checkSeal(&input)
            } catch {
                guard tolerant, case .checksumMismatch = error else { throw error }
                if failure == nil { failure = error }
            }
        }
    }

    /// Reads a seal (`long adler32`, `ustring "/"`) and compares it with the bytes before it.
    private static func checkSeal(_ input: inout SnapshotInput) throws(SnapshotError) {
        let computed = Int64(input.checksumValue())
        let at = input.offset
        let stored = try input.readLong()
        _ = try input.readString()  // the "/" after the value; ZooKeeper ignores its content
        guard stored == computed else {
            throw .checksumMismatch(file: input.file, offset: at, stored: stored, computed: computed)
        }
    }
}
