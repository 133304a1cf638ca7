import ZKCore

/// One incarnation of a simulated member: its `QuorumPeer` and the simulated world behind the
/// shared `PeerDriver`, so that the simulator carries out actions with exactly the code
/// production runs. Each requirement is one plain effect on the cluster's network, disk, clock
/// or checker. A crash drops the object; a restart makes a new one over the same disk.
final class SimMember: PeerDriver {
    unowned let cluster: SimCluster
    let index: Int
    var peer: QuorumPeer
    var snapshotStreams = SnapshotStreams()
    var incomingSnapshot: IncomingSnapshot?

    init(cluster: SimCluster, index: Int, peer: QuorumPeer) {
        self.cluster = cluster
        self.index = index
        self.peer = peer
    }

    private var name: String { "n\(index + 1)" }

    /// A few nodes per chunk, so that writes land between the chunks of a stream.
    var streamNodesPerChunk: Int { 1 + Int(cluster.random.next() % 4) }

    func currentTime() -> CoreTime { cluster.wall }

    func appendToLog(_ txns: [LoggedTxn]) {
        let i = index
        cluster.nodes[i].disk.log += txns
        let latency: Int64 = cluster.nodes[i].slowDisk ? 50 + Int64(cluster.random.next() % 150)
                                                       : 1 + Int64(cluster.random.next() % 3)
        cluster.nodes[i].lastDiskDone = max(cluster.nodes[i].lastDiskDone, cluster.now + latency)
        cluster.queue.push(cluster.nodes[i].lastDiskDone,
                           .fsync(node: i, incarnation: cluster.nodes[i].incarnation,
                                  generation: cluster.nodes[i].disk.generation, count: cluster.nodes[i].disk.log.count))
    }

    func transmit(_ packets: [QuorumPacket], toLearner id: LearnerConnectionID) {
        for packet in packets { cluster.sendToLearner(id, .packet(packet)) }
    }

    func transmitSnapshotChunk(_ bytes: [UInt8], toLearner id: LearnerConnectionID) {
        cluster.sendToLearner(id, .snapshotChunk(bytes))
        scheduleStep(id, within: 8)
    }

    func snapshotStreamStarted(_ id: LearnerConnectionID) {
        cluster.log("\(name) SNAP at \(peer.core.tree.lastProcessedZxid) digest \(peer.core.tree.digest)")
        scheduleStep(id, within: 5)
    }

    private func scheduleStep(_ id: LearnerConnectionID, within ms: UInt64) {
        cluster.queue.push(cluster.now + Int64(cluster.random.next() % ms),
                           .snapshotStep(node: index, incarnation: cluster.nodes[index].incarnation, id))
    }

    func closeLearner(_ id: LearnerConnectionID, reason: String) {
        cluster.log("\(name) closes \(id): \(reason)")
        cluster.close(id, notifyLeader: false, notifyLearner: true)
    }

    /// As `TxnLogDiff.txnsForDiff` reads it: the newest logged txn at or below `after`, then every
    /// later one through `through`; nil when the log cannot serve it (and, standing in for the
    /// size limit, now and then at random). Read off the core loop: the answer comes back later.
    func readHistory(_ id: LearnerConnectionID, after: Zxid, through: Zxid) {
        let logged = cluster.nodes[index].disk.log
        var answer: [LoggedTxn]?
        if cluster.random.next() % 5 != 0, let anchor = logged.last(where: { $0.zxid <= after }),
           let last = logged.last, last.zxid >= through {
            answer = [anchor] + logged.filter { $0.zxid > after && $0.zxid <= through }
        }
        cluster.log("\(name) reads its log for a DIFF after \(after): \(answer.map { "\($0.count) txns" } ?? "cannot")")
        cluster.queue.push(cluster.now + 1 + Int64(cluster.random.next() % 30),
                           .historyRead(node: index, incarnation: cluster.nodes[index].incarnation, id, answer))
    }

    func listenForLearners(_ on: Bool) { cluster.nodes[index].listening = on }

    func connectToLeader(_ sid: ServerID) { cluster.openConnection(from: index, to: Int(sid.rawValue) - 1) }

    func transmitToLeader(_ packets: [QuorumPacket]) {
        guard let id = cluster.nodes[index].leaderConnection else { return }
        for packet in packets { cluster.sendToLeader(id, packet) }
    }

    func disconnectFromLeader() {
        if let id = cluster.nodes[index].leaderConnection { cluster.close(id, notifyLeader: true, notifyLearner: false) }
        cluster.nodes[index].leaderConnection = nil
    }

    func expectSnapshotBytes() {}

    func truncateLog(to zxid: Zxid) -> PeerDurableState {
        cluster.nodes[index].disk.truncate(to: zxid)
        return cluster.nodes[index].disk.load()
    }

    func reloadDatabase() -> PeerDurableState {
        let i = index
        cluster.nodes[i].disk.durable = cluster.nodes[i].disk.log.count
        cluster.nodes[i].disk.generation += 1
        cluster.nodes[i].leaderConnection = nil
        let durable = cluster.nodes[i].disk.load()
        let disk = cluster.nodes[i].disk
        cluster.log("\(name) reloaded: snapshot \(disk.snapshot.map { "\($0.zxid)" } ?? "none"), log \(disk.log.map { "\($0.zxid.counter)" }.joined(separator: ",")), tree \(durable.recovered.tree.lastProcessedZxid) digest \(durable.recovered.tree.digest)")
        return durable
    }

    func writeSnapshot(of core: ServerCore) {
        cluster.nodes[index].disk.writeSnapshot(of: core)
        cluster.log("\(name) wrote snapshot at \(core.tree.lastProcessedZxid)")
    }

    func persistAcceptedEpoch(_ epoch: Int32) { cluster.nodes[index].disk.acceptedEpoch = epoch }

    func persistCurrentEpoch(_ epoch: Int32) { cluster.nodes[index].disk.currentEpoch = epoch }

    func sendNotification(_ notification: Notification, to sid: ServerID) {
        let j = Int(sid.rawValue) - 1
        if cluster.linkUp(index, j) {
            cluster.queue.push(cluster.now + cluster.delay(), .election(from: index, to: j, notification))
        }
    }

    func connectAllVoters() {}

    func deliverClientActions(_ actions: [CoreAction]) {
        for action in actions { cluster.deliverToClients(action, node: index) }
    }

    func log(_ level: LogLevel, _ message: String) { cluster.log("\(name) \(message)") }

    func coreWillBeReplaced(bySnapshot: Bool) {
        cluster.drainApplied(index)
        cluster.checker.nodeRestarted(index)
        if bySnapshot {
            cluster.checker.snapshotLoaded(index)
            cluster.log("\(name) loads a SNAP stream")
        }
    }

    func performed() {
        cluster.drainApplied(index)
        cluster.checker.leaderCheck(cluster, node: index)
    }
}
