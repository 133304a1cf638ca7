/// ACL permission bits (`ZooDefs.Perms`).
public struct Perms: OptionSet, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let read = Perms(rawValue: 1)
    public static let write = Perms(rawValue: 2)
    public static let create = Perms(rawValue: 4)
    public static let delete = Perms(rawValue: 8)
    public static let admin = Perms(rawValue: 16)
    public static let all = Perms(rawValue: 31)
}

/// An identity: an auth scheme and an id within it (`org.apache.zookeeper.data.Id`).
public struct Id: JuteCodable, Hashable, Sendable {
    public var scheme: String
    public var id: String
    public init(scheme: String, id: String) { self.scheme = scheme; self.id = id }
    public init(from r: inout JuteReader) throws(JuteError) {
        scheme = try r.readNonNullString()
        id = try r.readNonNullString()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(scheme); w.writeString(id) }
    /// `world:anyone`, the id every connection matches.
    public static let anyone = Id(scheme: "world", id: "anyone")
}

/// One ACL entry: permissions granted to an id (`org.apache.zookeeper.data.ACL`).
public struct ACL: JuteCodable, Hashable, Sendable {
    public var perms: Perms
    public var id: Id
    public init(perms: Perms, id: Id) { self.perms = perms; self.id = id }
    public init(from r: inout JuteReader) throws(JuteError) {
        perms = Perms(rawValue: try r.readInt())
        id = try Id(from: &r)
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(perms.rawValue); id.encode(to: &w) }
    /// `world:anyone:cdrwa` (`ZooDefs.Ids.OPEN_ACL_UNSAFE`).
    public static let openUnsafe: [ACL] = [ACL(perms: .all, id: .anyone)]
    /// `world:anyone:r` (`ZooDefs.Ids.READ_ACL_UNSAFE`).
    public static let readUnsafe: [ACL] = [ACL(perms: .read, id: .anyone)]
}

/// A node's metadata as clients see it (`org.apache.zookeeper.data.Stat`, 68 bytes).
public struct Stat: JuteCodable, Hashable, Sendable {
    public var czxid: Int64 = 0
    public var mzxid: Int64 = 0
    public var ctime: Int64 = 0
    public var mtime: Int64 = 0
    public var version: Int32 = 0
    public var cversion: Int32 = 0
    public var aversion: Int32 = 0
    public var ephemeralOwner: Int64 = 0
    public var dataLength: Int32 = 0
    public var numChildren: Int32 = 0
    public var pzxid: Int64 = 0

    public init() {}
    public init(czxid: Int64, mzxid: Int64, ctime: Int64, mtime: Int64, version: Int32, cversion: Int32,
                aversion: Int32, ephemeralOwner: Int64, dataLength: Int32, numChildren: Int32, pzxid: Int64) {
        self.czxid = czxid; self.mzxid = mzxid; self.ctime = ctime; self.mtime = mtime
        self.version = version; self.cversion = cversion; self.aversion = aversion
        self.ephemeralOwner = ephemeralOwner; self.dataLength = dataLength
        self.numChildren = numChildren; self.pzxid = pzxid
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        czxid = try r.readLong(); mzxid = try r.readLong()
        ctime = try r.readLong(); mtime = try r.readLong()
        version = try r.readInt(); cversion = try r.readInt(); aversion = try r.readInt()
        ephemeralOwner = try r.readLong()
        dataLength = try r.readInt(); numChildren = try r.readInt()
        pzxid = try r.readLong()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeLong(czxid); w.writeLong(mzxid); w.writeLong(ctime); w.writeLong(mtime)
        w.writeInt(version); w.writeInt(cversion); w.writeInt(aversion)
        w.writeLong(ephemeralOwner); w.writeInt(dataLength); w.writeInt(numChildren); w.writeLong(pzxid)
    }
}

/// A node's metadata as stored in snapshots (`StatPersisted`, 60 bytes): no derived fields, and
/// `cversion` counts child creates only.
public struct StatPersisted: JuteCodable, Hashable, Sendable {
    public var czxid: Int64 = 0
    public var mzxid: Int64 = 0
    public var ctime: Int64 = 0
    public var mtime: Int64 = 0
    public var version: Int32 = 0
    public var cversion: Int32 = 0
    public var aversion: Int32 = 0
    public var ephemeralOwner: Int64 = 0
    public var pzxid: Int64 = 0

    public init() {}
    public init(from r: inout JuteReader) throws(JuteError) {
        czxid = try r.readLong(); mzxid = try r.readLong()
        ctime = try r.readLong(); mtime = try r.readLong()
        version = try r.readInt(); cversion = try r.readInt(); aversion = try r.readInt()
        ephemeralOwner = try r.readLong(); pzxid = try r.readLong()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeLong(czxid); w.writeLong(mzxid); w.writeLong(ctime); w.writeLong(mtime)
        w.writeInt(version); w.writeInt(cversion); w.writeInt(aversion)
        w.writeLong(ephemeralOwner); w.writeLong(pzxid)
    }
}

/// Watch event types (`Watcher.Event.EventType`).
public struct EventType: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let none = EventType(rawValue: -1)
    public static let nodeCreated = EventType(rawValue: 1)
    public static let nodeDeleted = EventType(rawValue: 2)
    public static let nodeDataChanged = EventType(rawValue: 3)
    public static let nodeChildrenChanged = EventType(rawValue: 4)
    public static let dataWatchRemoved = EventType(rawValue: 5)
    public static let childWatchRemoved = EventType(rawValue: 6)
    public static let persistentWatchRemoved = EventType(rawValue: 7)
}

/// Connection states carried in events (`Watcher.Event.KeeperState`).
public struct KeeperState: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let disconnected = KeeperState(rawValue: 0)
    public static let syncConnected = KeeperState(rawValue: 3)
    public static let authFailed = KeeperState(rawValue: 4)
    public static let connectedReadOnly = KeeperState(rawValue: 5)
    public static let saslAuthenticated = KeeperState(rawValue: 6)
    public static let closed = KeeperState(rawValue: 7)
    public static let expired = KeeperState(rawValue: -112)
}

/// How a node is created (`CreateMode`), decoded from the request's flags.
public enum CreateMode: Int32, Hashable, Sendable, CaseIterable {
    case persistent = 0
    case ephemeral = 1
    case persistentSequential = 2
    case ephemeralSequential = 3
    case container = 4
    case persistentWithTTL = 5
    case persistentSequentialWithTTL = 6

    public var isEphemeral: Bool { self == .ephemeral || self == .ephemeralSequential }
    public var isSequential: Bool {
        self == .persistentSequential || self == .ephemeralSequential || self == .persistentSequentialWithTTL
    }
    public var isContainer: Bool { self == .container }
    public var isTTL: Bool { self == .persistentWithTTL || self == .persistentSequentialWithTTL }
}
