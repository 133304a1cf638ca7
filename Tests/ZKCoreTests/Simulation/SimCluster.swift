import Foundation
import ZKCore

/// A whole ensemble in one process under one seed: the real `QuorumPeer` machines over a
/// simulated network, disks and clock (DESIGN.md §11). Every run of a seed is identical.
struct SimCluster {
    struct Node {
        var peer: QuorumPeer?
        var disk = SimDisk()
        var incarnation = 0
        var slowDisk = false
        /// The learner's current connection to its leader.
        var leaderConnection: LearnerConnectionID?
        /// The SNAP stream being received (the zxid of its SNAP packet, and the real decoder).
        var incoming: (zxid: Zxid, decoder: SnapshotStreamDecoder)?
        /// The SNAP streams this node is sending while it leads (the real shared type).
        var streams = SnapshotStreams()
        /// Whether the quorum port accepts learners (only while leading).
        var listening = false
        var lastDiskDone: Int64 = 0
    }

    let seed: UInt64
    var random: SeededRandom
    var now: Int64 = 0
    var queue = SimQueue()
    var nodes: [Node]
    let verifier: QuorumVerifier
    let zab: ZabSettings
    var connections: [LearnerConnectionID: SimConnection] = [:]
    var nextConnection: UInt64 = 0
    /// Directed links that drop everything (from, to).
    var cut: Set<[Int]> = []
    var clients: [SimClient] = []
    var nextClientConnection: UInt64 = 0
    var clientOfConnection: [ConnectionID: Int] = [:]
    var checker = SimChecker()
    /// The run's trace lines (a reference, so logging never conflicts with a mutation in progress).
    final class TraceBuffer { var lines: [String] = [] }
    let traceBuffer = TraceBuffer()
    var trace: [String] { traceBuffer.lines }
    let traceEnabled: Bool
    /// SWZK_SIM_TRACE=1 prints the trace as it happens (to see the lead-up to a crash).
    static let printsTrace = ProcessInfo.processInfo.environment["SWZK_SIM_TRACE"] == "1"

    init(seed: UInt64, voters: Int, observers: Int, hierarchical: Bool = false, trace: Bool = false) {
        self.seed = seed
        random = SeededRandom(seed: seed)
        traceEnabled = trace
        var servers: [QuorumServer] = []
        for i in 0..<(voters + observers) {
            servers.append(QuorumServer(id: ServerID(Int64(i + 1)), address: "127.0.0.1", quorumPort: 3000 + i,
                                        electionPort: 4000 + i, role: i < voters ? .participant : .observer))
        }
        // Hierarchical (five voters): groups {1,2}, {3,4}, {5}; a quorum wins two of the three.
        verifier = hierarchical
            ? QuorumVerifier(servers: servers, groups: [1: [ServerID(1), ServerID(2)], 2: [ServerID(3), ServerID(4)],
                                                        3: [ServerID(5)]], weights: [:])
            : QuorumVerifier(servers: servers)
        zab = ZabSettings(tickMs: 200, initLimit: 5, syncLimit: 2, commitLogCount: 20)
        nodes = Array(repeating: Node(), count: voters + observers)
        for i in nodes.indices { startNode(i) }
    }

    var wall: CoreTime { CoreTime(wallMs: 1_700_000_000_000 + now, monotonicMs: now) }

    func log(_ line: @autoclosure () -> String) {
        guard traceEnabled else { return }
        let text = "t=\(now) \(line())"
        if SimCluster.printsTrace { print(text) } else { traceBuffer.lines.append(text) }
    }

    // MARK: - Nodes

    mutating func startNode(_ i: Int) {
        nodes[i].incarnation += 1
        var settings = ServerSettings(tickMs: Int32(zab.tickMs))
        settings.serverID = ServerID(Int64(i + 1))
        var peer = QuorumPeer(myID: ServerID(Int64(i + 1)), verifier: verifier, zab: zab, serverSettings: settings,
                              election: ElectionSettings(), durable: nodes[i].disk.load(), now: wall)
        peer.recordsApplied = true
        nodes[i].peer = peer
        nodes[i].leaderConnection = nil
        nodes[i].incoming = nil
        nodes[i].streams = SnapshotStreams()
        checker.nodeRestarted(i)
        queue.push(now + 1 + Int64(random.next() % 50), .tick(node: i, incarnation: nodes[i].incarnation))
        let actions = nodes[i].peer!.start(now: wall)
        carry(actions, node: i)
    }

    mutating func crash(_ i: Int) {
        guard nodes[i].peer != nil else { return }
        log("CRASH n\(i + 1)")
        nodes[i].peer = nil
        nodes[i].listening = false
        nodes[i].disk.crash()
        nodes[i].incarnation += 1
        for id in connections.keys.sorted() where connections[id]!.open {
            let c = connections[id]!
            if c.learner == i { close(id, notifyLeader: true, notifyLearner: false) }
            if c.leader == i { close(id, notifyLeader: false, notifyLearner: true) }
        }
        for c in clients.indices where clients[c].node == i { clients[c].disconnected() }
        checker.nodeRestarted(i)
    }

    // MARK: - Network

    func linkUp(_ from: Int, _ to: Int) -> Bool { !cut.contains([from, to]) }

    mutating func delay() -> Int64 { 1 + Int64(random.next() % 4) + (random.next() % 20 == 0 ? 20 : 0) }

    mutating func close(_ id: LearnerConnectionID, notifyLeader: Bool, notifyLearner: Bool) {
        guard var c = connections[id], c.open else { return }
        c.open = false
        connections[id] = c
        if notifyLeader && c.acceptedByLeader { queue.push(now + delay(), .closedAtLeader(id)) }
        if notifyLearner { queue.push(now + delay(), .closedAtLearner(id)) }
    }

    mutating func sendToLearner(_ id: LearnerConnectionID, _ item: SimStreamItem) {
        guard var c = connections[id], c.open else { return }
        guard linkUp(c.leader, c.learner) else {
            c.open = false  // lost bytes: the stream is dead, timeouts find out
            connections[id] = c
            return
        }
        c.lastToLearner = max(c.lastToLearner, now + delay())
        connections[id] = c
        if SimCluster.printsTrace, case .packet(let p) = item, p.type != 5 {
            log("send \(id) n\(c.learner + 1) type \(p.type) \(Zxid(p.zxid)) at \(c.lastToLearner)")
        }
        queue.push(c.lastToLearner, .toLearner(id, item))
    }

    mutating func sendToLeader(_ id: LearnerConnectionID, _ packet: QuorumPacket) {
        guard var c = connections[id], c.open else { return }
        guard linkUp(c.learner, c.leader) else {
            c.open = false
            connections[id] = c
            return
        }
        c.lastToLeader = max(c.lastToLeader, now + delay())
        connections[id] = c
        queue.push(c.lastToLeader, .toLeader(id, packet))
    }

    // MARK: - Carrying out actions

    mutating func carry(_ actions: [PeerAction], node i: Int) {
        for action in actions {
            guard nodes[i].peer != nil else { break }
            carryOne(action, node: i)
        }
        drainApplied(i)
        checker.leaderCheck(self, node: i)
    }

    /// Hands what member `i` applied to the checker (before its core is replaced, and after events).
    mutating func drainApplied(_ i: Int) {
        guard nodes[i].peer != nil else { return }
        let txns = nodes[i].peer!.drainApplied()
        let tree = nodes[i].peer!.core.tree
        if SimCluster.printsTrace, let last = txns.last {
            log("n\(i + 1) applied \(txns.count) through \(last.zxid) (\(txns.map { "\($0.header.type.rawValue)" }.joined(separator: ","))) digest \(tree.digest)")
        }
        checker.applied(txns, node: i, digest: tree.digest, treeZxid: tree.lastProcessedZxid)
    }

    private mutating func carryOne(_ action: PeerAction, node i: Int) {
        switch action {
        case .client(let core):
            deliverToClients(core, node: i)
        case .persist(let txns):
            nodes[i].disk.log += txns
            let latency: Int64 = nodes[i].slowDisk ? 50 + Int64(random.next() % 150) : 1 + Int64(random.next() % 3)
            nodes[i].lastDiskDone = max(nodes[i].lastDiskDone, now + latency)
            queue.push(nodes[i].lastDiskDone, .fsync(node: i, incarnation: nodes[i].incarnation,
                                                     generation: nodes[i].disk.generation, count: nodes[i].disk.log.count))
        case let .sendToLearner(id, packets):
            for packet in nodes[i].streams.route(id, packets) { sendToLearner(id, .packet(packet)) }
        case .sendSnapshot(let id):
            // Streamed a few nodes at a time with other events in between, so the leader's tree
            // changes under the stream as it does in production (a fuzzy SNAP).
            let core = nodes[i].peer!.core
            log("n\(i + 1) SNAP at \(core.tree.lastProcessedZxid) digest \(core.tree.digest)")
            sendToLearner(id, .packet(nodes[i].streams.start(id, tree: core.tree, sessions: core.liveSessions)))
            queue.push(now + Int64(random.next() % 5), .snapshotStep(node: i, incarnation: nodes[i].incarnation, id))
        case let .readHistory(id, after, through):
            // As `TxnLogDiff.txnsForDiff` reads it: the newest logged txn at or below `after`, then
            // every later one through `through`; nil when the log cannot serve it (and, as a
            // stand-in for the size limit, now and then at random).
            let logged = nodes[i].disk.log
            var answer: [LoggedTxn]?
            if random.next() % 5 != 0, let anchor = logged.last(where: { $0.zxid <= after }),
               let last = logged.last, last.zxid >= through {
                answer = [anchor] + logged.filter { $0.zxid > after && $0.zxid <= through }
            }
            log("n\(i + 1) reads its log for a DIFF after \(after): \(answer.map { "\($0.count) txns" } ?? "cannot")")
            // Read off the core loop: the answer comes back later, with other events in between.
            queue.push(now + 1 + Int64(random.next() % 30),
                       .historyRead(node: i, incarnation: nodes[i].incarnation, id, answer))
        case .listenForLearners(let on):
            nodes[i].listening = on
            if !on { nodes[i].streams.dropAll() }
        case let .closeLearner(id, reason):
            log("n\(i + 1) closes \(id): \(reason)")
            nodes[i].streams.drop(id)
            close(id, notifyLeader: false, notifyLearner: true)
        case .connectToLeader(let sid):
            openConnection(from: i, to: Int(sid.rawValue) - 1)
        case .sendToLeader(let packets):
            guard let id = nodes[i].leaderConnection else { return }
            for packet in packets { sendToLeader(id, packet) }
        case .disconnectFromLeader:
            if let id = nodes[i].leaderConnection { close(id, notifyLeader: true, notifyLearner: false) }
            nodes[i].leaderConnection = nil
        case .receiveSnapshot(let zxid):
            nodes[i].incoming = (zxid, SnapshotStreamDecoder())
        case .truncateLog(let zxid):
            drainApplied(i)
            nodes[i].disk.truncate(to: zxid)
            checker.nodeRestarted(i)
            let more = nodes[i].peer!.databaseReloaded(nodes[i].disk.load(), now: wall)
            carry(more, node: i)
        case .writeSnapshot:
            nodes[i].disk.writeSnapshot(of: nodes[i].peer!.core)
            let at = nodes[i].peer!.core.tree.lastProcessedZxid
            log("n\(i + 1) wrote snapshot at \(at)")
        case .persistAcceptedEpoch(let epoch):
            nodes[i].disk.acceptedEpoch = epoch
        case .persistCurrentEpoch(let epoch):
            nodes[i].disk.currentEpoch = epoch
        case .reloadDatabase:
            drainApplied(i)
            nodes[i].disk.durable = nodes[i].disk.log.count
            nodes[i].disk.generation += 1
            nodes[i].leaderConnection = nil
            nodes[i].incoming = nil
            checker.nodeRestarted(i)
            let durable = nodes[i].disk.load()
            let disk = nodes[i].disk
            log("n\(i + 1) reloaded: snapshot \(disk.snapshot.map { "\($0.zxid)" } ?? "none"), log \(disk.log.map { "\($0.zxid.counter)" }.joined(separator: ",")), tree \(durable.recovered.tree.lastProcessedZxid) digest \(durable.recovered.tree.digest)")
            let more = nodes[i].peer!.databaseReloaded(durable, now: wall)
            carry(more, node: i)
        case let .sendNotification(to, notification):
            let j = Int(to.rawValue) - 1
            if linkUp(i, j) { queue.push(now + delay(), .election(from: i, to: j, notification)) }
        case .connectAllVoters:
            break
        case let .log(_, line):
            log("n\(i + 1) \(line)")
        }
    }

    mutating func openConnection(from learner: Int, to leader: Int) {
        nextConnection += 1
        let id = LearnerConnectionID(nextConnection)
        connections[id] = SimConnection(id: id, learner: learner, leader: leader,
                                        learnerIncarnation: nodes[learner].incarnation,
                                        leaderIncarnation: nodes[leader].incarnation)
        nodes[learner].leaderConnection = id
        queue.push(now + delay(), .connect(id))
    }
}
