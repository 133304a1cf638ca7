/// A SNAP stream being received by a learner: the zxid of its SNAP packet and the decoder.
public struct IncomingSnapshot {
    public let zxid: Zxid
    public var decoder: SnapshotStreamDecoder
}

/// The one driver of a `QuorumPeer`, shared by production (`QuorumPeerRuntime`: sockets, files,
/// NIO timers) and the simulator (queues, in-memory disks, a simulated clock), so that both
/// worlds run the same code between a machine's actions and the world (DESIGN.md §11): the
/// batching of a burst's log appends, packets and client messages; SNAP streams and the packets
/// held behind them; the SNAP stream received by a learner; the synchronous reloads that feed
/// their result straight back to the machine.
///
/// A conforming type supplies the world: each requirement below is one plain effect, with no
/// protocol decision in it. Everything here runs on the member's one core loop (in the simulator,
/// in the one simulation thread).
public protocol PeerDriver: AnyObject {
    var peer: QuorumPeer { get set }
    /// The leader's SNAP streams in progress.
    var snapshotStreams: SnapshotStreams { get set }
    /// The learner's SNAP stream being received.
    var incomingSnapshot: IncomingSnapshot? { get set }
    /// Nodes serialized per step of an outgoing SNAP stream.
    var streamNodesPerChunk: Int { get }

    func currentTime() -> CoreTime
    /// Appends txns to the log; report `logSynced` (through `perform`) once they are durable.
    func appendToLog(_ txns: [LoggedTxn])
    /// Writes packets to a learner's connection, in order.
    func transmit(_ packets: [QuorumPacket], toLearner id: LearnerConnectionID)
    /// Writes a chunk of a SNAP stream; call `snapshotStep` again when the connection can take more.
    func transmitSnapshotChunk(_ bytes: [UInt8], toLearner id: LearnerConnectionID)
    /// A SNAP stream started: call `snapshotStep` for its first chunk soon.
    func snapshotStreamStarted(_ id: LearnerConnectionID)
    func closeLearner(_ id: LearnerConnectionID, reason: String)
    /// Reads the logged txns for a DIFF (see `PeerAction.readHistory`); report `historyRead`.
    func readHistory(_ id: LearnerConnectionID, after: Zxid, through: Zxid)
    func listenForLearners(_ on: Bool)
    /// Dials the leader; report `leaderConnected` or `leaderClosed`.
    func connectToLeader(_ sid: ServerID)
    func transmitToLeader(_ packets: [QuorumPacket])
    func disconnectFromLeader()
    /// The leader's next bytes are a SNAP stream: hand them to `receivedSnapshotBytes`.
    func expectSnapshotBytes()
    /// Cuts the log after `zxid`, makes it durable and loads the database again.
    func truncateLog(to zxid: Zxid) -> PeerDurableState
    /// Makes the log durable and loads the database again from disk.
    func reloadDatabase() -> PeerDurableState
    /// Writes the tree as a snapshot, durably, before returning.
    func writeSnapshot(of core: ServerCore)
    func persistAcceptedEpoch(_ epoch: Int32)
    func persistCurrentEpoch(_ epoch: Int32)
    func sendNotification(_ notification: Notification, to sid: ServerID)
    func connectAllVoters()
    /// Client messages and closes, already grouped in order.
    func deliverClientActions(_ actions: [CoreAction])
    func log(_ level: LogLevel, _ message: String)
    /// The core is about to be replaced (a reload, a TRUNC, a received SNAP).
    func coreWillBeReplaced(bySnapshot: Bool)
    /// A batch of actions has been carried out.
    func performed()
}

/// What one `perform` gathers before writing: the txns for one log append, the packets for each
/// learner and for the leader, the client messages.
struct PeerOutbox {
    var client: [CoreAction] = []
    var persists: [LoggedTxn] = []
    var toLearners: [LearnerConnectionID: [QuorumPacket]] = [:]
    var learnerOrder: [LearnerConnectionID] = []
    var toLeader: [QuorumPacket] = []
}

extension PeerDriver {
    /// Carries out a machine's actions in order. Log appends, packets to each peer and client
    /// messages are gathered and written once per call (as the standalone runtime batches a read
    /// burst); any other action first writes what was gathered, since it may depend on it (a
    /// snapshot after its SNAP packet, a close after the last packets, a reload after the append).
    public func perform(_ actions: [PeerAction]) {
        var outbox = PeerOutbox()
        for action in actions {
            switch action {
            case .client(let core):
                outbox.client.append(core)
            case .persist(let txns):
                outbox.persists += txns
            case let .sendToLearner(id, packets):
                if outbox.toLearners[id] == nil { outbox.learnerOrder.append(id) }
                outbox.toLearners[id, default: []] += packets
            case .sendToLeader(let packets):
                outbox.toLeader += packets
            default:
                flush(&outbox)
                performOne(action)
            }
        }
        flush(&outbox)
        performed()
    }

    private func flush(_ outbox: inout PeerOutbox) {
        if !outbox.persists.isEmpty { appendToLog(outbox.persists) }
        for id in outbox.learnerOrder { send(outbox.toLearners[id] ?? [], toLearner: id) }
        if !outbox.toLeader.isEmpty { transmitToLeader(outbox.toLeader) }
        if !outbox.client.isEmpty { deliverClientActions(outbox.client) }
        outbox = PeerOutbox()
    }

    /// Packets to a learner, unless they must wait behind its SNAP stream.
    private func send(_ packets: [QuorumPacket], toLearner id: LearnerConnectionID) {
        let now = snapshotStreams.route(id, packets)
        if !now.isEmpty { transmit(now, toLearner: id) }
    }

    private func performOne(_ action: PeerAction) {
        switch action {
        case .client(let core):
            deliverClientActions([core])
        case .persist(let txns):
            appendToLog(txns)
        case let .sendToLearner(id, packets):
            send(packets, toLearner: id)
        case .sendToLeader(let packets):
            transmitToLeader(packets)
        case .sendSnapshot(let id):
            let core = peer.core
            let snap = snapshotStreams.start(id, tree: core.tree, sessions: core.liveSessions)
            transmit([snap], toLearner: id)
            log(.info, "streaming a snapshot at \(Zxid(snap.zxid)) to learner \(id)")
            snapshotStreamStarted(id)
        case let .closeLearner(id, reason):
            snapshotStreams.drop(id)
            closeLearner(id, reason: reason)
        case let .readHistory(id, after, through):
            readHistory(id, after: after, through: through)
        case .listenForLearners(let on):
            if !on { snapshotStreams.dropAll() }
            listenForLearners(on)
        case .connectToLeader(let sid):
            connectToLeader(sid)
        case .disconnectFromLeader:
            incomingSnapshot = nil
            disconnectFromLeader()
        case .receiveSnapshot(let zxid):
            incomingSnapshot = IncomingSnapshot(zxid: zxid, decoder: SnapshotStreamDecoder())
            expectSnapshotBytes()
        case .truncateLog(let zxid):
            coreWillBeReplaced(bySnapshot: false)
            let durable = truncateLog(to: zxid)
            perform(peer.databaseReloaded(durable, now: currentTime()))
        case .writeSnapshot:
            writeSnapshot(of: peer.core)
        case .persistAcceptedEpoch(let epoch):
            persistAcceptedEpoch(epoch)
        case .persistCurrentEpoch(let epoch):
            persistCurrentEpoch(epoch)
        case .reloadDatabase:
            incomingSnapshot = nil
            coreWillBeReplaced(bySnapshot: false)
            let durable = reloadDatabase()
            perform(peer.databaseReloaded(durable, now: currentTime()))
        case let .sendNotification(to, notification):
            sendNotification(notification, to: to)
        case .connectAllVoters:
            connectAllVoters()
        case let .log(level, message):
            log(level, message)
        }
    }

    // MARK: - SNAP streams

    /// One step of the SNAP stream to a learner: the next chunk, or its end followed by the
    /// packets held behind it. Nothing happens when no stream runs for it (it was dropped).
    public func snapshotStep(_ id: LearnerConnectionID) {
        switch snapshotStreams.next(id, maxNodes: streamNodesPerChunk) {
        case nil:
            return
        case .bytes(let bytes)?:
            transmitSnapshotChunk(bytes, toLearner: id)
        case .finished(let held)?:
            if !held.isEmpty { transmit(held, toLearner: id) }
            log(.info, "sent the snapshot to learner \(id), then \(held.count) packets held behind it")
        }
    }

    /// A learner connection closed: its stream goes, and the leader hears of it.
    public func learnerConnectionClosed(_ id: LearnerConnectionID) {
        snapshotStreams.drop(id)
        perform(peer.learnerClosed(id, now: currentTime()))
    }

    /// Bytes of the SNAP stream from the leader. Returns nil while more are needed; once the
    /// stream is complete the tree becomes the database and the count of bytes it used from
    /// `bytes` is returned (the rest are the next packets). A corrupt stream throws: drop the
    /// connection.
    @discardableResult
    public func receivedSnapshotBytes(_ bytes: [UInt8]) throws(SnapshotError) -> Int? {
        guard var incoming = incomingSnapshot else {
            throw .corrupt(file: "SNAP stream", offset: 0, reason: "snapshot bytes without a SNAP packet")
        }
        guard let done = try incoming.decoder.feed(bytes) else {
            incomingSnapshot = incoming
            return nil
        }
        incomingSnapshot = nil
        let recovered = done.recoveredState(zxid: incoming.zxid)
        log(.info, "received a snapshot at \(incoming.zxid) from the leader")
        coreWillBeReplaced(bySnapshot: true)
        perform(peer.snapshotReceived(recovered, now: currentTime()))
        return done.consumed
    }
}
