/// Facts about the server that do not change while it runs, for `conf`, `envi`, `srvr` and `mntr`.
public struct ServerInfo: Sendable, Equatable {
    /// The version line (`Zookeeper version: …`), ZooKeeper-shaped so tools that parse it keep working.
    public var version = "3.8.4-swzk, built on 2026-11-22 00:00 UTC"
    public var clientPort: Int = 2181
    public var secureClientPort: Int = -1
    /// Snapshot directory including `/version-2`.
    public var dataDir = ""
    /// Log directory including `/version-2`.
    public var dataLogDir = ""
    public var tickTimeMs: Int = 2000
    public var maxClientCnxns: Int = 60
    public var minSessionTimeoutMs: Int = 4000
    public var maxSessionTimeoutMs: Int = 40000
    public var clientPortListenBacklog: Int = -1
    /// 0 for a standalone server.
    public var serverId: Int64 = 0
    /// `envi` lines after `zookeeper.version`, in order (host.name, os.name, …).
    public var environment: [(String, String)] = []
    /// Words allowed by `4lw.commands.whitelist`.
    public var fourLetterWordWhitelist: Set<String> = ["ruok", "srvr", "mntr", "isro"]
    /// The ensemble part of `conf`; nil for a standalone server.
    public var ensemble: EnsembleInfo?

    public init() {}

    public static func == (a: ServerInfo, b: ServerInfo) -> Bool {
        a.version == b.version && a.clientPort == b.clientPort && a.dataDir == b.dataDir
            && a.dataLogDir == b.dataLogDir && a.tickTimeMs == b.tickTimeMs && a.serverId == b.serverId
            && a.environment.map { $0.0 + "=" + $0.1 } == b.environment.map { $0.0 + "=" + $0.1 }
            && a.fourLetterWordWhitelist == b.fourLetterWordWhitelist && a.ensemble == b.ensemble
    }
}

/// One client connection as `cons`, `stat` and `dump` show it.
public struct ConnectionReport: Sendable, Equatable {
    public var address: String
    public var port: Int
    /// Selector interest ops in ZooKeeper's terms: 1 while reading, 0 when paused.
    public var interestOps: Int
    /// Requests received and not yet answered.
    public var queued: Int
    public var received: Int64
    public var sent: Int64
    /// nil before the handshake completed.
    public var session: SessionID?
    public var lastOp: String
    /// Epoch ms when the connection was accepted.
    public var establishedWallMs: Int64
    public var timeoutMs: Int32
    /// -1 when no request with a non-negative xid was answered yet.
    public var lastCxid: Int32
    public var lastZxid: Int64
    /// Monotonic ms of the last response (ZooKeeper prints `Time.currentElapsedTime()` here).
    public var lastResponseMs: Int64
    public var lastLatencyMs: Int64
    public var minLatencyMs: Int64
    public var avgLatencyMs: Int64
    public var maxLatencyMs: Int64
}

/// A consistent picture of the running server, taken on the core's loop and rendered elsewhere.
public struct ServerReport: Sendable, Equatable {
    /// `standalone` or `read-only`; an ensemble member's role comes from `quorum` (see `serverState`).
    public var mode = "standalone"
    /// The ensemble member's part of the report; nil for a standalone server.
    public var quorum: QuorumReport?
    public var lastZxid: Zxid = .zero
    /// Node count as ZooKeeper reports it (root counted twice).
    public var nodeCount = 0
    public var minLatencyMs: Int64 = 0
    public var avgLatencyMs: Double = 0
    public var maxLatencyMs: Int64 = 0
    public var packetsReceived: Int64 = 0
    public var packetsSent: Int64 = 0
    public var outstandingRequests = 0
    public var connections: [ConnectionReport] = []
    /// Session expiry buckets: wall-clock ms of the bucket and the sessions in it.
    public var sessionBuckets: [(expiresAtWallMs: Int64, sessions: [SessionID])] = []
    /// Ephemeral paths by owning session, sessions and paths sorted.
    public var ephemerals: [(session: SessionID, paths: [String])] = []
    /// Data-watch table: watched paths by session (connections without a session are left out).
    public var dataWatchesBySession: [(session: SessionID, paths: [String])] = []
    /// Data-watch table: watching sessions by path.
    public var dataWatchesByPath: [(path: String, sessions: [SessionID])] = []
    /// Watches in the data table (what `wchs` counts).
    public var dataWatchCount = 0
    /// Connections with data watches.
    public var dataWatchConnectionCount = 0
    /// Watches in both tables (`zk_watch_count`).
    public var totalWatchCount = 0
    public var ephemeralsCount = 0
    public var approximateDataSize = 0
    public var globalSessions = 0
    public var uptimeMs: Int64 = 0
    public var connectionRejected: Int64 = 0
    public var authFailedCount: Int64 = 0
    public var throttledOps: Int64 = 0
    public var sessionlessConnectionsExpired: Int64 = 0
    public var digestMismatches: Int64 = 0
    /// Recorded tree digests (`hash`): zxid and digest, oldest first.
    public var digestHistory: [(zxid: Zxid, digest: UInt64)] = []
    public var openFileDescriptorCount: Int = 0
    public var maxFileDescriptorCount: Int = 0
    public var dataDirSize: Int64 = 0
    public var dataLogSize: Int64 = 0
    /// The text trace mask `gtmk` prints and `stmk` sets (ZooKeeper's `ZooTrace` default: client
    /// requests, server packets, sessions and warnings, 306).
    public var traceMask: Int64 = 306
    /// Size in bytes of the last, smallest and largest response written to a client (`mntr`
    /// `zk_last/min/max_client_response_size`); -1 until one was measured, as ZooKeeper's
    /// `BufferStats` reports.
    public var lastClientResponseSize = -1
    public var minClientResponseSize = -1
    public var maxClientResponseSize = -1
    /// Leader only: size in bytes of the last, smallest and largest proposal (`srvr`'s
    /// `Proposal sizes last/min/max`); -1 until one was sent.
    public var lastProposalSize = -1
    public var minProposalSize = -1
    public var maxProposalSize = -1

    public init() {}

    /// What `srvr`'s `Mode:` and `mntr`'s `zk_server_state` print (ZooKeeper's
    /// `ZooKeeperServer.getState()` of the running server): `read-only` while serving read-only
    /// clients, else the ensemble role (`leader`, `follower`, `observer`), else `mode`.
    public var serverState: String {
        if mode == "read-only" { return mode }
        return quorum?.serverState ?? mode
    }

    public static func == (a: ServerReport, b: ServerReport) -> Bool {
        a.mode == b.mode && a.quorum == b.quorum && a.lastZxid == b.lastZxid && a.nodeCount == b.nodeCount
            && a.connections == b.connections && a.packetsReceived == b.packetsReceived
            && a.packetsSent == b.packetsSent && a.totalWatchCount == b.totalWatchCount
    }
}
