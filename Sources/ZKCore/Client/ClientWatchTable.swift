/// The client's registered watches, keyed by server path (chroot included), one table per kind.
///
/// The counterpart of ZooKeeper's `ZKWatchManager`: `materialize` picks who hears a notification
/// and consumes the one-shot registrations it fires, and `setWatches` lists every path to re-arm
/// after a reconnect. Each registration is its own stream, so two `getData(watch: true)` calls on
/// one path are two registrations that both fire (Java dedups per watcher object instead).
public struct ClientWatchTable: Hashable, Sendable {
    private var tables: [WatchKind: [String: [WatchID]]] = [:]
    private var registrations: [WatchID: Registration] = [:]

    /// One registration: what it listens to and where.
    public struct Registration: Hashable, Sendable {
        public var kind: WatchKind
        public var path: String
    }

    public init() {}

    /// Number of live registrations.
    public var count: Int { registrations.count }
    public var isEmpty: Bool { registrations.isEmpty }

    /// The registration `id` names, if it is live.
    public func registration(_ id: WatchID) -> Registration? { registrations[id] }

    /// Adds registration `id` of `kind` on server path `path`.
    public mutating func add(_ id: WatchID, kind: WatchKind, path: String) {
        guard registrations[id] == nil else { return }
        registrations[id] = Registration(kind: kind, path: path)
        tables[kind, default: [:]][path, default: []].append(id)
    }

    /// Drops registration `id`; returns what it was.
    @discardableResult
    public mutating func remove(_ id: WatchID) -> Registration? {
        guard let registration = registrations.removeValue(forKey: id) else { return nil }
        var ids = tables[registration.kind]?[registration.path] ?? []
        ids.removeAll { $0 == id }
        tables[registration.kind]?[registration.path] = ids.isEmpty ? nil : ids
        return registration
    }

    /// Drops every registration; returns their ids in order.
    public mutating func removeAll() -> [WatchID] {
        let ids = registrations.keys.sorted()
        registrations = [:]
        tables = [:]
        return ids
    }

    /// The registrations a notification reaches, in registration order, and the one-shots it consumed.
    ///
    /// As `ZKWatchManager.materialize`: created/data-changed reach data and exist watches; a child
    /// change reaches child watches; a deletion reaches all three; persistent watches of the path
    /// hear everything; recursive watches of the path or an ancestor hear everything but child changes.
    public mutating func materialize(type: EventType, path: String) -> (fired: [WatchID], consumed: [WatchID]) {
        var consumed: [WatchID] = []
        var kept: [WatchID] = []
        func take(_ kind: WatchKind) {
            guard let ids = tables[kind]?.removeValue(forKey: path) else { return }
            for id in ids { registrations[id] = nil }
            consumed += ids
        }
        switch type {
        case .nodeCreated, .nodeDataChanged:
            take(.data); take(.exist)
        case .nodeChildrenChanged:
            take(.child)
        case .nodeDeleted:
            take(.data); take(.exist); take(.child)
        default:
            return ([], [])
        }
        kept += tables[.persistent]?[path] ?? []
        if type != .nodeChildrenChanged {
            for ancestor in Self.selfAndAncestors(of: path) {
                kept += tables[.persistentRecursive]?[ancestor] ?? []
            }
        }
        return ((consumed + kept).sorted(), consumed.sorted())
    }

    /// Registrations on `path` that a removal of `type` addresses, as `ZKWatchManager.removeWatcher`
    /// groups them: data covers data and exist, any covers every kind.
    public func matching(path: String, type: WatcherType) -> [WatchID] {
        Self.kinds(for: type).flatMap { tables[$0]?[path] ?? [] }.sorted()
    }

    /// The kinds a `WatcherType` names.
    public static func kinds(for type: WatcherType) -> [WatchKind] {
        switch type {
        case .children: return [.child]
        case .data: return [.data, .exist]
        case .persistent: return [.persistent]
        case .persistentRecursive: return [.persistentRecursive]
        default: return WatchKind.allCases
        }
    }

    /// SetWatches (or SetWatches2 when a batch holds persistent watches) requests re-arming every
    /// registered path, in batches of about `maxChars` path characters, as `ClientCnxn.primeConnection`.
    public func setWatchesRequests(relativeZxid: Int64, maxChars: Int = Limits.clientSetWatchesBatchChars) -> [ClientRequest] {
        var queue: [(WatchKind, String)] = []
        for kind in WatchKind.allCases {
            for path in (tables[kind] ?? [:]).keys.sorted() { queue.append((kind, path)) }
        }
        var requests: [ClientRequest] = []
        var index = 0
        while index < queue.count {
            var batch: [WatchKind: [String]] = [:]
            var length = 0
            while index < queue.count && length < maxChars {
                let (kind, path) = queue[index]
                batch[kind, default: []].append(path)
                length += path.utf16.count
                index += 1
            }
            let persistent = batch[.persistent] ?? [], recursive = batch[.persistentRecursive] ?? []
            if persistent.isEmpty && recursive.isEmpty {
                requests.append(.setWatches(SetWatches(
                    relativeZxid: relativeZxid, dataWatches: batch[.data] ?? [], existWatches: batch[.exist] ?? [],
                    childWatches: batch[.child] ?? [])))
            } else {
                requests.append(.setWatches2(SetWatches2(
                    relativeZxid: relativeZxid, dataWatches: batch[.data] ?? [], existWatches: batch[.exist] ?? [],
                    childWatches: batch[.child] ?? [], persistentWatches: persistent,
                    persistentRecursiveWatches: recursive)))
            }
        }
        return requests
    }

    /// `path`, its parent, and so on up to `/`.
    static func selfAndAncestors(of path: String) -> [String] {
        var out = [path]
        var current = path
        while current != "/", let parent = PathValidation.parent(of: current) {
            out.append(parent)
            current = parent
        }
        return out
    }

    /// Every table entry points at a live registration of its kind and path, and back.
    public func checkInvariants() {
        var seen = 0
        for (kind, byPath) in tables {
            for (path, ids) in byPath {
                precondition(!ids.isEmpty, "empty watch list left for \(path)")
                for id in ids {
                    precondition(registrations[id] == Registration(kind: kind, path: path), "watch \(id) out of sync")
                    seen += 1
                }
            }
        }
        precondition(seen == registrations.count, "watch registrations and tables disagree")
    }
}
