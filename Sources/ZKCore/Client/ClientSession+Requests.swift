// What callers ask of the client session machine: requests, cancellation, credentials, watch
// removal and close (`ClientCnxn.queuePacket`, `addAuthInfo`, `close`; `ZooKeeper.removeWatches`).

extension ClientSession {
    /// The code a request gets when the session can no longer send it (`ClientCnxn.conLossPacket`).
    var refusalCode: ErrorCode? {
        switch state {
        case .expired, .closed: return .sessionExpired
        case .authFailed: return .authFailed
        case .closing: return .connectionLoss
        case .idle, .connecting, .connected, .reconnecting: return nil
        }
    }

    /// Queues or sends a caller's request; the reply comes back as `.deliver(id, …)`.
    ///
    /// Paths are client paths: the chroot is prepended here (unless `chrooted` is false, for the
    /// config node) and stripped from the reply. `watch` registers a one-shot or persistent watch
    /// when the reply says the request succeeded (exists: also on NoNode).
    public mutating func submit(_ request: ClientRequest, id: RequestID, watch: (WatchID, WatchKind)? = nil,
                                chrooted: Bool = true, now: Int64) -> [ClientSessionAction] {
        let serverRequest = chrooted ? request.mappingPaths(configuration.chroot.prepend) : request
        var effect = Effect.none
        if let (watchID, kind) = watch, let path = serverRequest.path {
            effect = .register(watchID, kind, path: path)
        }
        return enqueue(serverRequest, id: id, effect: effect, now: now)
    }

    /// Sends now when connected, queues until the next handshake otherwise, refuses when the session is over.
    private mutating func enqueue(_ request: ClientRequest, id: RequestID, effect: Effect, now: Int64) -> [ClientSessionAction] {
        var actions: [ClientSessionAction] = []
        if let code = refusalCode {
            complete(effect, waiter: id, reply: ClientReply(zxid: 0, err: code), local: true, into: &actions)
        } else if case .connected = state {
            actions.append(send(request, waiter: id, effect: effect, now: now))
        } else {
            outgoing.append(Queued(request: request, waiter: id, effect: effect))
        }
        checkInvariants()
        return actions
    }

    /// The caller of `id` gave up. A queued request is never sent; a sent one keeps its place in
    /// the xid order and its reply is dropped; a watch it would have set is ended now.
    public mutating func cancel(_ id: RequestID, now: Int64) -> [ClientSessionAction] {
        var actions: [ClientSessionAction] = []
        if let index = outgoing.firstIndex(where: { $0.waiter == id }) {
            let entry = outgoing.remove(at: index)
            if case .register(let watchID, _, _) = entry.effect { actions.append(.endWatches([watchID])) }
            actions.append(.deliver(id, .cancelled))
        } else if let index = pending.firstIndex(where: { $0.waiter == id }) {
            pending[index].waiter = nil
            if case .register(let watchID, _, _) = pending[index].effect {
                pending[index].effect = .none
                actions.append(.endWatches([watchID]))
            }
            actions.append(.deliver(id, .cancelled))
        } else if let index = pendingAuths.firstIndex(where: { $0 == id }) {
            pendingAuths[index] = nil
            actions.append(.deliver(id, .cancelled))
        } else if let (index, _) = authWaiters.first(where: { $0.value == id }) {
            authWaiters[index] = nil
            actions.append(.deliver(id, .cancelled))
        } else if let index = closeWaiters.firstIndex(of: id) {
            closeWaiters.remove(at: index)
            actions.append(.deliver(id, .cancelled))
        }
        checkInvariants()
        return actions
    }

    /// Adds credentials (`addAuthInfo`): sent now when connected, and after every later handshake.
    /// The caller is answered by the server's xid -4 reply; a refusal ends the session (AuthFailed).
    public mutating func addAuth(_ packet: AuthPacket, id: RequestID, now: Int64) -> [ClientSessionAction] {
        var actions: [ClientSessionAction] = []
        if let code = refusalCode {
            actions.append(.deliver(id, .failed(code)))
        } else {
            auths.append(packet)
            if case .connected = state {
                pendingAuths.append(id)
                lastSendMs = now
                actions.append(.send(.request(xid: Xid.auth, .auth(packet))))
            } else {
                authWaiters[auths.count - 1] = id
            }
        }
        checkInvariants()
        return actions
    }

    /// Removes one registration (`removeWatches(path, watcher, type, local)`): checkWatches (op 17)
    /// asks the server, then the registration ends with its `*WatchRemoved` event. With `local`,
    /// it is removed even when the server cannot be asked.
    public mutating func removeWatch(_ watchID: WatchID, id: RequestID, local: Bool, now: Int64) -> [ClientSessionAction] {
        guard let registration = watches.registration(watchID) else {
            return [.deliver(id, .failed(.noWatcher))]
        }
        // A 3.8 server refuses the persistent watcher types (MarshallingError); Any only checks presence.
        let type: WatcherType
        switch registration.kind {
        case .data, .exist: type = .data
        case .child: type = .children
        case .persistent, .persistentRecursive: type = .any
        }
        let request = ClientRequest.checkWatches(CheckWatchesRequest(path: registration.path, type: type))
        return enqueue(request, id: id, effect: .removeOne(watchID, local: local), now: now)
    }

    /// Removes every registration of `type` on a client path (`removeAllWatches`, op 18).
    public mutating func removeAllWatches(path: String, type: WatcherType, local: Bool, id: RequestID,
                                          now: Int64) -> [ClientSessionAction] {
        let serverPath = configuration.chroot.prepend(path)
        let request = ClientRequest.removeWatches(RemoveWatchesRequest(path: serverPath, type: type))
        return enqueue(request, id: id, effect: .removeAll(path: serverPath, type: type, local: local), now: now)
    }

    /// Nobody listens to registration `watchID` any more: forget it without asking the server (a
    /// server-side watch left behind fires into nothing, as a Java watcher removed locally does).
    public mutating func watchAbandoned(_ watchID: WatchID, now: Int64) -> [ClientSessionAction] {
        watches.remove(watchID)
        for index in pending.indices {
            if case .register(watchID, _, _) = pending[index].effect { pending[index].effect = .none }
        }
        for index in outgoing.indices {
            if case .register(watchID, _, _) = outgoing[index].effect { outgoing[index].effect = .none }
        }
        checkInvariants()
        return []
    }

    /// Closes the session (`ClientCnxn.close`): when connected, closeSession (op -11) is sent and
    /// the close completes on its reply or when the connection goes; otherwise it completes at once
    /// and the server expires the session later. Requests still outstanding fail with ConnectionLoss.
    public mutating func close(id: RequestID, now: Int64) -> [ClientSessionAction] {
        var actions: [ClientSessionAction] = []
        switch state {
        case .connected:
            closeWaiters.append(id)
            actions.append(send(.closeSession, waiter: nil, effect: .closeSession, now: now))
            state = .closing
        case .closing:
            closeWaiters.append(id)
        case .connecting:
            closeWaiters.append(id)
            actions.append(.closeConnection)
            finishClose(failing: .connectionLoss, into: &actions)
        case .idle, .reconnecting:
            closeWaiters.append(id)
            finishClose(failing: .connectionLoss, into: &actions)
        case .expired, .authFailed, .closed:
            actions.append(.deliver(id, .reply(ClientReply(zxid: 0, err: .ok))))
        }
        checkInvariants()
        return actions
    }
}
