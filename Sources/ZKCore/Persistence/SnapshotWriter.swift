/// Serializes a live `DataTree` into the 3.8 snapshot format a bounded piece at a time, so the
/// core's loop can keep applying txns between pieces (ZooKeeper's fuzzy snapshot, DESIGN.md §4).
///
/// Created on the core's loop and only ever used there: each `nextChunk` reads the tree as it is
/// at that moment and returns bytes for the disk writer. What is taken when:
/// - at creation: the session table, the ACL table and the start zxid (which names the file);
/// - while walking: each node as it is when reached, in pre-order, from an explicit stack of the
///   child names of every node on the current path. A node deleted before it is reached is
///   skipped; a node created after the walk passed its parent is missed; a node created after the
///   start is skipped even when it is reached (its create txn is in the log after the start zxid);
/// - at the end: the tree digest and last processed zxid for the digest section, as ZooKeeper's
///   `DataTree.serializeZxidDigest` records them once the tree has been written.
/// Replaying the log from the start zxid + 1 repairs every difference (disk-format.md §4.2, §8).
///
/// A node whose ACL list was replaced after the start by a list missing from the ACL table taken
/// at creation is written with the open key (-1); the replayed setACL restores its real list.
///
/// Driving it (the runtime's job; disk-format.md §7): when a snapshot is due, roll the txn log
/// first, then on the core's loop create the writer with the tracker's sessions and open a
/// `SnapshotFileSink(directory: <dataDir>/version-2, zxid: writer.zxid, compression:)`. Then
/// repeatedly, on the loop, take `nextChunk(maxNodes:)` (a few thousand nodes keeps each step
/// short), hand the bytes to the disk thread for `sink.write`, and schedule the next step after
/// the core's pending work; when it returns nil, call `sink.finish()` on the disk thread. Only
/// one snapshot runs at a time (ZooKeeper skips a trigger while one is in progress). If the
/// server stops first, `sink.abort()` deletes the partial file.
public struct SnapshotWriter {
    /// Which byte layout the writer produces.
    public enum Format: Sendable {
        /// A snapshot file: FileHeader, body, end marker, seal, digest section (`FileSnap.serialize`).
        case file
        /// The body a leader streams to a learner after a SNAP packet (disk-format.md §5.2):
        /// `sessions | ACL table | nodes | "/"` with no FileHeader, no seal and no digest section,
        /// then the Jute string "BenWasHere". ZooKeeper's `LearnerHandler.syncFollower` path writes
        /// `ZKDatabase.serializeSnapshot` (`SerializeUtils.serializeSnapshot`: sessions, then
        /// `DataTree.serialize`: ACLs and nodes; `serializeZxidDigest` is only called by
        /// `FileSnap`) followed by `writeString("BenWasHere", "signature")`, even with digests on.
        /// The SNAP packet in front of it carries `zxid` (the tree's last processed zxid when the
        /// writer was created, ZooKeeper's `zxidToSend`); the learner's `SnapshotStreamDecoder`
        /// reads the rest.
        case wire
    }

    /// The string a SNAP stream ends with (`LearnerHandler`, checked by `Learner.syncWithLeader`).
    public static let wireSignature = "BenWasHere"

    /// How children of one node are ordered in the file; any order is valid for readers.
    public enum ChildOrder {
        /// By name (deterministic output; the default), except for a node with more than
        /// `bulkChildren` children: those are walked in their set's own order, as ZooKeeper walks
        /// its HashSet, since sorting a million names would stall the core's loop in one step.
        case sorted
        /// The given order per parent path (e.g. a file's own order from `RestoredSnapshot.childOrder`),
        /// then any other children by name.
        case given([String: [String]])
    }

    private enum Phase {
        case prologue, nodes, epilogue, done
    }

    private struct Frame {
        /// The parent path as written in front of each child's name ("" for the root).
        var prefix: String
        var names: [String]
        var next = 0
        /// A large child set taken as it was (a copy-on-write reference, not a copy) and walked
        /// by index instead of `names`.
        var bulk: Set<String>?
        var bulkIndex: Set<String>.Index?

        init(prefix: String, names: [String]) {
            self.prefix = prefix
            self.names = names
        }

        init(prefix: String, bulk: Set<String>) {
            self.prefix = prefix
            names = []
            self.bulk = bulk
            bulkIndex = bulk.startIndex
        }

        /// The next child name, or nil when the frame is done.
        mutating func nextName() -> String? {
            if let set = bulk, let index = bulkIndex {
                guard index != set.endIndex else { return nil }
                bulkIndex = set.index(after: index)
                return set[index]
            }
            guard next < names.count else { return nil }
            next += 1
            return names[next - 1]
        }
    }

    /// Child sets larger than this are not sorted (see `ChildOrder.sorted`).
    public static let bulkChildren = 10_000

    private let tree: DataTree
    private let sessions: [(id: SessionID, timeoutMs: Int32)]
    private let aclTable: [(key: Int64, acl: [ACL])]
    private let aclKeys: Set<Int64>
    private var aclKeyByList: [[ACL]: Int64] = [:]
    private let childOrder: ChildOrder
    private let digestEnabled: Bool
    /// The layout being produced.
    public let format: Format
    private var phase = Phase.prologue
    private var stack: [Frame] = []
    private var checksum = SnapshotChecksum()
    /// The zxid the file is named after: the tree's last processed zxid at creation.
    public let zxid: Zxid
    /// Nodes written so far.
    public private(set) var nodeCount = 0
    /// Bytes produced so far.
    public private(set) var byteCount = 0

    /// Starts a snapshot of `tree` with the given sessions (id and negotiated timeout in ms, in the
    /// order to write them). `digestEnabled` is `zookeeper.digest.enabled`: without it no digest
    /// section is written, as ZooKeeper does. `format: .wire` produces a SNAP stream for a learner
    /// instead of a file (no header, seal or digest; the "BenWasHere" signature at the end).
    public init(tree: DataTree, sessions: [(id: SessionID, timeoutMs: Int32)],
                childOrder: ChildOrder = .sorted, digestEnabled: Bool = true, format: Format = .file) {
        self.tree = tree
        self.format = format
        self.sessions = sessions
        self.childOrder = childOrder
        self.digestEnabled = digestEnabled
        zxid = tree.lastProcessedZxid
        let table = tree.aclCache.entries
        aclTable = table
        aclKeys = Set(table.map(\.key))
    }

    /// True once every byte has been produced.
    public var isFinished: Bool { phase == .done }

    /// The next piece of the file: the header, sessions and ACL table first, then at most
    /// `maxNodes` nodes per call (at least one), then the end marker, seal and digest section.
    /// In `.wire` format there is no header, and the end marker is followed by the signature
    /// string only. Nil once every byte has been produced.
    public mutating func nextChunk(maxNodes: Int) -> [UInt8]? {
        var out = JuteWriter(capacity: 4096)
        var summed = 0
        switch phase {
        case .prologue:
            writePrologue(&out)
            phase = .nodes
        case .nodes:
            writeNodes(&out, limit: max(maxNodes, 1))
            if stack.isEmpty {
                out.writeString(SnapshotFormat.endMarker)
                switch format {
                case .file:
                    seal(&out, summed: &summed)
                    phase = .epilogue
                case .wire:
                    out.writeString(Self.wireSignature)
                    phase = .done
                }
            }
        case .epilogue:
            if digestEnabled {
                // ZooKeeper writes the empty marker until a txn has been processed.
                let digest = tree.lastProcessedZxid == .zero
                    ? SnapshotDigest.empty
                    : SnapshotDigest(zxid: tree.lastProcessedZxid, value: tree.digest)
                out.writeLong(digest.zxid.rawValue)
                out.writeInt(digest.version)
                out.writeLong(Int64(bitPattern: digest.value))
                seal(&out, summed: &summed)
            }
            phase = .done
        case .done:
            return nil
        }
        checksum.update(out.bytes[summed...])
        byteCount += out.count
        return out.bytes
    }

    /// Appends the running checksum of everything before it, then "/" (`SnapStream.sealStream`).
    /// The seal's own bytes count towards later seals, as they pass through ZooKeeper's
    /// `CheckedOutputStream` too.
    private mutating func seal(_ out: inout JuteWriter, summed: inout Int) {
        checksum.update(out.bytes[summed...])
        summed = out.count
        out.writeLong(Int64(checksum.value))
        out.writeString(SnapshotFormat.endMarker)
    }

    private mutating func writePrologue(_ out: inout JuteWriter) {
        if format == .file { out.write(FileHeader.snapshot) }
        out.writeInt(Int32(sessions.count))
        for session in sessions {
            out.writeLong(session.id.rawValue)
            out.writeInt(session.timeoutMs)
        }
        out.writeInt(Int32(aclTable.count))
        for entry in aclTable {
            out.writeLong(entry.key)
            out.writeRecords(entry.acl)
            aclKeyByList[entry.acl] = entry.key
        }
        // The root goes out with the prologue so the node phase always has a frame to work on.
        if let root = tree.node(at: DataTree.rootPath) {
            write(path: SnapshotFormat.rootFilePath, node: root, to: &out)
            push(prefix: SnapshotFormat.rootFilePath, parentPath: DataTree.rootPath, node: root)
        }
    }

    private mutating func writeNodes(_ out: inout JuteWriter, limit: Int) {
        var written = 0
        while written < limit, !stack.isEmpty {
            let top = stack.count - 1
            guard let name = stack[top].nextName() else {
                stack.removeLast()
                continue
            }
            let path = stack[top].prefix + "/" + name
            // Deleted since the walk started: nothing to write. Created after the start: replay
            // recreates it and everything below it, so leave the whole subtree out.
            guard let node = tree.node(at: path), node.stat.czxid <= zxid.rawValue else { continue }
            write(path: path, node: node, to: &out)
            written += 1
            push(prefix: path, parentPath: path, node: node)
        }
    }

    private mutating func push(prefix: String, parentPath: String, node: DataNode) {
        guard !node.children.isEmpty else { return }
        let names: [String]
        switch childOrder {
        case .sorted:
            if node.children.count > Self.bulkChildren {
                stack.append(Frame(prefix: prefix, bulk: node.children))
                return
            }
            names = node.children.sorted()
        case .given(let order):
            let listed = (order[parentPath] ?? []).filter { node.children.contains($0) }
            let listedSet = Set(listed)
            names = listed + node.children.filter { !listedSet.contains($0) }.sorted()
        }
        stack.append(Frame(prefix: prefix, names: names))
    }

    private mutating func write(path: String, node: DataNode, to out: inout JuteWriter) {
        out.writeString(path)
        out.writeBuffer(node.data)
        out.writeLong(fileACLKey(for: node))
        out.write(node.stat)
        nodeCount += 1
    }

    /// The key to store for a node: its own when the table taken at the start has it, else the
    /// key that table gave the same list, else the open key (see the type's comment).
    private func fileACLKey(for node: DataNode) -> Int64 {
        let key = node.aclKey
        if key == ACLCache.openUnsafeKey || aclKeys.contains(key) { return key }
        return aclKeyByList[tree.acl(of: node)] ?? ACLCache.openUnsafeKey
    }
}
