/// Events from clients, peers, the disk and the clock, routed to the role being played.
extension QuorumPeer {
    /// Starts the first election.
    public mutating func start(now: CoreTime) -> [PeerAction] {
        lookForLeader(now: now)
    }

    /// Inputs from client connections.
    public mutating func clientInputs(_ inputs: [CoreInput], now: CoreTime) -> [PeerAction] {
        let actions = core.received(inputs, now: now)
        return route(actions, now: now)
    }

    /// The log made everything up to `zxid` durable.
    public mutating func logSynced(through zxid: Zxid, now: CoreTime) -> [PeerAction] {
        switch role {
        case .looking:
            return []
        case .leading(var leader):
            let actions = leader.logSynced(through: zxid, now: now.monotonicMs)
            role = .leading(leader)
            return perform(actions, now: now)
        case .following(var learner, let leaderID):
            let actions = learner.logSynced(through: zxid, now: now.monotonicMs)
            role = .following(learner, leader: leaderID)
            return perform(actions, now: now)
        }
    }

    /// Time passed: session expiry (leader), pings and liveness, election timeouts.
    public mutating func tick(now: CoreTime, electionDelivered: Bool = true) -> [PeerAction] {
        var actions = route(core.tick(now: now), now: now)
        switch role {
        case .looking:
            actions += performElection(election.tick(now: now.monotonicMs, allDelivered: electionDelivered), now: now)
        case .leading(var leader):
            let out = leader.tick(now: now.monotonicMs)
            role = .leading(leader)
            actions += perform(out, now: now)
        case .following(var learner, let leaderID):
            let out = learner.tick(now: now.monotonicMs)
            role = .following(learner, leader: leaderID)
            actions += perform(out, now: now)
        }
        return actions
    }

    // MARK: - Leader side

    /// A learner connected to our quorum port (refused unless leading).
    public mutating func learnerConnected(_ id: LearnerConnectionID, now: CoreTime) -> [PeerAction] {
        guard case .leading(var leader) = role else { return [.closeLearner(id, reason: "not leading")] }
        let actions = leader.learnerConnected(id, now: now.monotonicMs)
        role = .leading(leader)
        return perform(actions, now: now)
    }

    /// A packet from a learner.
    public mutating func learnerPacket(_ id: LearnerConnectionID, _ packet: QuorumPacket, now: CoreTime) -> [PeerAction] {
        guard case .leading(var leader) = role else { return [.closeLearner(id, reason: "not leading")] }
        let actions = leader.received(packet, from: id, now: now.monotonicMs)
        role = .leading(leader)
        return perform(actions, now: now)
    }

    /// The logged history a `readHistory` asked for (nil: the logs cannot serve it).
    public mutating func historyRead(_ id: LearnerConnectionID, txns: [LoggedTxn]?, now: CoreTime) -> [PeerAction] {
        guard case .leading(var leader) = role else { return [] }
        let actions = leader.historyRead(id, txns: txns, now: now.monotonicMs)
        role = .leading(leader)
        return perform(actions, now: now)
    }

    /// A learner connection closed.
    public mutating func learnerClosed(_ id: LearnerConnectionID, now: CoreTime) -> [PeerAction] {
        guard case .leading(var leader) = role else { return [] }
        let actions = leader.learnerClosed(id, now: now.monotonicMs)
        role = .leading(leader)
        return perform(actions, now: now)
    }

    // MARK: - Learner side

    /// The connection to the leader is up.
    public mutating func leaderConnected(now: CoreTime) -> [PeerAction] {
        guard case .following(var learner, let leaderID) = role else { return [.disconnectFromLeader] }
        let actions = learner.connected(configVersion: verifier.version, now: now.monotonicMs)
        role = .following(learner, leader: leaderID)
        return perform(actions, now: now)
    }

    /// A packet from the leader.
    public mutating func leaderPacket(_ packet: QuorumPacket, now: CoreTime) -> [PeerAction] {
        guard case .following(var learner, let leaderID) = role else { return [] }
        let actions = learner.received(packet, now: now.monotonicMs)
        role = .following(learner, leader: leaderID)
        return perform(actions, now: now)
    }

    /// The connection to the leader failed or closed.
    public mutating func leaderClosed(now: CoreTime) -> [PeerAction] {
        guard case .following = role else { return [] }
        return quit(reason: "connection to the leader closed", now: now)
    }

    /// The SNAP snapshot was read: it becomes the database.
    public mutating func snapshotReceived(_ recovered: RecoveredState, now: CoreTime) -> [PeerAction] {
        guard case .following(var learner, let leaderID) = role else { return [] }
        replaceCore(with: recovered, now: now)
        core.digestCheck = .fuzzy
        lastLogged = recovered.tree.lastProcessedZxid
        let actions = learner.snapshotLoaded(now: now.monotonicMs)
        role = .following(learner, leader: leaderID)
        return perform(actions, now: now)
    }

    // MARK: - Routing

    /// Carries out the core's actions that concern the ensemble (proposals, forwards), passing
    /// the client-facing ones through.
    mutating func route(_ actions: [CoreAction], now: CoreTime) -> [PeerAction] {
        var out: [PeerAction] = []
        for action in actions {
            switch action {
            case .persist(let txns):
                if case .leading = role, txns.contains(where: { $0.zxid.counter == Zxid.counterRollover }) {
                    // The counter would wrap into the next epoch's space: stop leading so that an
                    // election starts a new epoch (ZooKeeper's `XidRolloverException`). The txn
                    // is neither logged nor proposed; its client sees the connection drop.
                    return out + quit(reason: "zxid counter rollover: a new epoch is needed", now: now)
                }
                if let last = txns.last { lastLogged = max(lastLogged, last.zxid) }
                out.append(.persist(txns))
                if case .leading(var leader) = role {
                    let proposed = leader.proposed(txns, now: now.monotonicMs)
                    role = .leading(leader)
                    out += perform(proposed, now: now)
                }
            case .forward(let request):
                if case .leading(var leader) = role {
                    // Only syncs: the leader's own clients' writes are prepared here.
                    var more: [LeaderAction] = []
                    leader.syncRequested(by: nil, into: &more)
                    role = .leading(leader)
                    out += perform(more, now: now)
                } else {
                    out.append(.sendToLeader([ZabPacket.request(request)]))
                }
            case .revalidate(let session, let timeout):
                out.append(.sendToLeader([ZabPacket.revalidateRequest(session: session, timeoutMs: timeout)]))
            case .send, .close, .throttle, .log:
                out.append(.client(action))
            }
        }
        return out
    }

    /// Remembers the accepted epoch a role machine writes and passes the write to the driver.
    mutating func recordAcceptedEpoch(_ epoch: Int32) -> PeerAction {
        acceptedEpoch = epoch
        return .persistAcceptedEpoch(epoch)
    }

    /// Remembers the current epoch a role machine writes and passes the write to the driver.
    mutating func recordCurrentEpoch(_ epoch: Int32) -> PeerAction {
        currentEpoch = epoch
        return .persistCurrentEpoch(epoch)
    }

    /// Carries out a leader's actions.
    mutating func perform(_ actions: [LeaderAction], now: CoreTime) -> [PeerAction] {
        var out: [PeerAction] = []
        for action in actions {
            switch action {
            case let .send(id, packets): out.append(.sendToLearner(id, packets))
            case .sendSnapshot(let id): out.append(.sendSnapshot(id))
            case let .close(id, reason): out.append(.closeLearner(id, reason: reason))
            case let .readHistory(id, after, through): out.append(.readHistory(id, after: after, through: through))
            case .persistAcceptedEpoch(let epoch):
                out.append(recordAcceptedEpoch(epoch))
            case .persistCurrentEpoch(let epoch):
                out.append(recordCurrentEpoch(epoch))
            case .commit(let zxid):
                out += route(core.commitThrough(zxid, now: now), now: now)
            case .localSyncConfirmed:
                out += route(core.syncReached(now: now), now: now)
            case .established(let epoch):
                core.becomeLeader(epoch: epoch)
                election.updateVoteEpoch(Int64(epoch))
                out.append(.log(.info, "leader of epoch \(epoch) established, serving clients"))
            case let .prepare(request, sid):
                out += route(core.prepareForwarded(request, from: sid, now: now), now: now)
            case .touch(let touches):
                core.touchSessions(touches, now: now)
            case let .revalidate(id, session, timeout):
                guard case .leading(var leader) = role else { break }
                let valid = core.revalidateSession(session, timeoutMs: timeout, owner: leader.learners[id]?.sid, now: now)
                let more = leader.revalidated(id, session: session, valid: valid)
                role = .leading(leader)
                out += perform(more, now: now)
            case .quit(let reason):
                return out + quit(reason: reason, now: now)
            case let .log(level, message):
                out.append(.log(level, message))
            }
        }
        return out
    }

    /// Carries out a learner's actions.
    mutating func perform(_ actions: [LearnerAction], now: CoreTime) -> [PeerAction] {
        var out: [PeerAction] = []
        for action in actions {
            switch action {
            case .send(let packets): out.append(.sendToLeader(packets))
            case .persist(let txns):
                if let last = txns.last { lastLogged = max(lastLogged, last.zxid) }
                out.append(.persist(txns))
            case .truncate(let zxid):
                lastLogged = zxid
                out.append(.truncateLog(to: zxid))
            case .receiveSnapshot(let zxid): out.append(.receiveSnapshot(zxid: zxid))
            case .writeSnapshot: out.append(.writeSnapshot)
            case .persistAcceptedEpoch(let epoch):
                out.append(recordAcceptedEpoch(epoch))
            case .persistCurrentEpoch(let epoch):
                out.append(recordCurrentEpoch(epoch))
            case .apply(let txns):
                out += route(core.applyCommitted(txns, now: now), now: now)
            case .startServing(let epoch):
                core.becomeLearner()
                election.updateVoteEpoch(Int64(epoch))
                out.append(.log(.info, "synced with the leader of epoch \(epoch), serving clients"))
            case .syncReached:
                out += route(core.syncReached(now: now), now: now)
            case let .revalidated(session, valid):
                out += route(core.revalidated(session, valid: valid, now: now), now: now)
            case .pingReply(let zxid):
                let touched = core.takeTouchedSessions().map { ($0.session, $0.timeoutMs) }
                out.append(.sendToLeader([ZabPacket.pingReply(zxid: zxid, touched: touched)]))
            case .quit(let reason):
                return out + quit(reason: reason, now: now)
            case let .log(level, message):
                out.append(.log(level, message))
            }
        }
        return out
    }
}
