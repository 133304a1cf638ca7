// The vocabulary between the client session machine, its runtime and the public client:
// identifiers of callers and watch registrations, what a caller gets back, and the actions.

/// Names one caller waiting for an answer; chosen by the runtime, unique per client.
public struct RequestID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: RequestID, b: RequestID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "r\(rawValue)" }
}

/// Names one watch registration (one stream of events); chosen by the runtime, unique per client.
public struct WatchID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: WatchID, b: WatchID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "w\(rawValue)" }
}

/// What a watch registration listens to, which decides the events that reach it.
///
/// The first three are one-shot (ZooKeeper's standard watches, set by a read with `watch: true`);
/// the last two stay until removed (set by `addWatch`). `exists` turns into `data` when the node
/// exists at registration, as ZooKeeper's `ExistsWatchRegistration` does.
public enum WatchKind: Int, Hashable, Sendable, CaseIterable {
    /// From getData, or exists on an existing node: data changes, deletion.
    case data
    /// From exists on a missing node: creation.
    case exist
    /// From getChildren: child list changes, deletion.
    case child
    /// addWatch PERSISTENT: data, child list and existence changes of the node, until removed.
    case persistent
    /// addWatch PERSISTENT_RECURSIVE: data and existence changes of the node and every descendant.
    case persistentRecursive

    /// True for the kinds one event consumes.
    public var isOneShot: Bool { self == .data || self == .exist || self == .child }

    /// The event the Java client synthesises when a watch of this kind is removed locally.
    public var removalEvent: EventType {
        switch self {
        case .data, .exist: return .dataWatchRemoved
        case .child: return .childWatchRemoved
        case .persistent, .persistentRecursive: return .persistentWatchRemoved
        }
    }
}

/// A node event delivered to a watch registration, with the path as the caller named it (chroot stripped).
public struct WatchEvent: Hashable, Sendable, CustomStringConvertible {
    /// `nodeCreated`, `nodeDeleted`, `nodeDataChanged`, `nodeChildrenChanged`, or one of the
    /// `*WatchRemoved` types when the registration was removed by `removeWatches`.
    public var type: EventType
    public var path: String
    public init(type: EventType, path: String) { self.type = type; self.path = path }
    public var description: String { "\(type.name) \(path)" }
}

extension EventType {
    /// ZooKeeper's `Watcher.Event.EventType` name.
    public var name: String {
        switch rawValue {
        case -1: return "None"
        case 1: return "NodeCreated"
        case 2: return "NodeDeleted"
        case 3: return "NodeDataChanged"
        case 4: return "NodeChildrenChanged"
        case 5: return "DataWatchRemoved"
        case 6: return "ChildWatchRemoved"
        case 7: return "PersistentWatchRemoved"
        default: return "EventType(\(rawValue))"
        }
    }
}

/// A change of the session's connection state, as ZooKeeper's `KeeperState` events report them.
public enum ClientEvent: Hashable, Sendable {
    /// Connected to a read-write server (`SyncConnected`), on the first connection and every reconnect.
    case connected
    /// Connected to a read-only server (`ConnectedReadOnly`).
    case connectedReadOnly
    /// The connection was lost; the client is reconnecting and outstanding requests failed with ConnectionLoss.
    case disconnected
    /// The server no longer knows the session (terminal).
    case expired
    /// The server rejected the credentials of an auth packet (terminal).
    case authFailed
    /// The client was closed (terminal).
    case closed

    /// True for the events after which the session can never be used again.
    public var isTerminal: Bool { self == .expired || self == .authFailed || self == .closed }
}

/// A reply from the server as the session machine hands it to the caller.
public struct ClientReply: Hashable, Sendable {
    /// The server's zxid when it sent the reply.
    public var zxid: Int64
    public var err: ErrorCode
    /// The decoded record, `.none` when `err` is not OK (multi failures carry their results with err OK).
    public var body: ReplyBody
    public init(zxid: Int64, err: ErrorCode, body: ReplyBody = .none) { self.zxid = zxid; self.err = err; self.body = body }
}

/// How a caller's request ended.
public enum ClientOutcome: Hashable, Sendable {
    /// The server answered.
    case reply(ClientReply)
    /// The client gave up on the request: ConnectionLoss, SessionExpired, AuthFailed or (for a
    /// local watch removal) NoWatcher.
    case failed(ErrorCode)
    /// The caller's task was cancelled; any later reply is discarded.
    case cancelled
}

/// What the client session machine asks its runtime to do, in order.
public enum ClientSessionAction: Hashable, Sendable {
    /// Open a TCP connection to this server, then report `socketConnected` or `connectionLost`.
    case connect(to: HostAddress)
    /// Write one frame on the current connection.
    case send(ClientPacket)
    /// Close the current connection; nothing more is reported about it.
    case closeConnection
    /// Complete one caller.
    case deliver(RequestID, ClientOutcome)
    /// Hand a node event to these registrations, in registration order.
    case fire(WatchEvent, to: [WatchID])
    /// End these registrations' streams (a one-shot that fired, a removed watch, a failed
    /// registration, or every registration when the session ends).
    case endWatches([WatchID])
    /// Report a connection state change.
    case emit(ClientEvent)
}
