/// Packets from learners: discovery, sync selection and broadcast ACKs (ZooKeeper's
/// `LearnerHandler.run` and `Leader.processAck`).
extension Leader {
    /// A packet from a learner. A packet that does not fit the learner's stage drops only that
    /// learner's connection.
    public mutating func received(_ packet: QuorumPacket, from id: LearnerConnectionID, now: Int64) -> [LeaderAction] {
        guard let stage = learners[id]?.stage else { return [] }
        var actions: [LeaderAction] = []
        learners[id]!.deadlineMs = now + (stage == .forwarding ? settings.syncMs : settings.initMs)
        do {
            try dispatch(packet, from: id, now: now, into: &actions)
        } catch {
            drop(id, reason: "malformed \(packet.type) packet: \(error)", into: &actions)
        }
        checkInvariants()
        return actions
    }

    private mutating func dispatch(_ packet: QuorumPacket, from id: LearnerConnectionID, now: Int64,
                                 into actions: inout [LeaderAction]) throws(JuteError) {
        guard let type = ZabType(rawValue: packet.type), let stage = learners[id]?.stage else {
            drop(id, reason: "unknown packet type \(packet.type)", into: &actions)
            return
        }
        switch (type, stage) {
        case (.followerInfo, .awaitingInfo), (.observerInfo, .awaitingInfo):
            try learnerInfoReceived(packet, observerInfo: type == .observerInfo, from: id, into: &actions)
        case (.ackEpoch, .awaitingAckEpoch):
            ackEpochReceived(Zxid(packet.zxid), epoch: try ZabPacket.intPayload(packet), from: id, now: now, into: &actions)
        case (.ack, .awaitingNewLeaderAck), (.ack, .forwarding):
            ackReceived(Zxid(packet.zxid), from: id, now: now, into: &actions)
        case (.request, .forwarding):
            try requestReceived(packet, from: id, into: &actions)
        case (.ping, .forwarding):
            let touched = try ZabPacket.touchedSessions(of: packet)
            if !touched.isEmpty { actions.append(.touch(touched.map { SessionTouch(session: $0.0, timeoutMs: $0.1) })) }
            learners[id]!.pingsAnswered += 1
            answerSyncs(into: &actions)
        case (.revalidate, .forwarding):
            let (session, timeout) = try ZabPacket.revalidateRequestFields(of: packet)
            actions.append(.revalidate(id, session, timeoutMs: timeout))
        default:
            drop(id, reason: "packet \(type) out of phase (\(stage))", into: &actions)
        }
    }

    private mutating func learnerInfoReceived(_ packet: QuorumPacket, observerInfo: Bool, from id: LearnerConnectionID,
                                              into actions: inout [LeaderAction]) throws(JuteError) {
        let info = try ZabPacket.learnerInfo(of: packet)
        let sid = ServerID(info.serverid)
        guard verifier.members[sid] != nil, sid != myID else {
            drop(id, reason: "server \(sid) is not a member of this ensemble", into: &actions)
            return
        }
        // A newer connection from the same server replaces the old one.
        for (other, handle) in learners.sorted(by: { $0.key < $1.key }) where other != id && handle.sid == sid {
            drop(other, reason: "server \(sid) reconnected", into: &actions)
        }
        learners[id]!.sid = sid
        learners[id]!.observer = observerInfo || !verifier.isVoter(sid)
        learners[id]!.acceptedEpoch = Zxid(packet.zxid).epoch
        learners[id]!.stage = .awaitingAckEpoch
        if phase == .discovery {
            // Every learner's accepted epoch raises the proposal, observers' too (an observer that
            // accepted a higher epoch would otherwise refuse LEADERINFO); only voters count.
            proposedEpoch = max(proposedEpoch, learners[id]!.acceptedEpoch + 1)
            if !learners[id]!.observer { connecting.insert(sid) }
            if verifier.containsQuorum(connecting) {
                epoch = proposedEpoch
                phase = .awaitingEpochAcks
                actions.append(.persistAcceptedEpoch(epoch))
                actions.append(.log(.info, "LEADING - epoch \(epoch) agreed with servers "
                    + connecting.sorted().map { String($0.rawValue) }.joined(separator: ",")))
                for other in learners.keys.sorted() where learners[other]!.stage == .awaitingAckEpoch {
                    actions.append(.send(other, [ZabPacket.leaderInfo(epoch: epoch)]))
                }
            }
        } else {
            actions.append(.send(id, [ZabPacket.leaderInfo(epoch: epoch)]))
        }
    }

    private mutating func ackEpochReceived(_ lastLogged: Zxid, epoch learnerEpoch: Int32, from id: LearnerConnectionID,
                                           now: Int64, into actions: inout [LeaderAction]) {
        guard phase != .discovery, let sid = learners[id]?.sid else {
            drop(id, reason: "ACKEPOCH before LEADERINFO", into: &actions)
            return
        }
        // Only while the epoch is being agreed does a learner ahead of the leader stop it (ZooKeeper's
        // `waitForEpochAck` returns at once after `electionFinished`): a member rejoining an
        // established leader with a txn nobody committed is synced (by TRUNC), not bounced.
        if learnerEpoch != -1, phase == .awaitingEpochAcks {
            if learnerEpoch > ownCurrentEpoch || (learnerEpoch == ownCurrentEpoch && lastLogged > startZxid) {
                drop(id, reason: "server \(sid) is ahead of the leader (epoch \(learnerEpoch), zxid \(lastLogged))",
                     into: &actions)
                return
            }
            if !learners[id]!.observer { epochAcks.insert(sid) }
        }
        learners[id]!.peerLastZxid = lastLogged
        learners[id]!.stage = .awaitingEpochQuorum
        if phase == .awaitingEpochAcks, verifier.containsQuorum(epochAcks) {
            phase = .awaitingNewLeaderAcks
            actions.append(.persistCurrentEpoch(epoch))
            for other in learners.keys.sorted() where learners[other]!.stage == .awaitingEpochQuorum {
                synchronize(other, now: now, into: &actions)
            }
        } else if phase == .awaitingNewLeaderAcks || phase == .broadcast {
            synchronize(id, now: now, into: &actions)
        }
    }

    private mutating func ackReceived(_ zxid: Zxid, from id: LearnerConnectionID, now: Int64,
                                      into actions: inout [LeaderAction]) {
        guard let handle = learners[id], let sid = handle.sid else { return }
        if handle.stage == .awaitingNewLeaderAck {
            guard zxid == Zxid(epoch: epoch, counter: 0) else {
                drop(id, reason: "ACK of \(zxid) before the NEWLEADER ACK", into: &actions)
                return
            }
            learners[id]!.stage = .forwarding
            learners[id]!.deadlineMs = now + settings.syncMs
            if !handle.observer { newLeaderAcks.insert(sid) }
            if phase == .awaitingNewLeaderAcks, verifier.containsQuorum(newLeaderAcks) {
                phase = .broadcast
                actions.append(.established(epoch: epoch))
                for other in learners.keys.sorted() where learners[other]!.stage == .forwarding {
                    actions.append(.send(other, [ZabPacket.bare(.upToDate, zxid: .none)]))
                }
            } else if phase == .broadcast {
                actions.append(.send(id, [ZabPacket.bare(.upToDate, zxid: .none)]))
            }
            return
        }
        guard zxid.counter != 0 else { return }  // the ACK after UPTODATE
        while let first = learners[id]!.unacked.first, first.zxid <= zxid { learners[id]!.unacked.removeFirst() }
        guard !handle.observer, let index = outstanding.firstIndex(where: { $0.txn.zxid == zxid }) else { return }
        outstanding[index].acks.insert(sid)
        tryCommit(now: now, into: &actions)
    }

    private mutating func requestReceived(_ packet: QuorumPacket, from id: LearnerConnectionID,
                                          into actions: inout [LeaderAction]) throws(JuteError) {
        let request = try ZabPacket.forwarded(of: packet)
        guard phase == .broadcast, let sid = learners[id]?.sid else { return }
        if request.type == .sync {
            syncRequested(by: id, into: &actions)
            return
        }
        actions.append(.prepare(request, from: sid))
    }

    // MARK: - Synchronization

    /// Brings one learner up to the leader's committed state, queues what is still outstanding,
    /// and sends NEWLEADER (`LearnerHandler.syncFollower` and what follows it).
    mutating func synchronize(_ id: LearnerConnectionID, now: Int64, into actions: inout [LeaderAction]) {
        guard let handle = learners[id] else { return }
        let peerLast = handle.peerLastZxid
        let minCommitted = committedLog.first?.zxid ?? lastCommitted
        // Older than the in-memory committed log: the on-disk logs may still serve a DIFF
        // (`LearnerHandler.syncFollower`'s txn-log path); the driver reads them and answers
        // `historyRead`.
        if settings.diskDiffEnabled, peerLast < minCommitted, peerLast.counter != 0 {
            learners[id]!.stage = .awaitingHistory
            actions.append(.readHistory(id, after: peerLast, through: minCommitted))
            return
        }
        send(syncPlan(peerLast: peerLast), to: id, now: now, into: &actions)
    }

    /// The txns the on-disk logs hold from the newest one at or below the learner's last zxid
    /// (the anchor) up to the start of the committed log; nil when the logs cannot serve them.
    public mutating func historyRead(_ id: LearnerConnectionID, txns: [LoggedTxn]?, now: Int64) -> [LeaderAction] {
        guard let handle = learners[id], handle.stage == .awaitingHistory else { return [] }
        var actions: [LeaderAction] = []
        send(diskPlan(peerLast: handle.peerLastZxid, logged: txns), to: id, now: now, into: &actions)
        checkInvariants()
        return actions
    }

    /// DIFF or TRUNC from the logged txns joined to the committed log, or SNAP when they do not
    /// join up: every step must be the next counter of an epoch or the first of a later one, and
    /// the history must end at the last commit.
    func diskPlan(peerLast: Zxid, logged: [LoggedTxn]?) -> SyncPlan {
        guard let logged, let anchor = logged.first, anchor.zxid <= peerLast else { return .snap }
        var history = Array(logged.dropFirst().filter { $0.zxid > peerLast })
        let joined = history.last?.zxid ?? anchor.zxid
        // The logs are read off the core loop while the leader keeps committing, and the committed
        // log keeps only its newest entries: when its start moved past what was read, the join
        // would skip txns, and the check below cannot see a skipped end of an epoch.
        if let first = committedLog.first, first.zxid > joined { return .snap }
        history += committedLog.filter { $0.zxid > joined }
        var previous = anchor.zxid
        for txn in history {
            let next = txn.zxid.epoch == previous.epoch ? txn.zxid == previous.next()
                                                        : txn.zxid.epoch > previous.epoch && txn.zxid.counter == 1
            guard next else { return .snap }
            previous = txn.zxid
        }
        guard previous == lastCommitted else { return .snap }
        if anchor.zxid == peerLast { return .diff(history) }
        // The learner logged txns this leader never had: cut them, unless the history goes on
        // in a later epoch (ZooKeeper's `queueCommittedProposals` then falls back to SNAP).
        if let first = history.first, first.zxid.epoch != peerLast.epoch { return .snap }
        return .trunc(anchor.zxid, history)
    }

    /// Sends the sync of `plan`, the proposals still outstanding, and NEWLEADER.
    private mutating func send(_ plan: SyncPlan, to id: LearnerConnectionID, now: Int64,
                               into actions: inout [LeaderAction]) {
        guard let handle = learners[id] else { return }
        let peerLast = handle.peerLastZxid
        var packets: [QuorumPacket] = []
        switch plan {
        case .diff(let history):
            packets.append(ZabPacket.bare(.diff, zxid: lastCommitted))
            packets += history.flatMap { [ZabPacket.proposal($0), ZabPacket.bare(.commit, zxid: $0.zxid)] }
            actions.append(.log(.info, "Synchronizing server \(handle.sid!) by DIFF from \(peerLast), \(history.count) txns"))
        case .trunc(let to, let history):
            packets.append(ZabPacket.bare(.trunc, zxid: to))
            packets += history.flatMap { [ZabPacket.proposal($0), ZabPacket.bare(.commit, zxid: $0.zxid)] }
            actions.append(.log(.info, "Synchronizing server \(handle.sid!) by TRUNC to \(to) from \(peerLast)"))
        case .snap:
            actions.append(.log(.info, "Synchronizing server \(handle.sid!) by SNAP at \(lastCommitted) from \(peerLast)"))
        }
        if packets.isEmpty {
            actions.append(.sendSnapshot(id))
        } else {
            actions.append(.send(id, packets))
        }
        var tail: [QuorumPacket] = []
        if !handle.observer {
            for proposal in outstanding {
                tail.append(ZabPacket.proposal(proposal.txn))
            }
        }
        tail.append(ZabPacket.newLeader(epoch: epoch, configText: verifier.configText))
        actions.append(.send(id, tail))
        learners[id]!.stage = .awaitingNewLeaderAck
    }

    /// How a learner whose log ends at `peerLast` is synced (quorum-protocol.md §7.3), from the
    /// in-memory committed log; anything it cannot serve is a SNAP.
    func syncPlan(peerLast: Zxid) -> SyncPlan {
        if peerLast == lastCommitted { return .diff([]) }
        let minCommitted = committedLog.first?.zxid ?? lastCommitted
        let maxCommitted = committedLog.last?.zxid ?? lastCommitted
        let peerNewEpoch = peerLast.counter == 0
        if peerLast > maxCommitted {
            return peerNewEpoch ? .snap : .trunc(maxCommitted, [])
        }
        guard peerLast >= minCommitted, !committedLog.isEmpty else { return .snap }
        var previous: Zxid?
        for (index, txn) in committedLog.enumerated() {
            if txn.zxid < peerLast {
                previous = txn.zxid
                continue
            }
            let rest = Array(committedLog.dropFirst(index))
            if txn.zxid == peerLast { return .diff(Array(rest.dropFirst())) }
            if peerNewEpoch { return .diff(rest) }
            // The learner logged txns this leader never committed: cut them, unless that would
            // cross an epoch boundary (then only a snapshot is safe).
            if txn.zxid.epoch == peerLast.epoch, let previous { return .trunc(previous, rest) }
            return .snap
        }
        return .snap
    }

    /// The three ways of syncing a learner.
    enum SyncPlan: Equatable {
        /// Send these committed txns after DIFF.
        case diff([LoggedTxn])
        /// Cut the learner's log back to the zxid, then send these txns.
        case trunc(Zxid, [LoggedTxn])
        /// Send the whole tree.
        case snap
    }
}
