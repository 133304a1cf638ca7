/// What a `QuorumPeer` asks its driver (the production runtime or the simulator) to do, in order.
/// Epoch writes, truncation, snapshot writes and reloads are synchronous: done before the next
/// action runs.
public enum PeerAction: Hashable, Sendable {
    /// An action of the client-facing core: a message to a client connection, a close, a log line.
    case client(CoreAction)
    /// Append txns to this server's log; report `logSynced` once durable.
    case persist([LoggedTxn])
    /// Leader: packets to a learner.
    case sendToLearner(LearnerConnectionID, [QuorumPacket])
    /// Leader: SNAP (zxid = the tree's last applied zxid) and the serialized tree to a learner.
    case sendSnapshot(LearnerConnectionID)
    case closeLearner(LearnerConnectionID, reason: String)
    /// Leader: read the logged txns from the newest at or below `after` through `through`, and
    /// report them with `historyRead` (nil when the logs cannot serve them: the learner gets SNAP).
    case readHistory(LearnerConnectionID, after: Zxid, through: Zxid)
    /// Open (true, on becoming leader) or close (false) the quorum port for learners; only a
    /// leader listens, so a learner dialling anyone else is refused and retries.
    case listenForLearners(Bool)
    /// Learner: open the connection to this server's quorum port; report `leaderConnected`.
    case connectToLeader(ServerID)
    case sendToLeader([QuorumPacket])
    case disconnectFromLeader
    /// Learner: read the leader's snapshot from the stream; report `snapshotReceived`.
    case receiveSnapshot(zxid: Zxid)
    /// Learner: cut the log after this zxid, then reload; report `databaseReloaded`.
    case truncateLog(to: Zxid)
    /// Write the current tree (loaded from a SNAP) as a snapshot, durably, then delete every older
    /// txn log file: they may end in txns the ensemble never committed (`TxnLogTruncation.retireAll`).
    case writeSnapshot
    case persistAcceptedEpoch(Int32)
    case persistCurrentEpoch(Int32)
    /// Make everything appended durable, reload the database from disk; report `databaseReloaded`.
    case reloadDatabase
    /// Election: a notification to a voter.
    case sendNotification(to: ServerID, Notification)
    /// Election: (re)connect to every voter.
    case connectAllVoters
    case log(LogLevel, String)
}

/// What a server holds on disk, as loaded by the driver: the tree and sessions, where the log
/// ends, its newest txns (for DIFFs), and the two epoch files.
public struct PeerDurableState {
    public var recovered: RecoveredState
    /// The last txn of the log (the tree holds everything up to it).
    public var lastLogged: Zxid
    /// The newest txns of the log, oldest first.
    public var history: [LoggedTxn]
    public var acceptedEpoch: Int32
    public var currentEpoch: Int32

    public init(recovered: RecoveredState, lastLogged: Zxid, history: [LoggedTxn], acceptedEpoch: Int32,
                currentEpoch: Int32) {
        self.recovered = recovered; self.lastLogged = lastLogged; self.history = history
        self.acceptedEpoch = acceptedEpoch; self.currentEpoch = currentEpoch
    }
}

/// One ensemble member as a pure machine: today's `ServerCore` for clients, composed with
/// exactly one role at a time — looking (FLE), leading (`Leader`) or following/observing
/// (`Learner`) — on one event loop (ZooKeeper's `QuorumPeer`, DESIGN.md §11).
///
/// Leaving a role always reloads the database from disk, as ZooKeeper does: the tree then holds
/// every logged txn, which is what election and the next sync assume.
public struct QuorumPeer {
    /// The role being played.
    public enum Role {
        case looking
        case leading(Leader)
        /// Following, or observing when the learner is an observer.
        case following(Learner, leader: ServerID)
    }

    public let myID: ServerID
    public let verifier: QuorumVerifier
    public let zab: ZabSettings
    public let serverSettings: ServerSettings
    public internal(set) var core: ServerCore
    public internal(set) var role = Role.looking
    public internal(set) var acceptedEpoch: Int32
    public internal(set) var currentEpoch: Int32
    /// The last txn handed to this server's log.
    public internal(set) var lastLogged: Zxid
    var history: [LoggedTxn]
    public internal(set) var election: Election
    /// Whether the database may be stale (a role ended): reload before the next election.
    var reloadPending = false
    /// Keep every applied txn for `drainApplied` (the simulator's checkers); off in production.
    public var recordsApplied = false {
        didSet { core.appliedTxns = recordsApplied ? (core.appliedTxns ?? []) : nil }
    }

    /// A member over what the driver loaded from disk; call `start` to begin the first election.
    public init(myID: ServerID, verifier: QuorumVerifier, zab: ZabSettings, serverSettings: ServerSettings,
                election: ElectionSettings, durable: PeerDurableState, now: CoreTime) {
        self.myID = myID
        self.verifier = verifier
        self.zab = zab
        self.serverSettings = serverSettings
        core = ServerCore(settings: serverSettings, recovered: durable.recovered, now: now)
        _ = core.stopServing(reason: "starting")
        core.tree.setConfigNode(text: verifier.configText, version: verifier.version, wallMs: now.wallMs)
        acceptedEpoch = durable.acceptedEpoch
        currentEpoch = durable.currentEpoch
        lastLogged = durable.lastLogged
        history = durable.history
        self.election = Election(myID: myID, verifier: verifier, settings: election)
    }

    /// True when this member is an observer in the config.
    public var isObserver: Bool { !verifier.isVoter(myID) }

    /// Short state for logs and 4lw: looking, leading, following, observing.
    public var stateName: String {
        switch role {
        case .looking: return "looking"
        case .leading: return "leading"
        case .following(let learner, _): return learner.isObserver ? "observing" : "following"
        }
    }

    /// True while clients are served (leader established, or learner synced).
    public var isServing: Bool { core.role == .leader || core.role == .learner }

    // MARK: - Role changes

    /// Election decided: lead, or connect to the leader.
    mutating func leaderChosen(_ leader: ServerID, now: CoreTime) -> [PeerAction] {
        if leader == myID {
            var machine = Leader(myID: myID, verifier: verifier, settings: zab, acceptedEpoch: acceptedEpoch,
                                 currentEpoch: currentEpoch, lastZxid: lastLogged, history: history,
                                 now: now.monotonicMs)
            let started = machine.started(now: now.monotonicMs)
            role = .leading(machine)
            return [.log(.info, "LEADING (last zxid \(lastLogged), accepted epoch \(acceptedEpoch))"),
                    .listenForLearners(true)] + perform(started, now: now)
        }
        core.digestCheck = .peer
        let learner = Learner(myID: myID, observer: isObserver, settings: zab, acceptedEpoch: acceptedEpoch,
                              currentEpoch: currentEpoch, lastLogged: lastLogged, now: now.monotonicMs)
        role = .following(learner, leader: leader)
        return [.log(.info, "\(isObserver ? "OBSERVING" : "FOLLOWING") server \(leader)"), .connectToLeader(leader)]
    }

    /// Ends the current role: connections go, clients are dropped, and the database is reloaded
    /// before the next election round.
    mutating func quit(reason: String, now: CoreTime) -> [PeerAction] {
        var actions: [PeerAction] = [.log(.warning, "leaving \(stateName): \(reason)")]
        switch role {
        case .looking:
            return []
        case .leading(let leader):
            for id in leader.learners.keys.sorted() { actions.append(.closeLearner(id, reason: "leader stopped")) }
            actions.append(.listenForLearners(false))
        case .following:
            actions.append(.disconnectFromLeader)
        }
        role = .looking
        actions += core.stopServing(reason: "server left \(stateName)").map(PeerAction.client)
        actions.append(.reloadDatabase)
        reloadPending = true
        return actions
    }

    /// The driver reloaded the database from disk (after `reloadDatabase` or `truncateLog`).
    public mutating func databaseReloaded(_ durable: PeerDurableState, now: CoreTime) -> [PeerAction] {
        replaceCore(with: durable.recovered, now: now)
        lastLogged = durable.lastLogged
        history = durable.history
        acceptedEpoch = durable.acceptedEpoch
        currentEpoch = durable.currentEpoch
        switch role {
        case .looking:
            reloadPending = false
            return lookForLeader(now: now)
        case .leading, .following:
            // A TRUNC: the learner goes on syncing over the truncated database.
            return []
        }
    }

    /// A new core over a reloaded or received database, not serving until the role says so.
    mutating func replaceCore(with recovered: RecoveredState, now: CoreTime) {
        core = ServerCore(settings: serverSettings, recovered: recovered, now: now)
        _ = core.stopServing(reason: "not serving yet")
        core.tree.setConfigNode(text: verifier.configText, version: verifier.version, wallMs: now.wallMs)
        if recordsApplied { core.appliedTxns = [] }
        if case .following = role { core.digestCheck = .peer }
    }

    /// The txns applied since the last call (only with `recordsApplied`).
    public mutating func drainApplied() -> [LoggedTxn] {
        defer { if recordsApplied { core.appliedTxns = [] } }
        return core.appliedTxns ?? []
    }
}
