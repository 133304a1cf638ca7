import Foundation
import Testing
@testable import ZKCore

/// The pure parts of `swzk cluster-local`: the plan and its zoo.cfg files, the checks of its
/// arguments, the console's command parser and completion, and the member table.
@Suite struct LocalClusterTests {
    private func plan(voters: Int = 3, observers: Int = 0, overrides: [ConfigOverride] = []) -> LocalClusterPlan {
        LocalClusterPlan(root: "/c", voters: voters, observers: observers,
                         ports: LocalClusterPlan.basePorts(20000, members: voters + observers),
                         tickTimeMs: 200, overrides: overrides)
    }

    @Test func portsAreClientThenQuorumThenElection() {
        let p = plan(voters: 2, observers: 1)
        #expect(p.members.map(\.clientPort) == [20000, 20001, 20002])
        #expect(p.members.map(\.quorumPort) == [20003, 20004, 20005])
        #expect(p.members.map(\.electionPort) == [20006, 20007, 20008])
        #expect(p.members.map(\.observer) == [false, false, true])
        #expect(p.members[2].dataDir == "/c/n3/data" && p.members[2].myidPath == "/c/n3/data/myid")
        #expect(p.connectString == "127.0.0.1:20000,127.0.0.1:20001,127.0.0.1:20002")
    }

    @Test func zooCfgParsesAsThatMembersEnsembleConfig() throws {
        let p = plan(voters: 2, observers: 1, overrides: [ConfigOverride(key: "zookeeper.snapCount", value: "77")])
        let text = p.zooCfg(for: p.members[2])
        #expect(text.contains("\npeerType=observer\n"))
        #expect(text.contains("\nserver.3=127.0.0.1:20005:20008:observer\n"))
        let config = try ServerConfig.parse(text: text, file: "zoo.cfg", myid: ServerID(3)).config
        #expect(config.mode == .ensemble)
        #expect(config.peerType == .observer)
        #expect(config.clientPort == 20002 && config.dataDir == "/c/n3/data")
        #expect(config.tickTime == .milliseconds(200) && config.initLimit == 10 && config.syncLimit == 5)
        #expect(config.snapCount == 77)
        #expect(config.servers.count == 3)
    }

    @Test func anExistingEnsembleTakesEachMembersPortsFromItsOwnZooCfg() throws {
        // As the fault harness lays them out: member i names every other member j at a proxy
        // port of its own (30000 + 10 i + j), and itself at its real ports.
        let root = NSTemporaryDirectory() + "swzk-existing-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for i in 1...3 {
            let dir = root + "/n\(i)"
            try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
            var lines = ["tickTime=200", "initLimit=10", "syncLimit=5", "dataDir=\(dir)/data", "clientPort=\(21000 + i)"]
            for j in 1...3 {
                let (q, e) = j == i ? (22000 + j, 23000 + j) : (30000 + 10 * i + j, 31000 + 10 * i + j)
                lines.append("server.\(j)=127.0.0.1:\(q):\(e)")
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/zoo.cfg", atomically: true, encoding: .utf8)
            try "\(i)\n".write(toFile: dir + "/data/myid", atomically: true, encoding: .utf8)
        }
        let plan = try #require(try LocalClusterFiles.existingPlan(root: root, voters: 3, observers: 0))
        #expect(plan.members.map(\.clientPort) == [21001, 21002, 21003])
        #expect(plan.members.map(\.quorumPort) == [22001, 22002, 22003])
        #expect(plan.members.map(\.electionPort) == [23001, 23002, 23003])
    }

    @Test func oneVoterIsAOneMemberQuorum() throws {
        let p = plan(voters: 1)
        let config = try ServerConfig.parse(text: p.zooCfg(for: p.members[0]), file: "zoo.cfg", myid: ServerID(1)).config
        #expect(!config.standaloneEnabled && config.mode == .ensemble)
        #expect(!plan(voters: 2).zooCfg(for: plan(voters: 2).members[0]).contains("standaloneEnabled"))
    }

    @Test func overrideReplacesADefaultInPlace() {
        let p = plan(overrides: [ConfigOverride(key: "initLimit", value: "20")])
        #expect(p.settings.filter { $0.key == "initLimit" }.map(\.value) == ["20"])
        #expect(LocalClusterPlan.startupDeadlineMs(try! p.checkSettings()) == 200 * 20 + Limits.localClusterStartMarginMs)
    }

    @Test func badOverrideValueNamesTheFlag() {
        #expect(throws: ConfigError.self) { try plan(overrides: [ConfigOverride(key: "syncLimit", value: "x")]).checkSettings() }
        do {
            _ = try plan(overrides: [ConfigOverride(key: "syncLimit", value: "x")]).checkSettings()
        } catch {
            #expect(error.description.hasPrefix("-D syncLimit: "))
        }
    }

    @Test func countsAndOverrideKeysAreChecked() {
        for (voters, observers) in [(0, 0), (-1, 0), (10, 0), (3, -1), (9, 8)] {
            #expect(throws: LocalClusterError.self) { try LocalClusterPlan.checkCounts(voters: voters, observers: observers) }
        }
        for (voters, observers) in [(1, 0), (9, 7), (1, 1)] {
            #expect(throws: Never.self) { try LocalClusterPlan.checkCounts(voters: voters, observers: observers) }
        }
        for key in ["noSuchKey", "dataDir", "clientPort", "server.4", "zookeeper.peerType"] {
            #expect(throws: LocalClusterError.self) {
                try LocalClusterPlan.checkOverrides([ConfigOverride(key: key, value: "1")])
            }
        }
        for key in ["snapCount", "zookeeper.jute.maxbuffer", "maxClientCnxns", "ssl.keyStore.location"] {
            #expect(throws: Never.self) { try LocalClusterPlan.checkOverrides([ConfigOverride(key: key, value: "1")]) }
        }
    }

    @Test func consoleCommandsParse() {
        let ids = [1, 2, 3]
        func parse(_ line: String) -> ClusterConsoleCommand? { try? ClusterConsoleCommand.parse(line, ids: ids).get() }
        #expect(parse("") == .nothing && parse("  ") == .nothing)
        #expect(parse("status") == .status && parse("leader") == .leader && parse("help") == .help)
        #expect(parse("quit") == .quit && parse("exit") == .quit)
        #expect(parse("kill 2") == .kill(2) && parse("stop n3") == .stop(3) && parse(" start\t1 ") == .start(1))
        #expect(parse("restart 1") == .restart(1) && parse("pause 2") == .pause(2) && parse("resume 2") == .resume(2))
        for bad in ["frob", "kill", "kill 4", "kill x", "kill 1 2", "status now", "n1"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
        guard case .failure(let error) = ClusterConsoleCommand.parse("kill 9", ids: ids) else { return }
        #expect(error.description == "kill: no member '9' (members: 1, 2, 3)")
    }

    @Test func completionOffersCommandsThenIds() {
        #expect(ClusterConsoleCommand.completions(before: "", word: "st", ids: [1, 2]) == ["status", "stop", "start"])
        #expect(ClusterConsoleCommand.completions(before: "kill ", word: "", ids: [1, 2]) == ["1", "2"])
        #expect(ClusterConsoleCommand.completions(before: "status ", word: "", ids: [1, 2]).isEmpty)
        #expect(ClusterConsoleCommand.completions(before: "kill 1 ", word: "", ids: [1, 2]).isEmpty)
    }

    @Test func srvrAnswerAndTable() {
        let srvr = "Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nReceived: 3\nSent: 2\n"
            + "Connections: 4\nOutstanding: 0\nZxid: 0x100000002\nMode: follower\nNode count: 5\n"
        #expect(SrvrSummary(parsing: srvr) == SrvrSummary(mode: "follower", zxid: "0x100000002", connections: 4))
        #expect(SrvrSummary(parsing: "This ZooKeeper instance is not currently serving requests\n").mode == nil)
        #expect(LocalClusterRow.role(running: false, paused: false, srvr: nil) == "down")
        #expect(LocalClusterRow.role(running: true, paused: true, srvr: nil) == "paused")
        #expect(LocalClusterRow.role(running: true, paused: false, srvr: SrvrSummary()) == "starting")
        let rows = [LocalClusterRow(id: 1, role: "leader", clientPort: 2181, pid: 42, zxid: "0x1", connections: 0, dataDir: "/c/n1/data"),
                    LocalClusterRow(id: 2, role: "down", clientPort: 2182, pid: nil, dataDir: "/c/n2/data")]
        #expect(LocalClusterReport.table(rows, live: false) == """
            ID  ROLE    CLIENT  PID  DATA
            1   leader  2181    42   /c/n1/data
            2   down    2182    -    /c/n2/data

            """)
        let json = LocalClusterReport.json(connect: "127.0.0.1:2181", dir: "/c", rows: rows)
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["leader"] as? Int == 1)
        #expect((object?["members"] as? [[String: Any]])?.count == 2)
    }
}
