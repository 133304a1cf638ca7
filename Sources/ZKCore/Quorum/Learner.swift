import DequeModule

/// What the learner machine asks its driver to do, in order. Epoch writes, truncation and the
/// SNAP snapshot write are synchronous: they are done before the next action runs.
public enum LearnerAction: Hashable, Sendable {
    /// Packets to the leader.
    case send([QuorumPacket])
    /// Append txns to the log; report `logSynced` once durable.
    case persist([LoggedTxn])
    /// Cut the log after this zxid and reload the database from disk (TRUNC).
    case truncate(to: Zxid)
    /// The leader's snapshot follows on the stream: read it, make it the database, then call
    /// `snapshotLoaded`.
    case receiveSnapshot(zxid: Zxid)
    /// Write the database as a snapshot, durably (a SNAP-synced learner, before it logs anything).
    case writeSnapshot
    case persistAcceptedEpoch(Int32)
    case persistCurrentEpoch(Int32)
    /// Committed and durable here: apply to the tree, in order.
    case apply([LoggedTxn])
    /// Synced with the leader of this epoch: serve clients.
    case startServing(epoch: Int32)
    /// The leader answered a forwarded sync: complete the oldest pending client sync.
    case syncReached
    /// The leader's verdict on a session a client resumed here.
    case revalidated(SessionID, valid: Bool)
    /// Answer the leader's PING (zxid echoed) with the sessions touched since the last one.
    case pingReply(Zxid)
    /// The leader is gone or broke the protocol: go back to LOOKING.
    case quit(reason: String)
    case log(LogLevel, String)
}

/// A follower or observer as a pure machine: discovery, synchronization with the leader and the
/// broadcast phase (ZooKeeper's `Learner`, `Follower` and `Observer`, quorum-protocol.md §7-§8).
///
/// The two durability rules live here and nowhere else: an ACK (of a proposal or of NEWLEADER)
/// is sent only for txns the driver reported durable through `logSynced`, and a txn is applied
/// only once it is both committed by the leader and durable here.
public struct Learner {
    /// Where the learner stands with its leader.
    public enum Stage: Equatable, Sendable {
        /// Connecting; FOLLOWERINFO/OBSERVERINFO goes out once connected.
        case connecting
        case awaitingLeaderInfo
        /// ACKEPOCH sent; waiting for DIFF, TRUNC or SNAP.
        case awaitingSyncMode
        /// SNAP received; the snapshot stream is being read.
        case receivingSnapshot(Zxid)
        /// Receiving the history; NEWLEADER not yet ACKed.
        case syncing
        /// NEWLEADER ACKed; waiting for UPTODATE.
        case awaitingUpToDate
        /// Serving.
        case broadcast
    }

    struct Entry {
        var txn: LoggedTxn
        var committed: Bool
    }

    public let myID: ServerID
    public let isObserver: Bool
    public let settings: ZabSettings
    public internal(set) var stage = Stage.connecting
    public internal(set) var acceptedEpoch: Int32
    public internal(set) var currentEpoch: Int32
    /// The epoch of the leader being followed (known from LEADERINFO).
    public internal(set) var epoch: Int32 = -1
    /// Last txn handed to the log.
    public internal(set) var lastLogged: Zxid
    /// Last txn the log reported durable.
    public internal(set) var synced: Zxid
    /// Last txn applied to the tree.
    public internal(set) var applied: Zxid
    /// Logged txns not applied yet, in zxid order.
    var unapplied = Deque<Entry>()
    /// Proposals logged and not ACKed yet, in zxid order (followers only). Every PROPOSAL is
    /// ACKed once durable, from UPTODATE on, those of the sync included: the leader waits for the
    /// ACK of each proposal it queued for this learner even if it committed meanwhile (ZooKeeper's
    /// learner ACKs every txn it logs; the capture shows the DIFF txns ACKed after UPTODATE).
    var pendingAcks = Deque<Zxid>()
    /// The last proposal ACKed.
    var lastAcked: Zxid
    var newLeaderPending = false
    /// The last txn logged when NEWLEADER arrived: it is ACKed once that much is durable
    /// (proposals arriving later are broadcast traffic and must not hold the ACK back).
    var newLeaderZxid = Zxid.zero
    /// The newest COMMIT (or INFORM) seen; a SYNC completes once it is applied.
    var lastCommitSeen: Zxid
    var syncMarkers = Deque<Zxid>()
    var deadlineMs: Int64

    /// Starts following (or observing) from the durable state: the epochs on disk and the last
    /// txn of the log, all of which the reloaded tree holds.
    public init(myID: ServerID, observer: Bool, settings: ZabSettings, acceptedEpoch: Int32, currentEpoch: Int32,
                lastLogged: Zxid, now: Int64) {
        self.myID = myID
        isObserver = observer
        self.settings = settings
        self.acceptedEpoch = acceptedEpoch
        self.currentEpoch = currentEpoch
        self.lastLogged = lastLogged
        synced = lastLogged
        applied = lastLogged
        lastAcked = lastLogged
        lastCommitSeen = lastLogged
        deadlineMs = now + settings.initMs
    }

    /// When the machine next needs `tick`.
    public var nextDeadline: Int64 { deadlineMs + 1 }

    // MARK: - Events

    /// The connection to the leader is up: introduce ourselves.
    public mutating func connected(configVersion: Int64, now: Int64) -> [LearnerAction] {
        guard stage == .connecting else { return [] }
        stage = .awaitingLeaderInfo
        deadlineMs = now + settings.initMs
        return [.send([ZabPacket.learnerInfo(observer: isObserver, sid: myID, acceptedEpoch: acceptedEpoch,
                                             configVersion: configVersion)])]
    }

    /// Time passed: a leader silent past its limit is given up.
    public mutating func tick(now: Int64) -> [LearnerAction] {
        guard now > deadlineMs else { return [] }
        return [.quit(reason: stage == .broadcast ? "no packet from the leader within syncLimit"
                                                  : "leader did not sync us within initLimit (\(stage))")]
    }

    /// The SNAP snapshot replaced the database; the tree now ends at `zxid`.
    public mutating func snapshotLoaded(now: Int64) -> [LearnerAction] {
        guard case .receivingSnapshot(let zxid) = stage else {
            return [.quit(reason: "snapshot loaded outside a SNAP sync")]
        }
        lastLogged = zxid
        synced = zxid
        applied = zxid
        lastAcked = zxid
        lastCommitSeen = zxid
        unapplied.removeAll()
        pendingAcks.removeAll()
        stage = .syncing
        deadlineMs = now + settings.initMs
        checkInvariants()
        // The snapshot is made durable before anything else is logged: txns logged after it
        // mean nothing without it (a reload would replay them over the old database).
        return [.writeSnapshot]
    }

    /// The log made everything up to `zxid` durable: ACK what may now be ACKed, apply what is
    /// committed, and finish NEWLEADER if it waited for this.
    public mutating func logSynced(through zxid: Zxid, now: Int64) -> [LearnerAction] {
        var actions: [LearnerAction] = []
        if zxid > synced { synced = min(zxid, lastLogged) }
        if stage == .broadcast && !isObserver { sendAcks(into: &actions) }
        applyReady(into: &actions)
        finishNewLeaderIfDurable(into: &actions)
        checkInvariants()
        _ = now
        return actions
    }

    // MARK: - Helpers

    /// ACKs every logged proposal that is durable and not ACKed yet (from UPTODATE on).
    mutating func sendAcks(into actions: inout [LearnerAction]) {
        var packets: [QuorumPacket] = []
        while let zxid = pendingAcks.first, zxid <= synced {
            pendingAcks.removeFirst()
            packets.append(ZabPacket.bare(.ack, zxid: zxid))
            lastAcked = zxid
        }
        if !packets.isEmpty { actions.append(.send(packets)) }
    }

    /// Applies, in order, every txn that is both committed and durable.
    mutating func applyReady(into actions: inout [LearnerAction]) {
        var ready: [LoggedTxn] = []
        while let first = unapplied.first, first.committed, first.txn.zxid <= synced {
            unapplied.removeFirst()
            ready.append(first.txn)
            applied = first.txn.zxid
        }
        if !ready.isEmpty { actions.append(.apply(ready)) }
        while let marker = syncMarkers.first, marker <= applied {
            syncMarkers.removeFirst()
            actions.append(.syncReached)
        }
    }

    /// NEWLEADER is ACKed only once every txn of the sync is durable (the SNAP snapshot was
    /// written when it arrived) and the new current epoch is on disk.
    mutating func finishNewLeaderIfDurable(into actions: inout [LearnerAction]) {
        guard newLeaderPending, synced >= newLeaderZxid else { return }
        newLeaderPending = false
        if currentEpoch != epoch {
            currentEpoch = epoch
            actions.append(.persistCurrentEpoch(epoch))
        }
        actions.append(.send([ZabPacket.bare(.ack, zxid: Zxid(epoch: epoch, counter: 0))]))
        stage = .awaitingUpToDate
    }

    /// Debug-build checks: durable never passes logged, applied never passes durable, pending
    /// txns are in order after the applied point.
    func checkInvariants() {
        #if DEBUG
        precondition(applied <= synced, "applied \(applied) beyond durable \(synced)")
        precondition(synced <= lastLogged, "durable \(synced) beyond logged \(lastLogged)")
        precondition(lastAcked <= synced || stage != .broadcast, "ACKed \(lastAcked) beyond durable \(synced)")
        var previous = applied
        for entry in unapplied {
            precondition(entry.txn.zxid > previous, "pending txns out of order")
            previous = entry.txn.zxid
        }
        #endif
    }
}
