extension Election {
    /// Takes one decoded notification from `sid` (ZooKeeper's `WorkerReceiver.run` followed by
    /// the body of `lookForLeader`'s loop).
    ///
    /// A non-voter sender (observer, stranger) only gets our vote back, so observers learn the
    /// leader. Once decided, a LOOKING sender gets our final vote and state. While LOOKING, a
    /// LOOKING sender in an older round gets our proposal, then the notification is counted.
    /// Before the first `lookForLeader` nothing is answered, as ZooKeeper's receiver does not run
    /// yet. A message claiming our own id is dropped: the transport refuses such connections
    /// (ZooKeeper's `QuorumCnxManager` closes them) and our own vote is counted directly. A newer config in the notification is logged and ignored: adopting it would restart
    /// the election under another verifier, which comes with dynamic reconfiguration.
    public mutating func received(_ n: Notification, from sid: ServerID, now: Int64) -> [ElectionAction] {
        var actions: [ElectionAction] = []
        defer { finishEvent() }
        guard sid != myID else {
            actions.append(.log(.warning, "Ignoring notification claiming to come from my own id \(sid)"))
            return actions
        }
        noteNewerConfig(n, from: sid, into: &actions)
        switch phase {
        case .idle:
            actions.append(.log(.debug, "Ignoring notification from \(sid): no election started"))
        case let .decided(vote, state):
            if !verifier.isVoter(sid) {
                actions.append(.send(to: sid, Notification(vote: vote, electionEpoch: logicalClock, state: state,
                                                           config: configText)))
            } else if n.state == .looking {
                actions.append(.send(to: sid, Notification(vote: vote, electionEpoch: vote.electionEpoch,
                                                           state: state, config: configText)))
            }
        case var .looking(round):
            guard verifier.isVoter(sid) else {
                actions.append(.send(to: sid, Notification(vote: round.peerVote, electionEpoch: logicalClock,
                                                           state: .looking, config: configText)))
                return actions
            }
            if n.state == .looking, n.electionEpoch < logicalClock {
                var reply = round.proposal
                reply.electionEpoch = logicalClock
                actions.append(.send(to: sid, Notification(vote: reply, electionEpoch: logicalClock, state: .looking,
                                                           config: configText)))
            }
            if let final = lookingReceived(n, from: sid, now: now, round: &round, into: &actions) {
                decide(final, into: &actions)
            } else {
                phase = .looking(round)
            }
        }
        return actions
    }

    /// One voter's notification while LOOKING; returns the final vote when it ends the round.
    ///
    /// During the finalize wait only a vote better than our proposal is looked at (it cancels
    /// the wait); anything else is dropped and the wait starts over, as ZooKeeper's inner
    /// `recvqueue.poll(finalizeWait)` loop does.
    private mutating func lookingReceived(_ n: Notification, from sid: ServerID, now: Int64, round: inout Round,
                                          into actions: inout [ElectionAction]) -> Vote? {
        round.pollDeadline = now + round.notificationIntervalMs
        if round.finalizeDeadline != nil {
            guard isBetter(n, than: round.proposal) else {
                round.finalizeDeadline = now + settings.finalizeWaitMs
                actions.append(.log(.debug, "Finalize wait: notification from \(sid) is no better; dropped"))
                return nil
            }
            round.finalizeDeadline = nil
        }
        guard verifier.isVoter(ServerID(n.leader)) else {
            actions.append(.log(.warning, "Ignoring notification for non-cluster member sid \(n.leader) from sid \(sid)"))
            return nil
        }
        switch n.state {
        case .looking:
            lookingVoteReceived(n, from: sid, now: now, round: &round, into: &actions)
            return nil
        case .observing:
            actions.append(.log(.debug, "Notification from observer: \(sid)"))
            return nil
        case .following, .leading:
            return establishedVoteReceived(n, from: sid, round: &round)
        }
    }

    /// A LOOKING voter's vote (ZooKeeper's `case LOOKING` in `lookForLeader`): a newer round is
    /// joined afresh, an older one ignored, a better vote adopted and re-sent; then the vote is
    /// recorded and the finalize wait starts once a quorum backs our proposal.
    private mutating func lookingVoteReceived(_ n: Notification, from sid: ServerID, now: Int64, round: inout Round,
                                              into actions: inout [ElectionAction]) {
        if round.initial.zxid == -1 {
            actions.append(.log(.debug, "Ignoring notification as our zxid is -1"))
            return
        }
        if n.zxid == -1 {
            actions.append(.log(.debug, "Ignoring notification from member with -1 zxid \(sid)"))
            return
        }
        if n.electionEpoch > logicalClock {
            logicalClock = n.electionEpoch
            round.recvset = [:]
            round.finalizeDeadline = nil
            round.proposal = isBetter(n, than: round.initial) ? Vote(n) : round.initial
            round.proposal.state = .looking
            broadcast(&round, into: &actions)
        } else if n.electionEpoch < logicalClock {
            actions.append(.log(.debug, "Notification round 0x\(Election.hex(n.electionEpoch)) is older than ours 0x\(Election.hex(logicalClock))"))
            return
        } else if isBetter(n, than: round.proposal) {
            round.proposal = Vote(n)
            round.proposal.state = .looking
            broadcast(&round, into: &actions)
        }
        round.recvset[sid] = RecordedVote(
            vote: Vote(leader: n.leader, zxid: n.zxid, electionEpoch: n.electionEpoch, peerEpoch: n.peerEpoch),
            version: 0)
        checkProposalQuorum(&round, now: now)
    }

    /// A FOLLOWING or LEADING voter's vote (ZooKeeper's `receivedFollowingNotification`): in our
    /// round it counts toward `recvset`; in any round it counts toward `outofelection`, which lets
    /// a server that comes late join an established leader. Either set ends the round when a
    /// quorum agrees with this vote and `checkLeader` holds.
    private mutating func establishedVoteReceived(_ n: Notification, from sid: ServerID,
                                                  round: inout Round) -> Vote? {
        let vote = RecordedVote(vote: Vote(n), version: n.version)
        let final = Vote(leader: n.leader, zxid: n.zxid, electionEpoch: n.electionEpoch, peerEpoch: n.peerEpoch)
        if n.electionEpoch == logicalClock {
            round.recvset[sid] = RecordedVote(vote: Vote(n), version: 0)
            if hasQuorum(round.recvset, agreeingWith: vote),
               checkLeader(round.recvset, leader: n.leader, electionEpoch: n.electionEpoch) {
                return final
            }
        }
        round.outOfElection[sid] = vote
        if hasQuorum(round.outOfElection, agreeingWith: vote),
           checkLeader(round.outOfElection, leader: n.leader, electionEpoch: n.electionEpoch) {
            logicalClock = n.electionEpoch
            return final
        }
        return nil
    }

    /// ZooKeeper's `checkLeader`: another server may only be followed once its own vote says it
    /// is LEADING (so a crashed leader is not elected again and again by its old followers); we
    /// may only lead on votes of our current round.
    private func checkLeader(_ votes: [ServerID: RecordedVote], leader: Int64, electionEpoch: Int64) -> Bool {
        guard leader == myID.rawValue else {
            return votes[ServerID(leader)]?.vote.state == .leading
        }
        return logicalClock == electionEpoch
    }

    /// The total order on the notification's candidate against `vote`'s.
    private func isBetter(_ n: Notification, than vote: Vote) -> Bool {
        Vote.isBetter(leader: n.leader, zxid: n.zxid, peerEpoch: n.peerEpoch,
                      than: (vote.leader, vote.zxid, vote.peerEpoch), weight: verifier.weight(of:))
    }

    /// Logs a notification whose config is newer than ours; the config itself is not adopted.
    private func noteNewerConfig(_ n: Notification, from sid: ServerID, into actions: inout [ElectionAction]) {
        guard let text = n.config, let version = Notification.configVersion(of: text),
              version > verifier.version else { return }
        actions.append(.log(.info, "Ignoring config version 0x\(Election.hex(version)) from \(sid) "
                            + "(ours 0x\(Election.hex(verifier.version))): dynamic reconfiguration is not supported yet"))
    }
}
