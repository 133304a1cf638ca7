import DequeModule

/// Outcome of applying one txn (ZooKeeper's `DataTree.ProcessTxnResult`).
struct ApplyResult {
    var type: OpCode
    var err: ErrorCode = .ok
    var path: String = ""
    var stat: Stat?
    var multi: [ApplyResult] = []
}

/// The apply step: a durable txn changes the tree, fires watches and answers its client
/// (ZooKeeper's `FinalRequestProcessor` and `DataTree.processTxn`).
extension ServerCore {
    mutating func commit(_ item: InflightTxn, now: CoreTime, into actions: inout [CoreAction]) {
        var triggers: [WatchTrigger] = []
        let result = apply(item.txn, triggers: &triggers)
        #if DEBUG
        if let expected = item.txn.digest {
            precondition(UInt64(bitPattern: expected.treeDigest) == tree.digest,
                         "tree digest after \(item.txn.zxid) differs from the digest prepared for it")
        }
        #endif
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

    /// Applies one txn to the tree and advances its last processed zxid.
    func apply(_ txn: LoggedTxn, triggers: inout [WatchTrigger]) -> ApplyResult {
        let header = txn.header
        var result: ApplyResult
        if case .multi(let subs) = txn.body {
            result = ApplyResult(type: .multi)
            let failed = subs.contains { $0.type == .error }
            var postFailed = false
            for sub in subs {
                var type = sub.type
                var body = sub.body
                if case .error = body { postFailed = true }
                if failed && type != .error {
                    type = .error
                    body = .error(ErrorTxn(err: postFailed ? .runtimeInconsistency : .ok))
                }
                let subResult = applyBody(body, type: type, header: header, triggers: &triggers)
                if subResult.err != .ok && result.err == .ok { result.err = subResult.err }
                result.multi.append(subResult)
            }
        } else {
            result = applyBody(txn.body, type: header.type, header: header, triggers: &triggers)
        }
        tree.lastProcessedZxid = Zxid(header.zxid)
        return result
    }

    private func applyBody(_ body: TxnBody, type: OpCode, header: TxnHeader,
                           triggers: inout [WatchTrigger]) -> ApplyResult {
        var result = ApplyResult(type: type)
        let zxid = Zxid(header.zxid)
        do {
            switch body {
            case .createSession:
                break
            case .closeSession(let close):
                let session = SessionID(header.clientId)
                var paths = close?.paths2Delete ?? []
                let listed = Set(paths)
                paths += tree.ephemeralPaths(of: session).filter { !listed.contains($0) }.sorted()
                for path in paths { try? tree.deleteNode(path: path, zxid: zxid, triggers: &triggers) }
            case .create(let create):
                result.path = create.path
                let owner = create.ephemeral ? header.clientId : 0
                result.stat = try tree.createNode(path: create.path, data: create.data, acl: create.acl,
                                                  ephemeralOwner: owner, parentCVersion: create.parentCVersion,
                                                  zxid: zxid, time: header.time, triggers: &triggers).clientStat()
            case .createV0(let v0):
                let create = v0.asCreateTxn
                result.path = create.path
                result.stat = try tree.createNode(path: create.path, data: create.data, acl: create.acl,
                                                  ephemeralOwner: create.ephemeral ? header.clientId : 0,
                                                  parentCVersion: -1, zxid: zxid, time: header.time,
                                                  triggers: &triggers).clientStat()
            case .createContainer(let create):
                result.path = create.path
                result.stat = try tree.createNode(path: create.path, data: create.data, acl: create.acl,
                                                  ephemeralOwner: EphemeralOwner.container,
                                                  parentCVersion: create.parentCVersion, zxid: zxid,
                                                  time: header.time, triggers: &triggers).clientStat()
            case .createTTL(let create):
                result.path = create.path
                result.stat = try tree.createNode(path: create.path, data: create.data, acl: create.acl,
                                                  ephemeralOwner: EphemeralOwner.ttlOwner(create.ttl) ?? 0,
                                                  parentCVersion: create.parentCVersion, zxid: zxid,
                                                  time: header.time, triggers: &triggers).clientStat()
            case .delete(let delete):
                result.path = delete.path
                try tree.deleteNode(path: delete.path, zxid: zxid, triggers: &triggers)
            case .setData(let set):
                result.path = set.path
                result.stat = try tree.setData(path: set.path, data: set.data, version: set.version, zxid: zxid,
                                               time: header.time, triggers: &triggers).clientStat()
            case .setACL(let set):
                result.path = set.path
                result.stat = try tree.setACL(path: set.path, acl: set.acl, version: set.version).clientStat()
            case .check(let check):
                result.path = check.path
            case .error(let error):
                result.err = error.err
            case .multi:
                result.err = .marshallingError
            }
        } catch {
            result.err = error
        }
        return result
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
        if let id = sessionOwner.removeValue(forKey: session) {
            dropConnection(id, reason: "session \(session) closed", into: &actions)
        }
    }

    private mutating func popWrite(_ id: ConnectionID) {
        guard let first = connections[id]?.queue.first else { return }
        if case .write = first {
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
