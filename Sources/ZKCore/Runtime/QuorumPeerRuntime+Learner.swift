import Logging
import NIOCore

/// The learner's connection to its leader, and the disk side of a member: log, snapshots,
/// epoch files and reloads.
extension QuorumPeerRuntime {
    // MARK: - Learner side

    func dialLeader(_ sid: ServerID) {
        guard let server = setup.config.servers.first(where: { $0.id == sid }) else {
            perform(peer.leaderClosed(now: SystemClock.now()))
            return
        }
        leaderDialGeneration += 1
        let generation = leaderDialGeneration
        let connector = self.connector ?? LeaderConnector(group: group, maxBufferBytes: maxFrameBytes + 1024,
                                                          logger: logger) { [weak self] id, events in
            self?.leaderEvents(id, events)
        }
        self.connector = connector
        let limit = Int64(setup.config.learnerConnectLimit ?? setup.config.initLimit ?? 10)
        let timeout = Duration.milliseconds(limit * setup.zab.tickMs)
        let address = HostPort(host: server.address, port: server.quorumPort)
        let promise = coreLoop.makePromise(of: QuorumConnectionID.self)
        promise.completeWithTask { try await connector.connect(to: address, timeout: timeout) }
        promise.futureResult.whenComplete { [self] result in
            onCore { [self] in
                switch result {
                case .success(let id):
                    guard generation == leaderDialGeneration else {
                        connector.close(id)
                        return
                    }
                    leaderConnection = id
                    perform(peer.leaderConnected(now: SystemClock.now()))
                    for event in earlyEvents.removeValue(forKey: id) ?? [] { leaderEvent(id, event) }
                case .failure(let error):
                    guard generation == leaderDialGeneration else { return }
                    logger.warning("cannot connect to the leader \(sid) at \(address): \(error)")
                    perform(peer.leaderClosed(now: SystemClock.now()))
                }
            }
        }
    }

    private func leaderEvents(_ id: QuorumConnectionID, _ events: [QuorumConnectionEvent]) {
        onCore { [self] in
            guard leaderConnection == id else {
                // Events that beat `connect`'s return to the core loop wait for it.
                if leaderConnection == nil { earlyEvents[id, default: []] += events }
                return
            }
            for event in events { leaderEvent(id, event) }
        }
    }

    private func leaderEvent(_ id: QuorumConnectionID, _ event: QuorumConnectionEvent) {
        guard leaderConnection == id else { return }
        let now = SystemClock.now()
        switch event {
        case .opened:
            break
        case .packet(let packet):
            perform(peer.leaderPacket(packet, now: now))
        case .raw(let chunk):
            snapshotChunk(chunk, connection: id, now: now)
        case .closed:
            leaderConnection = nil
            incomingSnapshot = nil
            perform(peer.leaderClosed(now: now))
        }
    }

    /// Feeds the SNAP stream to the shared driver; once the trailer is read the rest of the chunk
    /// goes back to packet decoding.
    private func snapshotChunk(_ chunk: ByteBuffer, connection id: QuorumConnectionID, now: CoreTime) {
        guard incomingSnapshot != nil else { return }
        let bytes = Array(chunk.readableBytesView)
        do {
            guard let consumed = try receivedSnapshotBytes(bytes) else {
                connector?.requestRaw(id)
                return
            }
            var leftover = ByteBufferAllocator().buffer(capacity: bytes.count - consumed)
            leftover.writeBytes(bytes[consumed...])
            connector?.resumePackets(id, leftover: leftover)
        } catch {
            logger.error("bad snapshot from the leader: \(error)")
            incomingSnapshot = nil
            connector?.close(id)
        }
    }

    // MARK: - Disk

    func persist(_ txns: [LoggedTxn]) {
        guard !logFailed else { return }
        logStore.append(txns) { [self] result in
            onCore { [self] in
                switch result {
                case .success(let zxid):
                    perform(peer.logSynced(through: zxid, now: SystemClock.now()))
                case .failure(let error):
                    if !logFailed {
                        logFailed = true
                        logger.error("transaction log write failed, this server stops acknowledging: \(error)")
                    }
                }
            }
        }
        if snapshotTrigger.logged(txns.count) {
            logStore.roll()
            startBackgroundSnapshot()
        }
    }

    func writeEpoch(_ value: Int64, to file: EpochFile) {
        do {
            try epochs.write(value, to: file)
        } catch {
            // An epoch that cannot be recorded would let this server vote with stale state.
            fatalError("cannot write \(epochs.path(file)): \(error)")
        }
    }

    /// Writes the tree as a snapshot, durably, on the core loop (a SNAP-synced learner), then
    /// retires the older log files; the log starts a new file with the next txn.
    public func writeSnapshot(of core: ServerCore) {
        do {
            let path = try SnapshotFile.write(
                tree: core.tree, sessions: core.liveSessions, to: setup.persistence.directory.snapDir,
                compression: setup.config.snapshotCompression, digestEnabled: setup.config.digestEnabled,
                sync: setup.config.forceSync)
            logger.info("wrote \(path)")
            logStore.close()
            let retired = try TxnLogTruncation.retireAll(logDirectory: setup.persistence.directory.logDir)
            if !retired.isEmpty { logger.info("retired \(retired.count) log files older than the snapshot") }
            logStore = try FileLogStore(config: setup.config)
        } catch {
            fatalError("cannot write the snapshot received from the leader: \(error)")
        }
    }

    /// Makes the log durable, optionally truncates it (TRUNC), and reloads the database from disk.
    func reload(truncatingTo zxid: Zxid?) -> PeerDurableState {
        logStore.close()
        do {
            if let zxid {
                let directory = setup.persistence.directory
                _ = try TxnLogTruncation.truncate(logDirectory: directory.logDir, snapDirectory: directory.snapDir,
                                                  to: zxid, juteMaxBuffer: maxFrameBytes)
                logger.info("truncated the log after \(zxid)")
            }
            let (state, report) = try DatabaseLoader.load(setup.persistence.directory, config: setup.config)
            logStore = try FileLogStore(config: setup.config)
            let epochs = try self.epochs.loadAtStartup(lastProcessedZxid: report.lastZxid)
            return PeerDurableState(recovered: state, lastLogged: report.lastZxid, history: report.history,
                                    acceptedEpoch: Int32(epochs.accepted), currentEpoch: Int32(epochs.current))
        } catch {
            fatalError("cannot reload the database: \(error)")
        }
    }

    /// A fuzzy snapshot in the background, as the standalone server takes them.
    func startBackgroundSnapshot() {
        guard !snapshotRunning else {
            logger.warning("Too busy to snap, skipping")
            return
        }
        snapshotRunning = BackgroundSnapshot.start(
            tree: peer.core.tree, sessions: peer.core.liveSessions, persistence: setup.persistence,
            queue: backgroundQueue, loop: coreLoop, logger: logger) { [self] in snapshotRunning = false }
    }
}
