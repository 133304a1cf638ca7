/// The settings the core machine needs, already validated and in core units (milliseconds).
///
/// Built from `ServerConfig` by the command line; tests build it directly.
public struct ServerSettings: Sendable, Equatable {
    /// ZooKeeper's tickTime: session expiry bucket width and default timeout unit.
    public var tickMs: Int32 = 2000
    /// Lower clamp for negotiated session timeouts (default 2 ticks).
    public var minSessionTimeoutMs: Int32 = 4000
    /// Upper clamp for negotiated session timeouts (default 20 ticks).
    public var maxSessionTimeoutMs: Int32 = 40000
    /// Top byte of session ids (1 for a standalone server, as ZooKeeper uses).
    public var serverID = ServerID(1)
    /// `zookeeper.extendedTypesEnabled`: TTL nodes allowed.
    public var extendedTypesEnabled = false
    /// `zookeeper.DigestAuthenticationProvider.superDigest` (`super:<base64 sha1>`).
    public var superDigest: String?
    /// `zookeeper.skipACL`: every ACL check passes.
    public var skipACL = false
    /// Connections allowed per client IP; 0 = unlimited.
    public var maxClientCnxns = Limits.maxClientCnxnsDefault
    /// Requests in flight before reading from clients pauses.
    public var globalOutstandingLimit = Limits.globalOutstandingLimitDefault
    /// `reconfigEnabled`: a standalone server then answers reconfig with Unimplemented, not ReconfigDisabled.
    public var reconfigEnabled = false
    /// `zookeeper.closeSessionTxn.enabled`: close txns list the ephemerals they delete.
    public var closeSessionTxnEnabled = true
    /// `zookeeper.digest.enabled`: txns carry the tree digest.
    public var digestEnabled = true
    /// A connection that has not sent a ConnectRequest for this long is dropped.
    public var sessionlessConnectionTimeoutMs: Int64 = Int64(Limits.sessionlessConnectionTimeoutMs)
    /// Container/TTL reaper scan period.
    public var containerCheckIntervalMs: Int64 = Int64(Limits.containerCheckIntervalMsDefault)
    /// Container/TTL deletions per minute at most.
    public var containerMaxPerMinute = Limits.containerMaxPerMinuteDefault
    /// Also reap never-used empty containers older than this (0 = never).
    public var containerMaxNeverUsedIntervalMs: Int64 = 0
    /// `leaderServes`: an ensemble's leader accepts client connections; when false it only
    /// coordinates, and clients are closed after their handshake as on a member without a leader.
    public var leaderServes = true

    public init() {}

    /// Settings for `tickTime` with ZooKeeper's derived default timeouts.
    public init(tickMs: Int32) {
        self.tickMs = tickMs
        minSessionTimeoutMs = tickMs * 2
        maxSessionTimeoutMs = tickMs * 20
    }
}

/// Wall-clock and monotonic time handed to the core with every event.
public struct CoreTime: Sendable, Equatable {
    /// Milliseconds since the Unix epoch (ctime/mtime, txn times).
    public var wallMs: Int64
    /// Milliseconds of a monotonic clock (expiry, latencies).
    public var monotonicMs: Int64
    public init(wallMs: Int64, monotonicMs: Int64) { self.wallMs = wallMs; self.monotonicMs = monotonicMs }
}
