/// What a change to the tree means for watchers; the watch manager turns these into events.
public enum WatchTrigger: Equatable, Sendable {
    case created(path: String, acl: [ACL])
    case deleted(path: String, acl: [ACL])
    case dataChanged(path: String, acl: [ACL])
    case childrenChanged(path: String, acl: [ACL])
}

/// The in-memory znode tree (ZooKeeper's `DataTree`): a map from full path to node, the sets of
/// ephemeral, container and TTL nodes, the ACL cache and the running tree digest.
///
/// Mutations here are the "apply" step only: they assume the request was already validated by
/// preparation and report NoNode/NodeExists as thrown codes only for replay and races.
public final class DataTree {
    /// Every node by full path; the root is "/".
    public private(set) var nodes: [String: DataNode] = [:]
    /// Interned ACL lists.
    public private(set) var aclCache = ACLCache()
    /// Ephemeral paths by owning session.
    public private(set) var ephemerals: [SessionID: Set<String>] = [:]
    /// Paths of container nodes.
    public private(set) var containers: Set<String> = []
    /// Paths of TTL nodes.
    public private(set) var ttls: Set<String> = []
    /// Wrapping sum of every node's digest.
    public private(set) var digest: UInt64 = 0
    /// The last zxid applied to the tree.
    public var lastProcessedZxid: Zxid = .zero
    /// Sum of path and data lengths, as `approximate_data_size` reports.
    public private(set) var approximateDataSize: Int = 0
    /// Paths that carry a quota (from `/zookeeper/quota<path>/zookeeper_limits` nodes).
    var quotaRoots: Set<String> = []

    /// Paths of the built-in nodes.
    public static let rootPath = "/"
    public static let zookeeperPath = "/zookeeper"
    public static let quotaPath = "/zookeeper/quota"
    public static let configPath = "/zookeeper/config"

    /// Creates the tree every server starts from: `/`, `/zookeeper`, `/zookeeper/quota` and
    /// `/zookeeper/config` (read-only ACL, aversion -1), all with empty data and zero stats.
    public init() {
        insert(path: Self.rootPath, node: DataNode(data: [], aclKey: ACLCache.openUnsafeKey, stat: StatPersisted()))
        addBuiltIn(Self.zookeeperPath, under: Self.rootPath, aclKey: ACLCache.openUnsafeKey)
        addBuiltIn(Self.quotaPath, under: Self.zookeeperPath, aclKey: ACLCache.openUnsafeKey)
        let configKey = aclCache.intern(ACL.readUnsafe)
        addBuiltIn(Self.configPath, under: Self.zookeeperPath, aclKey: configKey)
        if let config = nodes[Self.configPath] { update(config, at: Self.configPath) { $0.stat.aversion = -1 } }
    }

    /// Puts an ensemble's config text in `/zookeeper/config` as ZooKeeper's
    /// `ZKDatabase.initConfigInZKDatabase` does when a member starts: data = the text, mzxid = the
    /// config's version, dataVersion -1, mtime = now. Not a txn (every member does it itself), and
    /// outside the tree digest like everything under `/zookeeper/`.
    public func setConfigNode(text: String, version: Int64, wallMs: Int64) {
        guard let node = nodes[Self.configPath] else { return }
        update(node, at: Self.configPath) {
            $0.data = Array(text.utf8)
            $0.stat.mzxid = version
            $0.stat.mtime = wallMs
            $0.stat.version = -1
        }
    }

    /// Creates a tree without any node, not even the root, for a snapshot restore to fill
    /// through `restoreACL` and `restoreNode`.
    public static func emptyForRestore() -> DataTree { DataTree(withoutNodes: ()) }

    private init(withoutNodes: Void) {}

    private func addBuiltIn(_ path: String, under parentPath: String, aclKey: Int64) {
        insert(path: path, node: DataNode(data: [], aclKey: aclKey, stat: StatPersisted()))
        if let parent = nodes[parentPath] {
            update(parent, at: parentPath) { $0.children.insert(Self.name(path)) }
        }
    }

    /// Parent of a tree path ("/" for top-level nodes and for the root itself).
    @inlinable static func parentPath(_ path: String) -> String { PathValidation.parent(of: path) ?? rootPath }

    /// Last component of a tree path.
    @inlinable static func name(_ path: String) -> String { PathValidation.lastComponent(of: path) ?? "" }

    /// Node count as ZooKeeper reports it: the root is counted twice ("" and "/").
    public var reportedNodeCount: Int { nodes.count + 1 }

    /// The node at `path`, if any.
    @inlinable public func node(at path: String) -> DataNode? { nodes[path] }

    /// The ACL list of a node.
    public func acl(of node: DataNode) -> [ACL] { aclCache.acl(for: node.aclKey) }

    // MARK: - Digest-aware mutation

    private func insert(path: String, node: DataNode) {
        nodes[path] = node
        node.digest = TreeDigest.node(path: path, data: node.data, stat: node.stat)
        digest &+= node.digest
        approximateDataSize += path.utf8.count + (node.data?.count ?? 0)
    }

    private func remove(path: String) -> DataNode? {
        guard let node = nodes.removeValue(forKey: path) else { return nil }
        digest &-= node.digest
        approximateDataSize -= path.utf8.count + (node.data?.count ?? 0)
        return node
    }

    /// Replaces a node's data without a txn (quota stats), keeping the accounting right.
    func replaceDataLocally(_ node: DataNode, at path: String, with data: [UInt8]) {
        update(node, at: path) { $0.data = data }
    }

    /// Changes a node in place, keeping the digest and the size estimate right.
    private func update(_ node: DataNode, at path: String, _ change: (DataNode) -> Void) {
        digest &-= node.digest
        approximateDataSize -= node.data?.count ?? 0
        change(node)
        node.digest = TreeDigest.node(path: path, data: node.data, stat: node.stat)
        digest &+= node.digest
        approximateDataSize += node.data?.count ?? 0
    }

    // MARK: - Apply

    /// Creates a node (ZooKeeper's `DataTree.createNode`). `parentCVersion` -1 means "current + 1".
    /// Throws `.noNode` when the parent is missing and `.nodeExists` when the path is taken.
    @discardableResult
    public func createNode(path: String, data: [UInt8]?, acl: [ACL], ephemeralOwner: Int64,
                           parentCVersion: Int32, zxid: Zxid, time: Int64,
                           triggers: inout [WatchTrigger]) throws(ErrorCode) -> DataNode {
        let parentPath = Self.parentPath(path)
        guard let parent = nodes[parentPath] else { throw .noNode }
        // The child list is not part of the digest, so it changes outside `update`.
        guard parent.children.insert(Self.name(path)).inserted else {
            // A fuzzy snapshot may already hold the node: still move the parent's counters forward.
            raiseParent(parent, at: parentPath, cversion: parentCVersion, zxid: zxid)
            throw .nodeExists
        }
        let newCVersion = parentCVersion == -1 ? parent.stat.cversion &+ 1 : parentCVersion
        if newCVersion > parent.stat.cversion {
            update(parent, at: parentPath) { p in
                p.stat.cversion = newCVersion
                p.stat.pzxid = zxid.rawValue
            }
        }
        var stat = StatPersisted()
        stat.czxid = zxid.rawValue; stat.mzxid = zxid.rawValue; stat.pzxid = zxid.rawValue
        stat.ctime = time; stat.mtime = time
        stat.ephemeralOwner = ephemeralOwner
        let node = DataNode(data: data, aclKey: aclCache.intern(acl), stat: stat)
        insert(path: path, node: node)
        track(path: path, owner: ephemeralOwner)
        quotaNodeCreated(path: path, parentPath: parentPath, dataLength: data?.count ?? 0)
        triggers.append(.created(path: path, acl: acl))
        triggers.append(.childrenChanged(path: parentPath, acl: self.acl(of: parent)))
        return node
    }

    private func raiseParent(_ parent: DataNode, at parentPath: String, cversion: Int32, zxid: Zxid) {
        guard cversion != -1, cversion > parent.stat.cversion else { return }
        update(parent, at: parentPath) { p in
            p.stat.cversion = cversion
            p.stat.pzxid = zxid.rawValue
        }
    }

    private func track(path: String, owner: Int64) {
        switch NodeKind(ephemeralOwner: owner) {
        case .persistent, nil: break
        case .ephemeral(let session): ephemerals[session, default: []].insert(path)
        case .container: containers.insert(path)
        case .ttl: ttls.insert(path)
        }
    }

    private func untrack(path: String, owner: Int64) {
        switch NodeKind(ephemeralOwner: owner) {
        case .persistent, nil: break
        case .ephemeral(let session):
            ephemerals[session]?.remove(path)
            if ephemerals[session]?.isEmpty == true { ephemerals[session] = nil }
        case .container: containers.remove(path)
        case .ttl: ttls.remove(path)
        }
    }

    /// Deletes a node (ZooKeeper's `DataTree.deleteNode`); the parent's pzxid rises even when the
    /// node is already gone, so replaying a delete twice is harmless.
    public func deleteNode(path: String, zxid: Zxid, triggers: inout [WatchTrigger]) throws(ErrorCode) {
        let parentPath = Self.parentPath(path)
        let parent = nodes[parentPath]
        guard let node = remove(path: path) else {
            if let parent, zxid.rawValue > parent.stat.pzxid {
                update(parent, at: parentPath) { $0.stat.pzxid = zxid.rawValue }
            }
            throw .noNode
        }
        let acl = self.acl(of: node)
        aclCache.release(node.aclKey)
        untrack(path: path, owner: node.stat.ephemeralOwner)
        quotaNodeDeleted(path: path, parentPath: parentPath, dataLength: node.data?.count ?? 0)
        if let parent {
            update(parent, at: parentPath) { p in
                p.children.remove(Self.name(path))
                if zxid.rawValue > p.stat.pzxid { p.stat.pzxid = zxid.rawValue }
            }
            triggers.append(.deleted(path: path, acl: acl))
            triggers.append(.childrenChanged(path: parentPath, acl: self.acl(of: parent)))
        } else {
            triggers.append(.deleted(path: path, acl: acl))
        }
    }

    /// Replaces a node's data and sets its new version (ZooKeeper's `DataTree.setData`).
    @discardableResult
    public func setData(path: String, data: [UInt8]?, version: Int32, zxid: Zxid, time: Int64,
                        triggers: inout [WatchTrigger]) throws(ErrorCode) -> DataNode {
        guard let node = nodes[path] else { throw .noNode }
        let oldLength = node.data?.count ?? 0
        update(node, at: path) { n in
            n.data = data
            n.stat.version = version
            n.stat.mzxid = zxid.rawValue
            n.stat.mtime = time
        }
        quotaDataChanged(path: path, delta: (data?.count ?? 0) - oldLength)
        triggers.append(.dataChanged(path: path, acl: acl(of: node)))
        return node
    }

    /// Replaces a node's ACL and sets its new aversion (ZooKeeper's `DataTree.setACL`).
    @discardableResult
    public func setACL(path: String, acl: [ACL], version: Int32) throws(ErrorCode) -> DataNode {
        guard let node = nodes[path] else { throw .noNode }
        aclCache.release(node.aclKey)
        let key = aclCache.intern(acl)
        update(node, at: path) { n in
            n.aclKey = key
            n.stat.aversion = version
        }
        return node
    }

    /// Number of descendants of `path` (ZooKeeper's `getAllChildrenNumber`): for "/" every node
    /// but the root, counted as ZooKeeper does from its path map.
    public func allChildrenNumber(of path: String) -> Int {
        if path == Self.rootPath { return nodes.count - 1 }
        let prefix = path + "/"
        var count = 0
        for key in nodes.keys where key.hasPrefix(prefix) { count += 1 }
        return count
    }

    /// The ephemeral paths of a session.
    public func ephemeralPaths(of session: SessionID) -> Set<String> { ephemerals[session] ?? [] }

    /// Restores one node from a snapshot, linking it under its parent when the parent is known.
    public func restoreNode(path: String, node: DataNode) {
        if let old = remove(path: path) { untrack(path: path, owner: old.stat.ephemeralOwner) }
        insert(path: path, node: node)
        aclCache.addReference(node.aclKey)
        if path != Self.rootPath, let parent = nodes[Self.parentPath(path)] {
            parent.children.insert(Self.name(path))
        }
        track(path: path, owner: node.stat.ephemeralOwner)
    }

    /// Installs an ACL list under its snapshot key.
    public func restoreACL(key: Int64, acl: [ACL]) { aclCache.restore(key: key, acl: acl) }

    /// Drops restored ACL lists no node uses (ZooKeeper's `ReferenceCountedACLCache.purgeUnused`
    /// at the end of a snapshot load).
    public func purgeUnusedACLs() { aclCache.purgeUnused() }

    /// Recomputes the digest from scratch (after a snapshot load, and in invariant checks).
    public func recomputedDigest() -> UInt64 {
        var sum: UInt64 = 0
        for (path, node) in nodes { sum &+= TreeDigest.node(path: path, data: node.data, stat: node.stat) }
        return sum
    }

    /// Checks the tree's internal agreements; called after events in debug builds.
    public func checkInvariants() {
        #if DEBUG
        for (path, node) in nodes where path != Self.rootPath {
            let parent = nodes[Self.parentPath(path)]
            precondition(parent?.children.contains(Self.name(path)) == true,
                         "node \(path) is not linked from its parent")
            _ = node
        }
        #endif
    }
}
