import Logging
import NIOCore

/// The world of a production member, as the shared `PeerDriver` needs it: the peer sockets, the
/// log, snapshots and epoch files, NIO timers for pacing.
extension QuorumPeerRuntime: PeerDriver {
    public func currentTime() -> CoreTime { SystemClock.now() }

    public var streamNodesPerChunk: Int { 500 }

    public func appendToLog(_ txns: [LoggedTxn]) { persist(txns) }

    public func transmit(_ packets: [QuorumPacket], toLearner id: LearnerConnectionID) {
        learnerListener?.send(QuorumConnectionID(rawValue: id.rawValue), packets)
    }

    public func snapshotStreamStarted(_ id: LearnerConnectionID) {
        coreLoop.execute { [self] in onCore { [self] in runSnapshotStep(id) } }
    }

    /// Runs one stream step, timing it for the pause after it.
    func runSnapshotStep(_ id: LearnerConnectionID) {
        guard !stopped else { return }
        snapshotStepStarted = SystemClock.monotonicNanos()
        snapshotStep(id)
    }

    /// Writes a chunk; the next step runs once the write has left, after a pause as long as this
    /// step took, so a stream gets at most half of the core loop and a slow learner never piles
    /// bytes up in memory.
    public func transmitSnapshotChunk(_ bytes: [UInt8], toLearner id: LearnerConnectionID) {
        let spent = SystemClock.monotonicNanos() - snapshotStepStarted
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        guard let written = learnerListener?.sendRaw(QuorumConnectionID(rawValue: id.rawValue), buffer) else {
            snapshotStreams.drop(id)
            return
        }
        written.whenComplete { [self] result in
            guard case .success = result else {
                onCore { [self] in snapshotStreams.drop(id) }
                return
            }
            coreLoop.scheduleTask(in: .nanoseconds(Int64(min(spent, 50_000_000)))) { [self] in
                onCore { [self] in runSnapshotStep(id) }
            }
        }
    }

    public func closeLearner(_ id: LearnerConnectionID, reason: String) {
        logger.info("closing learner connection \(id): \(reason)")
        learnerListener?.close(QuorumConnectionID(rawValue: id.rawValue))
    }

    public func listenForLearners(_ on: Bool) { on ? startListening() : stopListening() }

    public func connectToLeader(_ sid: ServerID) { dialLeader(sid) }

    public func transmitToLeader(_ packets: [QuorumPacket]) {
        if let id = leaderConnection { connector?.send(id, packets) }
    }

    public func disconnectFromLeader() {
        leaderDialGeneration += 1
        if let id = leaderConnection { connector?.close(id) }
        leaderConnection = nil
    }

    public func expectSnapshotBytes() {
        if let id = leaderConnection { connector?.requestRaw(id) }
    }

    public func truncateLog(to zxid: Zxid) -> PeerDurableState { reload(truncatingTo: zxid) }

    public func reloadDatabase() -> PeerDurableState { reload(truncatingTo: nil) }

    public func persistAcceptedEpoch(_ epoch: Int32) { writeEpoch(Int64(epoch), to: .accepted) }

    public func persistCurrentEpoch(_ epoch: Int32) { writeEpoch(Int64(epoch), to: .current) }

    public func sendNotification(_ notification: Notification, to sid: ServerID) {
        electionTransport?.send(to: sid, notification.encoded())
    }

    public func connectAllVoters() { electionTransport?.connectAll() }

    public func coreWillBeReplaced(bySnapshot: Bool) {}

    public func performed() {}

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
                    learnerConnectionClosed(learner)
                }
            }
        }
    }

    /// Reads the logged txns a DIFF needs (ZooKeeper's txn-log sync within `snapshotSizeFactor`
    /// of the newest snapshot's size) on the background queue, so the core loop goes on serving
    /// while the files are read; the leader plans the sync when the answer is back.
    public func readHistory(_ id: LearnerConnectionID, after: Zxid, through: Zxid) {
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
}
