/// What an ensemble member adds to its `ServerReport`: its role, Zab phase, quorum size and, on
/// the leader, its learners, for `srvr`, `stat` and `mntr`.
///
/// Taken on the core's loop together with the rest of the report. Counterparts: ZooKeeper's
/// `QuorumPeer.getDetailedPeerState` and `getQuorumSize`, `QuorumZooKeeperServer.dumpMonitorValues`
/// and the gauges `LeaderZooKeeperServer` / `FollowerZooKeeperServer` register.
public struct QuorumReport: Sendable, Equatable {
    /// The peer's state, ZooKeeper's `QuorumPeer.ServerState` (`zk_peer_state` prints it lowercased).
    public enum PeerState: String, Sendable, Equatable {
        case looking
        case following
        case leading
        case observing
    }

    /// The Zab phase, ZooKeeper's `QuorumPeer.ZabState`; `election` is not printed.
    public enum ZabPhase: String, Sendable, Equatable {
        case election
        case discovery
        case synchronization
        case broadcast
    }

    /// How the last sync with the leader went, ZooKeeper's `QuorumPeer.SyncMode`; `none` is not printed.
    public enum SyncMode: String, Sendable, Equatable {
        case none
        case diff
        case snap
        case trunc
    }

    /// The leader's view of its learners (the gauges `LeaderZooKeeperServer.registerMetrics` adds).
    public struct LeaderReport: Sendable, Equatable {
        /// Learners connected, synced or not (`zk_learners`, `Leader.getLearners().size()`).
        public var learners: Int
        /// Voting followers in the broadcast phase (`zk_synced_followers`).
        public var syncedFollowers: Int
        /// Followers in the broadcast phase that do not vote, e.g. after a reconfig (`zk_synced_non_voting_followers`).
        public var syncedNonVotingFollowers: Int
        /// Observers in the broadcast phase (`zk_synced_observers`).
        public var syncedObservers: Int
        /// Client `sync` requests waiting for a quorum (`zk_pending_syncs`).
        public var pendingSyncs: Int
        /// Milliseconds since this leader started leading (`zk_leader_uptime`, `Leader.getUptime`).
        public var uptimeMs: Int64

        /// The leader's learner counts and uptime; zero for whatever is not given.
        public init(learners: Int = 0, syncedFollowers: Int = 0, syncedNonVotingFollowers: Int = 0,
                    syncedObservers: Int = 0, pendingSyncs: Int = 0, uptimeMs: Int64 = 0) {
            self.learners = learners
            self.syncedFollowers = syncedFollowers
            self.syncedNonVotingFollowers = syncedNonVotingFollowers
            self.syncedObservers = syncedObservers
            self.pendingSyncs = pendingSyncs
            self.uptimeMs = uptimeMs
        }
    }

    /// Looking, following, leading or observing.
    public var peerState: PeerState
    /// Where in Zab's discovery → synchronization → broadcast sequence the peer is.
    public var zabPhase: ZabPhase
    /// DIFF, SNAP or TRUNC while (and after) syncing with a leader; `none` otherwise.
    public var syncMode: SyncMode
    /// Voting members of the current config (`zk_quorum_size`, `QuorumPeer.getQuorumSize`).
    public var quorumSize: Int
    /// Present on the leader.
    public var leader: LeaderReport?
    /// A follower serving observers on `observerMasterPort`: its synced observers. Nil otherwise,
    /// and then `mntr` prints no `zk_synced_observers` for a follower (a null gauge is skipped).
    public var followerSyncedObservers: Int?
    /// An observer's current learner master, -1 while it has none (`zk_observer_master_id`).
    public var learnerMasterID: Int64

    /// A report; only the leader passes `leader`, only an observer master `followerSyncedObservers`,
    /// only an observer `learnerMasterID`.
    public init(peerState: PeerState, zabPhase: ZabPhase, syncMode: SyncMode = .none, quorumSize: Int,
                leader: LeaderReport? = nil, followerSyncedObservers: Int? = nil, learnerMasterID: Int64 = -1) {
        self.peerState = peerState
        self.zabPhase = zabPhase
        self.syncMode = syncMode
        self.quorumSize = quorumSize
        self.leader = leader
        self.followerSyncedObservers = followerSyncedObservers
        self.learnerMasterID = learnerMasterID
    }

    /// `zk_peer_state`: the state, then ` - <phase>` unless electing, then ` - <sync mode>` unless
    /// none, e.g. `leading - broadcast` or `following - synchronization - diff`
    /// (`QuorumPeer.getDetailedPeerState`).
    public var detailedPeerState: String {
        var text = peerState.rawValue
        switch zabPhase {
        case .election: break
        case .discovery, .synchronization, .broadcast: text += " - " + zabPhase.rawValue
        }
        switch syncMode {
        case .none: break
        case .diff, .snap, .trunc: text += " - " + syncMode.rawValue
        }
        return text
    }

    /// Whether the peer runs a client-facing server, i.e. the `serving:` argument of
    /// `FourLetterWordRenderer.response` (ZooKeeper's `ServerCnxn.isZKServerRunning`): a learner
    /// from UPTODATE on (Zab's broadcast phase), the leader once broadcasting and only when
    /// `leaderServes` is on (`Leader.lead` installs its server only then), never while looking.
    /// A looking peer's read-only server is the caller's to add.
    public func servesClients(leaderServes: Bool) -> Bool {
        let broadcasting: Bool
        switch zabPhase {
        case .broadcast: broadcasting = true
        case .election, .discovery, .synchronization: broadcasting = false
        }
        switch peerState {
        case .looking: return false
        case .leading: return broadcasting && leaderServes
        case .following, .observing: return broadcasting
        }
    }

    /// What `srvr`'s `Mode:` and `zk_server_state` print for this role (the `getState()` of
    /// `LeaderZooKeeperServer`, `FollowerZooKeeperServer`, `ObserverZooKeeperServer`); nil while
    /// looking, when the peer runs no such server.
    public var serverState: String? {
        switch peerState {
        case .leading: return "leader"
        case .following: return "follower"
        case .observing: return "observer"
        case .looking: return nil
        }
    }
}

/// The ensemble facts `conf` prints after `serverId` (ZooKeeper's `QuorumZooKeeperServer.dumpConf`).
public struct EnsembleInfo: Sendable, Equatable {
    /// Ticks a learner may take to connect and sync.
    public var initLimit: Int
    /// Ticks a learner may lag.
    public var syncLimit: Int
    /// Always 3 (fast leader election).
    public var electionAlg: Int
    /// This server's election port(s); several are joined by `|`.
    public var electionPorts: [Int]
    /// This server's quorum port(s); several are joined by `|`.
    public var quorumPorts: [Int]
    /// This server's role: `conf` prints the ordinal of ZooKeeper's `LearnerType` (0 participant, 1 observer).
    public var peerType: QuorumServer.Role
    /// The current config text (`QuorumVerifier.configText`), printed after `membership: `. The
    /// runtime replaces it when a reconfig commits.
    public var membership: String

    /// The `conf` facts of one ensemble member.
    public init(initLimit: Int, syncLimit: Int, electionAlg: Int = 3, electionPorts: [Int], quorumPorts: [Int],
                peerType: QuorumServer.Role, membership: String) {
        self.initLimit = initLimit
        self.syncLimit = syncLimit
        self.electionAlg = electionAlg
        self.electionPorts = electionPorts
        self.quorumPorts = quorumPorts
        self.peerType = peerType
        self.membership = membership
    }
}
