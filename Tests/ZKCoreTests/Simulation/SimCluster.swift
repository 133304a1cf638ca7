import Foundation
import ZKCore

/// A whole ensemble in one process under one seed: the real `QuorumPeer` machines, driven by the
/// real shared `PeerDriver` (each member a `SimMember`), over a simulated network, disks and
/// clock (DESIGN.md §11). Every run of a seed is identical.
final class SimCluster {
    struct Node {
        /// The running incarnation (nil while the member is down).
        var member: SimMember?
        var peer: QuorumPeer? { member?.peer }
        var disk = SimDisk()
        var incarnation = 0
        var slowDisk = false
        /// The learner's current connection to its leader.
        var leaderConnection: LearnerConnectionID?
        /// Whether the quorum port accepts learners (only while leading).
        var listening = false
        var lastDiskDone: Int64 = 0
        /// Frozen (SIGSTOP) until this time: its events wait until then.
        var pausedUntil: Int64 = 0
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
    /// Every node a client saw created, in order.
    var created: [String] = []
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

    func startNode(_ i: Int) {
        nodes[i].incarnation += 1
        var settings = ServerSettings(tickMs: Int32(zab.tickMs))
        settings.serverID = ServerID(Int64(i + 1))
        var peer = QuorumPeer(myID: ServerID(Int64(i + 1)), verifier: verifier, zab: zab, serverSettings: settings,
                              election: ElectionSettings(), durable: nodes[i].disk.load(), now: wall)
        peer.recordsApplied = true
        nodes[i].member = SimMember(cluster: self, index: i, peer: peer)
        nodes[i].leaderConnection = nil
        checker.nodeRestarted(i)
        queue.push(now + 1 + Int64(random.next() % 50), .tick(node: i, incarnation: nodes[i].incarnation))
        drive(i) { $0.start(now: wall) }
    }

    /// Feeds an event to member `i` (when it is up) and carries out its actions with the shared driver.
    func drive(_ i: Int, _ event: (inout QuorumPeer) -> [PeerAction]) {
        guard let member = nodes[i].member else { return }
        let actions = event(&member.peer)
        member.perform(actions)
    }

    func crash(_ i: Int) {
        guard nodes[i].peer != nil else { return }
        log("CRASH n\(i + 1)")
        nodes[i].member = nil
        nodes[i].pausedUntil = 0
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

    func delay() -> Int64 { 1 + Int64(random.next() % 4) + (random.next() % 20 == 0 ? 20 : 0) }

    func close(_ id: LearnerConnectionID, notifyLeader: Bool, notifyLearner: Bool) {
        guard var c = connections[id], c.open else { return }
        c.open = false
        connections[id] = c
        if notifyLeader && c.acceptedByLeader { queue.push(now + delay(), .closedAtLeader(id)) }
        if notifyLearner { queue.push(now + delay(), .closedAtLearner(id)) }
    }

    func sendToLearner(_ id: LearnerConnectionID, _ item: SimStreamItem) {
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

    func sendToLeader(_ id: LearnerConnectionID, _ packet: QuorumPacket) {
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

    // MARK: - Checking

    /// Hands what member `i` applied to the checker (before its core is replaced, and after events).
    func drainApplied(_ i: Int) {
        guard let member = nodes[i].member else { return }
        let txns = member.peer.drainApplied()
        let tree = member.peer.core.tree
        if SimCluster.printsTrace, let last = txns.last {
            log("n\(i + 1) applied \(txns.count) through \(last.zxid) (\(txns.map { "\($0.header.type.rawValue)" }.joined(separator: ","))) digest \(tree.digest)")
        }
        checker.applied(txns, node: i, digest: tree.digest, treeZxid: tree.lastProcessedZxid)
    }

    func openConnection(from learner: Int, to leader: Int) {
        nextConnection += 1
        let id = LearnerConnectionID(nextConnection)
        connections[id] = SimConnection(id: id, learner: learner, leader: leader,
                                        learnerIncarnation: nodes[learner].incarnation,
                                        leaderIncarnation: nodes[leader].incarnation)
        nodes[learner].leaderConnection = id
        queue.push(now + delay(), .connect(id))
    }
}
