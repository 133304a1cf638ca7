/// Packets from the leader (ZooKeeper's `Learner.registerWithLeader`, `Learner.syncWithLeader`,
/// `Follower.processPacket` and `Observer.processPacket`).
extension Learner {
    /// A packet from the leader. Anything that breaks the protocol ends with `quit`: the learner
    /// goes back to LOOKING rather than guess.
    public mutating func received(_ packet: QuorumPacket, now: Int64) -> [LearnerAction] {
        var actions: [LearnerAction] = []
        deadlineMs = now + (stage == .broadcast ? settings.syncMs : settings.initMs)
        do {
            try dispatch(packet, into: &actions)
        } catch {
            actions.append(.quit(reason: "malformed packet of type \(packet.type) from the leader: \(error)"))
        }
        checkInvariants()
        return actions
    }

    private mutating func dispatch(_ packet: QuorumPacket, into actions: inout [LearnerAction]) throws(JuteError) {
        guard let type = ZabType(rawValue: packet.type) else {
            actions.append(.log(.warning, "ignoring a packet of unknown type \(packet.type) from the leader"))
            return
        }
        let zxid = Zxid(packet.zxid)
        switch (type, stage) {
        case (.leaderInfo, .awaitingLeaderInfo):
            leaderInfoReceived(zxid.epoch, into: &actions)
        case (.diff, .awaitingSyncMode):
            stage = .syncing
        case (.trunc, .awaitingSyncMode):
            guard zxid <= lastLogged else {
                actions.append(.quit(reason: "TRUNC to \(zxid) beyond our last logged \(lastLogged)"))
                return
            }
            actions.append(.truncate(to: zxid))
            lastLogged = zxid; synced = zxid; applied = zxid; lastAcked = zxid; lastCommitSeen = zxid
            unapplied.removeAll()
            pendingAcks.removeAll()
            stage = .syncing
        case (.snap, .awaitingSyncMode):
            stage = .receivingSnapshot(zxid)
            actions.append(.receiveSnapshot(zxid: zxid))
        case (.proposal, .syncing), (.proposal, .awaitingUpToDate), (.proposal, .broadcast):
            guard !isObserver || stage != .broadcast else { return quitOut(type, into: &actions) }
            try log(ZabPacket.txn(of: packet), committed: false, into: &actions)
        case (.commit, .syncing), (.commit, .awaitingUpToDate), (.commit, .broadcast):
            guard !isObserver || stage != .broadcast else { return quitOut(type, into: &actions) }
            commitReceived(zxid, into: &actions)
        // The leader informs an observer of commits from NEWLEADER on, while the observer may
        // still be making its sync durable (ZooKeeper's syncWithLeader takes INFORM too).
        case (.inform, .syncing), (.inform, .awaitingUpToDate), (.inform, .broadcast):
            guard isObserver else { return quitOut(type, into: &actions) }
            try log(ZabPacket.txn(of: packet), committed: true, into: &actions)
            lastCommitSeen = max(lastCommitSeen, zxid)
            applyReady(into: &actions)
        case (.newLeader, .syncing):
            guard zxid == Zxid(epoch: epoch, counter: 0) else {
                actions.append(.quit(reason: "NEWLEADER for \(zxid) in epoch \(epoch)"))
                return
            }
            newLeaderPending = true
            newLeaderZxid = lastLogged
            finishNewLeaderIfDurable(into: &actions)
        case (.upToDate, .awaitingUpToDate):
            stage = .broadcast
            actions.append(.startServing(epoch: epoch))
            actions.append(.send([ZabPacket.bare(.ack, zxid: Zxid(epoch: epoch, counter: 0))]))
            if !isObserver { sendAcks(into: &actions) }
        case (.ping, .broadcast), (.ping, .awaitingUpToDate):
            actions.append(.pingReply(zxid))
        case (.sync, .broadcast):
            syncMarkers.append(lastCommitSeen)
            applyReady(into: &actions)
        case (.revalidate, .broadcast):
            let (session, valid) = try ZabPacket.revalidateReplyFields(of: packet)
            actions.append(.revalidated(session, valid: valid))
        case (.ping, _), (.leaderInfo, _), (.diff, _), (.trunc, _), (.snap, _), (.proposal, _), (.commit, _),
             (.inform, _), (.newLeader, _), (.upToDate, _), (.sync, _), (.revalidate, _), (.request, _), (.ack, _),
             (.followerInfo, _), (.observerInfo, _), (.ackEpoch, _), (.commitAndActivate, _),
             (.informAndActivate, _):
            quitOut(type, into: &actions)
        }
    }

    private func quitOut(_ type: ZabType, into actions: inout [LearnerAction]) {
        actions.append(.quit(reason: "packet \(type) from the leader out of phase (\(stage))"))
    }

    private mutating func leaderInfoReceived(_ newEpoch: Int32, into actions: inout [LearnerAction]) {
        if newEpoch < acceptedEpoch {
            actions.append(.quit(reason: "leader's epoch \(newEpoch) is older than our accepted epoch \(acceptedEpoch)"))
            return
        }
        var reported = currentEpoch
        if newEpoch > acceptedEpoch {
            acceptedEpoch = newEpoch
            actions.append(.persistAcceptedEpoch(newEpoch))
        } else {
            reported = -1
        }
        epoch = newEpoch
        actions.append(.send([ZabPacket.ackEpoch(lastLogged: lastLogged, currentEpoch: reported)]))
        stage = .awaitingSyncMode
    }

    /// Logs a txn from the leader, after every txn logged before it.
    private mutating func log(_ txn: LoggedTxn, committed: Bool, into actions: inout [LearnerAction]) throws(JuteError) {
        guard txn.zxid > lastLogged else {
            actions.append(.quit(reason: "txn \(txn.zxid) from the leader is not after our last logged \(lastLogged)"))
            return
        }
        // A gap inside one epoch would leave a hole in the log that a reload replays around
        // (ZooKeeper 3.9.4+ aborts such a sync too).
        if txn.zxid.epoch == lastLogged.epoch && txn.zxid != lastLogged.next() {
            actions.append(.quit(reason: "txn \(txn.zxid) from the leader does not follow our last logged \(lastLogged)"))
            return
        }
        lastLogged = txn.zxid
        unapplied.append(Entry(txn: txn, committed: committed))
        if !committed && !isObserver { pendingAcks.append(txn.zxid) }
        actions.append(.persist([txn]))
    }

    private mutating func commitReceived(_ zxid: Zxid, into actions: inout [LearnerAction]) {
        guard let index = unapplied.firstIndex(where: { !$0.committed }), unapplied[index].txn.zxid == zxid else {
            if zxid <= applied || unapplied.contains(where: { $0.txn.zxid == zxid && $0.committed }) { return }
            actions.append(.quit(reason: "COMMIT of \(zxid), which is not the next pending proposal"))
            return
        }
        unapplied[index].committed = true
        lastCommitSeen = max(lastCommitSeen, zxid)
        applyReady(into: &actions)
    }
}
