/// Identifies one client connection inside the core; assigned by the runtime.
public struct ConnectionID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: ConnectionID, b: ConnectionID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "conn#\(rawValue)" }
}

/// How a watch behaves when it fires (ZooKeeper's `WatcherMode`).
public enum WatcherMode: Sendable, Equatable {
    /// Fires once, then is removed.
    case standard
    /// Fires on every change of its own path until removed.
    case persistent
    /// Fires on every create, delete and data change at or below its path (never on child lists).
    case persistentRecursive
}

/// One table of watches (data or child): path → connection → mode, with the reverse index.
///
/// As in 3.8, a connection holds one mode per path per table: the last registration wins.
public struct WatchTable: Sendable {
    private(set) var byPath: [String: [ConnectionID: WatcherMode]] = [:]
    private(set) var byConnection: [ConnectionID: Set<String>] = [:]
    private var recursiveCount = 0

    public init() {}

    /// Registers (or replaces) the watch of `connection` on `path`.
    public mutating func add(path: String, connection: ConnectionID, mode: WatcherMode) {
        let old = byPath[path, default: [:]].updateValue(mode, forKey: connection)
        if old == .persistentRecursive { recursiveCount -= 1 }
        if mode == .persistentRecursive { recursiveCount += 1 }
        byConnection[connection, default: []].insert(path)
    }

    /// Removes the watch of `connection` on `path`; returns its mode if there was one.
    @discardableResult
    public mutating func remove(path: String, connection: ConnectionID) -> WatcherMode? {
        guard let mode = byPath[path]?.removeValue(forKey: connection) else { return nil }
        if byPath[path]?.isEmpty == true { byPath[path] = nil }
        if mode == .persistentRecursive { recursiveCount -= 1 }
        byConnection[connection]?.remove(path)
        if byConnection[connection]?.isEmpty == true { byConnection[connection] = nil }
        return mode
    }

    /// The mode of `connection`'s watch on `path`.
    public func mode(path: String, connection: ConnectionID) -> WatcherMode? { byPath[path]?[connection] }

    /// Drops every watch of a closed connection.
    public mutating func removeConnection(_ connection: ConnectionID) {
        guard let paths = byConnection.removeValue(forKey: connection) else { return }
        for path in paths {
            if byPath[path]?.removeValue(forKey: connection) == .persistentRecursive { recursiveCount -= 1 }
            if byPath[path]?.isEmpty == true { byPath[path] = nil }
        }
    }

    /// The connections to notify of `type` at `path`, consuming one-shot watches (ZooKeeper's
    /// `WatchManager.triggerWatch`). Ancestors are visited only while recursive watches exist;
    /// recursive watches never see NodeChildrenChanged and plain watches only fire on their own path.
    public mutating func trigger(path: String, type: EventType) -> [ConnectionID] {
        var result: [ConnectionID] = []
        var seen: Set<ConnectionID> = []
        var current = path
        var atOwnPath = true
        while true {
            if let watchers = byPath[current] {
                var consumed: [ConnectionID] = []
                for (connection, mode) in watchers.sorted(by: { $0.key < $1.key }) {
                    switch mode {
                    case .persistentRecursive:
                        if type != .nodeChildrenChanged, seen.insert(connection).inserted { result.append(connection) }
                    case .persistent:
                        if atOwnPath, seen.insert(connection).inserted { result.append(connection) }
                    case .standard:
                        if atOwnPath {
                            if seen.insert(connection).inserted { result.append(connection) }
                            consumed.append(connection)
                        }
                    }
                }
                for connection in consumed { remove(path: current, connection: connection) }
            }
            if recursiveCount == 0 || current == "/" { break }
            current = DataTree.parentPath(current)
            atOwnPath = false
        }
        return result
    }

    /// Number of (connection, path) watches.
    public var watchCount: Int { byConnection.values.reduce(0) { $0 + $1.count } }
    /// Number of watched paths.
    public var pathCount: Int { byPath.count }
    /// Number of connections with at least one watch.
    public var connectionCount: Int { byConnection.count }
    /// Paths watched per connection (for `wchc`).
    public var pathsByConnection: [ConnectionID: Set<String>] { byConnection }
    /// Connections watching each path (for `wchp`).
    public var connectionsByPath: [String: [ConnectionID]] { byPath.mapValues { Array($0.keys).sorted() } }
}

/// The data and child watch tables together, with the 3.8 trigger rules of `DataTree`.
public struct WatchManager: Sendable {
    public private(set) var data = WatchTable()
    public private(set) var child = WatchTable()

    public init() {}

    /// A one-shot data (or exist) watch.
    public mutating func addDataWatch(path: String, connection: ConnectionID) {
        data.add(path: path, connection: connection, mode: .standard)
    }

    /// A one-shot child watch.
    public mutating func addChildWatch(path: String, connection: ConnectionID) {
        child.add(path: path, connection: connection, mode: .standard)
    }

    /// addWatch: 3.8 puts both persistent modes in both tables.
    public mutating func addPersistentWatch(path: String, connection: ConnectionID, recursive: Bool) {
        let mode: WatcherMode = recursive ? .persistentRecursive : .persistent
        data.add(path: path, connection: connection, mode: mode)
        child.add(path: path, connection: connection, mode: mode)
    }

    /// Forgets a closed connection.
    public mutating func removeConnection(_ connection: ConnectionID) {
        data.removeConnection(connection)
        child.removeConnection(connection)
    }

    /// Whether a checkWatches/removeWatches of `type` (1 children, 2 data, 3 any) finds a watch.
    public func hasWatch(path: String, connection: ConnectionID, type: Int32) -> Bool {
        switch type {
        case 1: return child.mode(path: path, connection: connection) != nil
        case 2: return data.mode(path: path, connection: connection) != nil
        default:
            return child.mode(path: path, connection: connection) != nil
                || data.mode(path: path, connection: connection) != nil
        }
    }

    /// removeWatches of `type` (1 children, 2 data, 3 any); true when something was removed.
    public mutating func removeWatch(path: String, connection: ConnectionID, type: Int32) -> Bool {
        var removed = false
        if type == 1 || type == 3 { removed = child.remove(path: path, connection: connection) != nil || removed }
        if type == 2 || type == 3 { removed = data.remove(path: path, connection: connection) != nil || removed }
        return removed
    }

    /// The events a tree change produces, in delivery order, each with its recipients and the ACL
    /// that decides whether a recipient may see it.
    public mutating func events(for trigger: WatchTrigger) -> [(event: WatcherEvent, acl: [ACL], to: [ConnectionID])] {
        switch trigger {
        case let .created(path, acl):
            return [(event(.nodeCreated, path), acl, data.trigger(path: path, type: .nodeCreated))]
        case let .dataChanged(path, acl):
            return [(event(.nodeDataChanged, path), acl, data.trigger(path: path, type: .nodeDataChanged))]
        case let .childrenChanged(path, acl):
            return [(event(.nodeChildrenChanged, path), acl, child.trigger(path: path, type: .nodeChildrenChanged))]
        case let .deleted(path, acl):
            let fromData = data.trigger(path: path, type: .nodeDeleted)
            let seen = Set(fromData)
            let fromChild = child.trigger(path: path, type: .nodeDeleted).filter { !seen.contains($0) }
            return [(event(.nodeDeleted, path), acl, fromData + fromChild)]
        }
    }

    private func event(_ type: EventType, _ path: String) -> WatcherEvent {
        WatcherEvent(type: type, state: .syncConnected, path: path)
    }

    /// Total watches in both tables (`zk_watch_count`).
    public var totalWatchCount: Int { data.watchCount + child.watchCount }
}
