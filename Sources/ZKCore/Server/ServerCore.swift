import DequeModule

/// An input from the runtime: what happened on a client connection.
public enum CoreInput: Hashable, Sendable {
    /// A TCP connection was accepted.
    case opened(ConnectionID, address: String, port: Int)
    /// The first frame of a connection: the handshake.
    case connect(ConnectionID, ConnectRequest)
    /// A request after the handshake.
    case request(ConnectionID, xid: Int32, ClientRequest)
    /// The connection is gone (peer closed, error, or we closed it).
    case closed(ConnectionID)
}

/// The standalone server as one synchronous machine (ZooKeeper's `ZooKeeperServer` with its
/// Prep, Sync and Final request processors folded into events and actions).
///
/// Writes are prepared against pending changes, handed out as `persist` actions, and applied and
/// answered only when the runtime reports `logSynced`. Reads are answered at once unless their
/// connection still waits on an earlier write, which keeps per-session order. No I/O, no clocks.
public struct ServerCore {
    public let settings: ServerSettings
    public let tree: DataTree
    public internal(set) var sessions: SessionTracker
    public internal(set) var watches = WatchManager()
    var connections: [ConnectionID: ClientConnection] = [:]
    /// The connection a session is currently bound to.
    var sessionOwner: [SessionID: ConnectionID] = [:]
    var connectionsPerAddress: [String: Int] = [:]
    var pending = PendingChanges()
    var inflight = Deque<InflightTxn>()
    /// Highest zxid handed to a prepared txn.
    public internal(set) var lastAssignedZxid: Zxid
    let acl: ACLChecker
    var statistics = ServerStatistics()
    var throttled = false
    var outstandingTotal = 0
    let startedAt: CoreTime
    var nextContainerScanMs: Int64
    /// The tree digest once every in-flight txn is applied (what the next txn's TxnDigest builds on).
    var pendingDigest: UInt64
    /// Standalone, or this member's part in an ensemble.
    public internal(set) var role = CoreRole.standalone
    /// Learner: connections whose forwarded sync waits for the leader's SYNC, oldest first.
    var forwardedSyncs = Deque<ConnectionID>()
    /// Learner: sessions its clients touched since the last PING reply, with their timeouts.
    var touched: [SessionID: Int32] = [:]
    /// Leader: the server each global session's client talks to (this server's own id for its
    /// clients); a write arriving through another server is SessionMoved.
    var sessionOwners: [SessionID: ServerID] = [:]
    /// How each applied txn's recorded digest is compared with the tree's.
    public var digestCheck = DigestCheck.own
    /// Every txn applied, in order, when set (the simulator's checkers read it; nil in production).
    public var appliedTxns: [LoggedTxn]?

    /// A txn between prepare and apply, with whom to answer.
    struct InflightTxn {
        enum Origin {
            case client(ConnectionID, xid: Int32, request: ClientRequest, receivedAt: Int64)
            case createSession(ConnectionID, timeoutMs: Int32)
            case server
        }
        var txn: LoggedTxn
        var origin: Origin
    }

    /// Creates a server over a recovered database: its tree and the sessions still alive, which
    /// get a full timeout from `now` as ZooKeeper's session tracker gives them at start-up.
    public init(settings: ServerSettings, recovered: RecoveredState, now: CoreTime) {
        self.init(settings: settings, tree: recovered.tree, now: now)
        for (session, timeout) in recovered.sessions.sorted(by: { $0.key < $1.key }) {
            sessions.add(session, timeoutMs: timeout, now: now.monotonicMs)
        }
    }

    /// Creates a server over `tree` (fresh or restored), whose last applied zxid is the next base.
    public init(settings: ServerSettings, tree: DataTree = DataTree(), now: CoreTime) {
        self.settings = settings
        self.tree = tree
        sessions = SessionTracker(tickMs: Int64(settings.tickMs), serverID: settings.serverID,
                                  monotonicMillis: now.monotonicMs)
        lastAssignedZxid = tree.lastProcessedZxid
        acl = ACLChecker(registry: AuthProviderRegistry(superDigest: settings.superDigest, ipv6Enabled: false),
                         skipACL: settings.skipACL)
        startedAt = now
        nextContainerScanMs = now.monotonicMs + settings.containerCheckIntervalMs
        pendingDigest = tree.digest
    }

    // MARK: - Events

    /// Handles a batch of inputs from one read burst.
    public mutating func received(_ inputs: [CoreInput], now: CoreTime) -> [CoreAction] {
        var actions: [CoreAction] = []
        for input in inputs { handle(input, now: now, into: &actions) }
        updateThrottle(into: &actions)
        checkInvariants()
        return actions
    }

    /// Handles one input.
    public mutating func received(_ input: CoreInput, now: CoreTime) -> [CoreAction] {
        received([input], now: now)
    }

    private mutating func handle(_ input: CoreInput, now: CoreTime, into actions: inout [CoreAction]) {
        switch input {
        case let .opened(id, address, port):
            connectionOpened(id, address: address, port: port, now: now, into: &actions)
        case let .connect(id, request):
            connectReceived(id, request, now: now, into: &actions)
        case let .request(id, xid, request):
            requestReceived(id, xid: xid, request, now: now, into: &actions)
        case let .closed(id):
            connectionClosed(id)
        }
    }

    /// The runtime made every txn up to `zxid` durable: apply them in order and answer.
    public mutating func logSynced(through zxid: Zxid, now: CoreTime) -> [CoreAction] {
        var actions = commitThrough(zxid, now: now)
        updateThrottle(into: &actions)
        return actions
    }

    /// Time passed: expire sessions, drop connections that never shook hands, reap containers.
    public mutating func tick(now: CoreTime) -> [CoreAction] {
        var actions: [CoreAction] = []
        for session in role == .standalone || role == .leader ? sessions.expire(now: now.monotonicMs) : [] {
            actions.append(.log(.info, "Expiring session \(session), timeout of \(sessions.sessions[session]?.timeoutMs ?? 0)ms exceeded"))
            prepareServerClose(of: session, now: now, into: &actions)
        }
        let limit = settings.sessionlessConnectionTimeoutMs
        for (id, connection) in connections where connection.phase == .awaitingConnect
            && now.monotonicMs - connection.openedAt >= limit {
            statistics.sessionlessConnectionsExpired += 1
            dropConnection(id, reason: "no ConnectRequest within \(limit) ms", into: &actions)
        }
        if now.monotonicMs >= nextContainerScanMs {
            nextContainerScanMs = now.monotonicMs + settings.containerCheckIntervalMs
            // ZooKeeper's ContainerManager runs on the leader (or a standalone server) only: every
            // txn of a learner comes from the leader.
            if role == .standalone || role == .leader { reapContainers(now: now, into: &actions) }
        }
        checkInvariants()
        return actions
    }

    // MARK: - Connections

    private mutating func connectionOpened(_ id: ConnectionID, address: String, port: Int, now: CoreTime,
                                           into actions: inout [CoreAction]) {
        let count = connectionsPerAddress[address, default: 0]
        if settings.maxClientCnxns > 0 && count >= settings.maxClientCnxns {
            statistics.connectionRejected += 1
            actions.append(.log(.warning, "Too many connections from /\(address) - max is \(settings.maxClientCnxns)"))
            actions.append(.close(id, reason: "too many connections from \(address)"))
            return
        }
        connectionsPerAddress[address] = count + 1
        connections[id] = ClientConnection(id: id, address: address, port: port, now: now)
    }

    /// Forgets a connection; its session lives on until it expires or is closed.
    private mutating func connectionClosed(_ id: ConnectionID) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        outstandingTotal -= connection.outstanding
        if let n = connectionsPerAddress[connection.address] {
            connectionsPerAddress[connection.address] = n > 1 ? n - 1 : nil
        }
        if let session = connection.session, sessionOwner[session] == id { sessionOwner[session] = nil }
        watches.removeConnection(id)
    }

    /// Closes a connection from our side.
    mutating func dropConnection(_ id: ConnectionID, reason: String, into actions: inout [CoreAction]) {
        guard connections[id] != nil else { return }
        connectionClosed(id)
        actions.append(.close(id, reason: reason))
    }

    // MARK: - Handshake

    private mutating func connectReceived(_ id: ConnectionID, _ request: ConnectRequest, now: CoreTime,
                                          into actions: inout [CoreAction]) {
        guard var connection = connections[id] else { return }
        guard connection.phase == .awaitingConnect else {
            dropConnection(id, reason: "second ConnectRequest on one connection", into: &actions)
            return
        }
        connection.packetsReceived += 1
        statistics.packetsReceived += 1
        connection.clientSentReadOnly = request.readOnly
        if role == .notServing || (role == .leader && !settings.leaderServes) {
            connections[id] = connection
            dropConnection(id, reason: role == .leader ? "the leader does not serve clients (leaderServes=false)"
                                                       : "this server is not serving requests (no leader)", into: &actions)
            return
        }
        if request.lastZxidSeen > tree.lastProcessedZxid.rawValue {
            connections[id] = connection
            dropConnection(id, reason: "client has seen zxid 0x\(Zxid(request.lastZxidSeen).hex), "
                + "our last zxid is \(tree.lastProcessedZxid); client must try another server", into: &actions)
            return
        }
        let timeout = min(max(request.timeOut, settings.minSessionTimeoutMs), settings.maxSessionTimeoutMs)
        let readOnlyEcho: Bool? = request.readOnly == nil ? nil : false
        if request.sessionId == 0 && role == .learner {
            connections[id] = connection
            forwardCreateSession(id, timeout: timeout, into: &actions)
            return
        }
        if request.sessionId == 0 {
            let session = sessions.nextSessionID()
            sessions.add(session, timeoutMs: timeout, now: now.monotonicMs)
            if role == .leader { sessionOwners[session] = settings.serverID }
            let zxid = assignZxid()
            let header = TxnHeader(clientId: session.rawValue, cxid: 0, zxid: zxid.rawValue,
                                   time: now.wallMs, type: .createSession)
            connection.phase = .creatingSession(session)
            connection.queue.append(.write(zxid))
            connection.outstanding += 1
            outstandingTotal += 1
            sessionOwner[session] = id
            connections[id] = connection
            enqueue(LoggedTxn(header: header, body: .createSession(CreateSessionTxn(timeOut: timeout)), digest: currentTxnDigest()),
                    origin: .createSession(id, timeoutMs: timeout), into: &actions)
            return
        }
        let session = SessionID(request.sessionId)
        // As ZooKeeper does, the session's previous connection goes before the password is checked.
        if let other = sessionOwner[session], other != id {
            dropConnection(other, reason: "session \(session) reconnected on another connection", into: &actions)
        }
        if role == .learner, SessionCredentials.isValidPassword(request.passwd, for: session) {
            connections[id] = connection
            revalidate(id, session: session, timeout: timeout, into: &actions)
            return
        }
        guard sessions.isActive(session),
              SessionCredentials.isValidPassword(request.passwd, for: session) else {
            connections[id] = connection
            send(id, .connectResponse(.invalid(readOnly: readOnlyEcho)), into: &actions)
            dropConnection(id, reason: "session \(session) is expired or the password is wrong", into: &actions)
            return
        }
        sessions.touch(session, now: now.monotonicMs, timeoutMs: timeout)
        if role == .leader { sessionOwners[session] = settings.serverID }
        connection.phase = .connected(session)
        sessionOwner[session] = id
        connections[id] = connection
        send(id, .connectResponse(ConnectResponse(timeOut: timeout, sessionId: session.rawValue,
                                                  passwd: SessionCredentials.sessionPassword(for: session),
                                                  readOnly: readOnlyEcho)), into: &actions)
    }

    // MARK: - Requests

    private mutating func requestReceived(_ id: ConnectionID, xid: Int32, _ request: ClientRequest, now: CoreTime,
                                          into actions: inout [CoreAction]) {
        guard var connection = connections[id] else { return }
        guard let session = connection.session else {
            dropConnection(id, reason: "request before ConnectRequest", into: &actions)
            return
        }
        connection.packetsReceived += 1
        statistics.packetsReceived += 1
        connections[id] = connection
        // Like ZooKeeper's `submitRequest`, a request whose session is closing (expired, or its
        // close already prepared) is dropped: the connection goes when the close commits.
        guard sessions.touch(session, now: now.monotonicMs) else {
            actions.append(.log(.debug, "dropping request xid \(xid) of closing session \(session)"))
            return
        }
        if role == .learner { touched[session] = sessions.sessions[session]?.timeoutMs }

        switch request {
        case .auth(let packet):
            // Like ZooKeeper, auth is handled on arrival rather than queued behind other requests.
            handleAuth(id, xid: xid, packet, into: &actions)
            return
        case .sasl:
            send(id, .reply(ReplyHeader(xid: xid, zxid: 0, err: .authFailed), .none), into: &actions)
            dropConnection(id, reason: "SASL is not supported", into: &actions)
            return
        default:
            break
        }

        connections[id]?.outstanding += 1
        outstandingTotal += 1
        dispatch(id, xid: xid, request, session: session, receivedAt: now.monotonicMs, now: now, into: &actions)
    }

    /// Forwards, prepares, answers or queues a counted request. Behind a sync of the same
    /// connection that is still on its way, requests wait unprocessed (`deferred`) until it is
    /// answered, as ZooKeeper's CommitProcessor holds a session's requests behind its sync: a
    /// sync waits for a quorum of followers to confirm the leader, and a write sent after it
    /// could otherwise commit, and be answered, first.
    mutating func dispatch(_ id: ConnectionID, xid: Int32, _ request: ClientRequest, session: SessionID,
                           receivedAt: Int64, now: CoreTime, into actions: inout [CoreAction]) {
        if connections[id]?.holdsForSync == true {
            connections[id]?.queue.append(.deferred(xid: xid, request: request, receivedAt: receivedAt))
            return
        }
        if role == .learner, isWrite(request) || request.opCode == .sync {
            forward(id, xid: xid, request, session: session, receivedAt: receivedAt, into: &actions)
        } else if role == .leader, request.opCode == .sync {
            // The leader confirms its leadership with a quorum before answering (`Leader.syncRequested`).
            forward(id, xid: xid, request, session: session, receivedAt: receivedAt, into: &actions)
        } else if isWrite(request) {
            let zxid = assignZxid()
            let txn: LoggedTxn
            if role == .leader, sessionOwners[session] == nil { sessionOwners[session] = settings.serverID }
            if role == .leader, let owner = sessionOwners[session], owner != settings.serverID {
                // The session moved to another member; this old connection may not write for it
                // (checked before preparing, so no pending change is recorded for it).
                txn = LoggedTxn(header: TxnHeader(clientId: session.rawValue, cxid: xid, zxid: zxid.rawValue,
                                                  time: now.wallMs, type: .error),
                                body: .error(ErrorTxn(err: .sessionMoved)), digest: nil)
            } else {
                txn = prepareWrite(request, xid: xid, connection: connections[id]!, session: session, zxid: zxid, now: now)
            }
            connections[id]?.queue.append(.write(zxid))
            enqueue(txn, origin: .client(id, xid: xid, request: request, receivedAt: receivedAt), into: &actions)
        } else if connections[id]?.queue.isEmpty == true {
            answerRead(id, xid: xid, request, receivedAt: receivedAt, now: now, into: &actions)
        } else {
            connections[id]?.queue.append(.read(xid: xid, request: request, receivedAt: receivedAt))
        }
    }

    /// Requests that become transactions, including those that will fail as error txns.
    private func isWrite(_ request: ClientRequest) -> Bool {
        switch request {
        case .create, .createTTL, .delete, .deleteContainer, .setData, .setACL, .multi, .reconfig, .closeSession:
            return true
        case .undecodable(let op, _):
            return op.isWrite && op != .check
        case .exists, .getData, .getACL, .getChildren, .getChildren2, .getAllChildrenNumber, .getEphemerals,
             .sync, .ping, .check, .multiRead, .checkWatches, .removeWatches, .setWatches, .setWatches2,
             .addWatch, .auth, .sasl, .whoAmI, .unknown:
            return false
        }
    }

    mutating func assignZxid() -> Zxid {
        lastAssignedZxid = lastAssignedZxid.next()
        return lastAssignedZxid
    }

    /// Queues a prepared txn for the log.
    mutating func enqueue(_ txn: LoggedTxn, origin: InflightTxn.Origin, into actions: inout [CoreAction]) {
        inflight.append(InflightTxn(txn: txn, origin: origin))
        actions.append(.persist([txn]))
    }

    /// Sends a message and counts it.
    mutating func send(_ id: ConnectionID, _ message: OutboundMessage, into actions: inout [CoreAction]) {
        guard connections[id] != nil else { return }
        connections[id]?.packetsSent += 1
        statistics.packetsSent += 1
        actions.append(.send(id, message))
    }

    private mutating func handleAuth(_ id: ConnectionID, xid: Int32, _ packet: AuthPacket,
                                     into actions: inout [CoreAction]) {
        guard let connection = connections[id] else { return }
        let granted = acl.registry.authenticate(scheme: packet.scheme, authData: packet.auth ?? [],
                                                remoteAddress: connection.address)
        guard let granted else {
            statistics.authFailedCount += 1
            send(id, .reply(ReplyHeader(xid: xid, zxid: 0, err: .authFailed), .none), into: &actions)
            dropConnection(id, reason: "authentication failed for scheme \(packet.scheme)", into: &actions)
            return
        }
        for grantedID in granted where !connection.authIDs.contains(grantedID) {
            connections[id]?.authIDs.append(grantedID)
        }
        send(id, .reply(ReplyHeader(xid: xid, zxid: 0, err: .ok), .none), into: &actions)
    }

    // MARK: - Throttling

    private mutating func updateThrottle(into actions: inout [CoreAction]) {
        let limit = settings.globalOutstandingLimit
        guard limit > 0 else { return }
        if !throttled && outstandingTotal > limit {
            throttled = true
            statistics.throttledOps += 1
            actions.append(.throttle(true))
        } else if throttled && outstandingTotal <= limit / 2 {
            throttled = false
            actions.append(.throttle(false))
        }
    }

    /// Debug-build check that connection and session bookkeeping agree.
    func checkInvariants() {
        #if DEBUG
        for (session, id) in sessionOwner {
            precondition(connections[id]?.session == session, "session \(session) owner \(id) is not bound to it")
        }
        precondition(outstandingTotal >= 0, "negative outstanding count")
        #endif
    }
}
