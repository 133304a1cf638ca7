/// Timing of fast leader election (ZooKeeper's `FastLeaderElection.finalizeWait` and the
/// `zookeeper.fastleader.minNotificationInterval` / `maxNotificationInterval` properties).
public struct ElectionSettings: Sendable, Equatable {
    /// How long a proposal backed by a quorum waits for a better vote before it is final.
    public var finalizeWaitMs: Int64
    /// The first wait for a notification before the round's votes are re-sent.
    public var minNotificationIntervalMs: Int64
    /// The cap of that wait, which doubles on every silent interval.
    public var maxNotificationIntervalMs: Int64

    /// ZooKeeper's defaults: 200 ms, 200 ms, 60 s.
    public init(finalizeWaitMs: Int64 = 200, minNotificationIntervalMs: Int64 = 200,
                maxNotificationIntervalMs: Int64 = 60_000) {
        self.finalizeWaitMs = finalizeWaitMs
        self.minNotificationIntervalMs = minNotificationIntervalMs
        self.maxNotificationIntervalMs = maxNotificationIntervalMs
    }
}

/// What the election asks its runtime to do.
public enum ElectionAction: Hashable, Sendable {
    /// Queue a notification to one peer (never to ourselves: the machine counts its own vote
    /// directly, where ZooKeeper loops it back through `QuorumCnxManager`).
    case send(to: ServerID, Notification)
    /// Some earlier messages are still undelivered: (re)connect to every voter
    /// (ZooKeeper's `QuorumCnxManager.connectAll`).
    case reconnectAll
    /// The round is over: become LEADING, FOLLOWING or OBSERVING with this final vote.
    case decided(Vote, ServerState)
    /// A line for the server log.
    case log(LogLevel, String)
}

/// Fast leader election as a pure machine (ZooKeeper's `FastLeaderElection`, quorum-protocol.md §5).
///
/// ZooKeeper runs the election as a blocking loop over a receive queue with worker threads
/// beside it. Here every step is an event: `lookForLeader` starts a round, `received` takes one
/// decoded notification, and `tick` stands in for the loop's timed poll; `nextDeadline` says when
/// the next tick is due. The runtime carries out the returned actions and, once the machine has
/// decided, runs the Zab role; the machine keeps answering LOOKING peers with its final vote
/// until the next `lookForLeader`.
///
/// Not implemented: dynamic reconfiguration (a notification carrying a newer config is logged and
/// its config ignored, because adopting it means restarting the election under a new verifier,
/// which belongs with the reconfig work) and the two-server oracle (`QuorumOracleMaj`).
public struct Election: Sendable {
    /// This server's id.
    public let myID: ServerID
    /// The quorum config the election counts votes against.
    public let verifier: QuorumVerifier
    /// Timing.
    public let settings: ElectionSettings
    /// The round number (ZooKeeper's `logicalclock`): incremented by `lookForLeader`, raised to a
    /// higher round seen from a LOOKING peer, and set to an established ensemble's round when
    /// this server joins it.
    public internal(set) var logicalClock: Int64 = 0

    var phase: Phase = .idle
    /// The config text every notification carries.
    let configText: String
    /// True when our own server entry is an observer (ZooKeeper's `LearnerType.OBSERVER`).
    let isObserver: Bool

    /// Where the machine is between events.
    enum Phase {
        /// Before the first `lookForLeader`: nothing is answered.
        case idle
        /// In a round.
        case looking(Round)
        /// The round ended; the vote is the one this server answers with.
        case decided(Vote, ServerState)
    }

    /// One `lookForLeader` call's data.
    struct Round {
        /// This server's own vote from the call's inputs (ZooKeeper's `getInitId`,
        /// `getInitLastLoggedZxid`, `getPeerEpoch`).
        var initial: Vote
        /// The vote we currently push (ZooKeeper's `proposedLeader/Zxid/Epoch`).
        var proposal: Vote
        /// The vote the peer last settled on, which answers non-voters while we look
        /// (ZooKeeper's `QuorumPeer.getCurrentVote`).
        var peerVote: Vote
        /// Votes of this round, by sender (ZooKeeper's `recvset`).
        var recvset: [ServerID: RecordedVote] = [:]
        /// FOLLOWING/LEADING votes of any round, by sender (ZooKeeper's `outofelection`).
        var outOfElection: [ServerID: RecordedVote] = [:]
        /// The current wait for a notification (ZooKeeper's `notTimeout`).
        var notificationIntervalMs: Int64
        /// When the current wait for a notification ends.
        var pollDeadline: Int64
        /// Set while a quorum backs the proposal and we wait for a better vote.
        var finalizeDeadline: Int64?
    }

    /// A machine that has not started a round; call `lookForLeader` next.
    public init(myID: ServerID, verifier: QuorumVerifier, settings: ElectionSettings = ElectionSettings()) {
        self.myID = myID
        self.verifier = verifier
        self.settings = settings
        configText = verifier.configText
        isObserver = verifier.members[myID]?.role == .observer
    }

    /// LOOKING while a round runs (or before the first), else the decided state.
    public var state: ServerState {
        switch phase {
        case .idle, .looking: return .looking
        case let .decided(_, state): return state
        }
    }

    /// While LOOKING, the proposal of the round (round = `logicalClock`); once decided, the final
    /// vote, with the epoch `updateVoteEpoch` gave it; before any round, a placeholder for us.
    public var currentVote: Vote {
        switch phase {
        case .idle:
            return Vote(leader: myID.rawValue, zxid: -1, electionEpoch: 0, peerEpoch: -1)
        case let .looking(round):
            var vote = round.proposal
            vote.electionEpoch = logicalClock
            return vote
        case let .decided(vote, _):
            return vote
        }
    }

    /// When `tick` must next run: the end of the finalize wait or of the notification wait;
    /// nil when not LOOKING.
    public var nextDeadline: Int64? {
        switch phase {
        case .idle, .decided: return nil
        case let .looking(round): return round.finalizeDeadline ?? round.pollDeadline
        }
    }

    /// Starts a round (ZooKeeper's `FastLeaderElection.lookForLeader` up to its loop):
    /// `logicalClock += 1`, our own vote from the inputs, a LOOKING notification to every other
    /// voter, and our vote counted for ourselves.
    ///
    /// `lastLoggedZxid` is the last zxid in the local database (-1 while it cannot be trusted,
    /// which makes us ignore LOOKING votes), `currentEpoch` the persisted current epoch. An
    /// observer or other non-voter proposes `Int64.min` for leader, zxid and epoch, as ZooKeeper.
    public mutating func lookForLeader(lastLoggedZxid: Zxid, currentEpoch: Int64, now: Int64) -> [ElectionAction] {
        let peerVote: Vote
        switch phase {
        case .idle:
            peerVote = Vote(leader: myID.rawValue, zxid: lastLoggedZxid.rawValue, electionEpoch: -1,
                            peerEpoch: currentEpoch)
        case let .looking(round):
            peerVote = round.peerVote
        case let .decided(vote, _):
            peerVote = vote
        }
        // Wrapping: a peer's round is copied unchecked, as ZooKeeper does, and may be Int64.max.
        logicalClock &+= 1
        let initial = Vote(
            leader: verifier.isVoter(myID) ? myID.rawValue : Int64.min,
            zxid: isObserver ? Int64.min : lastLoggedZxid.rawValue,
            electionEpoch: logicalClock,
            peerEpoch: isObserver ? Int64.min : currentEpoch)
        var round = Round(initial: initial, proposal: initial, peerVote: peerVote,
                          notificationIntervalMs: settings.minNotificationIntervalMs,
                          pollDeadline: now + settings.minNotificationIntervalMs)
        var actions: [ElectionAction] = [
            .log(.info, "New election. My id = \(myID), proposed zxid=0x\(Election.hex(initial.zxid)), round 0x\(Election.hex(logicalClock))")
        ]
        broadcast(&round, into: &actions)
        checkProposalQuorum(&round, now: now)
        phase = .looking(round)
        finishEvent()
        return actions
    }

    /// The timer (ZooKeeper's timed `recvqueue.poll` in `lookForLeader`): at the end of a finalize
    /// wait the proposal becomes final; at the end of a notification wait the votes are re-sent
    /// when everything queued was delivered (`allDelivered`, ZooKeeper's
    /// `QuorumCnxManager.haveDelivered`), else every voter is reconnected, and the next wait is
    /// twice as long, up to `maxNotificationIntervalMs`. Early or idle ticks do nothing.
    public mutating func tick(now: Int64, allDelivered: Bool) -> [ElectionAction] {
        var actions: [ElectionAction] = []
        defer { finishEvent() }
        guard case var .looking(round) = phase else { return actions }
        if let finalizeDeadline = round.finalizeDeadline {
            if now >= finalizeDeadline {
                let final = Vote(leader: round.proposal.leader, zxid: round.proposal.zxid,
                                 electionEpoch: logicalClock, peerEpoch: round.proposal.peerEpoch)
                decide(final, into: &actions)
            }
            return actions
        }
        guard now >= round.pollDeadline else { return actions }
        if allDelivered {
            broadcast(&round, into: &actions)
        } else {
            actions.append(.reconnectAll)
        }
        let maxInterval = settings.maxNotificationIntervalMs
        round.notificationIntervalMs = round.notificationIntervalMs > maxInterval / 2
            ? max(maxInterval, round.notificationIntervalMs) : min(round.notificationIntervalMs * 2, maxInterval)
        round.pollDeadline = now + round.notificationIntervalMs
        actions.append(.log(.info, "Notification time out: \(round.notificationIntervalMs) ms"))
        checkProposalQuorum(&round, now: now)
        phase = .looking(round)
        return actions
    }

    /// Records that this server synced with its leader in `epoch`: the vote it answers with now
    /// carries that epoch as peerEpoch, while keeping the zxid from election time (ZooKeeper's
    /// `QuorumPeer.updateElectionVote`, ZOOKEEPER-1732; live 3.8.0 answers show exactly this).
    public mutating func updateVoteEpoch(_ epoch: Int64) {
        switch phase {
        case .idle:
            break
        case var .looking(round):
            round.peerVote.peerEpoch = epoch
            phase = .looking(round)
        case .decided(var vote, let state):
            vote.peerEpoch = epoch
            phase = .decided(vote, state)
        }
        finishEvent()
    }

    /// Sends our proposal to every other voter (ZooKeeper's `sendNotifications`) and counts it as
    /// our own vote in this round, the step ZooKeeper takes when its own message loops back.
    func broadcast(_ round: inout Round, into actions: inout [ElectionAction]) {
        let n = Notification(vote: round.proposal, electionEpoch: logicalClock, state: .looking, config: configText)
        for sid in verifier.votingMembers where sid != myID {
            actions.append(.send(to: sid, n))
        }
        guard verifier.isVoter(myID), round.initial.zxid != -1, round.proposal.zxid != -1 else { return }
        var own = round.proposal
        own.electionEpoch = logicalClock
        own.state = .looking
        round.recvset[myID] = RecordedVote(vote: own, version: 0)
    }

    /// Starts the finalize wait when the votes of this round that equal our proposal form a
    /// quorum (ZooKeeper's `getVoteTracker(...).hasAllQuorums()` in the LOOKING case).
    func checkProposalQuorum(_ round: inout Round, now: Int64) {
        guard round.finalizeDeadline == nil else { return }
        var target = round.proposal
        target.electionEpoch = logicalClock
        target.state = .looking
        if hasQuorum(round.recvset, agreeingWith: RecordedVote(vote: target, version: 0)) {
            round.finalizeDeadline = now + settings.finalizeWaitMs
        }
    }

    /// Whether the senders whose votes agree with `vote` form a quorum of our config.
    func hasQuorum(_ votes: [ServerID: RecordedVote], agreeingWith vote: RecordedVote) -> Bool {
        verifier.containsQuorum(Set(votes.filter { $0.value.agrees(with: vote) }.keys))
    }

    /// Ends the round with `vote` (ZooKeeper's `setPeerState` and `leaveInstance`): LEADING when
    /// we are its leader, else FOLLOWING, or OBSERVING for an observer.
    mutating func decide(_ vote: Vote, into actions: inout [ElectionAction]) {
        let state: ServerState = vote.leader == myID.rawValue ? .leading : (isObserver ? .observing : .following)
        var final = vote
        final.state = state
        phase = .decided(final, state)
        actions.append(.log(.info, "Elected leader \(vote.leader) in round 0x\(Election.hex(vote.electionEpoch)): \(state)"))
        actions.append(.decided(final, state))
    }

    /// Runs `checkInvariants` in debug builds; every event ends here.
    func finishEvent() {
        #if DEBUG
        checkInvariants()
        #endif
    }

    /// Crashes on a broken invariant: votes only from voters, a proposal never worse than our
    /// own vote, a bounded notification wait while LOOKING, and a decision naming a voter with
    /// the state that follows from it. The round number is not checked: peers set it.
    func checkInvariants() {
        switch phase {
        case .idle:
            precondition(logicalClock == 0, "idle machine with a round")
        case let .looking(round):
            precondition(round.recvset.keys.allSatisfy(verifier.isVoter), "recvset holds a non-voter")
            precondition(round.outOfElection.keys.allSatisfy(verifier.isVoter), "outofelection holds a non-voter")
            precondition(!round.initial.isBetter(than: round.proposal, weight: verifier.weight(of:)),
                         "proposal \(round.proposal) is worse than our own vote \(round.initial)")
            precondition(round.proposal.leader == round.initial.leader || verifier.isVoter(ServerID(round.proposal.leader)),
                         "proposal names non-voter \(round.proposal.leader)")
            precondition(round.notificationIntervalMs >= settings.minNotificationIntervalMs
                         && round.notificationIntervalMs <= max(settings.maxNotificationIntervalMs,
                                                                settings.minNotificationIntervalMs),
                         "notification interval out of bounds")
        case let .decided(vote, state):
            precondition(verifier.isVoter(ServerID(vote.leader)), "decided for non-voter \(vote.leader)")
            precondition(state != .looking && vote.state == state, "decided vote in state \(vote.state)")
            precondition((state == .leading) == (vote.leader == myID.rawValue), "leading iff we lead")
            precondition(!isObserver || state == .observing, "an observer decided \(state)")
        }
    }
}

/// A vote as the election stores it, with the message format version it arrived in.
///
/// ZooKeeper's `Vote.equals` needs the version to decide how loosely votes of servers already out
/// of the election agree, so the machine keeps it beside the vote.
struct RecordedVote: Hashable {
    var vote: Vote
    var version: Int32

    /// ZooKeeper's `Vote.equals`: when either vote is LOOKING, leader, zxid, round and peer epoch
    /// must all match; two votes of servers out of the election (FOLLOWING/LEADING) only need the
    /// same leader and peer epoch, because their zxid and round may differ after
    /// `updateElectionVote` (ZOOKEEPER-1805), and only the same leader when exactly one of them
    /// comes from a pre-3.4.6 peer with format version 0, whose peer epoch differs (ZOOKEEPER-1732).
    func agrees(with other: RecordedVote) -> Bool {
        let a = vote, b = other.vote
        guard a.leader == b.leader else { return false }
        if a.state == .looking || b.state == .looking {
            return a.zxid == b.zxid && a.electionEpoch == b.electionEpoch && a.peerEpoch == b.peerEpoch
        }
        if (version > 0) != (other.version > 0) { return true }
        return a.peerEpoch == b.peerEpoch
    }
}

extension Election {
    /// Lowercase hex of a long as Java's `Long.toHexString` prints it, for log lines.
    static func hex(_ value: Int64) -> String { String(UInt64(bitPattern: value), radix: 16) }
}
