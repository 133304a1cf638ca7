import DequeModule

/// Where the digests recorded in applied txns come from, and so what a difference means.
public enum DigestCheck: Sendable {
    /// Prepared by this server (standalone, leader): a difference is a bug.
    case own
    /// Sent by a leader, applied over a tree that matched the leader's: a difference is counted.
    case peer
    /// Sent by a leader, applied over a fuzzy SNAP stream: differences are expected until the
    /// first txn whose digest matches, from which on the tree is the leader's (then `peer`).
    case fuzzy
}

/// What part a `ServerCore` plays: the client-facing half of one ensemble member, or a whole
/// standalone server.
public enum CoreRole: Hashable, Sendable {
    /// One server: prepare, log, apply.
    case standalone
    /// The ensemble's leader: prepares every write (its own clients' and forwarded ones); applies
    /// a txn only when its `QuorumPeer` says a quorum committed it.
    case leader
    /// A follower or observer: forwards writes to the leader and applies what the leader commits.
    case learner
    /// Looking for a leader or syncing with one: no client is served (ZooKeeper closes them).
    case notServing
}

/// The ensemble member's side of the core (ZooKeeper's `LeaderZooKeeperServer`,
/// `FollowerZooKeeperServer`/`ObserverZooKeeperServer` request processors and
/// `LearnerSessionTracker`).
extension ServerCore {
    /// Starts serving as the leader of `epoch`: zxids continue at `(epoch, 1)`.
    public mutating func becomeLeader(epoch: Int32) {
        role = .leader
        lastAssignedZxid = Zxid(epoch: epoch, counter: 0)
    }

    /// Starts serving as a follower or observer.
    public mutating func becomeLearner() {
        role = .learner
    }

    /// Stops serving: every client connection is closed, as ZooKeeper's server shutdown on a role
    /// change closes them; clients move to another member with their sessions.
    public mutating func stopServing(reason: String) -> [CoreAction] {
        var actions: [CoreAction] = []
        role = .notServing
        for id in connections.keys.sorted() { dropConnection(id, reason: reason, into: &actions) }
        forwardedSyncs.removeAll()
        return actions
    }

    // MARK: - Learner

    /// Forwards a client request to the leader; its reply waits for the commit (or the leader's
    /// SYNC) in the connection's queue, behind which later reads wait too.
    mutating func forward(_ id: ConnectionID, xid: Int32, _ request: ClientRequest, session: SessionID,
                          receivedAt: Int64, into actions: inout [CoreAction]) {
        guard let connection = connections[id] else { return }
        connections[id]?.queue.append(.forwarded(xid: xid, request: request, receivedAt: receivedAt))
        if case .sync = request {
            forwardedSyncs.append(id)
            connections[id]?.holdsForSync = true
        }
        actions.append(.forward(ForwardedRequest(session: session, cxid: xid, type: request.opCode,
                                                 body: request.encodedBody(), authInfo: connection.authIDs)))
    }

    /// A new session on a learner: the id is made here (this server's id in its top byte) and the
    /// createSession is forwarded; the handshake is answered when it commits.
    mutating func forwardCreateSession(_ id: ConnectionID, timeout: Int32, into actions: inout [CoreAction]) {
        guard var connection = connections[id] else { return }
        let session = sessions.nextSessionID()
        connection.phase = .creatingSession(session)
        connection.queue.append(.creatingSession)
        connection.outstanding += 1
        outstandingTotal += 1
        connection.pendingTimeout = timeout
        sessionOwner[session] = id
        connections[id] = connection
        var w = JuteWriter()
        w.writeInt(timeout)
        actions.append(.forward(ForwardedRequest(session: session, cxid: 0, type: .createSession, body: w.bytes,
                                                 authInfo: nil)))
    }

    /// A client resumes a session on a learner: the leader decides whether it still lives.
    mutating func revalidate(_ id: ConnectionID, session: SessionID, timeout: Int32, into actions: inout [CoreAction]) {
        connections[id]?.phase = .revalidating(session)
        connections[id]?.pendingTimeout = timeout
        actions.append(.revalidate(session, timeoutMs: timeout))
    }

    /// The leader's answer to a `revalidate`.
    public mutating func revalidated(_ session: SessionID, valid: Bool, now: CoreTime) -> [CoreAction] {
        var actions: [CoreAction] = []
        for id in connections.keys.sorted() where connections[id]?.phase == .revalidating(session) {
            guard let connection = connections[id] else { continue }
            let timeout = connection.pendingTimeout
            let readOnlyEcho: Bool? = connection.clientSentReadOnly == nil ? nil : false
            guard valid else {
                connections[id]?.phase = .awaitingConnect
                send(id, .connectResponse(.invalid(readOnly: readOnlyEcho)), into: &actions)
                dropConnection(id, reason: "session \(session) is expired", into: &actions)
                continue
            }
            if let other = sessionOwner[session], other != id {
                dropConnection(other, reason: "session \(session) reconnected on another connection", into: &actions)
            }
            if sessions.sessions[session] == nil { sessions.add(session, timeoutMs: timeout, now: now.monotonicMs) }
            sessions.touch(session, now: now.monotonicMs, timeoutMs: timeout)
            touched[session] = timeout
            connections[id]?.phase = .connected(session)
            sessionOwner[session] = id
            send(id, .connectResponse(ConnectResponse(timeOut: timeout, sessionId: session.rawValue,
                                                      passwd: SessionCredentials.sessionPassword(for: session),
                                                      readOnly: readOnlyEcho)), into: &actions)
        }
        checkInvariants()
        return actions
    }

    /// Txns the leader committed, durable here, in zxid order: apply them, answer the local
    /// clients that asked for them, fire watches.
    public mutating func applyCommitted(_ txns: [LoggedTxn], now: CoreTime) -> [CoreAction] {
        var actions: [CoreAction] = []
        for txn in txns {
            let session = SessionID(txn.header.clientId)
            var origin = InflightTxn.Origin.server
            if let id = sessionOwner[session], let connection = connections[id] {
                if txn.header.type == .createSession, connection.phase == .creatingSession(session) {
                    origin = .createSession(id, timeoutMs: connection.pendingTimeout)
                } else if case let .forwarded(xid, request, receivedAt)? = connection.queue.first,
                          xid == txn.header.cxid, txn.header.type != .createSession {
                    origin = .client(id, xid: xid, request: request, receivedAt: receivedAt)
                }
            }
            switch txn.header.type {
            case .createSession:
                if case .createSession(let body) = txn.body, sessions.sessions[session] == nil {
                    sessions.add(session, timeoutMs: body.timeOut, now: now.monotonicMs)
                }
            case .closeSession:
                sessions.setClosing(session)
            default:
                break
            }
            lastAssignedZxid = max(lastAssignedZxid, txn.zxid)
            commit(InflightTxn(txn: txn, origin: origin), now: now, into: &actions)
        }
        checkInvariants()
        return actions
    }

    /// The leader answered a forwarded sync: the oldest one still waiting is answered now.
    public mutating func syncReached(now: CoreTime) -> [CoreAction] {
        var actions: [CoreAction] = []
        while let id = forwardedSyncs.first {
            forwardedSyncs.removeFirst()
            guard case let .forwarded(xid, request, receivedAt)? = connections[id]?.queue.first,
                  case .sync = request else { continue }
            connections[id]?.queue.removeFirst()
            connections[id]?.queue.prepend(.read(xid: xid, request: request, receivedAt: receivedAt))
            drainReads(id, now: now, into: &actions)
            releaseDeferred(id, now: now, into: &actions)
            break
        }
        return actions
    }

    /// The connection's sync was answered: the requests that waited behind it go through in
    /// order (one of them may be another sync, behind which the rest wait again).
    mutating func releaseDeferred(_ id: ConnectionID, now: CoreTime, into actions: inout [CoreAction]) {
        guard var connection = connections[id], let session = connection.session else { return }
        var waiting: [(xid: Int32, request: ClientRequest, receivedAt: Int64)] = []
        while case let .deferred(xid, request, receivedAt)? = connection.queue.last {
            connection.queue.removeLast()
            waiting.append((xid, request, receivedAt))
        }
        connection.holdsForSync = false
        connections[id] = connection
        for item in waiting.reversed() {
            dispatch(id, xid: item.xid, item.request, session: session, receivedAt: item.receivedAt, now: now,
                     into: &actions)
        }
    }

    /// Sessions this learner's clients kept alive since the last call, for the PING reply.
    public mutating func takeTouchedSessions() -> [SessionTouch] {
        defer { touched.removeAll() }
        return touched.keys.sorted().map { SessionTouch(session: $0, timeoutMs: touched[$0]!) }
    }

    // MARK: - Leader

    /// Prepares a request a learner forwarded, as if it came from a connection with its auth
    /// ids; the txn goes to the log and to the followers like a local one. `sid` is the
    /// forwarding server: a write for a session now owned by another server becomes a
    /// SessionMoved error txn (ZooKeeper's `SessionTrackerImpl.checkSession`).
    public mutating func prepareForwarded(_ request: ForwardedRequest, from sid: ServerID? = nil,
                                          now: CoreTime) -> [CoreAction] {
        var actions: [CoreAction] = []
        guard role == .leader else { return actions }
        var connection = ClientConnection(id: ConnectionID(0), address: "", port: 0, now: now)
        connection.authIDs = request.authInfo ?? []
        if request.type == .createSession {
            var r = JuteReader(request.body)
            let timeout = (try? r.readInt()) ?? settings.minSessionTimeoutMs
            sessions.add(request.session, timeoutMs: timeout, now: now.monotonicMs)
            if let sid { sessionOwners[request.session] = sid }
            let zxid = assignZxid()
            let header = TxnHeader(clientId: request.session.rawValue, cxid: 0, zxid: zxid.rawValue,
                                   time: now.wallMs, type: .createSession)
            enqueue(LoggedTxn(header: header, body: .createSession(CreateSessionTxn(timeOut: timeout)),
                              digest: currentTxnDigest()), origin: .server, into: &actions)
            return actions
        }
        var reader = JuteReader(request.body)
        let decoded = ClientRequest.decode(type: request.type, body: &reader)
        sessions.touch(request.session, now: now.monotonicMs)
        let zxid = assignZxid()
        // A new leader knows no owners yet: the first server to write for a session owns it.
        if let sid, sessionOwners[request.session] == nil, sessions.isActive(request.session) {
            sessionOwners[request.session] = sid
        }
        if let sid, let owner = sessionOwners[request.session], owner != sid, sessions.isActive(request.session) {
            let header = TxnHeader(clientId: request.session.rawValue, cxid: request.cxid, zxid: zxid.rawValue,
                                   time: now.wallMs, type: .error)
            enqueue(LoggedTxn(header: header, body: .error(ErrorTxn(err: .sessionMoved)), digest: nil),
                    origin: .server, into: &actions)
            return actions
        }
        let txn = prepareWrite(decoded, xid: request.cxid, connection: connection, session: request.session,
                               zxid: zxid, now: now)
        if txn.header.type == .closeSession { sessions.setClosing(request.session) }
        enqueue(txn, origin: .server, into: &actions)
        return actions
    }

    /// Sessions a learner's clients kept alive.
    public mutating func touchSessions(_ touches: [SessionTouch], now: CoreTime) {
        for touch in touches { sessions.touch(touch.session, now: now.monotonicMs, timeoutMs: touch.timeoutMs) }
    }

    /// Whether a session still lives (REVALIDATE), renewing it if so; a live session then
    /// belongs to `owner`, the server its client now talks to.
    public mutating func revalidateSession(_ session: SessionID, timeoutMs: Int32, owner: ServerID? = nil,
                                           now: CoreTime) -> Bool {
        let live = sessions.touch(session, now: now.monotonicMs, timeoutMs: timeoutMs)
        if live, let owner { sessionOwners[session] = owner }
        return live
    }

    /// The leader's quorum committed everything up to `zxid`, durable here too: apply and answer.
    public mutating func commitThrough(_ zxid: Zxid, now: CoreTime) -> [CoreAction] {
        var actions: [CoreAction] = []
        while let first = inflight.first, first.txn.zxid <= zxid {
            inflight.removeFirst()
            commit(first, now: now, into: &actions)
        }
        pending.applied(through: zxid)
        checkInvariants()
        return actions
    }
}

extension ClientRequest {
    /// The request record as the client sent it, for a REQUEST packet to the leader.
    func encodedBody() -> [UInt8] {
        var w = JuteWriter(capacity: 64)
        switch self {
        case .create(_, let r): r.encode(to: &w)
        case .createTTL(let r): r.encode(to: &w)
        case .delete(let r): r.encode(to: &w)
        case .deleteContainer(let path): w.writeRaw(Array(path.utf8))
        case .setData(let r): r.encode(to: &w)
        case .setACL(let r): r.encode(to: &w)
        case .multi(let r): r.encode(to: &w)
        case .reconfig(let r): r.encode(to: &w)
        case .sync(let r): r.encode(to: &w)
        case .check(let r): r.encode(to: &w)
        case .closeSession, .exists, .getData, .getACL, .getChildren, .getChildren2, .getAllChildrenNumber,
             .getEphemerals, .ping, .multiRead, .checkWatches, .removeWatches, .setWatches, .setWatches2, .addWatch,
             .auth, .sasl, .whoAmI, .unknown, .undecodable:
            break
        }
        return w.bytes
    }
}
