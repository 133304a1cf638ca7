/// How a server configuration is meant to run.
public enum DeploymentMode: Sendable, Equatable {
    /// One server on its own (ZooKeeper's `ZooKeeperServerMain`).
    case standalone
    /// A member of a replicated ensemble (ZooKeeper's `QuorumPeerMain` quorum path).
    case ensemble
}

/// Compression used when writing snapshots (`zookeeper.snapshot.compression.method`, disk-format.md §5.1).
public enum SnapshotCompression: String, Sendable, Equatable {
    /// Plain stream with an Adler32 seal; ZooKeeper's default ("CHECKED", spelled as an empty value).
    case none
    case gz
    case snappy
}

/// The typed settings of a swzk server, read from zoo.cfg plus `-D` overrides.
///
/// Field names follow the zoo.cfg keys (or the Java system property without `zookeeper.`) so the
/// code can be cross-checked against ZooKeeper's `QuorumPeerConfig` and zookeeperAdmin docs; every
/// default is ZooKeeper's unless a comment says otherwise. Build one with `ServerConfig.parse`,
/// `ServerConfig.load(path:overrides:)` or `ServerConfig.embeddedDefault(dataDir:)`.
public struct ServerConfig: Sendable, Equatable {
    // MARK: Basics

    /// The basic time unit; session timeouts and quorum limits are multiples of it. ZooKeeper's code
    /// default is 3000 ms (the sample zoo.cfg says 2000).
    public var tickTime: Duration = .milliseconds(Limits.tickTimeDefaultMs)
    /// Snapshot directory (`version-2/` lives inside it); also holds `myid`. Required.
    public var dataDir: String
    /// Transaction log directory; the data directory unless set.
    public var dataLogDir: String {
        get { dataLogDirSetting ?? dataDir }
        set { dataLogDirSetting = newValue }
    }
    /// The explicit `dataLogDir`, nil when it follows `dataDir`.
    public private(set) var dataLogDirSetting: String?
    /// Client port; nil when not set (then a `server.N` client part must supply one). 0 = OS-assigned.
    public var clientPort: Int?
    /// Address the client port binds to; nil = all addresses.
    public var clientPortAddress: String?
    /// TLS client port; nil = none.
    public var secureClientPort: Int?
    /// Address the TLS client port binds to; nil = all addresses.
    public var secureClientPortAddress: String?
    /// Listen backlog of the client port; nil = the platform default (ZooKeeper's -1).
    public var clientPortListenBacklog: Int?
    /// Connections allowed from one client IP; 0 = unlimited.
    public var maxClientCnxns: Int = Limits.maxClientCnxnsDefault
    /// zoo.cfg `minSessionTimeout`; nil = 2 × tickTime (see `sessionTimeoutMin`).
    public var minSessionTimeout: Duration?
    /// zoo.cfg `maxSessionTimeout`; nil = 20 × tickTime (see `sessionTimeoutMax`).
    public var maxSessionTimeout: Duration?
    /// Requests in flight before the server stops reading from clients.
    public var globalOutstandingLimit: Int = Limits.globalOutstandingLimitDefault
    /// Four-letter words the server answers. ZooKeeper enables only `srvr` (plus `isro` in read-only mode)
    /// when `4lw.commands.whitelist` is unset; swzk deliberately defaults to `ruok srvr mntr isro`
    /// so health checks and monitoring work out of the box. `srvr` is always added, as in ZooKeeper.
    public var fourLetterWordWhitelist: Set<String> = ServerConfig.fourLetterWordsDefault
    /// The server's id from `<dataDir>/myid`; nil when the file is absent (fine for standalone).
    public var serverID: ServerID?

    // MARK: Persistence

    /// Txns logged between snapshots (randomised per disk-format.md §7); at least 2.
    public var snapCount: Int = Limits.snapCountDefault
    /// Txn log preallocation step in KiB; 0 disables preallocation.
    public var preAllocSizeKiB: Int = Limits.preAllocSizeDefaultKiB
    /// `autopurge.snapRetainCount`: snapshots kept by the purge task; values below 3 become 3.
    public var autopurgeSnapRetainCount: Int = 3
    /// `autopurge.purgeInterval`: time between purge runs; zero = purge disabled.
    public var autopurgePurgeInterval: Duration = .zero
    /// `forceSync`: fsync the txn log before acknowledging writes.
    public var forceSync: Bool = true
    /// `snapshot.compression.method`.
    public var snapshotCompression: SnapshotCompression = .none
    /// `snapshot.trust.empty`: start from txn logs alone when no snapshot exists.
    public var snapshotTrustEmpty: Bool = false

    // MARK: Threads

    /// `swzk.ioThreads` (swzk's own key): event-loop threads for client connections besides the
    /// core's. 0, the default, runs connections on the core's loop: no thread hop between a
    /// socket and the tree, which measured fastest on 2 cores (README, Performance).
    public var ioThreads: Int = 0

    // MARK: Ensemble

    /// Ticks a learner may take to connect and sync to the leader; nil = not set (required in ensembles).
    public var initLimit: Int?
    /// Ticks a learner may lag behind the leader; nil = not set (required in ensembles).
    public var syncLimit: Int?
    /// The `server.N` lines, sorted by id.
    public var servers: [QuorumServer] = []
    /// With one participant, run standalone instead of as a one-member quorum.
    public var standaloneEnabled: Bool = true
    /// Allow the `reconfig` operation.
    public var reconfigEnabled: Bool = false
    /// Sessions that live only on the server that created them.
    public var localSessionsEnabled: Bool = false
    /// Let local sessions become global when they create an ephemeral node.
    public var localSessionsUpgradingEnabled: Bool = false
    /// The role this server claims; the `server.N` list wins when they disagree.
    public var peerType: QuorumServer.Role = .participant
    /// Leader election algorithm; only 3 (fast leader election) exists.
    public var electionAlg: Int = 3
    /// Bind quorum and election ports on all addresses.
    public var quorumListenOnAllIPs: Bool = false
    /// `connectToLearnerMasterLimit`: ticks a learner may spend connecting to its leader (or
    /// observer master); nil = not set, which means `initLimit` (see `learnerConnectLimit`).
    public var connectToLearnerMasterLimit: Int?
    /// Hierarchical quorum groups (`group.N=a:b:c`) by group id; empty for a majority quorum.
    public var groups: [Int64: [ServerID]] = [:]
    /// Voting weights (`weight.N=w`) as written; participants without one weigh 1 in a hierarchical quorum.
    public var weights: [ServerID: Int64] = [:]
    /// `cnxTimeout` (ZooKeeper's `zookeeper.cnxTimeout`): election-port connect timeout; zero = none.
    public var cnxTimeout: Duration = .milliseconds(Limits.electionConnectTimeoutMsDefault)
    /// `electionPortBindRetry`: attempts to bind the election port before giving up; 0 = forever.
    public var electionPortBindRetry: Int = Limits.electionPortBindRetryDefault
    /// `commitLogCount`: committed proposals kept in memory for DIFF syncs; at least 500.
    public var commitLogCount: Int = Limits.commitLogCountMin
    /// `snapshotSizeFactor`: the largest txn-log DIFF, as a fraction of the newest snapshot's
    /// size; negative disables DIFFs read from the txn logs.
    public var snapshotSizeFactor: Double = Limits.snapshotSizeFactorDefault
    /// `leaderServes`: the leader accepts client connections.
    public var leaderServes: Bool = true
    /// `fastleader.minNotificationInterval`: first wait for election notifications.
    public var minNotificationInterval: Duration = .milliseconds(Limits.minNotificationIntervalMsDefault)
    /// `fastleader.maxNotificationInterval`: longest wait for election notifications.
    public var maxNotificationInterval: Duration = .milliseconds(Limits.maxNotificationIntervalMsDefault)
    /// `leader.maxConcurrentSnapSyncs`: snapshot syncs to observers at once.
    public var maxConcurrentSnapSyncs: Int = Limits.maxConcurrentSnapSyncsDefault
    /// `leader.maxConcurrentDiffSyncs`: DIFF syncs to observers at once.
    public var maxConcurrentDiffSyncs: Int = Limits.maxConcurrentDiffSyncsDefault

    // MARK: Features (Java system properties exported from zoo.cfg)

    /// `extendedTypesEnabled`: TTL nodes (client-protocol.md §7).
    public var extendedTypesEnabled: Bool = false
    /// `DigestAuthenticationProvider.superDigest`: `super:<base64 sha1>` granting full access.
    public var superDigest: String?
    /// `readonlymode.enabled`: serve read-only clients when out of quorum.
    public var readOnlyModeEnabled: Bool = false
    /// `jute.maxbuffer`: largest frame accepted from a peer, in bytes.
    public var juteMaxBuffer: Int = Limits.juteMaxBufferDefault
    /// `skipACL`: skip every ACL check.
    public var skipACL: Bool = false
    /// `enforceQuota`: reject writes beyond hard quotas.
    public var enforceQuota: Bool = false
    /// `digest.enabled`: maintain and log the tree digest.
    public var digestEnabled: Bool = true
    /// `closeSessionTxn.enabled`: closeSession txns list the ephemerals they delete.
    public var closeSessionTxnEnabled: Bool = true
    /// `znode.container.checkIntervalMs`: period of the container and TTL reaper.
    public var containerCheckInterval: Duration = .milliseconds(Limits.containerCheckIntervalMsDefault)
    /// `znode.container.maxPerMinute`: reaper deletions per minute.
    public var containerMaxPerMinute: Int = Limits.containerMaxPerMinuteDefault
    /// `znode.container.maxNeverUsedIntervalMs`: also reap never-used containers this old; zero = off.
    public var containerMaxNeverUsedInterval: Duration = .zero
    /// `nio.sessionlessCnxnTimeout`: drop connections that send no ConnectRequest for this long.
    public var sessionlessConnectionTimeout: Duration = .milliseconds(Limits.sessionlessConnectionTimeoutMs)
    /// `admin.enableServer`: kept for fidelity; swzk has no admin HTTP server yet.
    public var adminServerEnabled: Bool = true
    /// `admin.serverPort`: kept for fidelity; swzk has no admin HTTP server yet.
    public var adminServerPort: Int = 8080

    /// A configuration with ZooKeeper's defaults and the given data directory.
    public init(dataDir: String) {
        self.dataDir = dataDir
    }

    // MARK: - Derived values

    /// The smallest session timeout granted: `minSessionTimeout`, else 2 × tickTime.
    public var sessionTimeoutMin: Duration { minSessionTimeout ?? tickTime * 2 }
    /// The largest session timeout granted: `maxSessionTimeout`, else 20 × tickTime.
    public var sessionTimeoutMax: Duration { maxSessionTimeout ?? tickTime * 20 }

    /// Ticks a learner may spend connecting to its leader: `connectToLearnerMasterLimit`, else
    /// `initLimit` (ZooKeeper's `QuorumPeer.getConnectToLearnerMasterLimit` treats 0 the same way).
    public var learnerConnectLimit: Int? { connectToLearnerMasterLimit ?? initLimit }

    /// The quorum rule of the `server.N` (and `group.N` / `weight.N`) lines, version 0 as for any
    /// static config (ZooKeeper's `QuorumPeerConfig.quorumVerifier`, built by `parseDynamicConfig`).
    public var quorumVerifier: QuorumVerifier {
        QuorumVerifier(servers: servers, groups: groups, weights: weights, version: 0)
    }

    /// Standalone when there are no `server.N` lines, or when `standaloneEnabled` is on and the only
    /// line is a participant that is this server.
    ///
    /// ZooKeeper (`QuorumPeerConfig.isDistributed`) runs one participant standalone whatever `myid`
    /// says; swzk agrees when `myid` is absent, but a `myid` naming another server means the lines
    /// describe other servers, so that is an ensemble.
    public var mode: DeploymentMode {
        guard let only = servers.first else { return .standalone }
        guard standaloneEnabled, servers.count == 1, only.role == .participant else { return .ensemble }
        if let serverID, serverID != only.id { return .ensemble }
        return .standalone
    }

    /// `<dataDir>/myid`, where an ensemble member finds its server id.
    public var myidPath: String {
        dataDir.hasSuffix("/") ? dataDir + "myid" : dataDir + "/myid"
    }

    /// This server's own `server.N` entry, when `myid` names one (or the single entry in standalone mode).
    public var ownServer: QuorumServer? {
        if let serverID { return servers.first { $0.id == serverID } }
        return mode == .standalone ? servers.first : nil
    }

    /// Where clients connect: the client part of this server's `server.N` line, which ZooKeeper lets
    /// override `clientPort`, else `clientPortAddress:clientPort` (all addresses when no address is set).
    public var clientEndpoint: HostPort? {
        if let address = ownServer?.clientAddress { return address }
        guard let clientPort else { return nil }
        return HostPort(host: clientPortAddress ?? "0.0.0.0", port: clientPort)
    }

    // MARK: - Defaults

    /// Every four-letter word ZooKeeper knows, what `4lw.commands.whitelist=*` enables.
    public static let fourLetterWordsAll: Set<String> = [
        "conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk", "srst", "srvr", "stat",
        "wchc", "wchp", "wchs", "mntr", "isro", "hash",
    ]
    /// swzk's whitelist when `4lw.commands.whitelist` is unset (ZooKeeper's is just `srvr`); see the field.
    public static let fourLetterWordsDefault: Set<String> = ["ruok", "srvr", "mntr", "isro"]

    /// The configuration swzk runs with when no zoo.cfg is given: standalone on 127.0.0.1:2181 with
    /// the tick and limits of ZooKeeper's `conf/zoo_sample.cfg`.
    public static func embeddedDefault(dataDir: String) -> ServerConfig {
        var config = ServerConfig(dataDir: dataDir)
        config.tickTime = .milliseconds(2000)
        config.initLimit = 10
        config.syncLimit = 5
        config.clientPort = 2181
        config.clientPortAddress = "127.0.0.1"
        return config
    }

    /// The data directory proposed when the user names none: `$XDG_DATA_HOME/swzk/data`, or
    /// `$HOME/.local/share/swzk/data` when XDG_DATA_HOME is unset, empty or relative (the XDG base
    /// directory rules). Nil when neither variable gives an absolute path. Pure: pass the environment.
    public static func defaultDataDirectory(environment: [String: String]) -> String? {
        func absolute(_ value: String?) -> String? {
            guard let value, value.hasPrefix("/") else { return nil }
            var path = value
            while path.count > 1, path.hasSuffix("/") { path.removeLast() }
            return path == "/" ? "" : path
        }
        if let dataHome = absolute(environment["XDG_DATA_HOME"]) { return dataHome + "/swzk/data" }
        if let home = absolute(environment["HOME"]) { return home + "/.local/share/swzk/data" }
        return nil
    }
}
