// Client ↔ server records that frame requests or belong to the session rather than to one
// node: headers, auth, SASL, reconfig, watches and the identity queries (jute.md §3.2).
// Field names are the Jute field names, so code reads against the spec directly.

/// The header before every request body after the handshake (`RequestHeader`, 8 bytes).
public struct RequestHeader: JuteCodable, Hashable, Sendable {
    /// Client-chosen id echoed in the reply; see `Xid` for the special values.
    public var xid: Int32
    public var type: OpCode
    public init(xid: Int32, type: OpCode) { self.xid = xid; self.type = type }
    public init(from r: inout JuteReader) throws(JuteError) {
        xid = try r.readInt()
        type = OpCode(try r.readInt())
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(xid); w.writeInt(type.rawValue) }
}

/// The header before every reply and notification after the handshake (`ReplyHeader`, 16 bytes).
public struct ReplyHeader: JuteCodable, Hashable, Sendable {
    public var xid: Int32
    /// The server's last processed zxid when the reply left (-1 in 3.8 notifications).
    public var zxid: Int64
    public var err: ErrorCode
    public init(xid: Int32, zxid: Int64, err: ErrorCode) { self.xid = xid; self.zxid = zxid; self.err = err }
    public init(from r: inout JuteReader) throws(JuteError) {
        xid = try r.readInt()
        zxid = try r.readLong()
        err = ErrorCode(try r.readInt())
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(xid); w.writeLong(zxid); w.writeInt(err.rawValue) }
}

/// Credentials added with `addAuthInfo` (`AuthPacket`, op 100, xid -4).
public struct AuthPacket: JuteCodable, Hashable, Sendable {
    /// Always 0 on the wire; kept so odd values round-trip.
    public var type: Int32
    public var scheme: String
    public var auth: [UInt8]?
    public init(type: Int32 = 0, scheme: String, auth: [UInt8]?) { self.type = type; self.scheme = scheme; self.auth = auth }
    public init(from r: inout JuteReader) throws(JuteError) {
        type = try r.readInt()
        scheme = try r.readNonNullString()
        auth = try r.readBuffer()
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(type); w.writeString(scheme); w.writeBuffer(auth) }
}

/// One SASL step from the client (`GetSASLRequest`, op 102; the name is historical).
public struct GetSASLRequest: JuteCodable, Hashable, Sendable {
    public var token: [UInt8]?
    public init(token: [UInt8]?) { self.token = token }
    public init(from r: inout JuteReader) throws(JuteError) { token = try r.readBuffer() }
    public func encode(to w: inout JuteWriter) { w.writeBuffer(token) }
}

/// The server's answer to one SASL step (`SetSASLResponse`, op 102 reply).
public struct SetSASLResponse: JuteCodable, Hashable, Sendable {
    public var token: [UInt8]?
    public init(token: [UInt8]?) { self.token = token }
    public init(from r: inout JuteReader) throws(JuteError) { token = try r.readBuffer() }
    public func encode(to w: inout JuteWriter) { w.writeBuffer(token) }
}

/// A dynamic reconfiguration request (`ReconfigRequest`, op 16).
///
/// The three server lists are nullable on the wire and null differs from empty: an incremental
/// change sends joining/leaving and a null `newMembers`, a bulk change the reverse.
public struct ReconfigRequest: JuteCodable, Hashable, Sendable {
    public var joiningServers: String?
    public var leavingServers: String?
    public var newMembers: String?
    /// The config version the change is based on; -1 accepts any.
    public var curConfigId: Int64
    public init(joiningServers: String?, leavingServers: String?, newMembers: String?, curConfigId: Int64 = -1) {
        self.joiningServers = joiningServers; self.leavingServers = leavingServers
        self.newMembers = newMembers; self.curConfigId = curConfigId
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        joiningServers = try r.readString()
        leavingServers = try r.readString()
        newMembers = try r.readString()
        curConfigId = try r.readLong()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeString(joiningServers); w.writeString(leavingServers); w.writeString(newMembers)
        w.writeLong(curConfigId)
    }
}

/// The body of a watch notification, xid -1 (`WatcherEvent`).
public struct WatcherEvent: JuteCodable, Hashable, Sendable {
    public var type: EventType
    public var state: KeeperState
    public var path: String
    public init(type: EventType, state: KeeperState = .syncConnected, path: String) {
        self.type = type; self.state = state; self.path = path
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        type = EventType(rawValue: try r.readInt())
        state = KeeperState(rawValue: try r.readInt())
        path = try r.readNonNullString()
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(type.rawValue); w.writeInt(state.rawValue); w.writeString(path) }
}

/// A bare result code (`ErrorResponse`): a failed multi slot, and the addWatch (op 106) reply.
public struct ErrorResponse: JuteCodable, Hashable, Sendable {
    public var err: ErrorCode
    public init(err: ErrorCode) { self.err = err }
    public init(from r: inout JuteReader) throws(JuteError) { err = ErrorCode(try r.readInt()) }
    public func encode(to w: inout JuteWriter) { w.writeInt(err.rawValue) }
}

/// Watches re-armed after a reconnect (`SetWatches`, op 101).
public struct SetWatches: JuteCodable, Hashable, Sendable {
    /// The client's last seen zxid: changes after it fire the watch at once.
    public var relativeZxid: Int64
    public var dataWatches: [String]
    public var existWatches: [String]
    public var childWatches: [String]
    public init(relativeZxid: Int64, dataWatches: [String] = [], existWatches: [String] = [], childWatches: [String] = []) {
        self.relativeZxid = relativeZxid; self.dataWatches = dataWatches
        self.existWatches = existWatches; self.childWatches = childWatches
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        relativeZxid = try r.readLong()
        dataWatches = try r.readStrings() ?? []
        existWatches = try r.readStrings() ?? []
        childWatches = try r.readStrings() ?? []
    }
    public func encode(to w: inout JuteWriter) {
        w.writeLong(relativeZxid)
        w.writeStrings(dataWatches); w.writeStrings(existWatches); w.writeStrings(childWatches)
    }
}

/// Watches re-armed after a reconnect, persistent ones included (`SetWatches2`, op 105).
public struct SetWatches2: JuteCodable, Hashable, Sendable {
    public var relativeZxid: Int64
    public var dataWatches: [String]
    public var existWatches: [String]
    public var childWatches: [String]
    public var persistentWatches: [String]
    public var persistentRecursiveWatches: [String]
    public init(relativeZxid: Int64, dataWatches: [String] = [], existWatches: [String] = [], childWatches: [String] = [],
                persistentWatches: [String] = [], persistentRecursiveWatches: [String] = []) {
        self.relativeZxid = relativeZxid; self.dataWatches = dataWatches
        self.existWatches = existWatches; self.childWatches = childWatches
        self.persistentWatches = persistentWatches; self.persistentRecursiveWatches = persistentRecursiveWatches
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        relativeZxid = try r.readLong()
        dataWatches = try r.readStrings() ?? []
        existWatches = try r.readStrings() ?? []
        childWatches = try r.readStrings() ?? []
        persistentWatches = try r.readStrings() ?? []
        persistentRecursiveWatches = try r.readStrings() ?? []
    }
    public func encode(to w: inout JuteWriter) {
        w.writeLong(relativeZxid)
        w.writeStrings(dataWatches); w.writeStrings(existWatches); w.writeStrings(childWatches)
        w.writeStrings(persistentWatches); w.writeStrings(persistentRecursiveWatches)
    }
}

/// The kind of persistent watch `addWatch` sets (`ZooDefs.AddWatchModes`), open for unknown values.
public struct AddWatchMode: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let persistent = AddWatchMode(rawValue: 0)
    public static let persistentRecursive = AddWatchMode(rawValue: 1)
}

/// Which watches checkWatches/removeWatches address (`Watcher.WatcherType`), open for unknown values.
public struct WatcherType: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let children = WatcherType(rawValue: 1)
    public static let data = WatcherType(rawValue: 2)
    public static let any = WatcherType(rawValue: 3)
    /// 3.9 only; a 3.8 server answers MarshallingError.
    public static let persistent = WatcherType(rawValue: 4)
    /// 3.9 only; a 3.8 server answers MarshallingError.
    public static let persistentRecursive = WatcherType(rawValue: 5)
}

/// Sets a persistent or persistent-recursive watch (`AddWatchRequest`, op 106).
public struct AddWatchRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var mode: AddWatchMode
    public init(path: String, mode: AddWatchMode) { self.path = path; self.mode = mode }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        mode = AddWatchMode(rawValue: try r.readInt())
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeInt(mode.rawValue) }
}

/// Asks whether the connection holds a watch on a path (`CheckWatchesRequest`, op 17).
public struct CheckWatchesRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var type: WatcherType
    public init(path: String, type: WatcherType) { self.path = path; self.type = type }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        type = WatcherType(rawValue: try r.readInt())
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeInt(type.rawValue) }
}

/// Drops the connection's watches on a path (`RemoveWatchesRequest`, op 18).
public struct RemoveWatchesRequest: JuteCodable, Hashable, Sendable {
    public var path: String
    public var type: WatcherType
    public init(path: String, type: WatcherType) { self.path = path; self.type = type }
    public init(from r: inout JuteReader) throws(JuteError) {
        path = try r.readNonNullString()
        type = WatcherType(rawValue: try r.readInt())
    }
    public func encode(to w: inout JuteWriter) { w.writeString(path); w.writeInt(type.rawValue) }
}

/// Lists the calling session's ephemeral nodes (`GetEphemeralsRequest`, op 103).
public struct GetEphemeralsRequest: JuteCodable, Hashable, Sendable {
    /// A plain string prefix; nil, blank or "/" selects every ephemeral of the session.
    public var prefixPath: String?
    public init(prefixPath: String?) { self.prefixPath = prefixPath }
    public init(from r: inout JuteReader) throws(JuteError) { prefixPath = try r.readString() }
    public func encode(to w: inout JuteWriter) { w.writeString(prefixPath) }
}

/// The session's ephemeral paths (`GetEphemeralsResponse`, op 103 reply).
public struct GetEphemeralsResponse: JuteCodable, Hashable, Sendable {
    public var ephemerals: [String]
    public init(ephemerals: [String]) { self.ephemerals = ephemerals }
    public init(from r: inout JuteReader) throws(JuteError) { ephemerals = try r.readStrings() ?? [] }
    public func encode(to w: inout JuteWriter) { w.writeStrings(ephemerals) }
}

/// One authenticated identity of a connection (`org.apache.zookeeper.data.ClientInfo`).
public struct ClientInfo: JuteCodable, Hashable, Sendable {
    public var authScheme: String
    /// The provider's user name: the digest user, the ip address, or "" for unknown schemes.
    public var user: String
    public init(authScheme: String, user: String) { self.authScheme = authScheme; self.user = user }
    public init(from r: inout JuteReader) throws(JuteError) {
        authScheme = try r.readNonNullString()
        user = try r.readNonNullString()
    }
    public func encode(to w: inout JuteWriter) { w.writeString(authScheme); w.writeString(user) }
}

/// Every identity of the connection (`WhoAmIResponse`, op 107 reply; the request has no body).
public struct WhoAmIResponse: JuteCodable, Hashable, Sendable {
    public var clientInfo: [ClientInfo]
    public init(clientInfo: [ClientInfo]) { self.clientInfo = clientInfo }
    public init(from r: inout JuteReader) throws(JuteError) { clientInfo = try r.readRecords() ?? [] }
    public func encode(to w: inout JuteWriter) { w.writeRecords(clientInfo) }
}
