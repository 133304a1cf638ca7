/// A ZooKeeper transaction id: the epoch in the high 32 bits and a counter in the low 32.
///
/// Totally orders every write of an ensemble (ZooKeeper's `ZxidUtils`).
public struct Zxid: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// Builds a zxid from its epoch and counter halves.
    public init(epoch: Int32, counter: Int32) {
        rawValue = Int64(epoch) << 32 | Int64(UInt32(bitPattern: counter))
    }
    public var epoch: Int32 { Int32(truncatingIfNeeded: rawValue >> 32) }
    public var counter: Int32 { Int32(truncatingIfNeeded: rawValue) }
    public static let zero = Zxid(0)
    /// The zxid 3.8 servers put in notifications and in the Unimplemented reply.
    public static let none = Zxid(-1)
    public static func < (a: Zxid, b: Zxid) -> Bool { a.rawValue < b.rawValue }
    /// Lowercase hex without padding, as `Long.toHexString` prints it.
    public var hex: String { String(UInt64(bitPattern: rawValue), radix: 16) }
    public var description: String { "0x" + hex }
    /// The next zxid in the same epoch.
    public func next() -> Zxid { Zxid(rawValue + 1) }
    /// The counter a leader never uses (0xffffffff): reaching it forces a new epoch.
    public static let counterRollover = Int32(bitPattern: 0xFFFF_FFFF)
}

/// A session id: the accepting server's id in the top byte, then the start time, then a counter.
public struct SessionID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static func < (a: SessionID, b: SessionID) -> Bool { a.rawValue < b.rawValue }
    /// Lowercase hex without padding.
    public var hex: String { String(UInt64(bitPattern: rawValue), radix: 16) }
    public var description: String { "0x" + hex }
    /// Session 0: the server itself (container deletions, expiry closes).
    public static let server = SessionID(0)
}

/// A server id (`myid`), 1...255 in an ensemble and 1 for a standalone server's session ids.
public struct ServerID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static func < (a: ServerID, b: ServerID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// Well-known request/reply xids (ZooKeeper's `ClientCnxn` constants).
public enum Xid {
    /// A watch notification from the server.
    public static let notification: Int32 = -1
    /// A ping and its reply.
    public static let ping: Int32 = -2
    /// An auth packet and its reply.
    public static let auth: Int32 = -4
    /// SetWatches from the C client.
    public static let setWatches: Int32 = -8
}
