import DequeModule

/// One client session as a pure state machine: host list, handshake, timers, request/reply
/// matching, watches and the terminal states. No sockets, clocks or randomness: `now` is monotonic
/// milliseconds passed in, and the random source is seeded by the caller.
///
/// The counterpart of ZooKeeper's `ClientCnxn` (its `SendThread`, `primeConnection`, `readResponse`
/// and `onConnected`), `StaticHostProvider` and `ZKWatchManager`. The runtime reports what the
/// network did (`socketConnected`, `frameReceived`, `connectionLost`), what callers asked
/// (`submit`, `cancel`, `close`, `addAuth`, watch removal) and that time passed (`tick`, due at
/// `nextDeadline`); the machine answers with `ClientSessionAction`s to carry out in order.
///
/// Rules (spec client-protocol §2.3, §3, §9, §13): hosts are shuffled once; an attempt times out
/// after sessionTimeout / hosts; a connection is lost after 2/3 of the negotiated timeout without
/// a frame; a ping goes out after readTimeout / 2 (at most 10 s) without a send; every reconnect
/// moves to the next host after a random wait below 1 s, plus 1 s after a full turn of the list.
/// Replies must come in request order: anything else is a lost connection.
public struct ClientSession: Sendable {
    /// Fixed inputs of a session.
    public struct Configuration: Hashable, Sendable {
        /// Servers in connect-string order; the machine shuffles them.
        public var hosts: [HostAddress]
        public var chroot: Chroot
        /// Requested timeout; the server clamps it.
        public var sessionTimeoutMs: Int32
        /// Accept a read-only server (ConnectRequest `readOnly`).
        public var canBeReadOnly: Bool
        /// A session to resume instead of creating one, with its password.
        public var resumeSession: SessionID?
        public var resumePassword: [UInt8]
        /// Largest buffer accepted in a reply (`jute.maxbuffer`).
        public var maxFrameBytes: Int

        public init(hosts: [HostAddress], chroot: Chroot = Chroot(), sessionTimeoutMs: Int32, canBeReadOnly: Bool = false,
                    resumeSession: SessionID? = nil, resumePassword: [UInt8] = [],
                    maxFrameBytes: Int = Limits.juteMaxBufferDefault) {
            self.hosts = hosts; self.chroot = chroot; self.sessionTimeoutMs = sessionTimeoutMs
            self.canBeReadOnly = canBeReadOnly; self.resumeSession = resumeSession
            self.resumePassword = resumePassword; self.maxFrameBytes = maxFrameBytes
        }
    }

    /// Where the session is.
    public enum State: Hashable, Sendable {
        /// Created, `start` not called yet.
        case idle
        /// A connection to `hosts[host]` is opening (`handshakeSent` once the ConnectRequest went out).
        case connecting(host: Int, since: Int64, handshakeSent: Bool)
        /// Handshake done; requests flow.
        case connected(readOnly: Bool)
        /// Waiting out the back-off before connecting to `hosts[host]` at `at`.
        case reconnecting(host: Int, at: Int64)
        /// closeSession sent; waiting for its reply.
        case closing
        /// The server reported the session gone (terminal).
        case expired
        /// The server rejected credentials (terminal).
        case authFailed
        /// Closed by the caller (terminal).
        case closed

        /// True in the three terminal states.
        public var isTerminal: Bool {
            switch self {
            case .expired, .authFailed, .closed: return true
            case .idle, .connecting, .connected, .reconnecting, .closing: return false
            }
        }
    }

    /// What must happen when a sent request is answered (or fails).
    enum Effect: Hashable, Sendable {
        case none
        /// Register a watch on success (`exist` becomes `data` when the node exists).
        case register(WatchID, WatchKind, path: String)
        /// Drop one registration locally after checkWatches (op 17).
        case removeOne(WatchID, local: Bool)
        /// Drop every matching registration after removeWatches (op 18).
        case removeAll(path: String, type: WatcherType, local: Bool)
        /// The session's closeSession.
        case closeSession
    }

    /// A request waiting for a connection.
    struct Queued: Hashable, Sendable {
        var request: ClientRequest
        var waiter: RequestID?
        var effect: Effect
    }

    /// A request sent and not yet answered.
    struct Pending: Hashable, Sendable {
        var xid: Int32
        var op: OpCode
        var waiter: RequestID?
        var effect: Effect
    }

    public let configuration: Configuration
    public internal(set) var state: State = .idle
    /// The servers in the order they are tried.
    public let hosts: [HostAddress]
    var random: SeededRandom
    /// `StaticHostProvider.currentIndex` and `lastIndex`.
    var currentHost = -1
    var lastConnectedHost = -1
    /// Whether any socket ever connected (`!isFirstConnect`): only then do reconnects wait a random time.
    var socketEverConnected = false
    public internal(set) var sessionID = SessionID(0)
    public internal(set) var password = [UInt8](repeating: 0, count: 16)
    /// The timeout the server granted, 0 until the first handshake.
    public internal(set) var negotiatedTimeoutMs: Int32 = 0
    /// Zxid of the newest reply with a positive zxid (notifications and pings do not count).
    public internal(set) var lastZxidSeen: Int64 = 0
    var seenReadWriteServer = false
    var readTimeoutMs: Int64
    var connectTimeoutMs: Int64
    var lastSendMs: Int64 = 0
    var lastReceiveMs: Int64 = 0
    var nextXid: Int32 = 1
    /// Every credential added so far, re-sent after each handshake.
    public internal(set) var auths: [AuthPacket] = []
    var outgoing: Deque<Queued> = []
    var pending: Deque<Pending> = []
    /// Auth packets sent and not yet answered (xid -4 replies match these in order).
    var pendingAuths: Deque<RequestID?> = []
    /// Callers of `addAuth` made while disconnected, by index in `auths`.
    var authWaiters: [Int: RequestID] = [:]
    var closeWaiters: [RequestID] = []
    /// Registered watches, by server path.
    public internal(set) var watches = ClientWatchTable()

    /// A machine for `configuration`; `random` shuffles the hosts and draws back-off times.
    public init(configuration: Configuration, random: SeededRandom) {
        precondition(!configuration.hosts.isEmpty, "a client session needs at least one host")
        self.configuration = configuration
        self.random = random
        var hosts = configuration.hosts
        hosts.shuffle(using: &self.random)
        self.hosts = hosts
        let timeout = Int64(configuration.sessionTimeoutMs)
        readTimeoutMs = timeout * 2 / 3
        connectTimeoutMs = timeout / Int64(hosts.count)
        if let resume = configuration.resumeSession {
            sessionID = resume
            password = configuration.resumePassword
            // ZooKeeper's constructor sets seenRwServerBefore when given a session to resume.
            seenReadWriteServer = true
        }
    }

    // MARK: - Timers

    /// Send silence after which a ping goes out (`readTimeout / 2`, at most 10 s).
    var pingIntervalMs: Int64 { min(readTimeoutMs / 2, Limits.clientPingIntervalMaxMs) }

    /// When `tick` next has something to do, or nil when nothing is timed.
    public var nextDeadline: Int64? {
        switch state {
        case .connecting(_, let since, _): return since + connectTimeoutMs
        case .connected: return min(lastReceiveMs + readTimeoutMs, lastSendMs + pingIntervalMs)
        case .closing: return lastReceiveMs + readTimeoutMs
        case .reconnecting(_, let at): return at
        case .idle, .expired, .authFailed, .closed: return nil
        }
    }

    // MARK: - Connection events

    /// Starts connecting to the first host.
    public mutating func start(now: Int64) -> [ClientSessionAction] {
        var actions: [ClientSessionAction] = []
        if case .idle = state { beginAttempt(now: now, into: &actions) }
        checkInvariants()
        return actions
    }

    /// The connection asked for by `.connect` is open: send the ConnectRequest.
    public mutating func socketConnected(now: Int64) -> [ClientSessionAction] {
        guard case .connecting(let host, let since, false) = state else { return [] }
        socketEverConnected = true
        state = .connecting(host: host, since: since, handshakeSent: true)
        lastSendMs = now
        lastReceiveMs = now
        let request = ConnectRequest(
            lastZxidSeen: lastZxidSeen, timeOut: configuration.sessionTimeoutMs,
            sessionId: seenReadWriteServer ? sessionID.rawValue : 0, passwd: password,
            readOnly: configuration.canBeReadOnly)
        checkInvariants()
        return [.send(.connect(request))]
    }

    /// The connection failed to open, or closed, or broke.
    public mutating func connectionLost(now: Int64) -> [ClientSessionAction] {
        var actions: [ClientSessionAction] = []
        lose(now: now, into: &actions)
        checkInvariants()
        return actions
    }

    /// Time passed: connect and read timeouts, pings, and the end of a back-off.
    public mutating func tick(now: Int64) -> [ClientSessionAction] {
        var actions: [ClientSessionAction] = []
        switch state {
        case .connecting(_, let since, _):
            if now - since >= connectTimeoutMs {
                actions.append(.closeConnection)
                lose(now: now, into: &actions)
            }
        case .connected:
            if now - lastReceiveMs >= readTimeoutMs {
                actions.append(.closeConnection)
                lose(now: now, into: &actions)
            } else if now - lastSendMs >= pingIntervalMs {
                lastSendMs = now
                actions.append(.send(.request(xid: Xid.ping, .ping)))
            }
        case .closing:
            if now - lastReceiveMs >= readTimeoutMs {
                actions.append(.closeConnection)
                finishClose(failing: .connectionLoss, into: &actions)
            }
        case .reconnecting(let host, let at):
            if now >= at {
                state = .connecting(host: host, since: now, handshakeSent: false)
                actions.append(.connect(to: hosts[host]))
            }
        case .idle, .expired, .authFailed, .closed:
            break
        }
        checkInvariants()
        return actions
    }

    /// Moves to the next host (`StaticHostProvider.next`), waiting first when the list has come
    /// full circle or when this is a reconnect (`ClientCnxn.startConnect`).
    mutating func beginAttempt(now: Int64, into actions: inout [ClientSessionAction]) {
        currentHost += 1
        if currentHost == hosts.count { currentHost = 0 }
        var delay: Int64 = 0
        if currentHost == lastConnectedHost { delay += Limits.clientHostSpinDelayMs }
        if lastConnectedHost == -1 { lastConnectedHost = 0 }
        if socketEverConnected { delay += Int64.random(in: 0..<Limits.clientReconnectJitterMs, using: &random) }
        if delay == 0 {
            state = .connecting(host: currentHost, since: now, handshakeSent: false)
            actions.append(.connect(to: hosts[currentHost]))
        } else {
            state = .reconnecting(host: currentHost, at: now + delay)
        }
    }

    /// The current connection is gone (the caller already closed it if needed): fail what was in
    /// flight and try the next host, or finish a close.
    mutating func lose(now: Int64, into actions: inout [ClientSessionAction]) {
        switch state {
        case .connecting:
            // ClientCnxn.cleanup fails the queued requests after every failed attempt too.
            failQueued(.connectionLoss, into: &actions)
            beginAttempt(now: now, into: &actions)
        case .connected:
            failInFlight(.connectionLoss, into: &actions)
            failQueued(.connectionLoss, into: &actions)
            actions.append(.emit(.disconnected))
            beginAttempt(now: now, into: &actions)
        case .closing:
            finishClose(failing: .connectionLoss, into: &actions)
        case .idle, .reconnecting, .expired, .authFailed, .closed:
            break
        }
    }

    // MARK: - Terminal transitions

    /// Ends the session for good: report `event`, fail everything with `code`, end every watch.
    mutating func terminate(_ terminal: State, event: ClientEvent, failing code: ErrorCode,
                            into actions: inout [ClientSessionAction]) {
        state = terminal
        actions.append(.emit(event))
        failInFlight(code, into: &actions)
        failQueued(code, into: &actions)
        let ended = watches.removeAll()
        if !ended.isEmpty { actions.append(.endWatches(ended)) }
        for waiter in closeWaiters { actions.append(.deliver(waiter, .reply(ClientReply(zxid: 0, err: .ok)))) }
        closeWaiters = []
    }

    /// Finishes a close: the closeSession was answered, or the connection went away first.
    mutating func finishClose(failing code: ErrorCode, into actions: inout [ClientSessionAction]) {
        terminate(.closed, event: .closed, failing: code, into: &actions)
    }

    /// Fails every sent request and auth packet, applying their effects as failures.
    mutating func failInFlight(_ code: ErrorCode, into actions: inout [ClientSessionAction]) {
        while let entry = pending.popFirst() {
            complete(entry.effect, waiter: entry.waiter, reply: ClientReply(zxid: 0, err: code), local: true, into: &actions)
        }
        while let waiter = pendingAuths.popFirst() {
            if let waiter { actions.append(.deliver(waiter, .failed(code))) }
        }
    }

    /// Fails every request still waiting for a connection.
    mutating func failQueued(_ code: ErrorCode, into actions: inout [ClientSessionAction]) {
        while let entry = outgoing.popFirst() {
            complete(entry.effect, waiter: entry.waiter, reply: ClientReply(zxid: 0, err: code), local: true, into: &actions)
        }
        for index in authWaiters.keys.sorted() {
            actions.append(.deliver(authWaiters[index]!, .failed(code)))
        }
        authWaiters = [:]
    }

    // MARK: - Invariants

    /// Debug-build check that the queues fit the state.
    func checkInvariants() {
        #if DEBUG
        switch state {
        case .connected, .closing:
            precondition(outgoing.isEmpty, "requests queued while connected")
            precondition(authWaiters.isEmpty, "auth waiting for a connection while connected")
        case .idle, .connecting, .reconnecting:
            precondition(pending.isEmpty && pendingAuths.isEmpty, "requests in flight without a connection")
            precondition(closeWaiters.isEmpty, "close waiting without a connection")
        case .expired, .authFailed, .closed:
            precondition(outgoing.isEmpty && pending.isEmpty && pendingAuths.isEmpty && authWaiters.isEmpty,
                         "requests left after the session ended")
            precondition(watches.isEmpty && closeWaiters.isEmpty, "watches or close waiters left after the session ended")
        }
        switch state {
        case .connecting(let host, _, _), .reconnecting(let host, _):
            precondition(hosts.indices.contains(host) && host == currentHost, "host index out of step")
        case .idle, .connected, .closing, .expired, .authFailed, .closed:
            break
        }
        var previous: Int32?
        for entry in pending {
            if let previous { precondition(entry.xid != previous, "two requests with xid \(previous) in flight") }
            previous = entry.xid
        }
        watches.checkInvariants()
        #endif
    }
}
