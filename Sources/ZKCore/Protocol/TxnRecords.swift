// Records of the transaction log and of proposals (jute.md §3.4 and §3.5, disk-format.md §2–4).
// A logged payload is `TxnHeader | body | [TxnDigest]`; which body follows is chosen by the
// header's type (see `TxnBody`). Node data is `[UInt8]?` because null data is kept as null.

/// The 16 bytes that open every txn log and snapshot file (`FileHeader`).
public struct FileHeader: JuteCodable, Hashable, Sendable {
    /// `txnLogMagic` or `snapshotMagic`; readers check nothing else.
    public var magic: Int32
    /// Always 2.
    public var version: Int32
    /// 0 in txn logs, -1 in snapshots.
    public var dbid: Int64
    public init(magic: Int32, version: Int32 = 2, dbid: Int64) { self.magic = magic; self.version = version; self.dbid = dbid }
    public init(from r: inout JuteReader) throws(JuteError) {
        magic = try r.readInt()
        version = try r.readInt()
        dbid = try r.readLong()
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(magic); w.writeInt(version); w.writeLong(dbid) }

    /// ASCII "ZKLG".
    public static let txnLogMagic: Int32 = 0x5A4B_4C47
    /// ASCII "ZKSN".
    public static let snapshotMagic: Int32 = 0x5A4B_534E
    /// The header ZooKeeper writes at the start of a txn log.
    public static let txnLog = FileHeader(magic: txnLogMagic, dbid: 0)
    /// The header ZooKeeper writes at the start of a snapshot.
    public static let snapshot = FileHeader(magic: snapshotMagic, dbid: -1)
}

/// Who made a transaction, when, and of which type (`TxnHeader`, 32 bytes).
public struct TxnHeader: JuteCodable, Hashable, Sendable {
    /// The session id; 0 for server-internal requests such as container deletion.
    public var clientId: Int64
    /// The request's xid; 0 for createSession and server-internal requests.
    public var cxid: Int32
    public var zxid: Int64
    /// The leader's wall clock in ms when the request was prepared; it becomes ctime/mtime.
    public var time: Int64
    /// The request's opcode, or `.error` (-1) for a write that failed in preparation.
    public var type: OpCode
    public init(clientId: Int64, cxid: Int32, zxid: Int64, time: Int64, type: OpCode) {
        self.clientId = clientId; self.cxid = cxid; self.zxid = zxid; self.time = time; self.type = type
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        clientId = try r.readLong()
        cxid = try r.readInt()
        zxid = try r.readLong()
        time = try r.readLong()
        type = OpCode(try r.readInt())
    }
    public func encode(to w: inout JuteWriter) {
        w.writeLong(clientId); w.writeInt(cxid); w.writeLong(zxid); w.writeLong(time); w.writeInt(type.rawValue)
    }
}

/// The tree digest after a transaction, appended to most payloads (`TxnDigest`, 12 bytes).
public struct TxnDigest: JuteCodable, Hashable, Sendable {
    /// The digest algorithm version, 2.
    public var version: Int32
    public var treeDigest: Int64
    public init(version: Int32 = 2, treeDigest: Int64) { self.version = version; self.treeDigest = treeDigest }
    public init(from r: inout JuteReader) throws(JuteError) {
        version = try r.readInt()
        treeDigest = try r.readLong()
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(version); w.writeLong(treeDigest) }
}

/// A create as logged before ZooKeeper 3.3, without the parent's cversion (`CreateTxnV0`).
public struct CreateTxnV0: JuteCodable, Hashable, Sendable {
    public var path: String
    public var data: [UInt8]?
    public var acl: [ACL]
    public var ephemeral: Bool
    public init(path: String, data: [UInt8]?, acl: [ACL], ephemeral: Bool) {
        self.path = path; self.data = data; self.acl = acl; self.ephemeral = ephemeral
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        data = try r.readBuffer()
        acl = try r.readRecords() ?? []
        ephemeral = try r.readBool()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeString(path); w.writeBuffer(data); w.writeRecords(acl); w.writeBool(ephemeral)
    }
    /// The modern form; parentCVersion -1 tells the apply step to use the parent's cversion + 1.
    public var asCreateTxn: CreateTxn {
        CreateTxn(path: path, data: data, acl: acl, ephemeral: ephemeral, parentCVersion: -1)
    }
}

/// A logged create or create2 (`CreateTxn`, types 1 and 15).
public struct CreateTxn: JuteCodable, Hashable, Sendable {
    /// The final path, sequence suffix included.
    public var path: String
    public var data: [UInt8]?
    /// Already fixed up: no `auth` entries.
    public var acl: [ACL]
    /// True makes the header's clientId the node's owner.
    public var ephemeral: Bool
    /// The parent's new stored cversion (old + 1), or -1 for "current + 1".
    public var parentCVersion: Int32
    public init(path: String, data: [UInt8]?, acl: [ACL], ephemeral: Bool, parentCVersion: Int32) {
        self.path = path; self.data = data; self.acl = acl; self.ephemeral = ephemeral; self.parentCVersion = parentCVersion
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        data = try r.readBuffer()
        acl = try r.readRecords() ?? []
        ephemeral = try r.readBool()
        parentCVersion = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeString(path); w.writeBuffer(data); w.writeRecords(acl); w.writeBool(ephemeral); w.writeInt(parentCVersion)
    }
}

/// A logged create of a TTL node (`CreateTTLTxn`, type 21).
public struct CreateTTLTxn: JuteCodable, Hashable, Sendable {
    public var path: String
    public var data: [UInt8]?
    public var acl: [ACL]
    public var parentCVersion: Int32
    /// The TTL in ms; the owner becomes `0xFF00000000000000 | ttl`.
    public var ttl: Int64
    public init(path: String, data: [UInt8]?, acl: [ACL], parentCVersion: Int32, ttl: Int64) {
        self.path = path; self.data = data; self.acl = acl; self.parentCVersion = parentCVersion; self.ttl = ttl
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        data = try r.readBuffer()
        acl = try r.readRecords() ?? []
        parentCVersion = try r.readInt()
        ttl = try r.readLong()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeString(path); w.writeBuffer(data); w.writeRecords(acl); w.writeInt(parentCVersion); w.writeLong(ttl)
    }
}

/// A logged create of a container node (`CreateContainerTxn`, type 19).
public struct CreateContainerTxn: JuteCodable, Hashable, Sendable {
    public var path: String
    public var data: [UInt8]?
    public var acl: [ACL]
    public var parentCVersion: Int32
    public init(path: String, data: [UInt8]?, acl: [ACL], parentCVersion: Int32) {
        self.path = path; self.data = data; self.acl = acl; self.parentCVersion = parentCVersion
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        data = try r.readBuffer()
        acl = try r.readRecords() ?? []
        parentCVersion = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeString(path); w.writeBuffer(data); w.writeRecords(acl); w.writeInt(parentCVersion)
    }
}

/// A logged delete (`DeleteTxn`, types 2 and 20).
public struct DeleteTxn: JuteCodable, Hashable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
    public init(from r: inout JuteReader) throws(JuteError) { path = try r.readNonNullString() }
    public func encode(to w: inout JuteWriter) { w.writeString(path) }
}

/// A logged setData or reconfig (`SetDataTxn`, types 5 and 16).
public struct SetDataTxn: JuteCodable, Hashable, Sendable {
    public var path: String
    public var data: [UInt8]?
    /// The node's new data version (-1 for reconfig).
    public var version: Int32
    public init(path: String, data: [UInt8]?, version: Int32) { self.path = path; self.data = data; self.version = version }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        data = try r.readBuffer()
        version = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeBuffer(data); w.writeInt(version) }
}

/// A logged version check inside a multi (`CheckVersionTxn`, type 13).
public struct CheckVersionTxn: JuteCodable, Hashable, Sendable {
    public var path: String
    /// The node's current version + 1, whatever version the request expected.
    public var version: Int32
    public init(path: String, version: Int32) { self.path = path; self.version = version }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        version = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeInt(version) }
}

/// A logged setACL (`SetACLTxn`, type 7).
public struct SetACLTxn: JuteCodable, Hashable, Sendable {
    public var path: String
    /// Already fixed up: no `auth` entries.
    public var acl: [ACL]
    /// The node's new ACL version (`aversion`).
    public var version: Int32
    public init(path: String, acl: [ACL], version: Int32) { self.path = path; self.acl = acl; self.version = version }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        acl = try r.readRecords() ?? []
        version = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeRecords(acl); w.writeInt(version) }
}

/// A legacy child-limit change that no server produces any more (`SetMaxChildrenTxn`).
public struct SetMaxChildrenTxn: JuteCodable, Hashable, Sendable {
    public var path: String
    public var max: Int32
    public init(path: String, max: Int32) { self.path = path; self.max = max }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        max = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeInt(max) }
}

/// A new session (`CreateSessionTxn`, type -10); the header's clientId is the new id.
public struct CreateSessionTxn: JuteCodable, Hashable, Sendable {
    /// The negotiated (clamped) timeout in ms.
    public var timeOut: Int32
    public init(timeOut: Int32) { self.timeOut = timeOut }
    public init(from r: inout JuteReader) throws(JuteError) { timeOut = try r.readInt() }
    public func encode(to w: inout JuteWriter) { w.writeInt(timeOut) }
}

/// A closed or expired session and the ephemerals it leaves behind (`CloseSessionTxn`, type -11).
public struct CloseSessionTxn: JuteCodable, Hashable, Sendable {
    public var paths2Delete: [String]
    public init(paths2Delete: [String]) { self.paths2Delete = paths2Delete }
    public init(from r: inout JuteReader) throws(JuteError) { paths2Delete = try r.readStrings() ?? [] }
    public func encode(to w: inout JuteWriter) { w.writeStrings(paths2Delete) }
}

/// A write that failed in preparation: it takes a zxid and changes nothing (`ErrorTxn`, type -1).
public struct ErrorTxn: JuteCodable, Hashable, Sendable {
    public var err: ErrorCode
    public init(err: ErrorCode) { self.err = err }
    public init(from r: inout JuteReader) throws(JuteError) { err = ErrorCode(try r.readInt()) }
    public func encode(to w: inout JuteWriter) { w.writeInt(err.rawValue) }
}

/// One sub-transaction of a multi, its body still encoded (`Txn`).
public struct Txn: JuteCodable, Hashable, Sendable {
    /// The sub-transaction's type, as `TxnHeader.type`.
    public var type: Int32
    /// The Jute bytes of the sub-body, without a header; a null buffer reads as empty.
    public var data: [UInt8]
    public init(type: Int32, data: [UInt8]) { self.type = type; self.data = data }
    public init(from r: inout JuteReader) throws(JuteError) {
        type = try r.readInt()
        data = try r.readBuffer() ?? []
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(type); w.writeBuffer(data) }
}

/// The body of a logged multi (`MultiTxn`, type 14); see `TxnBody.multi` for the decoded form.
public struct MultiTxn: JuteCodable, Hashable, Sendable {
    public var txns: [Txn]
    public init(txns: [Txn]) { self.txns = txns }
    public init(from r: inout JuteReader) throws(JuteError) { txns = try r.readRecords() ?? [] }
    public func encode(to w: inout JuteWriter) { w.writeRecords(txns) }
}
