// What the client session machine does with frames from the server: the handshake answer,
// replies matched in order, auth answers, pings and watch notifications (`ClientCnxn.readResponse`).

extension ClientSession {
    /// One frame (without its length prefix) arrived on the current connection.
    public mutating func frameReceived(_ frame: [UInt8], now: Int64) -> [ClientSessionAction] {
        var actions: [ClientSessionAction] = []
        switch state {
        case .connecting(_, _, true):
            lastReceiveMs = now
            handshakeAnswered(frame, now: now, into: &actions)
        case .connected, .closing:
            lastReceiveMs = now
            replyReceived(frame, now: now, into: &actions)
        case .idle, .connecting, .reconnecting, .expired, .authFailed, .closed:
            break
        }
        checkInvariants()
        return actions
    }

    /// Drops the connection because the server broke the protocol.
    private mutating func protocolBroken(now: Int64, into actions: inout [ClientSessionAction]) {
        actions.append(.closeConnection)
        lose(now: now, into: &actions)
    }

    // MARK: - Handshake

    private mutating func handshakeAnswered(_ frame: [UInt8], now: Int64, into actions: inout [ClientSessionAction]) {
        guard let response = try? ConnectResponse(juteBytes: frame, maxBufferLength: configuration.maxFrameBytes) else {
            protocolBroken(now: now, into: &actions)
            return
        }
        guard response.timeOut > 0 else {
            // ClientCnxn.onConnected: a non-positive timeout means the session is gone.
            actions.append(.closeConnection)
            terminate(.expired, event: .expired, failing: .sessionExpired, into: &actions)
            return
        }
        let timeout = Int64(response.timeOut)
        negotiatedTimeoutMs = response.timeOut
        readTimeoutMs = timeout * 2 / 3
        connectTimeoutMs = timeout / Int64(hosts.count)
        lastConnectedHost = currentHost
        sessionID = SessionID(response.sessionId)
        password = response.passwd
        let readOnly = response.readOnly ?? false
        seenReadWriteServer = seenReadWriteServer || !readOnly
        state = .connected(readOnly: readOnly)
        actions.append(.emit(readOnly ? .connectedReadOnly : .connected))

        // Then, as primeConnection queued them: credentials, watch re-arming, waiting requests.
        for (index, auth) in auths.enumerated() {
            pendingAuths.append(authWaiters.removeValue(forKey: index))
            actions.append(.send(.request(xid: Xid.auth, .auth(auth))))
        }
        for request in watches.setWatchesRequests(relativeZxid: lastZxidSeen) {
            actions.append(send(request, waiter: nil, effect: .none, now: now))
        }
        while let queued = outgoing.popFirst() {
            actions.append(send(queued.request, waiter: queued.waiter, effect: queued.effect, now: now))
        }
        lastSendMs = now
    }

    /// Assigns the next xid (1 … Int32.max − 1, then 1 again, as `ClientCnxn.getXid`) and records the request.
    mutating func send(_ request: ClientRequest, waiter: RequestID?, effect: Effect, now: Int64) -> ClientSessionAction {
        if nextXid == Int32.max { nextXid = 1 }
        let xid = nextXid
        nextXid += 1
        pending.append(Pending(xid: xid, op: request.opCode, waiter: waiter, effect: effect))
        lastSendMs = now
        return .send(.request(xid: xid, request))
    }

    // MARK: - Replies

    private mutating func replyReceived(_ frame: [UInt8], now: Int64, into actions: inout [ClientSessionAction]) {
        var reader = JuteReader(frame, maxBufferLength: configuration.maxFrameBytes)
        guard let header = try? ReplyHeader(from: &reader) else {
            protocolBroken(now: now, into: &actions)
            return
        }
        switch header.xid {
        case Xid.ping:
            return
        case Xid.auth:
            authAnswered(header, into: &actions)
            return
        case Xid.notification:
            guard let event = try? WatcherEvent(from: &reader) else {
                protocolBroken(now: now, into: &actions)
                return
            }
            notify(event, into: &actions)
            return
        default:
            break
        }
        guard let entry = pending.first, entry.xid == header.xid else {
            // ClientCnxn: "Xid out of order" (or nothing in the queue) is a broken connection.
            protocolBroken(now: now, into: &actions)
            return
        }
        pending.removeFirst()
        if header.zxid > 0 { lastZxidSeen = header.zxid }
        var body = ReplyBody.none
        if header.err == .ok {
            do {
                body = try ReplyBody.decode(for: entry.op, from: &reader).mappingPaths(configuration.chroot.strip)
            } catch {
                pending.prepend(entry)
                protocolBroken(now: now, into: &actions)
                return
            }
        }
        complete(entry.effect, waiter: entry.waiter, reply: ClientReply(zxid: header.zxid, err: header.err, body: body),
                 local: false, into: &actions)
    }

    /// An xid -4 frame: the oldest unanswered auth packet was accepted or refused.
    private mutating func authAnswered(_ header: ReplyHeader, into actions: inout [ClientSessionAction]) {
        let waiter = pendingAuths.popFirst() ?? nil
        if header.err == .authFailed {
            if let waiter { actions.append(.deliver(waiter, .failed(.authFailed))) }
            actions.append(.closeConnection)
            terminate(.authFailed, event: .authFailed, failing: .authFailed, into: &actions)
            return
        }
        if let waiter { actions.append(.deliver(waiter, .reply(ClientReply(zxid: header.zxid, err: header.err)))) }
    }

    /// An xid -1 frame: hand the event to the registrations it reaches, and end the one-shots.
    private mutating func notify(_ event: WatcherEvent, into actions: inout [ClientSessionAction]) {
        let (fired, consumed) = watches.materialize(type: event.type, path: event.path)
        guard !fired.isEmpty else { return }
        actions.append(.fire(WatchEvent(type: event.type, path: configuration.chroot.strip(event.path)), to: fired))
        if !consumed.isEmpty { actions.append(.endWatches(consumed)) }
    }

    /// Applies a finished request's effect and completes its caller. `local` marks a failure the
    /// client made up (the connection or session ended) rather than a server reply.
    mutating func complete(_ effect: Effect, waiter: RequestID?, reply: ClientReply, local: Bool,
                           into actions: inout [ClientSessionAction]) {
        var outcome: ClientOutcome = local ? .failed(reply.err) : .reply(reply)
        switch effect {
        case .none:
            break
        case .register(let id, let kind, let path):
            if reply.err == .ok {
                watches.add(id, kind: kind == .exist ? .data : kind, path: path)
            } else if kind == .exist && reply.err == .noNode {
                watches.add(id, kind: .exist, path: path)
            } else {
                actions.append(.endWatches([id]))
            }
        case .removeOne(let id, let allowLocal):
            if reply.err == .ok || allowLocal {
                outcome = removeLocally(watches.registration(id) == nil ? [] : [id], into: &actions)
            }
        case .removeAll(let path, let type, let allowLocal):
            if reply.err == .ok || allowLocal {
                outcome = removeLocally(watches.matching(path: path, type: type), into: &actions)
            }
        case .closeSession:
            if !local {
                actions.append(.closeConnection)
                if let waiter { closeWaiters.append(waiter) }
                finishClose(failing: .connectionLoss, into: &actions)
                return
            }
        }
        if let waiter { actions.append(.deliver(waiter, outcome)) }
    }

    /// Removes registrations after a watch removal succeeded, telling each with its `*WatchRemoved`
    /// event; no registration at all is NoWatcher, as `ZKWatchManager.removeWatcher` reports it.
    private mutating func removeLocally(_ ids: [WatchID], into actions: inout [ClientSessionAction]) -> ClientOutcome {
        guard !ids.isEmpty else { return .failed(.noWatcher) }
        var groups: [(WatchEvent, [WatchID])] = []
        for id in ids {
            guard let registration = watches.remove(id) else { continue }
            let event = WatchEvent(type: registration.kind.removalEvent, path: configuration.chroot.strip(registration.path))
            if let index = groups.firstIndex(where: { $0.0 == event }) {
                groups[index].1.append(id)
            } else {
                groups.append((event, [id]))
            }
        }
        for (event, group) in groups { actions.append(.fire(event, to: group)) }
        actions.append(.endWatches(ids))
        return .reply(ClientReply(zxid: 0, err: .ok))
    }
}
