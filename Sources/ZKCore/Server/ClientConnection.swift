import DequeModule

/// The core's view of one client connection: handshake phase, auth ids, the FIFO of replies it is
/// owed, and the counters `cons` and `stat` report (ZooKeeper's `ServerCnxn` bookkeeping).
struct ClientConnection {
    enum Phase: Equatable {
        /// Connected at TCP level; no ConnectRequest yet.
        case awaitingConnect
        /// A new session's createSession txn is in the pipeline.
        case creatingSession(SessionID)
        /// A learner asked the leader whether this resumed session still lives.
        case revalidating(SessionID)
        /// Bound to a session.
        case connected(SessionID)
        /// Closing: nothing more is processed.
        case closing
    }

    /// A reply this connection is owed, in request order.
    enum Pending {
        /// A write waiting for its txn to commit.
        case write(Zxid)
        /// A read that arrived behind a pending write.
        case read(xid: Int32, request: ClientRequest, receivedAt: Int64)
        /// A request a learner forwarded to the leader, answered when its txn commits (or, for
        /// sync, when the leader's SYNC arrives).
        case forwarded(xid: Int32, request: ClientRequest, receivedAt: Int64)
        /// A learner's createSession on its way through the leader.
        case creatingSession
        /// A request that arrived behind a sync of this connection still on its way; processed
        /// once the sync is answered.
        case deferred(xid: Int32, request: ClientRequest, receivedAt: Int64)
    }

    /// A sync of this connection is on its way: later requests wait as `deferred`.
    var holdsForSync = false

    let id: ConnectionID
    /// Remote IP address (no port), the `ip` auth id.
    let address: String
    /// Remote port, for `cons`/`stat`.
    let port: Int
    let openedAt: Int64
    var phase: Phase = .awaitingConnect
    /// Whether the client sent the trailing readOnly byte (then our answer carries one too).
    var clientSentReadOnly: Bool?
    /// The negotiated timeout of a session being created or revalidated through the leader.
    var pendingTimeout: Int32 = 0
    var authIDs: [Id]
    var queue = Deque<Pending>()
    /// Requests received and not yet answered.
    var outstanding = 0

    // Statistics for `cons`, `stat` and `crst`.
    var packetsReceived: Int64 = 0
    var packetsSent: Int64 = 0
    var establishedWallMs: Int64 = 0
    var lastOp = "NA"
    var lastCxid: Int32 = -1
    var lastZxid: Int64 = -1
    var lastResponseMs: Int64 = 0
    var lastLatencyMs: Int64 = 0
    var minLatencyMs: Int64 = Int64.max
    var maxLatencyMs: Int64 = 0
    var totalLatencyMs: Int64 = 0
    var latencyCount: Int64 = 0

    init(id: ConnectionID, address: String, port: Int, now: CoreTime) {
        self.id = id
        self.address = address
        self.port = port
        openedAt = now.monotonicMs
        establishedWallMs = now.wallMs
        authIDs = [Id(scheme: "ip", id: address)]
    }

    /// The session this connection is bound to, if any.
    var session: SessionID? {
        switch phase {
        case .connected(let id), .creatingSession(let id): return id
        case .awaitingConnect, .closing, .revalidating: return nil
        }
    }

    mutating func recordLatency(_ ms: Int64, now: Int64) {
        lastLatencyMs = ms
        lastResponseMs = now
        minLatencyMs = min(minLatencyMs, ms)
        maxLatencyMs = max(maxLatencyMs, ms)
        totalLatencyMs += ms
        latencyCount += 1
    }

    mutating func resetStatistics() {
        packetsReceived = 0
        packetsSent = 0
        lastOp = "NA"
        lastCxid = -1
        lastZxid = -1
        lastResponseMs = 0
        lastLatencyMs = 0
        minLatencyMs = Int64.max
        maxLatencyMs = 0
        totalLatencyMs = 0
        latencyCount = 0
    }
}
