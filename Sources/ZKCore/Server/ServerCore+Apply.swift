import DequeModule

/// The apply step: a durable txn changes the tree, fires watches and answers its client
/// (ZooKeeper's `FinalRequestProcessor` and `DataTree.processTxn`).
extension ServerCore {
    mutating func commit(_ item: InflightTxn, now: CoreTime, into actions: inout [CoreAction]) {
        var triggers: [WatchTrigger] = []
        let result = tree.apply(item.txn.header, item.txn.body, triggers: &triggers)
        appliedTxns?.append(item.txn)
        if let expected = item.txn.digest { compareDigest(UInt64(bitPattern: expected.treeDigest), item.txn.zxid,
                                                          into: &actions) }
        fireWatches(triggers, into: &actions)
        let session = SessionID(item.txn.header.clientId)
        switch item.origin {
        case let .client(id, xid, request, receivedAt):
            finishWrite(id, xid: xid, request: request, result: result, receivedAt: receivedAt, now: now,
                        into: &actions)
            if case .closeSession = request {
                sessionClosed(session, into: &actions)
            }
        case let .createSession(id, timeoutMs):
            finishCreateSession(id, session: session, timeoutMs: timeoutMs, now: now, into: &actions)
        case .server:
            if item.txn.header.type == .closeSession { sessionClosed(session, into: &actions) }
        }
    }

    /// Compares the tree after a txn with the digest recorded in it (ZooKeeper's
    /// `DataTree.compareDigest`): a difference is counted and logged, never fatal, except that a
    /// debug build stops when the digest was prepared by this very server.
    private mutating func compareDigest(_ expected: UInt64, _ zxid: Zxid, into actions: inout [CoreAction]) {
        let matches = expected == tree.digest
        switch digestCheck {
        case .own:
            #if DEBUG
            precondition(matches, "tree digest after \(zxid) differs from the digest prepared for it")
            #endif
        case .fuzzy:
            if matches { digestCheck = .peer }
            return
        case .peer:
            break
        }
        if !matches {
            statistics.digestMismatches += 1
            actions.append(.log(.error, "the tree digest after \(zxid) is \(tree.digest), the txn recorded \(expected)"))
        }
    }

    /// Sends each event to the connections watching it that may read the node (3.8.4+ filtering).
    mutating func fireWatches(_ triggers: [WatchTrigger], into actions: inout [CoreAction]) {
        for trigger in triggers {
            for (event, list, recipients) in watches.events(for: trigger) {
                for id in recipients {
                    guard let connection = connections[id] else { continue }
                    guard acl.checkACL(acl: list, wanted: .read, ids: connection.authIDs) else { continue }
                    send(id, .notification(event), into: &actions)
                }
            }
        }
    }

    private mutating func finishWrite(_ id: ConnectionID, xid: Int32, request: ClientRequest, result: ApplyResult,
                                      receivedAt: Int64, now: CoreTime, into actions: inout [CoreAction]) {
        guard connections[id] != nil else { return }
        popWrite(id)
        let (err, body) = writeReply(request, result: result)
        reply(id, xid: xid, op: request.opCode, err: err, body: body, receivedAt: receivedAt, now: now,
              into: &actions)
        if case .closeSession = request {
            dropConnection(id, reason: "client closed its session", into: &actions)
            return
        }
        drainReads(id, now: now, into: &actions)
    }

    private func writeReply(_ request: ClientRequest, result: ApplyResult) -> (ErrorCode, ReplyBody) {
        if case .multi = request, result.type == .multi {
            return (.ok, .multi(MultiResponse(results: result.multi.map(multiResult))))
        }
        if result.err != .ok { return (result.err, .none) }
        switch request {
        case .create(let op, _) where op == .create:
            return (.ok, .create(CreateResponse(path: result.path)))
        case .create, .createTTL:
            return (.ok, .create2(Create2Response(path: result.path, stat: result.stat ?? Stat())))
        case .setData, .setACL:
            return (.ok, .stat(result.stat ?? Stat()))
        default:
            return (.ok, .none)
        }
    }

    private func multiResult(_ sub: ApplyResult) -> MultiResult {
        switch sub.type {
        case .check: return .check
        case .create: return .create(CreateResponse(path: sub.path))
        case .create2, .createTTL, .createContainer:
            return .create2(Create2Response(path: sub.path, stat: sub.stat ?? Stat()))
        case .delete, .deleteContainer: return .delete
        case .setData: return .setData(SetDataResponse(stat: sub.stat ?? Stat()))
        default: return .error(sub.err)
        }
    }

    private mutating func finishCreateSession(_ id: ConnectionID, session: SessionID, timeoutMs: Int32,
                                              now: CoreTime, into actions: inout [CoreAction]) {
        guard let connection = connections[id], connection.phase == .creatingSession(session) else { return }
        popWrite(id)
        connections[id]?.phase = .connected(session)
        connections[id]?.lastOp = "SESS"
        let readOnly: Bool? = connection.clientSentReadOnly == nil ? nil : false
        send(id, .connectResponse(ConnectResponse(timeOut: timeoutMs, sessionId: session.rawValue,
                                                  passwd: SessionCredentials.sessionPassword(for: session),
                                                  readOnly: readOnly)), into: &actions)
        drainReads(id, now: now, into: &actions)
    }

    /// A session's close txn was applied: forget it and drop its connection, if still open.
    private mutating func sessionClosed(_ session: SessionID, into actions: inout [CoreAction]) {
        sessions.remove(session)
        sessionOwners[session] = nil
        if let id = sessionOwner.removeValue(forKey: session) {
            dropConnection(id, reason: "session \(session) closed", into: &actions)
        }
    }

    private mutating func popWrite(_ id: ConnectionID) {
        guard let first = connections[id]?.queue.first else { return }
        switch first {
        case .read, .deferred:
            return
        case .write, .forwarded, .creatingSession:
            connections[id]?.queue.removeFirst()
            connections[id]?.outstanding -= 1
            outstandingTotal -= 1
        }
    }

    /// Answers the reads that waited behind a write, up to the next pending write.
    mutating func drainReads(_ id: ConnectionID, now: CoreTime, into actions: inout [CoreAction]) {
        while let first = connections[id]?.queue.first, case let .read(xid, request, receivedAt) = first {
            connections[id]?.queue.removeFirst()
            answerRead(id, xid: xid, request, receivedAt: receivedAt, now: now, into: &actions)
        }
    }

    /// Sends a reply and updates the latency and last-operation statistics.
    mutating func reply(_ id: ConnectionID, xid: Int32, op: OpCode, err: ErrorCode, body: ReplyBody,
                        zxid: Int64? = nil, receivedAt: Int64, now: CoreTime, into actions: inout [CoreAction]) {
        let replyZxid = zxid ?? tree.lastProcessedZxid.rawValue
        let latency = max(0, now.monotonicMs - receivedAt)
        statistics.recordLatency(latency)
        if var connection = connections[id] {
            connection.recordLatency(latency, now: now.monotonicMs)
            connection.lastOp = op.shortName
            if xid >= 0 { connection.lastCxid = xid }
            connection.lastZxid = replyZxid
            connections[id] = connection
        }
        send(id, .reply(ReplyHeader(xid: xid, zxid: replyZxid, err: err), err == .ok ? body : .none), into: &actions)
    }
}
