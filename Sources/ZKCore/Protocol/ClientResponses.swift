// Reply bodies of the per-node operations (jute.md §3.2). A reply whose header carries a
// non-zero `err` normally has no body at all; these records are only read when `err == 0`.

/// The path a plain create made, sequence suffix included (`CreateResponse`, op 1 reply).
public struct CreateResponse: JuteCodable, Hashable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
    public init(from r: inout JuteReader) throws(JuteError) { path = try r.readNonNullString() }
    public func encode(to w: inout JuteWriter) { w.writeString(path) }
}

/// The path and Stat of a new node (`Create2Response`, ops 15, 19 and 21 reply).
public struct Create2Response: JuteCodable, Hashable, Sendable {
    public var path: String
    public var stat: Stat
    public init(path: String, stat: Stat) { self.path = path; self.stat = stat }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        stat = try Stat(from: &r)
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); stat.encode(to: &w) }
}

/// The Stat of an existing node (`ExistsResponse`, op 3 reply; NoNode has no body).
public struct ExistsResponse: JuteCodable, Hashable, Sendable {
    public var stat: Stat
    public init(stat: Stat) { self.stat = stat }
    public init(from r: inout JuteReader) throws(JuteError) { stat = try Stat(from: &r) }
    public func encode(to w: inout JuteWriter) { stat.encode(to: &w) }
}

/// A node's data and Stat (`GetDataResponse`, op 4 reply; also the op 16 reconfig reply).
public struct GetDataResponse: JuteCodable, Hashable, Sendable {
    /// Nil when the node was created or set with null data.
    public var data: [UInt8]?
    public var stat: Stat
    public init(data: [UInt8]?, stat: Stat) { self.data = data; self.stat = stat }
    public init(from r: inout JuteReader) throws(JuteError) {
        data = try r.readBuffer()
        stat = try Stat(from: &r)
    }
    public func encode(to w: inout JuteWriter) { w.writeBuffer(data); stat.encode(to: &w) }
}

/// The Stat after a setData (`SetDataResponse`, op 5 reply).
public struct SetDataResponse: JuteCodable, Hashable, Sendable {
    public var stat: Stat
    public init(stat: Stat) { self.stat = stat }
    public init(from r: inout JuteReader) throws(JuteError) { stat = try Stat(from: &r) }
    public func encode(to w: inout JuteWriter) { stat.encode(to: &w) }
}

/// A node's ACL and Stat (`GetACLResponse`, op 6 reply).
public struct GetACLResponse: JuteCodable, Hashable, Sendable {
    public var acl: [ACL]
    public var stat: Stat
    public init(acl: [ACL], stat: Stat) { self.acl = acl; self.stat = stat }
    public init(from r: inout JuteReader) throws(JuteError) {
        acl = try r.readRecords() ?? []
        stat = try Stat(from: &r)
    }
    public func encode(to w: inout JuteWriter) { w.writeRecords(acl); stat.encode(to: &w) }
}

/// The Stat after a setACL (`SetACLResponse`, op 7 reply).
public struct SetACLResponse: JuteCodable, Hashable, Sendable {
    public var stat: Stat
    public init(stat: Stat) { self.stat = stat }
    public init(from r: inout JuteReader) throws(JuteError) { stat = try Stat(from: &r) }
    public func encode(to w: inout JuteWriter) { stat.encode(to: &w) }
}

/// Child names, not paths, in no particular order (`GetChildrenResponse`, op 8 reply).
public struct GetChildrenResponse: JuteCodable, Hashable, Sendable {
    public var children: [String]
    public init(children: [String]) { self.children = children }
    public init(from r: inout JuteReader) throws(JuteError) { children = try r.readStrings() ?? [] }
    public func encode(to w: inout JuteWriter) { w.writeStrings(children) }
}

/// The path a sync was sent for (`SyncResponse`, op 9 reply).
public struct SyncResponse: JuteCodable, Hashable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
    public init(from r: inout JuteReader) throws(JuteError) { path = try r.readNonNullString() }
    public func encode(to w: inout JuteWriter) { w.writeString(path) }
}

/// Child names and the parent's Stat (`GetChildren2Response`, op 12 reply).
public struct GetChildren2Response: JuteCodable, Hashable, Sendable {
    public var children: [String]
    public var stat: Stat
    public init(children: [String], stat: Stat) { self.children = children; self.stat = stat }
    public init(from r: inout JuteReader) throws(JuteError) {
        children = try r.readStrings() ?? []
        stat = try Stat(from: &r)
    }
    public func encode(to w: inout JuteWriter) { w.writeStrings(children); stat.encode(to: &w) }
}

/// The number of descendants of a node, itself excluded (`GetAllChildrenNumberResponse`, op 104 reply).
public struct GetAllChildrenNumberResponse: JuteCodable, Hashable, Sendable {
    public var totalNumber: Int32
    public init(totalNumber: Int32) { self.totalNumber = totalNumber }
    public init(from r: inout JuteReader) throws(JuteError) { totalNumber = try r.readInt() }
    public func encode(to w: inout JuteWriter) { w.writeInt(totalNumber) }
}
