/// Quota accounting (ZooKeeper's `DataTree` quota trie and `StatsTrack` text).
///
/// A node `/zookeeper/quota<path>/zookeeper_limits` puts a quota on `<path>`; its sibling
/// `zookeeper_stats` holds `count=<n>,bytes=<n>` for the subtree, which the server rewrites in
/// place, without a txn, on every create, delete and setData below the quota root. The tree
/// digest skips `/zookeeper/`, so these local rewrites never disturb replica agreement.
extension DataTree {
    static let quotaLimitNode = "zookeeper_limits"
    static let quotaStatNode = "zookeeper_stats"

    /// Called after a node was created: registers quotas and counts the node against its quota.
    func quotaNodeCreated(path: String, parentPath: String, dataLength: Int) {
        if parentPath.hasPrefix(Self.quotaPath + "/") {
            let quotaRoot = String(parentPath.dropFirst(Self.quotaPath.count))
            switch Self.name(path) {
            case Self.quotaLimitNode: quotaRoots.insert(quotaRoot)
            case Self.quotaStatNode: recountQuota(for: quotaRoot)
            default: break
            }
        }
        if let root = quotaRoot(of: path) { addToQuota(root, count: 1, bytes: dataLength) }
    }

    /// Called after a node was deleted.
    func quotaNodeDeleted(path: String, parentPath: String, dataLength: Int) {
        if parentPath.hasPrefix(Self.quotaPath + "/"), Self.name(path) == Self.quotaLimitNode {
            quotaRoots.remove(String(parentPath.dropFirst(Self.quotaPath.count)))
        }
        if let root = quotaRoot(of: path) { addToQuota(root, count: -1, bytes: -dataLength) }
    }

    /// Called after a node's data changed length.
    func quotaDataChanged(path: String, delta: Int) {
        if delta != 0, let root = quotaRoot(of: path) { addToQuota(root, count: 0, bytes: delta) }
    }

    /// The deepest path with a quota that is `path` or one of its ancestors (never "/").
    func quotaRoot(of path: String) -> String? {
        guard !quotaRoots.isEmpty else { return nil }
        var best: String?
        for root in quotaRoots where root != "/" && (path == root || path.hasPrefix(root + "/")) {
            if best == nil || root.utf8.count > best!.utf8.count { best = root }
        }
        return best
    }

    /// Rewrites the stats node of `root` from a full count of its subtree.
    func recountQuota(for root: String) {
        var count = 0
        var bytes = 0
        let prefix = root + "/"
        for (path, node) in nodes where path == root || path.hasPrefix(prefix) {
            count += 1
            bytes += node.data?.count ?? 0
        }
        writeQuotaStats(root, count: count, bytes: bytes)
    }

    /// Recounts every quota (after a snapshot restore).
    func recountAllQuotas() {
        quotaRoots = []
        let suffix = "/" + Self.quotaLimitNode
        for path in nodes.keys where path.hasPrefix(Self.quotaPath + "/") && path.hasSuffix(suffix) {
            quotaRoots.insert(String(path.dropFirst(Self.quotaPath.count).dropLast(suffix.count)))
        }
        for root in quotaRoots { recountQuota(for: root) }
    }

    private func addToQuota(_ root: String, count: Int, bytes: Int) {
        guard let node = nodes[Self.quotaPath + root + "/" + Self.quotaStatNode] else { return }
        let current = QuotaStats(text: String(decoding: node.data ?? [], as: UTF8.self))
        writeQuotaStats(root, count: current.count + count, bytes: current.bytes + bytes)
    }

    private func writeQuotaStats(_ root: String, count: Int, bytes: Int) {
        let path = Self.quotaPath + root + "/" + Self.quotaStatNode
        guard let node = nodes[path] else { return }
        replaceDataLocally(node, at: path, with: Array(QuotaStats(count: count, bytes: bytes).text.utf8))
    }
}

/// `count=<n>,bytes=<n>` as ZooKeeper's `StatsTrack` reads and writes it.
struct QuotaStats: Equatable {
    var count: Int
    var bytes: Int

    init(count: Int, bytes: Int) { self.count = count; self.bytes = bytes }

    /// Parses `key=value` pairs separated by `,` or `;`; a missing or empty value is -1.
    init(text: String) {
        var values: [String: Int] = [:]
        for pair in text.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            values[String(parts[0])] = Int(parts[1]) ?? -1
        }
        count = values["count"] ?? -1
        bytes = values["bytes"] ?? -1
    }

    var text: String { "count=\(count),bytes=\(bytes)" }
}
