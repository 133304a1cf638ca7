import Foundation
import Testing
import ZKCore

/// The deterministic simulation of whole ensembles (issue 10): many seeds, each a different
/// ensemble, workload and fault schedule, every safety property checked after every event.
///
/// `SWZK_SIM_SEEDS=N` runs N seeds (default 1000), `SWZK_SIM_FIRST=S` starts at seed S,
/// `SWZK_SIM_SEED=S` runs only seed S and prints its trace. A failing seed prints the command
/// that replays it.
@Suite struct SimulationTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    @Test func seeds() {
        if let one = Self.environment["SWZK_SIM_SEED"].flatMap(UInt64.init) {
            var scenario = SimScenario(seed: one, trace: true)
            let failures = scenario.run()
            for line in scenario.cluster.trace { print(line) }
            #expect(failures.isEmpty, "seed \(one): \(failures.joined(separator: "\n"))")
            return
        }
        let count = Self.environment["SWZK_SIM_SEEDS"].flatMap(UInt64.init) ?? 1000
        let first = Self.environment["SWZK_SIM_FIRST"].flatMap(UInt64.init) ?? 1
        var failed: [UInt64] = []
        var acked = 0
        var applied = 0
        // Each seed's number goes to stderr before it runs, so that a seed that traps (a broken
        // invariant is a precondition) still names itself in the output.
        FileHandle.standardError.write("simulation seeds:".data(using: .utf8)!)
        defer { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        for seed in first..<(first + count) {
            FileHandle.standardError.write(" \(seed)".data(using: .utf8)!)
            var scenario = SimScenario(seed: seed)
            let failures = scenario.run()
            acked += scenario.cluster.checker.acknowledged.count
            applied += scenario.cluster.checker.applied.count
            if !failures.isEmpty {
                failed.append(seed)
                Issue.record("""
                    simulation seed \(seed) failed:
                    \(failures.joined(separator: "\n"))
                    replay: SWZK_SIM_SEED=\(seed) swift test --filter SimulationTests
                    """)
                if failed.count >= 5 { break }
            }
        }
        print("simulation: \(count) seeds from \(first), \(failed.count) failed, \(acked) acknowledged writes, \(applied) txns")
    }

    /// The same seed twice gives the same run, event for event.
    @Test func deterministic() {
        var a = SimScenario(seed: 42, trace: true)
        var b = SimScenario(seed: 42, trace: true)
        _ = a.run()
        _ = b.run()
        #expect(a.cluster.trace == b.cluster.trace)
        #expect(a.cluster.checker.acknowledged.count == b.cluster.checker.acknowledged.count)
        #expect(!a.cluster.trace.isEmpty)
    }
}

/// The deposed-leader case of ZOOKEEPER-1675 (jepsen#399), staged by hand in the simulator: the
/// leader is paused, the others elect a new leader and commit a write, and a client still
/// connected to the paused leader sends sync then read before it resumes. In Apache ZooKeeper
/// the resumed leader answers the sync at once and the read is stale; in swzk the sync waits
/// for a quorum to confirm the leader, which never comes, so the read is never stale.
@Suite struct SyncOnDeposedLeaderTests {
    func connect(_ cluster: SimCluster, _ c: Int, to i: Int) {
        cluster.nextClientConnection += 1
        let id = ConnectionID(cluster.nextClientConnection)
        cluster.clients[c].connection = id
        cluster.clients[c].node = i
        cluster.clientOfConnection[id] = c
        let request = ConnectRequest(lastZxidSeen: cluster.clients[c].lastZxidSeen, timeOut: 30_000,
                                     sessionId: cluster.clients[c].session, passwd: cluster.clients[c].passwd,
                                     readOnly: false)
        cluster.send([.opened(id, address: "127.0.0.1", port: 50_000 + c), .connect(id, request)], to: i)
    }

    func request(_ cluster: SimCluster, _ c: Int, _ op: SimClient.Op, _ body: ClientRequest) {
        let xid = cluster.clients[c].nextXid
        cluster.clients[c].nextXid += 1
        cluster.clients[c].pending[xid] = op
        if case .sync = op { cluster.clients[c].lastSyncSentAt = cluster.now }
        cluster.send([.request(cluster.clients[c].connection!, xid: xid, body)], to: cluster.clients[c].node)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func syncThenReadOnAPausedDeposedLeaderIsNeverStale(seed: UInt64) throws {
        let cluster = SimCluster(seed: seed, voters: 3, observers: 0, trace: true)
        cluster.run(until: 2_000)
        let old = try #require(cluster.currentLeader)
        let follower = (old + 1) % 3
        for c in 0..<2 {
            var client = SimClient(index: c)
            client.active = false  // driven by hand
            cluster.clients.append(client)
        }
        connect(cluster, 0, to: old)
        connect(cluster, 1, to: follower)
        cluster.run(until: 2_300)
        #expect(cluster.clients[0].connected && cluster.clients[1].connected)
        request(cluster, 1, .create("/x"), .create(.create2, CreateRequest(path: "/x", data: Array("old".utf8),
                                                                             acl: ACL.openUnsafe, flags: 0)))
        cluster.run(until: 2_600)
        #expect(cluster.checker.acknowledged.count == 1)
        // Pause the leader; the others elect a new one.
        cluster.inject(.pauseLeader(ms: 4_000))
        let resumeAt = cluster.now + 4_000
        cluster.run(until: resumeAt - 1_500) { $0.currentLeader != nil && $0.currentLeader != old }
        let new = try #require(cluster.currentLeader)
        #expect(new != old)
        // Client 1 (dropped when its member went looking) writes through the new leader.
        connect(cluster, 1, to: new)
        cluster.run(until: cluster.now + 300)
        #expect(cluster.clients[1].connected)
        request(cluster, 1, .set("/x"), .setData(SetDataRequest(path: "/x", data: Array("new".utf8), version: -1)))
        cluster.run(until: cluster.now + 300)
        #expect(cluster.checker.acknowledged.count == 2, "the write through the new leader committed")
        // Client 0 is still connected to the paused old leader: sync, then read.
        request(cluster, 0, .sync, .sync(SyncRequest(path: "/")))
        request(cluster, 0, .get("/x", afterSyncAt: cluster.now), .getData(GetDataRequest(path: "/x", watch: false)))
        cluster.run(until: resumeAt + 3_000)
        #expect(cluster.checker.failures.isEmpty, "\(cluster.checker.failures)")
    }
}
