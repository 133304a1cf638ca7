// Request bodies of the per-node operations (jute.md §3.2). Node data is `[UInt8]?` because a
// Java client may create or set null data and the null is kept and read back as null.

/// Creates a node (`CreateRequest`, ops 1 create, 15 create2, 19 createContainer).
public struct CreateRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var data: [UInt8]?
    /// A null vector reads as empty; the server rejects both as InvalidACL.
    public var acl: [ACL]
    /// The `CreateMode` value; kept raw so invalid flags reach the server's own check.
    public var flags: Int32
    public init(path: String, data: [UInt8]?, acl: [ACL], flags: Int32) {
        self.path = path; self.data = data; self.acl = acl; self.flags = flags
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        data = try r.readBuffer()
        acl = try r.readRecords() ?? []
        flags = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeString(path); w.writeBuffer(data); w.writeRecords(acl); w.writeInt(flags)
    }
    /// The create mode `flags` names, or nil when the value is not one.
    public var createMode: CreateMode? { CreateMode(rawValue: flags) }
}

/// Creates a node with a time to live (`CreateTTLRequest`, op 21).
public struct CreateTTLRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var data: [UInt8]?
    public var acl: [ACL]
    public var flags: Int32
    /// Milliseconds without change or children after which the node may be removed.
    public var ttl: Int64
    public init(path: String, data: [UInt8]?, acl: [ACL], flags: Int32, ttl: Int64) {
        self.path = path; self.data = data; self.acl = acl; self.flags = flags; self.ttl = ttl
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        data = try r.readBuffer()
        acl = try r.readRecords() ?? []
        flags = try r.readInt()
        ttl = try r.readLong()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeString(path); w.writeBuffer(data); w.writeRecords(acl); w.writeInt(flags); w.writeLong(ttl)
    }
    /// The create mode `flags` names, or nil when the value is not one.
    public var createMode: CreateMode? { CreateMode(rawValue: flags) }
}

/// Deletes a node (`DeleteRequest`, op 2).
public struct DeleteRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    /// Expected data version; -1 matches any.
    public var version: Int32
    public init(path: String, version: Int32 = -1) { self.path = path; self.version = version }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        version = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeInt(version) }
}

/// Tests that a node exists, optionally leaving a watch (`ExistsRequest`, op 3).
public struct ExistsRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var watch: Bool
    public init(path: String, watch: Bool = false) { self.path = path; self.watch = watch }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        watch = try r.readBool()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeBool(watch) }
}

/// Reads a node's data (`GetDataRequest`, op 4; also a multiRead sub-op).
public struct GetDataRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var watch: Bool
    public init(path: String, watch: Bool = false) { self.path = path; self.watch = watch }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        watch = try r.readBool()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeBool(watch) }
}

/// Replaces a node's data (`SetDataRequest`, op 5).
public struct SetDataRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var data: [UInt8]?
    /// Expected data version; -1 matches any.
    public var version: Int32
    public init(path: String, data: [UInt8]?, version: Int32 = -1) {
        self.path = path; self.data = data; self.version = version
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        data = try r.readBuffer()
        version = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeBuffer(data); w.writeInt(version) }
}

/// Reads a node's ACL (`GetACLRequest`, op 6).
public struct GetACLRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
    public init(from r: inout JuteReader) throws(JuteError) { path = try r.readNonNullString() }
    public func encode(to w: inout JuteWriter) { w.writeString(path) }
}

/// Replaces a node's ACL (`SetACLRequest`, op 7).
public struct SetACLRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var acl: [ACL]
    /// Expected ACL version (`aversion`); -1 matches any.
    public var version: Int32
    public init(path: String, acl: [ACL], version: Int32 = -1) { self.path = path; self.acl = acl; self.version = version }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        acl = try r.readRecords() ?? []
        version = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeRecords(acl); w.writeInt(version) }
}

/// Lists a node's children (`GetChildrenRequest`, op 8; also a multiRead sub-op).
public struct GetChildrenRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var watch: Bool
    public init(path: String, watch: Bool = false) { self.path = path; self.watch = watch }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        watch = try r.readBool()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeBool(watch) }
}

/// Waits until this server has caught up with the leader (`SyncRequest`, op 9).
public struct SyncRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
    public init(from r: inout JuteReader) throws(JuteError) { path = try r.readNonNullString() }
    public func encode(to w: inout JuteWriter) { w.writeString(path) }
}

/// Lists a node's children together with its Stat (`GetChildren2Request`, op 12).
public struct GetChildren2Request: JuteCodable, Hashable, Sendable {
    public var path: String
    public var watch: Bool
    public init(path: String, watch: Bool = false) { self.path = path; self.watch = watch }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        watch = try r.readBool()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeBool(watch) }
}

/// Asserts a node's data version inside a multi (`CheckVersionRequest`, op 13).
public struct CheckVersionRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    /// Expected data version; -1 matches any.
    public var version: Int32
    public init(path: String, version: Int32) { self.path = path; self.version = version }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        version = try r.readInt()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeInt(version) }
}

/// Counts all descendants of a node (`GetAllChildrenNumberRequest`, op 104).
public struct GetAllChildrenNumberRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
    public init(from r: inout JuteReader) throws(JuteError) { path = try r.readNonNullString() }
    public func encode(to w: inout JuteWriter) { w.writeString(path) }
}
