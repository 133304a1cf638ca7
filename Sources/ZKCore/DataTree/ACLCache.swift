/// Interns ACL lists so nodes share them by key, with reference counts (ZooKeeper's
/// `ReferenceCountedACLCache`).
///
/// Snapshots store the key table and each node's key, so the numbering follows ZooKeeper's: -1 is
/// the implicit open ACL of the built-in nodes, other lists get 1, 2, 3… in first-use order.
public struct ACLCache: Sendable {
    /// Key for the open ACL used by nodes created without an explicit list.
    public static let openUnsafeKey: Int64 = -1

    private(set) var lists: [Int64: [ACL]] = [:]
    private var keys: [[ACL]: Int64] = [:]
    private(set) var references: [Int64: Int] = [:]
    private(set) var lastKey: Int64 = 0
    /// The list interned last and its key: nodes mostly come in runs with the same ACL, and
    /// comparing with it (an identity check when it is the same array) skips hashing the list.
    private var recent: (acl: [ACL], key: Int64)?

    public init() {}

    /// Returns the key for `acl`, adding it if new, and counts one more reference.
    public mutating func intern(_ acl: [ACL]) -> Int64 {
        if let recent, recent.acl == acl {
            references[recent.key, default: 0] += 1
            return recent.key
        }
        if let key = keys[acl] {
            references[key, default: 0] += 1
            recent = (acl, key)
            return key
        }
        lastKey += 1
        lists[lastKey] = acl
        keys[acl] = lastKey
        references[lastKey] = 1
        recent = (acl, lastKey)
        return lastKey
    }

    /// The list stored under `key`; the open ACL for -1 or an unknown key.
    public func acl(for key: Int64) -> [ACL] {
        if key == Self.openUnsafeKey { return ACL.openUnsafe }
        return lists[key] ?? ACL.openUnsafe
    }

    /// Drops one reference to `key`, forgetting the list when none remain.
    public mutating func release(_ key: Int64) {
        guard key != Self.openUnsafeKey, let count = references[key] else { return }
        if count <= 1 {
            references[key] = nil
            if recent?.key == key { recent = nil }
            if let list = lists.removeValue(forKey: key) { keys[list] = nil }
        } else {
            references[key] = count - 1
        }
    }

    /// Installs a list under a known key (snapshot restore).
    public mutating func restore(key: Int64, acl: [ACL]) {
        if let recent, recent.key == key || recent.acl == acl { self.recent = nil }
        lists[key] = acl
        keys[acl] = key
        references[key] = references[key] ?? 0
        lastKey = max(lastKey, key)
    }

    /// Counts a reference to a restored key.
    public mutating func addReference(_ key: Int64) {
        guard key != Self.openUnsafeKey, lists[key] != nil else { return }
        references[key, default: 0] += 1
    }

    /// Forgets every list without references (after a snapshot restore).
    public mutating func purgeUnused() {
        for (key, count) in references where count <= 0 {
            references[key] = nil
            if recent?.key == key { recent = nil }
            if let list = lists.removeValue(forKey: key), keys[list] == key { keys[list] = nil }
        }
    }

    /// Number of distinct lists.
    public var count: Int { lists.count }

    /// All lists by key, in key order (for snapshots and forensics).
    public var entries: [(key: Int64, acl: [ACL])] {
        lists.keys.sorted().map { ($0, lists[$0]!) }
    }
}
