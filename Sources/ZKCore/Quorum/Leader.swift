import DequeModule

/// What the leader machine asks its driver to do. Actions are carried out in order; epoch writes
/// are synchronous (the file is on disk before the next action runs), as ZooKeeper writes them.
public enum LeaderAction: Hashable, Sendable {
    /// Packets to one learner, in order after everything sent to it before.
    case send(LearnerConnectionID, [QuorumPacket])
    /// Send SNAP (zxid = the tree's last applied zxid) followed by the serialized tree, now,
    /// before any later packet to that learner.
    case sendSnapshot(LearnerConnectionID)
    /// Drop a learner connection.
    case close(LearnerConnectionID, reason: String)
    case persistAcceptedEpoch(Int32)
    case persistCurrentEpoch(Int32)
    /// Every proposal up to this zxid is committed and durable here: apply it.
    case commit(through: Zxid)
    /// A quorum acknowledged NEWLEADER: start serving clients in this epoch.
    case established(epoch: Int32)
    /// A sync from one of the leader's own clients is confirmed: answer the oldest waiting one.
    case localSyncConfirmed
    /// A learner forwarded a client request: prepare it (the result comes back as `proposed`).
    case prepare(ForwardedRequest, from: ServerID)
    /// Sessions kept alive by a learner's clients.
    case touch([SessionTouch])
    /// Read the logged txns from the newest at or below `after` through `through` (a DIFF for a
    /// learner older than the committed log); answer with `historyRead` (nil: use SNAP).
    case readHistory(LearnerConnectionID, after: Zxid, through: Zxid)
    /// A learner asks whether a session still lives; answer with `revalidated`.
    case revalidate(LearnerConnectionID, SessionID, timeoutMs: Int32)
    /// Leadership is over (lost quorum, timed out): go back to LOOKING.
    case quit(reason: String)
    case log(LogLevel, String)
}

/// A client's sync at the leader. In Apache ZooKeeper a sync only waits for the proposals made
/// before it to commit, so a leader that was deposed without knowing it (paused, partitioned)
/// answers a sync from stale state and the read after it is stale (ZOOKEEPER-1675, jepsen#399).
/// Here a sync also waits until a quorum of voters proved they still follow this leader after
/// the sync arrived: each answered a PING sent after it (as etcd's ReadIndex confirms
/// leadership). Only then does SYNC go back (to a learner) or the leader's own client get its
/// answer, so sync followed by a read is linearizable.
struct PendingSync {
    /// The last proposal when the sync arrived: it must be committed first.
    var zxid: Zxid
    /// The learner that forwarded it, or nil for a client of the leader itself.
    var learner: LearnerConnectionID?
    /// Per learner connection, the PING number whose reply confirms (voters only).
    var confirmingPings: [LearnerConnectionID: UInt64]
}

/// The Zab leader as a pure machine: discovery (epoch agreement), synchronization of each learner
/// (DIFF, TRUNC or SNAP), and broadcast with quorum commits in zxid order (ZooKeeper's `Leader`
/// and `LearnerHandler`, quorum-protocol.md §7-§8).
///
/// The leader's own log is one more ACK source: a proposal is committed once a quorum ACKed it
/// *and* it is durable here, so a commit is always safe to apply at once.
public struct Leader {
    /// Where discovery and sync stand.
    public enum Phase: Equatable, Sendable {
        /// Waiting for a quorum of FOLLOWERINFO to fix the epoch.
        case discovery
        /// Epoch fixed; waiting for a quorum of ACKEPOCH.
        case awaitingEpochAcks
        /// Learners synced; waiting for a quorum of NEWLEADER ACKs.
        case awaitingNewLeaderAcks
        /// Serving: proposals flow.
        case broadcast
    }

    /// How far one learner got.
    enum Stage: Equatable {
        case awaitingInfo
        case awaitingAckEpoch
        /// ACKEPOCH seen; waiting until a quorum has sent theirs before syncing.
        case awaitingEpochQuorum
        /// Waiting for the on-disk history a DIFF needs.
        case awaitingHistory
        /// Synced and sent NEWLEADER; its ACK not yet seen.
        case awaitingNewLeaderAck
        /// ACKed NEWLEADER; UPTODATE sent once the leader was established.
        case forwarding
    }

    struct Handle {
        var sid: ServerID?
        var observer = false
        var stage = Stage.awaitingInfo
        var acceptedEpoch: Int32 = -1
        /// The learner's last logged zxid, from ACKEPOCH.
        var peerLastZxid = Zxid.zero
        /// Packets must arrive before this time.
        var deadlineMs: Int64
        /// PINGs sent to it and PING replies received: TCP keeps both in order and a learner answers
        /// every PING, so reply number n answers PING number n (how a sync learns that this
        /// learner still followed this leader after the sync arrived).
        var pingsSent: UInt64 = 0
        var pingsAnswered: UInt64 = 0
        /// Proposals sent and not ACKed yet, with the time sent: only those sent once the learner
        /// ACKed NEWLEADER (ZooKeeper's `SyncLimitCheck` starts then; until then initLimit bounds
        /// the sync, and a learner behind a long SNAP stream has thousands of packets to catch up on).
        var unacked = Deque<(zxid: Zxid, sentMs: Int64)>()
    }

    struct Proposal {
        var txn: LoggedTxn
        var acks: Set<ServerID>
    }

    public let myID: ServerID
    public let verifier: QuorumVerifier
    public let settings: ZabSettings
    public internal(set) var phase = Phase.discovery
    /// The epoch being established (-1 until a quorum fixed it).
    public internal(set) var epoch: Int32 = -1
    var proposedEpoch: Int32
    let ownCurrentEpoch: Int32
    /// The leader's last zxid when it started: a learner past (ownCurrentEpoch, startZxid) is ahead of it.
    let startZxid: Zxid
    var learners: [LearnerConnectionID: Handle] = [:]
    var connecting: Set<ServerID>
    var epochAcks: Set<ServerID>
    var newLeaderAcks: Set<ServerID>
    /// Proposals sent and not committed, in zxid order.
    var outstanding = Deque<Proposal>()
    /// The newest committed proposals, for DIFF (ZooKeeper's `ZKDatabase.committedLog`).
    var committedLog = Deque<LoggedTxn>()
    public internal(set) var lastCommitted: Zxid
    public internal(set) var lastProposed: Zxid
    /// Highest zxid durable in the leader's own log.
    public internal(set) var selfSynced: Zxid
    /// Syncs waiting, oldest first (see `PendingSync`).
    var pendingSyncs = Deque<PendingSync>()
    let startedMs: Int64
    var nextPingMs: Int64
    var nextQuorumCheckMs: Int64

    /// Starts leading. `lastZxid` is the last txn of the leader's log, all of which the new epoch
    /// inherits as committed; `history` is the tail of that log (newest last) for DIFFs.
    public init(myID: ServerID, verifier: QuorumVerifier, settings: ZabSettings, acceptedEpoch: Int32,
                currentEpoch: Int32, lastZxid: Zxid, history: [LoggedTxn], now: Int64) {
        self.myID = myID
        self.verifier = verifier
        self.settings = settings
        proposedEpoch = acceptedEpoch + 1
        ownCurrentEpoch = currentEpoch
        startZxid = lastZxid
        connecting = [myID]
        epochAcks = [myID]
        newLeaderAcks = [myID]
        lastCommitted = lastZxid
        lastProposed = lastZxid
        selfSynced = lastZxid
        committedLog = Deque(history.suffix(settings.commitLogCount))
        startedMs = now
        nextPingMs = now + settings.pingIntervalMs
        nextQuorumCheckMs = now + settings.initMs
    }

    /// The synced learners (voters with a live deadline), plus the leader.
    public func syncedVoters(now: Int64) -> Set<ServerID> {
        var ids: Set<ServerID> = [myID]
        for handle in learners.values where handle.stage == .forwarding && handle.deadlineMs >= now {
            if let sid = handle.sid, !handle.observer { ids.insert(sid) }
        }
        return ids
    }

    /// Learners in broadcast (UPTODATE sent), by kind, for `mntr`.
    public var learnerCounts: (learners: Int, followers: Int, observers: Int) {
        let live = learners.values.filter { $0.stage == .forwarding }
        return (learners.count, live.filter { !$0.observer }.count, live.filter { $0.observer }.count)
    }

    /// Number of learner syncs waiting on a commit.
    public var pendingSyncCount: Int { pendingSyncs.count }

    /// When the machine next needs `tick`.
    public var nextDeadline: Int64 {
        var next = min(nextPingMs, nextQuorumCheckMs)
        for handle in learners.values { next = min(next, handle.deadlineMs + 1) }
        return next
    }

    // MARK: - Events

    /// Leading begins. A leader that is a quorum on its own (one voter with
    /// `standaloneEnabled=false`) fixes its epoch and is established at once; any other waits
    /// for learners.
    public mutating func started(now: Int64) -> [LeaderAction] {
        var actions: [LeaderAction] = []
        guard phase == .discovery, verifier.containsQuorum(connecting) else { return actions }
        epoch = proposedEpoch
        phase = .awaitingEpochAcks
        actions.append(.persistAcceptedEpoch(epoch))
        if verifier.containsQuorum(epochAcks) {
            phase = .awaitingNewLeaderAcks
            actions.append(.persistCurrentEpoch(epoch))
        }
        if phase == .awaitingNewLeaderAcks, verifier.containsQuorum(newLeaderAcks) {
            phase = .broadcast
            actions.append(.established(epoch: epoch))
        }
        checkInvariants()
        _ = now
        return actions
    }

    /// A learner connected to the quorum port.
    public mutating func learnerConnected(_ id: LearnerConnectionID, now: Int64) -> [LeaderAction] {
        learners[id] = Handle(deadlineMs: now + settings.initMs + settings.syncMs)
        return []
    }

    /// A learner connection is gone.
    public mutating func learnerClosed(_ id: LearnerConnectionID, now: Int64) -> [LeaderAction] {
        learners[id] = nil
        pendingSyncs.removeAll { $0.learner == id }
        var actions: [LeaderAction] = []
        answerSyncs(into: &actions)
        checkInvariants()
        _ = now
        return actions
    }

    /// The leader's own log made everything up to `zxid` durable.
    public mutating func logSynced(through zxid: Zxid, now: Int64) -> [LeaderAction] {
        var actions: [LeaderAction] = []
        if zxid > selfSynced { selfSynced = zxid }
        tryCommit(now: now, into: &actions)
        checkInvariants()
        return actions
    }

    /// The core prepared txns (from local clients or forwarded requests): propose them.
    public mutating func proposed(_ txns: [LoggedTxn], now: Int64) -> [LeaderAction] {
        precondition(phase == .broadcast, "proposal outside broadcast")
        var actions: [LeaderAction] = []
        for txn in txns {
            precondition(txn.zxid == lastProposed.next() || txn.zxid.counter == 1 && txn.zxid.epoch == epoch,
                         "proposal \(txn.zxid) does not follow \(lastProposed)")
            lastProposed = txn.zxid
            outstanding.append(Proposal(txn: txn, acks: []))
            let packet = ZabPacket.proposal(txn)
            for id in learners.keys.sorted() where !learners[id]!.observer
                && (learners[id]!.stage == .awaitingNewLeaderAck || learners[id]!.stage == .forwarding) {
                if learners[id]!.stage == .forwarding { learners[id]!.unacked.append((txn.zxid, now)) }
                actions.append(.send(id, [packet]))
            }
        }
        checkInvariants()
        return actions
    }

    /// The answer to a `revalidate` request.
    public mutating func revalidated(_ id: LearnerConnectionID, session: SessionID, valid: Bool) -> [LeaderAction] {
        guard learners[id] != nil else { return [] }
        return [.send(id, [ZabPacket.revalidateReply(session: session, valid: valid)])]
    }

    /// Time passed: ping, drop silent learners, give up without a quorum.
    public mutating func tick(now: Int64) -> [LeaderAction] {
        var actions: [LeaderAction] = []
        for id in learners.keys.sorted() {
            guard let handle = learners[id] else { continue }
            if now > handle.deadlineMs {
                drop(id, reason: "no packet from \(handle.sid.map(String.init(describing:)) ?? "learner") within its limit", into: &actions)
            } else if let oldest = handle.unacked.first, now - oldest.sentMs > settings.syncMs {
                drop(id, reason: "proposal \(oldest.zxid) not acknowledged within syncLimit", into: &actions)
            }
        }
        if now >= nextPingMs {
            nextPingMs = now + settings.pingIntervalMs
            let ping = ZabPacket.bare(.ping, zxid: lastProposed)
            for id in learners.keys.sorted() where learners[id]!.stage == .forwarding {
                learners[id]!.pingsSent += 1
                actions.append(.send(id, [ping]))
            }
        }
        if now >= nextQuorumCheckMs {
            nextQuorumCheckMs = now + settings.tickMs
            if phase != .broadcast {
                actions.append(.quit(reason: "no quorum of learners synced within initLimit (phase \(phase))"))
            } else if !verifier.containsQuorum(syncedVoters(now: now)) {
                actions.append(.quit(reason: "Not sufficient followers synced, only synced with sids: "
                    + syncedVoters(now: now).sorted().map { String($0.rawValue) }.joined(separator: ",")))
            }
        }
        checkInvariants()
        return actions
    }

    mutating func drop(_ id: LearnerConnectionID, reason: String, into actions: inout [LeaderAction]) {
        guard learners.removeValue(forKey: id) != nil else { return }
        pendingSyncs.removeAll { $0.learner == id }
        actions.append(.close(id, reason: reason))
        answerSyncs(into: &actions)
    }

    // MARK: - Commit

    /// Commits, in zxid order, every leading proposal a quorum ACKed that is durable here.
    mutating func tryCommit(now: Int64, into actions: inout [LeaderAction]) {
        var committedAny = false
        while let first = outstanding.first, first.txn.zxid <= selfSynced,
              verifier.containsQuorum(first.acks.union([myID])) {
            outstanding.removeFirst()
            lastCommitted = first.txn.zxid
            committedLog.append(first.txn)
            if committedLog.count > settings.commitLogCount { committedLog.removeFirst() }
            committedAny = true
            let commit = ZabPacket.bare(.commit, zxid: first.txn.zxid)
            let inform = ZabPacket.proposal(first.txn, type: .inform)
            for id in learners.keys.sorted() {
                guard let handle = learners[id], handle.stage == .forwarding || handle.stage == .awaitingNewLeaderAck
                else { continue }
                actions.append(.send(id, [handle.observer ? inform : commit]))
            }
        }
        guard committedAny else { return }
        actions.append(.commit(through: lastCommitted))
        answerSyncs(into: &actions)
        _ = now
    }

    // MARK: - Syncs

    /// A sync arrived (forwarded by `learner`, or from the leader's own client when nil): PING
    /// every synced learner now, and answer once the PINGs of a quorum of voters are answered and
    /// everything proposed before it is committed.
    mutating func syncRequested(by learner: LearnerConnectionID?, into actions: inout [LeaderAction]) {
        var confirming: [LearnerConnectionID: UInt64] = [:]
        let ping = ZabPacket.bare(.ping, zxid: lastProposed)
        for id in learners.keys.sorted() where learners[id]!.stage == .forwarding {
            learners[id]!.pingsSent += 1
            actions.append(.send(id, [ping]))
            if !learners[id]!.observer { confirming[id] = learners[id]!.pingsSent }
        }
        pendingSyncs.append(PendingSync(zxid: lastProposed, learner: learner, confirmingPings: confirming))
        answerSyncs(into: &actions)
    }

    /// Whether a quorum of voters (the leader included) answered the PINGs a sync waits for.
    func confirmed(_ sync: PendingSync) -> Bool {
        var voters: Set<ServerID> = [myID]
        for (id, number) in sync.confirmingPings {
            if let handle = learners[id], let sid = handle.sid, handle.pingsAnswered >= number { voters.insert(sid) }
        }
        return verifier.containsQuorum(voters)
    }

    /// Answers the oldest syncs that are confirmed and whose proposals are committed, in order.
    mutating func answerSyncs(into actions: inout [LeaderAction]) {
        while let sync = pendingSyncs.first, sync.zxid <= lastCommitted, confirmed(sync) {
            pendingSyncs.removeFirst()
            if let learner = sync.learner {
                actions.append(.send(learner, [ZabPacket.bare(.sync, zxid: .zero)]))
            } else {
                actions.append(.localSyncConfirmed)
            }
        }
    }

    /// Debug-build checks of the leader's bookkeeping.
    func checkInvariants() {
        #if DEBUG
        var previous = lastCommitted
        for proposal in outstanding {
            precondition(proposal.txn.zxid > previous, "outstanding proposals out of order")
            previous = proposal.txn.zxid
        }
        precondition(lastCommitted <= lastProposed, "committed beyond proposed")
        precondition(lastCommitted <= selfSynced, "committed a proposal not durable on the leader")
        if let last = committedLog.last { precondition(last.zxid <= lastCommitted, "committed log ahead of commits") }
        #endif
    }
}
