/// Decodes the snapshot a leader streams after a SNAP packet, as its bytes arrive, without I/O
/// (the learner half of disk-format.md §5.2; ZooKeeper's `Learner.syncWithLeader` calling
/// `ZKDatabase.deserializeSnapshot` and then reading the "BenWasHere" signature).
///
/// The stream is `int sessionCount, (long id, int timeoutMs)…, int aclCount, (long key,
/// vector<ACL>)…, (ustring path, buffer data, long aclKey, StatPersisted)…, ustring "/",
/// ustring "BenWasHere"`: a snapshot body without FileHeader, seals or digest section.
///
/// Why incremental: the stream shares the connection with the QuorumPackets that follow it, and a
/// large tree arrives over many reads, so the learner's transport feeds whatever it read and gets
/// back how many bytes were the snapshot's. Work is linear in the stream's size: decoded records
/// go into the tree as soon as they are complete, and only the bytes of the one incomplete record
/// are kept (each attempt on it only checks length prefixes before any copy). Every string and
/// buffer length is bounded by `jute.maxbuffer` (plus ZooKeeper's equal extra allowance), and any
/// malformed input, including a wrong signature, is a thrown `SnapshotError`, never a crash.
public struct SnapshotStreamDecoder {
    /// What a complete stream decoded to.
    public struct Result {
        /// The tree, with unused ACL lists dropped and quotas recounted; its `lastProcessedZxid`
        /// is still zero: the caller sets it from the SNAP packet's zxid (`recoveredState(zxid:)`).
        public var tree: DataTree
        /// Sessions and their timeouts in ms, in stream order.
        public var sessions: [(id: SessionID, timeoutMs: Int32)]
        /// How many bytes of the last `feed` call belonged to the snapshot; the rest starts the
        /// next QuorumPacket.
        public var consumed: Int
        /// Total bytes of the stream, signature included.
        public var byteCount: Int

        /// The database a SNAP-synced learner continues from: the tree at `zxid` (the SNAP
        /// packet's zxid, as `ZKDatabase.setlastProcessedZxid` does) and its sessions.
        public func recoveredState(zxid: Zxid) -> RecoveredState {
            tree.lastProcessedZxid = zxid
            return RecoveredState(tree: tree, sessions: Dictionary(sessions.map { ($0.id, $0.timeoutMs) },
                                                                   uniquingKeysWith: { _, last in last }))
        }
    }

    private enum Stage {
        case sessionCount
        case sessions(remaining: Int32)
        case aclCount
        case aclKey(remaining: Int32)
        /// Inside ACL list `key`, with `left` entries to go (those read so far are in `aclList`).
        case aclEntries(remaining: Int32, key: Int64, left: Int32)
        case nodes
        case signature
        case done
    }

    /// Name used in errors (`SnapshotError` cases carry a file name).
    public let name: String
    /// Largest string or buffer accepted: `jute.maxbuffer` plus its equal extra allowance.
    private let maxLength: Int
    private var stage = Stage.sessionCount
    /// Bytes received but not yet decoded: `buffer[start...]`.
    private var buffer: [UInt8] = []
    private var start = 0
    /// Stream offset of `buffer[0]`.
    private var base = 0
    private var builder: SnapshotBody.TreeBuilder
    /// Entries of the ACL list being read (kept out of `stage` so appending never copies it).
    private var aclList: [ACL] = []

    /// A decoder for one SNAP stream. `maxBufferLength` is the learner's `jute.maxbuffer`.
    public init(name: String = "SNAP stream", maxBufferLength: Int = Limits.juteMaxBufferDefault) {
        self.name = name
        maxLength = maxBufferLength + max(maxBufferLength, 1024)
        builder = SnapshotBody.TreeBuilder(file: name, recordsOrder: false)
    }

    /// True once the signature has been read.
    public var isFinished: Bool {
        if case .done = stage { return true }
        return false
    }

    /// Stream offset of the next byte to decode.
    public var offset: Int { base + start }

    /// Consumes the next bytes of the stream. Returns nil while more are needed; once the end
    /// marker and the signature are read, the decoded database and how many of `bytes` it used.
    /// Throws on malformed input or a wrong signature (ZooKeeper's "Missing signature"), and when
    /// called again after the end; after a throw the decoder is spent (the learner drops the
    /// connection, as ZooKeeper does on its `IOException`).
    public mutating func feed(_ bytes: [UInt8]) throws(SnapshotError) -> Result? {
        if isFinished { throw .corrupt(file: name, offset: offset, reason: "bytes fed after the end of the snapshot") }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            base += start
            start = 0
        }
        let fedAt = buffer.count
        buffer.append(contentsOf: bytes)
        while try step() {
            if isFinished {
                guard builder.tree.node(at: DataTree.rootPath) != nil else {
                    throw corrupt(at: offset, "the snapshot has no root node")
                }
                let consumed = start - fedAt
                let result = Result(tree: builder.tree, sessions: builder.sessions, consumed: consumed, byteCount: offset)
                result.tree.purgeUnusedACLs()
                result.tree.recountAllQuotas()
                buffer = []
                base += start
                start = 0
                return result
            }
        }
        return nil
    }

    /// The connection ended: an error unless the whole snapshot was read (a leader that went
    /// away mid-stream leaves a truncated snapshot, which must never become the database).
    public func endOfStream() throws(SnapshotError) {
        guard isFinished else {
            throw corrupt(at: offset, "the stream ended inside the snapshot (\(buffer.count - start) bytes of an incomplete record)")
        }
    }

    /// Decodes one record if its bytes are all there; false when more are needed.
    private mutating func step() throws(SnapshotError) -> Bool {
        var r = Cursor(bytes: buffer, at: start, base: base, maxLength: maxLength, name: name)
        switch stage {
        case .sessionCount:
            guard let count = r.int() else { return false }
            stage = count > 0 ? .sessions(remaining: count) : .aclCount
        case .sessions(let remaining):
            guard let id = r.long(), let timeout = r.int() else { return false }
            builder.session(SessionID(id), timeoutMs: timeout)
            stage = remaining > 1 ? .sessions(remaining: remaining - 1) : .aclCount
        case .aclCount:
            guard let count = r.int() else { return false }
            stage = count > 0 ? .aclKey(remaining: count) : .nodes
        case .aclKey(let remaining):
            guard let key = r.long(), let count = r.int() else { return false }
            guard count >= 0 else { throw corrupt(at: base + r.position - 4, "ACL list \(key) has no entries vector") }
            aclList = []
            stage = .aclEntries(remaining: remaining, key: key, left: count)
            if count == 0 { finishACL(remaining: remaining, key: key) }
        case .aclEntries(let remaining, let key, let left):
            guard let perms = r.int(), let scheme = try r.string(), let id = try r.string() else {
                return false
            }
            aclList.append(ACL(perms: Perms(rawValue: perms), id: Id(scheme: scheme ?? "", id: id ?? "")))
            if left > 1 {
                stage = .aclEntries(remaining: remaining, key: key, left: left - 1)
            } else {
                finishACL(remaining: remaining, key: key)
            }
        case .nodes:
            guard let node = try nodeRecord(&r) else { return false }
            if let node {
                try builder.node(path: node.path, data: node.data, aclKey: node.aclKey, stat: node.stat, offset: base + start)
            } else {
                stage = .signature
            }
        case .signature:
            guard let text = try r.string() else { return false }
            guard text == SnapshotWriter.wireSignature else {
                throw corrupt(at: base + start, "missing signature: expected \"\(SnapshotWriter.wireSignature)\", got "
                    + (text.map { "\"\($0.prefix(40))\"" } ?? "null"))
            }
            stage = .done
        case .done:
            return false
        }
        start = r.position
        return true
    }

    private mutating func finishACL(remaining: Int32, key: Int64) {
        builder.acl(key: key, list: aclList)
        aclList = []
        stage = remaining > 1 ? .aclKey(remaining: remaining - 1) : .nodes
    }

    /// One node record: nil when incomplete, `.some(nil)` for the "/" end marker. Lengths are
    /// checked before anything is copied, so retrying an incomplete record costs a few reads.
    private func nodeRecord(_ r: inout Cursor) throws(SnapshotError) -> (path: String, data: [UInt8]?, aclKey: Int64, stat: StatPersisted)?? {
        let at = r.position
        guard let pathLength = try r.length() else { return nil }
        guard let pathLength else { throw corrupt(at: base + at, "null node path") }
        guard r.has(pathLength) else { return nil }
        let pathBytes = r.raw(pathLength)
        if pathBytes.elementsEqual(SnapshotFormat.endMarker.utf8) { return .some(nil) }
        guard let dataLength = try r.length() else { return nil }
        guard r.has((dataLength ?? 0) + 8 + 60) else { return nil }
        let data = dataLength.map { Array(r.raw($0)) }
        let aclKey = r.long()!
        let statAt = r.position
        let stat: StatPersisted
        do {
            stat = try StatPersisted(juteBytes: Array(r.raw(60)))
        } catch {
            throw corrupt(at: base + statAt, error.description)
        }
        return .some((String(decoding: pathBytes, as: UTF8.self), data, aclKey, stat))
    }

    /// A decoding error at stream offset `offset`.
    private func corrupt(at offset: Int, _ reason: String) -> SnapshotError {
        .corrupt(file: name, offset: offset, reason: reason)
    }

    /// Big-endian reads from the received bytes that report "not yet" instead of failing.
    private struct Cursor {
        let bytes: [UInt8]
        var position: Int
        /// Stream offset of `bytes[0]`, for errors.
        let base: Int
        let maxLength: Int
        let name: String

        init(bytes: [UInt8], at position: Int, base: Int, maxLength: Int, name: String) {
            self.bytes = bytes
            self.position = position
            self.base = base
            self.maxLength = maxLength
            self.name = name
        }

        func has(_ count: Int) -> Bool { bytes.count - position >= count }

        mutating func raw(_ count: Int) -> ArraySlice<UInt8> {
            defer { position += count }
            return bytes[position..<position + count]
        }

        mutating func int() -> Int32? {
            guard has(4) else { return nil }
            var value: UInt32 = 0
            for byte in raw(4) { value = value << 8 | UInt32(byte) }
            return Int32(bitPattern: value)
        }

        mutating func long() -> Int64? {
            guard has(8) else { return nil }
            var value: UInt64 = 0
            for byte in raw(8) { value = value << 8 | UInt64(byte) }
            return Int64(bitPattern: value)
        }

        /// A length prefix: nil when incomplete, `.some(nil)` for -1 (null); other negative or
        /// oversized values are corruption.
        mutating func length() throws(SnapshotError) -> Int?? {
            let at = position
            guard let value = int() else { return nil }
            if value == -1 { return .some(nil) }
            guard value >= 0, Int(value) <= maxLength else {
                throw .corrupt(file: name, offset: base + at, reason: "unreasonable length \(value)")
            }
            return .some(Int(value))
        }

        /// A Jute string: nil when incomplete, `.some(nil)` for a null string.
        mutating func string() throws(SnapshotError) -> String?? {
            guard let length = try self.length() else { return nil }
            guard let length else { return .some(nil) }
            guard has(length) else { return nil }
            return .some(String(decoding: raw(length), as: UTF8.self))
        }
    }
}
