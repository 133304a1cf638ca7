import ZKCore

/// One seed's whole run: the seed picks the ensemble (3 or 5 voters, maybe an observer), the
/// clients and a schedule of faults; after the faults the network heals, every member restarts,
/// and the ensemble must elect a leader, commit a write and converge within a bounded time.
struct SimScenario {
    /// How long faults are injected, and how long the healed ensemble gets to recover (ms).
    static let faultPhaseMs: Int64 = 6_000
    static let recoveryMs: Int64 = 20_000

    let seed: UInt64
    var cluster: SimCluster
    var schedule: [String] = []

    init(seed: UInt64, trace: Bool = false) {
        self.seed = seed
        var random = SeededRandom(seed: seed ^ 0x5EED)
        let voters = random.next() % 2 == 0 ? 3 : 5
        let observers = random.next() % 3 == 0 ? 1 : 0
        let hierarchical = voters == 5 && random.next() % 3 == 0
        cluster = SimCluster(seed: seed, voters: voters, observers: observers, hierarchical: hierarchical, trace: trace)
        let members = voters + observers
        let clientCount = 2 + Int(random.next() % 3)
        for c in 0..<clientCount {
            cluster.clients.append(SimClient(index: c))
            cluster.queue.push(200 + Int64(random.next() % 500), .client(c))
        }
        let faults = Int(random.next() % 6)
        for _ in 0..<faults {
            let at = 500 + Int64(random.next() % UInt64(SimScenario.faultPhaseMs - 1500))
            let node = Int(random.next() % UInt64(members))
            let length = 200 + Int64(random.next() % 3000)
            switch random.next() % 7 {
            case 0:
                add(at, .crash(node))
                add(at + length, .restart(node))
            case 1:
                add(at, .isolate(node))
                add(at + length, .healAll)
            case 2:
                let other = (node + 1 + Int(random.next() % UInt64(members - 1))) % members
                add(at, .cutOneWay(from: node, to: other))
                add(at + length, .healAll)
            case 3:
                add(at, .slowDisk(node, true))
                add(at + length, .slowDisk(node, false))
            case 4:
                add(at, .crashLeader(restartAfter: length))
            case 5:
                add(at, .isolateLeader)
                add(at + length, .healAll)
            default:
                add(at, .pauseLeader(ms: 500 + length))
            }
        }
        add(SimScenario.faultPhaseMs, .healAll)
        for i in 0..<members { add(SimScenario.faultPhaseMs, .restart(i)) }
        cluster.log("ensemble \(voters)+\(observers)\(hierarchical ? " hierarchical" : ""), \(clientCount) clients, faults: \(schedule.joined(separator: "; "))")
    }

    private mutating func add(_ at: Int64, _ fault: SimFault) {
        schedule.append("t=\(at) \(fault)")
        cluster.queue.push(at, .fault(fault))
    }

    /// Runs the seed; returns the failures (empty when every property held).
    mutating func run() -> [String] {
        cluster.run(until: SimScenario.faultPhaseMs)
        if !cluster.checker.failures.isEmpty { return cluster.checker.failures }
        let healed = cluster.now
        let acksBefore = cluster.checker.acknowledged.count
        // Liveness: a write must commit after the heal.
        let deadline = healed + SimScenario.recoveryMs
        cluster.run(until: deadline) { $0.checker.acknowledged.count > acksBefore }
        if cluster.checker.acknowledged.count == acksBefore {
            return cluster.checker.failures + ["no write committed within \(SimScenario.recoveryMs) ms after the faults ended "
                + "(roles: \(cluster.roles))"]
        }
        // Quiesce: clients stop; their sessions expire (2 s) and the leader closes them, which
        // are txns too; then every member must reach the same state.
        for c in cluster.clients.indices { cluster.clients[c].active = false }
        cluster.run(until: cluster.now + 4000)
        let settle = max(deadline, cluster.now + 5000)
        cluster.run(until: settle) { $0.converged }
        cluster.checker.finalCheck(cluster)
        if !cluster.converged {
            cluster.checker.fail("members did not converge by t=\(settle) (roles: \(cluster.roles))")
        }
        return cluster.checker.failures
    }
}

extension SimCluster {
    /// Every member up and serving, at one last zxid and digest.
    var converged: Bool {
        let peers = nodes.compactMap(\.peer)
        guard peers.count == nodes.count, peers.allSatisfy(\.isServing) else { return false }
        let zxids = Set(peers.map { $0.core.tree.lastProcessedZxid })
        let digests = Set(peers.map { $0.core.tree.digest })
        return zxids.count == 1 && digests.count == 1
    }

    /// Each member's role, for failure messages.
    var roles: String {
        nodes.indices.map { i in
            guard let peer = nodes[i].peer else { return "n\(i + 1):down" }
            return "n\(i + 1):\(peer.stateName)@\(peer.core.tree.lastProcessedZxid)"
        }.joined(separator: " ")
    }
}
