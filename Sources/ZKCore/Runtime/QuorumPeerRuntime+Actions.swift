import Logging
import NIOCore

/// Carrying out a member's actions: the peer sockets, the log, snapshots and epoch files.
extension QuorumPeerRuntime {
    /// What one `perform` gathers before writing: the txns for one log append, the packets for
    /// each peer (one write and flush each), the client messages (grouped per connection).
    struct Outbox {
        var client: [CoreAction] = []
        var persists: [LoggedTxn] = []
        var toLearners: [LearnerConnectionID: [QuorumPacket]] = [:]
        var learnerOrder: [LearnerConnectionID] = []
        var toLeader: [QuorumPacket] = []
    }

    /// Carries out actions (core loop). Log appends, packets to each peer and client messages are
    /// gathered and written once per call, as the standalone runtime batches a read burst; any
    /// other action first writes what was gathered, since it may depend on it (a snapshot after
    /// its SNAP packet, a close after the last packets, a reload after the log append).
    func perform(_ actions: [PeerAction]) {
        var outbox = Outbox()
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
    }

    /// Writes what `perform` gathered.
    private func flush(_ outbox: inout Outbox) {
        if !outbox.persists.isEmpty { persist(outbox.persists) }
        for id in outbox.learnerOrder {
            sendToLearner(id, outbox.toLearners[id] ?? [])
        }
        if !outbox.toLeader.isEmpty, let id = leaderConnection { connector?.send(id, outbox.toLeader) }
        if !outbox.client.isEmpty { deliverClientActions(outbox.client) }
        outbox = Outbox()
    }

    private func performOne(_ action: PeerAction) {
        let now = SystemClock.now()
        switch action {
        case .client(let core):
            deliverClientActions([core])
        case .persist(let txns):
            persist(txns)
        case let .sendToLearner(id, packets):
            sendToLearner(id, packets)
        case .sendSnapshot(let id):
            startSnapshotStream(to: id)
        case let .closeLearner(id, reason):
            logger.info("closing learner connection \(id): \(reason)")
            snapshotStreams.drop(id)
            learnerListener?.close(QuorumConnectionID(rawValue: id.rawValue))
        case let .readHistory(id, after, through):
            readHistory(id, after: after, through: through)
        case .listenForLearners(let on):
            on ? startListening() : stopListening()
        case .connectToLeader(let sid):
            dialLeader(sid)
        case .sendToLeader(let packets):
            if let id = leaderConnection { connector?.send(id, packets) }
        case .disconnectFromLeader:
            leaderDialGeneration += 1
            if let id = leaderConnection { connector?.close(id) }
            leaderConnection = nil
            snapshotIncoming = nil
        case .receiveSnapshot(let zxid):
            pendingSnapshotZxid = zxid
            snapshotIncoming = SnapshotStreamDecoder(maxBufferLength: maxFrameBytes)
            if let id = leaderConnection { connector?.requestRaw(id) }
        case .truncateLog(let zxid):
            reload(truncatingTo: zxid, now: now)
        case .writeSnapshot:
            writeSnapshotNow()
        case .persistAcceptedEpoch(let epoch):
            writeEpoch(Int64(epoch), to: .accepted)
        case .persistCurrentEpoch(let epoch):
            writeEpoch(Int64(epoch), to: .current)
        case .reloadDatabase:
            reload(truncatingTo: nil, now: now)
        case let .sendNotification(to, notification):
            electionTransport?.send(to: to, notification.encoded())
        case .connectAllVoters:
            electionTransport?.connectAll()
        case let .log(level, message):
            log(level, message)
        }
    }

    // MARK: - Election

    func notificationArrived(from sid: ServerID, _ payload: [UInt8]) {
        let notification: Notification
        do {
            notification = try Notification.decode(payload)
        } catch {
            logger.warning("dropping a malformed notification from server \(sid): \(error)")
            return
        }
        onCore { [self] in perform(peer.notificationReceived(notification, from: sid, now: SystemClock.now())) }
    }

    // MARK: - Leader side

    private func startListening() {
        guard learnerListener == nil, let own = setup.config.ownServer else { return }
        listenerGeneration += 1
        let host = setup.config.quorumListenOnAllIPs ? "0.0.0.0" : own.address
        let listener = LearnerListener(address: HostPort(host: host, port: own.quorumPort), group: group,
                                       maxBufferBytes: maxFrameBytes + 1024, logger: logger) { [weak self] id, events in
            self?.learnerEvents(id, events)
        }
        learnerListener = listener
        let generation = listenerGeneration
        let promise = coreLoop.makePromise(of: Void.self)
        promise.completeWithTask { _ = try await listener.start() }
        promise.futureResult.whenFailure { [self] error in
            onCore { [self] in
                guard generation == listenerGeneration else { return }
                logger.error("cannot listen on the quorum port \(own.quorumPort): \(error)")
            }
        }
    }

    private func stopListening() {
        snapshotStreams.dropAll()
        guard let listener = learnerListener else { return }
        learnerListener = nil
        listenerGeneration += 1
        Task { await listener.shutdown() }
    }

    private func learnerEvents(_ id: QuorumConnectionID, _ events: [QuorumConnectionEvent]) {
        onCore { [self] in
            let learner = LearnerConnectionID(id.rawValue)
            for event in events {
                let now = SystemClock.now()
                switch event {
                case .opened:
                    perform(peer.learnerConnected(learner, now: now))
                case .packet(let packet):
                    perform(peer.learnerPacket(learner, packet, now: now))
                case .raw:
                    break
                case .closed:
                    snapshotStreams.drop(learner)
                    perform(peer.learnerClosed(learner, now: now))
                }
            }
        }
    }

    /// Packets to a learner, unless they must wait behind its SNAP stream.
    private func sendToLearner(_ id: LearnerConnectionID, _ packets: [QuorumPacket]) {
        let now = snapshotStreams.route(id, packets)
        guard !now.isEmpty else { return }
        learnerListener?.send(QuorumConnectionID(rawValue: id.rawValue), now)
    }

    /// Reads the logged txns a DIFF needs (ZooKeeper's txn-log sync within `snapshotSizeFactor`
    /// of the newest snapshot's size) on the background queue, so the core loop goes on serving
    /// while the files are read; the leader plans the sync when the answer is back.
    private func readHistory(_ id: LearnerConnectionID, after: Zxid, through: Zxid) {
        let directory = setup.persistence.directory
        let factor = setup.config.snapshotSizeFactor
        let limit = maxFrameBytes
        let logger = logger
        historyQueue.async { [self] in
            let newest = (try? SnapshotDirectory(path: directory.snapDir).snapshots())?.first
            let snapshotSize = newest.flatMap { TxnLogDiff.fileSize($0.path) } ?? 0
            let txns = TxnLogDiff.txnsForDiff(logDir: directory.logDir, from: after, through: through,
                                              snapshotSize: Int(snapshotSize), factor: factor, juteMaxBuffer: limit)
            let outcome = txns.map { "\($0.count) txns" } ?? "they cannot serve it"
            logger.info("read the logs for a DIFF after \(after) through \(through) (newest snapshot \(snapshotSize) bytes, snapshotSizeFactor \(factor)): \(outcome)")
            onCore { [self] in perform(peer.historyRead(id, txns: txns, now: SystemClock.now())) }
        }
    }

    /// Sends SNAP and starts streaming the tree to a learner, a chunk per step.
    private func startSnapshotStream(to id: LearnerConnectionID) {
        guard let listener = learnerListener else { return }
        let core = peer.core
        let snap = snapshotStreams.start(id, tree: core.tree, sessions: core.liveSessions)
        listener.send(QuorumConnectionID(rawValue: id.rawValue), [snap])
        logger.info("streaming a snapshot at \(Zxid(snap.zxid)) to learner \(id)")
        snapshotStep(id, started: SystemClock.monotonicNanos())
    }

    /// Nodes serialized per step of a SNAP stream.
    static let streamNodesPerChunk = 500

    /// One step of a SNAP stream (core loop): the next chunk is written, and the step after it
    /// runs once that write has left, after a pause as long as this step took, so the stream gets
    /// at most half of the core loop and a slow learner never piles bytes up in memory.
    private func snapshotStep(_ id: LearnerConnectionID, started: UInt64) {
        guard !stopped, let listener = learnerListener else { return }
        let connection = QuorumConnectionID(rawValue: id.rawValue)
        let stepStarted = SystemClock.monotonicNanos()
        switch snapshotStreams.next(id, maxNodes: Self.streamNodesPerChunk) {
        case nil:
            return
        case .finished(let held)?:
            if !held.isEmpty { listener.send(connection, held) }
            let ms = (SystemClock.monotonicNanos() - started) / 1_000_000
            logger.info("sent the snapshot to learner \(id) in \(ms) ms, then \(held.count) packets held behind it")
        case .bytes(let bytes)?:
            var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            guard let written = listener.sendRaw(connection, buffer) else {
                snapshotStreams.drop(id)
                return
            }
            let spent = SystemClock.monotonicNanos() - stepStarted
            written.whenComplete { [self] result in
                guard case .success = result else {
                    onCore { [self] in snapshotStreams.drop(id) }
                    return
                }
                coreLoop.scheduleTask(in: .nanoseconds(Int64(min(spent, 50_000_000)))) { [self] in
                    onCore { [self] in snapshotStep(id, started: started) }
                }
            }
        }
    }
}
