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
            learnerListener?.send(QuorumConnectionID(rawValue: id.rawValue), outbox.toLearners[id] ?? [])
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
            learnerListener?.send(QuorumConnectionID(rawValue: id.rawValue), packets)
        case .sendSnapshot(let id):
            sendSnapshot(to: id)
        case let .closeLearner(id, reason):
            logger.info("closing learner connection \(id): \(reason)")
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
                    perform(peer.learnerClosed(learner, now: now))
                }
            }
        }
    }

    /// Reads the logged txns a DIFF needs (ZooKeeper's txn-log sync within `snapshotSizeFactor`
    /// of the newest snapshot's size), on the core loop: a learner that far behind is rare, and
    /// the size limit bounds the read.
    private func readHistory(_ id: LearnerConnectionID, after: Zxid, through: Zxid) {
        let directory = setup.persistence.directory
        let newest = (try? SnapshotDirectory(path: directory.snapDir).snapshots())?.first
        let snapshotSize = newest.flatMap { TxnLogDiff.fileSize($0.path) } ?? 0
        let txns = TxnLogDiff.txnsForDiff(logDir: directory.logDir, from: after, through: through,
                                          snapshotSize: Int(snapshotSize), factor: setup.config.snapshotSizeFactor,
                                          juteMaxBuffer: maxFrameBytes)
        let outcome = txns.map { "\($0.count) txns" } ?? "they cannot serve it"
        logger.info("read the logs for a DIFF after \(after) through \(through) (newest snapshot \(snapshotSize) bytes, snapshotSizeFactor \(setup.config.snapshotSizeFactor)): \(outcome)")
        perform(peer.historyRead(id, txns: txns, now: SystemClock.now()))
    }

    private func sendSnapshot(to id: LearnerConnectionID) {
        guard let listener = learnerListener else { return }
        let core = peer.core
        let zxid = core.tree.lastProcessedZxid
        let connection = QuorumConnectionID(rawValue: id.rawValue)
        listener.send(connection, [ZabPacket.bare(.snap, zxid: zxid)])
        // The tree is serialized here, on the core loop, so it is exactly the state at `zxid`:
        // the proposals queued after this are the ones that follow it.
        var writer = SnapshotWriter(tree: core.tree, sessions: core.liveSessions, format: .wire)
        var bytes: [UInt8] = []
        while let chunk = writer.nextChunk(maxNodes: 10_000) { bytes += chunk }
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        listener.sendRaw(connection, buffer)
        logger.info("sent a snapshot of \(bytes.count) bytes at \(zxid) to learner \(id)")
    }
}
