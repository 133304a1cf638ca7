/// What a quorum peer is doing, as its ordinal travels in every election notification
/// (ZooKeeper's `QuorumPeer.ServerState`, quorum-protocol.md §3).
///
/// The raw values are the wire values; a peer reporting anything else is dropped by
/// `Notification.decode`.
public enum ServerState: Int32, Sendable, CustomStringConvertible {
    /// Running leader election.
    case looking = 0
    /// A participant synced to (or syncing with) a leader.
    case following = 1
    /// The elected leader.
    case leading = 2
    /// A non-voting learner.
    case observing = 3

    /// The upper-case name ZooKeeper logs (`LOOKING`, `FOLLOWING`, …).
    public var description: String {
        switch self {
        case .looking: return "LOOKING"
        case .following: return "FOLLOWING"
        case .leading: return "LEADING"
        case .observing: return "OBSERVING"
        }
    }
}

/// One server's opinion of who should lead: the proposed leader and the state it is proposed with
/// (ZooKeeper's `Vote`).
///
/// `Hashable` compares every field exactly, which is what tests and the machine's own bookkeeping
/// want. The looser agreement rule ZooKeeper's `Vote.equals` applies to votes of servers already
/// out of the election lives in `Election` (it needs the sender's message format version, which a
/// vote does not carry). `Vote` is deliberately not `Comparable`: its order (`isBetter`) looks at
/// three of the five fields only and depends on weights, so it could not agree with `==`.
public struct Vote: Hashable, Sendable, CustomStringConvertible {
    /// The proposed leader's sid; `Int64.min` for the initial vote of a server that cannot vote.
    public var leader: Int64
    /// The proposed leader's last logged zxid (`Int64.min` in an observer's initial vote).
    public var zxid: Int64
    /// The round (logical clock) the vote was cast in.
    public var electionEpoch: Int64
    /// The proposed leader's current epoch (`Int64.min` in an observer's initial vote).
    public var peerEpoch: Int64
    /// The state of the server holding the vote.
    public var state: ServerState

    /// A vote; `state` defaults to LOOKING as ZooKeeper's four-argument constructor does.
    public init(leader: Int64, zxid: Int64, electionEpoch: Int64, peerEpoch: Int64, state: ServerState = .looking) {
        self.leader = leader
        self.zxid = zxid
        self.electionEpoch = electionEpoch
        self.peerEpoch = peerEpoch
        self.state = state
    }

    /// The vote a notification carries, with the sender's state.
    public init(_ n: Notification) {
        self.init(leader: n.leader, zxid: n.zxid, electionEpoch: n.electionEpoch, peerEpoch: n.peerEpoch, state: n.state)
    }

    /// True when a candidate `(leader, zxid, peerEpoch)` should replace `current` (ZooKeeper's
    /// `FastLeaderElection.totalOrderPredicate`, quorum-protocol.md §5.2).
    ///
    /// A candidate with weight 0 (observer, stranger, hierarchical member in no group) never wins;
    /// otherwise the higher peer epoch wins, then the higher zxid, then the higher sid. Epoch comes
    /// first so that a server which missed a whole epoch cannot win on a long tail of old txns.
    public static func isBetter(
        leader: Int64, zxid: Int64, peerEpoch: Int64,
        than current: (leader: Int64, zxid: Int64, peerEpoch: Int64),
        weight: (ServerID) -> Int64
    ) -> Bool {
        if weight(ServerID(leader)) == 0 { return false }
        if peerEpoch != current.peerEpoch { return peerEpoch > current.peerEpoch }
        if zxid != current.zxid { return zxid > current.zxid }
        return leader > current.leader
    }

    /// True when this vote's candidate should replace `other`'s (see the static `isBetter`);
    /// round and state play no part.
    public func isBetter(than other: Vote, weight: (ServerID) -> Int64) -> Bool {
        Vote.isBetter(leader: leader, zxid: zxid, peerEpoch: peerEpoch,
                      than: (other.leader, other.zxid, other.peerEpoch), weight: weight)
    }

    /// The vote as ZooKeeper prints it in logs: `(leader, zxid hex, peerEpoch hex)`, plus the round.
    public var description: String {
        let zxidHex = String(UInt64(bitPattern: zxid), radix: 16)
        let epochHex = String(UInt64(bitPattern: peerEpoch), radix: 16)
        let roundHex = String(UInt64(bitPattern: electionEpoch), radix: 16)
        return "(\(leader), 0x\(zxidHex), 0x\(epochHex), round 0x\(roundHex), \(state))"
    }
}
