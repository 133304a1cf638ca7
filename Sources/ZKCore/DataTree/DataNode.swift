/// One znode: its data, the index of its ACL list in the tree's ACL cache, its persisted stat and
/// the names of its children (ZooKeeper's `DataNode`).
///
/// A class so the tree's path map and parent links share one copy; it never leaves the core's loop.
public final class DataNode {
    /// The node's data; nil when it was created or set with a null buffer (readers then get null back).
    public var data: [UInt8]?
    /// Key of the node's ACL list in `ACLCache` (-1 = `world:anyone:cdrwa` shared default).
    public var aclKey: Int64
    /// Stored metadata; `cversion` here counts child creates only.
    public var stat: StatPersisted
    /// Child names (not paths).
    public var children: Set<String>
    /// This node's contribution to the tree digest, kept by `DataTree` whenever it changes the node.
    public internal(set) var digest: UInt64 = 0

    public init(data: [UInt8]?, aclKey: Int64, stat: StatPersisted, children: Set<String> = []) {
        self.data = data
        self.aclKey = aclKey
        self.stat = stat
        self.children = children
    }

    /// The Stat a client sees: derived `cversion`, `dataLength` and `numChildren`, and 0 as the owner
    /// of containers and TTL nodes (ZooKeeper's `DataNode.copyStat` plus `EphemeralType` masking).
    public func clientStat() -> Stat {
        Stat(czxid: stat.czxid, mzxid: stat.mzxid, ctime: stat.ctime, mtime: stat.mtime,
             version: stat.version, cversion: stat.cversion &* 2 &- Int32(children.count),
             aversion: stat.aversion, ephemeralOwner: EphemeralOwner.clientVisibleOwner(stat.ephemeralOwner),
             dataLength: Int32(data?.count ?? 0), numChildren: Int32(children.count), pzxid: stat.pzxid)
    }
}
