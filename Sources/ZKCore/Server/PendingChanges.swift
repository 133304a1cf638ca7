import DequeModule

/// The state a path will have once every prepared-but-uncommitted txn is applied (ZooKeeper's
/// `ChangeRecord` list in `ZooKeeperServer.outstandingChanges`).
struct ChangeRecord: Equatable {
    /// Zxid of the txn that produced this view (-1 = read from the tree).
    var zxid: Int64
    var path: String
    /// nil when the pending txns delete the node.
    var stat: StatPersisted?
    var childCount: Int
    var acl: [ACL]
    var data: [UInt8]?
    /// The digest of this view (0 when deleted), filled in when the record is added.
    var digest: UInt64 = 0

    var exists: Bool { stat != nil }
}

/// Pending change records by path, newest wins, dropped once their txn is applied.
struct PendingChanges {
    private(set) var byPath: [String: ChangeRecord] = [:]
    /// Every record added, oldest first, so applied ones can be dropped without a scan.
    private var order = Deque<(zxid: Int64, path: String)>()

    /// The newest pending view of `path`, if any txn in flight touches it.
    func record(for path: String) -> ChangeRecord? { byPath[path] }

    /// Records the view a new txn leaves behind.
    mutating func add(_ record: ChangeRecord) {
        byPath[record.path] = record
        order.append((record.zxid, record.path))
    }

    /// Forgets records produced by txns up to `zxid` that nothing newer replaced.
    mutating func applied(through zxid: Zxid) {
        while let first = order.first, first.zxid <= zxid.rawValue {
            order.removeFirst()
            if byPath[first.path]?.zxid == first.zxid { byPath[first.path] = nil }
        }
    }

    /// A copy of the records of `paths`, to roll a failed multi back to.
    func saved(_ paths: [String]) -> [String: ChangeRecord?] {
        var out: [String: ChangeRecord?] = [:]
        for path in paths { out[path] = .some(byPath[path]) }
        return out
    }

    /// Restores records saved before a multi whose sub-op failed.
    mutating func restore(_ saved: [String: ChangeRecord?], dropping zxid: Int64) {
        for (path, record) in byPath where record.zxid == zxid {
            if let old = saved[path] { byPath[path] = old } else { byPath[path] = nil }
        }
    }

    var isEmpty: Bool { byPath.isEmpty }
    /// Paths pending deletion and paths of pending nodes owned by `session`.
    func ephemeralAdjustments(for session: SessionID) -> (added: [String], deleted: [String]) {
        var added: [String] = []
        var deleted: [String] = []
        for (path, record) in byPath {
            if let stat = record.stat {
                if stat.ephemeralOwner == session.rawValue { added.append(path) }
            } else {
                deleted.append(path)
            }
        }
        return (added, deleted)
    }
}
