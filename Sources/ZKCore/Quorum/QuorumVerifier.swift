/// Which sets of servers form a quorum, and the config text ensemble members exchange
/// (ZooKeeper's `QuorumMaj` and `QuorumHierarchical`, quorum-protocol.md §9).
///
/// Majority: a set is a quorum when its voters are more than half of all voters. Hierarchical
/// (`group.N` / `weight.N`): a set is a quorum when it wins a majority of the groups that carry
/// weight, a group being won by more than half of its weight. Observers never count.
public struct QuorumVerifier: Sendable, Equatable {
    /// Every member, voters and observers, by id.
    public let members: [ServerID: QuorumServer]
    /// Hierarchical groups (`group.N=a:b:c`), keyed by group id; empty for a majority verifier.
    public let groups: [Int64: [ServerID]]
    /// Voting weights (`weight.N`); voters absent here weigh 1 (hierarchical only).
    public let weights: [ServerID: Int64]
    /// The config's version: 0 for a static config, else the zxid of the reconfig that made it.
    public let version: Int64

    /// A majority verifier over `servers`.
    public init(servers: [QuorumServer], version: Int64 = 0) {
        self.init(servers: servers, groups: [:], weights: [:], version: version)
    }

    /// A verifier over `servers`, hierarchical when `groups` is not empty.
    public init(servers: [QuorumServer], groups: [Int64: [ServerID]], weights: [ServerID: Int64], version: Int64 = 0) {
        members = Dictionary(servers.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.groups = groups
        self.weights = weights
        self.version = version
    }

    /// True for a `group.N` / `weight.N` config.
    public var isHierarchical: Bool { !groups.isEmpty }

    /// The voting members (participants with non-zero weight), sorted.
    public var votingMembers: [ServerID] {
        members.values.filter { $0.role == .participant && weight(of: $0.id) > 0 }.map(\.id).sorted()
    }

    /// The observers, sorted.
    public var observingMembers: [ServerID] {
        members.values.filter { $0.role == .observer }.map(\.id).sorted()
    }

    /// Every member id, sorted.
    public var allMembers: [ServerID] { members.keys.sorted() }

    /// True when `id` is a participant whose vote counts.
    public func isVoter(_ id: ServerID) -> Bool {
        guard let member = members[id], member.role == .participant else { return false }
        return weight(of: id) > 0
    }

    /// A voter's weight: 1 in a majority config, `weight.N` (default 1) in a hierarchical one, 0
    /// for observers, strangers and hierarchical members in no group.
    public func weight(of id: ServerID) -> Int64 {
        guard let member = members[id], member.role == .participant else { return 0 }
        guard isHierarchical else { return 1 }
        guard groups.values.contains(where: { $0.contains(id) }) else { return 0 }
        return weights[id] ?? 1
    }

    /// Whether `ids` (any servers; non-voters are ignored) form a quorum.
    public func containsQuorum(_ ids: Set<ServerID>) -> Bool {
        guard isHierarchical else {
            let voters = votingMembers
            let acked = voters.filter { ids.contains($0) }.count
            return acked > voters.count / 2
        }
        var weightedGroups = 0
        var won = 0
        for gid in groups.keys.sorted() {
            let group = groups[gid] ?? []
            let total = group.reduce(Int64(0)) { $0 + weight(of: $1) }
            guard total > 0 else { continue }
            weightedGroups += 1
            let have = group.filter { ids.contains($0) }.reduce(Int64(0)) { $0 + weight(of: $1) }
            if have > total / 2 { won += 1 }
        }
        return weightedGroups > 0 && won > weightedGroups / 2
    }

    /// The config as ZooKeeper prints it (`QuorumMaj.toString` / `QuorumHierarchical.toString`):
    /// one `server.N=` line per member, then for a hierarchical config one `group.N=` line per
    /// group and one `weight.N=` line per participant (weight 1 when none was written) and per
    /// explicitly weighted observer, then `version=<hex>`; lines joined by `\n`, no trailing newline.
    /// This is the text of `/zookeeper/config`, of NEWLEADER, of every FLE notification and of
    /// `conf`'s `membership:` part.
    ///
    /// ZooKeeper keeps all of these in `HashMap`s keyed by `Long`, so its lines come in hash-map
    /// order, and a group lists its members in that order too, not as written; `javaHashMapOrder`
    /// reproduces it (ascending for the small ids real ensembles use).
    public var configText: String {
        var lines = QuorumVerifier.javaHashMapOrder(allMembers.map(\.rawValue)).map { id in
            "server.\(id)=" + QuorumVerifier.canonical(members[ServerID(id)]!)
        }
        if isHierarchical {
            var groupOf: [Int64: Int64] = [:]
            for (gid, ids) in groups { for id in ids { groupOf[id.rawValue] = gid } }
            var memberText: [Int64: String] = [:]
            for id in QuorumVerifier.javaHashMapOrder(groupOf.keys.sorted()) {
                let gid = groupOf[id]!
                memberText[gid] = memberText[gid].map { $0 + ":\(id)" } ?? "\(id)"
            }
            for gid in QuorumVerifier.javaHashMapOrder(memberText.keys.sorted()) {
                lines.append("group.\(gid)=\(memberText[gid]!)")
            }
            var weightLines = Dictionary(uniqueKeysWithValues: weights.map { ($0.key.rawValue, $0.value) })
            for member in members.values where member.role == .participant && weightLines[member.id.rawValue] == nil {
                weightLines[member.id.rawValue] = 1
            }
            for id in QuorumVerifier.javaHashMapOrder(weightLines.keys.sorted()) {
                lines.append("weight.\(id)=\(weightLines[id]!)")
            }
        }
        lines.append("version=" + String(UInt64(bitPattern: version), radix: 16))
        return lines.joined(separator: "\n")
    }

    /// The order in which a Java `HashMap<Long, …>` holding `keys` (inserted in the given order)
    /// iterates: by bucket `(h ^ (h >>> 16)) & (capacity - 1)` with `h = Long.hashCode(key)`, the
    /// capacity being the smallest power of two from 16 up that keeps the map at most 75 % full;
    /// keys sharing a bucket keep their insertion order (a resize splits buckets stably).
    ///
    /// For ids below the capacity this is ascending order. Callers pass ascending ids as the
    /// insertion order: ZooKeeper inserts in `Properties` order, which only matters for ids that
    /// share a bucket (ids 16 apart or more).
    static func javaHashMapOrder(_ keys: [Int64]) -> [Int64] {
        var capacity = 16
        while keys.count * 4 > capacity * 3 { capacity *= 2 }
        func bucket(_ key: Int64) -> Int {
            let bits = UInt64(bitPattern: key)
            let hash = UInt32(truncatingIfNeeded: bits ^ (bits >> 32))
            return Int((hash ^ (hash >> 16)) & UInt32(capacity - 1))
        }
        return keys.enumerated()
            .sorted { (bucket($0.element), $0.offset) < (bucket($1.element), $1.offset) }
            .map(\.element)
    }

    /// A member as `QuorumServer.toString` prints it: `host:quorumPort:electionPort:role`, then
    /// `;clientHost:clientPort` when the `server.N` line named a client address.
    public static func canonical(_ server: QuorumServer) -> String {
        let host = server.address.contains(":") ? "[\(server.address)]" : server.address
        var text = "\(host):\(server.quorumPort):\(server.electionPort):\(server.role.rawValue)"
        if let client = server.clientAddress { text += ";\(client.description)" }
        return text
    }
}
