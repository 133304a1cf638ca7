import Foundation
import Testing
@testable import ZKCore

/// Four-letter words of ensemble members, compared with what a live 3.8.0 ensemble answered
/// (`Fixtures/4lw/ensemble/`: server 3 leading, server 1 following, three servers on 127.0.0.1).
@Suite struct FourLetterWordEnsembleTests {
    /// `conf`'s static part the way the runtime gets it: `ServerInfo(config)` of the member's zoo.cfg.
    static func info(myid: Int64) throws -> ServerInfo {
        let text = """
            tickTime=2000
            initLimit=10
            syncLimit=5
            maxClientCnxns=0
            dataDir=/tmp/specv/ens/zk\(myid)/data
            clientPort=2583\(myid)
            4lw.commands.whitelist=*
            server.1=127.0.0.1:25841:25851
            server.2=127.0.0.1:25842:25852
            server.3=127.0.0.1:25843:25853
            """
        let config = try ServerConfig.parse(text: text, file: "zoo.cfg", myid: ServerID(myid)).config
        var info = ServerInfo(config)
        info.version = StandaloneFixture.version
        return info
    }

    /// The leader as the fixtures saw it: one four-letter-word connection, two synced followers.
    static var leaderReport: ServerReport {
        var report = ServerReport()
        report.quorum = QuorumReport(
            peerState: .leading, zabPhase: .broadcast, quorumSize: 3,
            leader: QuorumReport.LeaderReport(learners: 2, syncedFollowers: 2, uptimeMs: 4734))
        report.lastZxid = Zxid(0x2_0000_0000)
        report.nodeCount = 8
        report.packetsReceived = 4
        report.packetsSent = 3
        report.connections = [StandaloneFixture.wordConnection(port: 50300)]
        report.dataDirSize = 67_110_367
        report.dataLogSize = 67_110_367
        return report
    }

    static var followerReport: ServerReport {
        var report = leaderReport
        report.quorum = QuorumReport(peerState: .following, zabPhase: .broadcast, quorumSize: 3)
        report.lastZxid = Zxid(0x1_0000_000c)
        report.connections = [StandaloneFixture.wordConnection(port: 60004)]
        report.dataDirSize = 134_218_357
        report.dataLogSize = 134_218_357
        return report
    }

    private func render(_ word: FourLetterWord, _ report: ServerReport, _ info: ServerInfo, serving: Bool = true) -> String {
        FourLetterWordRenderer.response(for: word, report: report, info: info, serving: serving)
    }

    // MARK: - srvr, stat, conf

    @Test func leaderSrvrStatAndConfMatchFixtures() throws {
        let info = try Self.info(myid: 3)
        var report = Self.leaderReport
        #expect(render(.srvr, report, info) == (try fourLetterFixture("ensemble/leader-25833-srvr.txt")))
        #expect(render(.conf, report, info) == (try fourLetterFixture("ensemble/leader-25833-conf.txt")))
        report.packetsReceived = 5
        report.packetsSent = 4
        #expect(render(.stat, report, info) == (try fourLetterFixture("ensemble/leader-25833-stat.txt")))
    }

    @Test func followerSrvrStatAndConfMatchFixtures() throws {
        let info = try Self.info(myid: 1)
        var report = Self.followerReport
        #expect(render(.srvr, report, info) == (try fourLetterFixture("ensemble/follower-25831-srvr.txt")))
        #expect(render(.conf, report, info) == (try fourLetterFixture("ensemble/follower-25831-conf.txt")))
        report.packetsReceived = 5
        report.packetsSent = 4
        #expect(render(.stat, report, info) == (try fourLetterFixture("ensemble/follower-25831-stat.txt")))
    }

    @Test func observerModeAndConfPeerType() throws {
        var info = try Self.info(myid: 1)
        info.ensemble?.peerType = .observer
        info.ensemble?.electionPorts = [25851, 25861]
        var report = Self.followerReport
        report.quorum = QuorumReport(peerState: .observing, zabPhase: .broadcast, quorumSize: 3)
        #expect(render(.srvr, report, info).contains("\nMode: observer\nNode count: 8\n"))
        #expect(!render(.srvr, report, info).contains("Proposal sizes"))
        #expect(render(.conf, report, info).contains("\nelectionPort=25851|25861\nquorumPort=25841\npeerType=1\nmembership: \n"))
    }

    @Test func standaloneConfIsUnchanged() throws {
        let config = try ServerConfig.parse(text: "dataDir=/d\nclientPort=1\n4lw.commands.whitelist=*\nserver.1=h:2888:3888\n",
                                            file: "zoo.cfg", myid: ServerID(1)).config
        let info = ServerInfo(config)
        #expect(info.ensemble == nil && info.serverId == 0)
        #expect(render(.conf, ServerReport(), info).hasSuffix("clientPortListenBacklog=-1\nserverId=0\n"))
        #expect(render(.srvr, ServerReport(), info).contains("\nMode: standalone\n"))
    }

    @Test func readOnlyWinsOverTheQuorumRole() throws {
        var report = Self.followerReport
        report.mode = "read-only"
        report.quorum = QuorumReport(peerState: .looking, zabPhase: .election, quorumSize: 3)
        let info = try Self.info(myid: 1)
        #expect(render(.srvr, report, info).contains("\nMode: read-only\n"))
        #expect(render(.isro, report, info) == "ro")
        let mntr = render(.mntr, report, info)
        #expect(mntr.contains("zk_server_state\tread-only\n"))
        #expect(!mntr.contains("zk_peer_state") && !mntr.contains("zk_quorum_size"))
    }

    // MARK: - mntr

    /// `zk_<key>` → value lines of a `mntr` answer, in order.
    private func entries(_ text: String) -> [(key: String, value: String)] {
        text.split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "<missing tab>")
        }
    }

    /// Keys of summary and gauge sets, which swzk does not report.
    private func isSetKey(_ key: String) -> Bool {
        key.hasSuffix("_per_namespace") || key.contains("_learner_handler_qp_")
    }

    @Test func leaderMonitorHasTheFixturesKeysInItsOrder() throws {
        let fixture = entries(try fourLetterFixture("ensemble/leader-25833-mntr.txt")).filter { !isSetKey($0.key) }
        var report = Self.leaderReport
        report.packetsReceived = 7
        report.packetsSent = 6
        report.approximateDataSize = 214
        report.uptimeMs = 4943
        report.openFileDescriptorCount = 48
        report.maxFileDescriptorCount = 20000
        let rendered = entries(render(.mntr, report, try Self.info(myid: 3)))
        #expect(rendered.map(\.key) == fixture.map(\.key))
        // The fixed keys and every gauge carry the fixture's values (counters and summaries are
        // ones swzk does not measure yet).
        let gaugeCount = 3 + 34
        #expect(rendered.prefix(gaugeCount).map(\.value) == fixture.prefix(gaugeCount).map(\.value))
        #expect(fixture[gaugeCount - 1].key == "zk_quorum_size" && fixture[gaugeCount].key == "zk_proposal_count")
    }

    @Test func standaloneMonitorHasTheFixturesKeysInItsOrder() throws {
        let fixture = entries(try fourLetterFixture("standalone/mntr.txt")).filter { !isSetKey($0.key) }
        let rendered = entries(render(.mntr, StandaloneFixture.report, StandaloneFixture.info))
        #expect(rendered.map(\.key) == fixture.map(\.key))
        #expect(!rendered.contains { $0.key == "zk_peer_state" || $0.key == "zk_quorum_size" })
    }

    @Test func followerMonitor() throws {
        let info = try Self.info(myid: 1)
        var report = Self.followerReport
        var lines = entries(render(.mntr, report, info))
        #expect(lines.prefix(3).map(\.key) == ["zk_version", "zk_server_state", "zk_peer_state"])
        #expect(lines[1].value == "follower" && lines[2].value == "following - broadcast")
        #expect(lines.contains { $0 == ("zk_quorum_size", "3") })
        let leaderOnly = ["zk_learners", "zk_synced_followers", "zk_synced_non_voting_followers", "zk_synced_observers",
                          "zk_pending_syncs", "zk_leader_uptime", "zk_last_proposal_size", "zk_min_proposal_size",
                          "zk_max_proposal_size"]
        #expect(!lines.contains { leaderOnly.contains($0.key) })
        // A follower that is an observer master reports its synced observers.
        report.quorum?.followerSyncedObservers = 2
        lines = entries(render(.mntr, report, info))
        #expect(lines.contains { $0 == ("zk_synced_observers", "2") })
        #expect(lines.filter { leaderOnly.contains($0.key) }.count == 1)
    }

    @Test func observerMonitor() throws {
        var report = Self.followerReport
        report.quorum = QuorumReport(peerState: .observing, zabPhase: .synchronization, syncMode: .snap,
                                     quorumSize: 3, learnerMasterID: 2)
        let lines = entries(render(.mntr, report, try Self.info(myid: 1)))
        #expect(lines.prefix(4).map(\.key) == ["zk_version", "zk_server_state", "zk_peer_state", "zk_observer_master_id"])
        #expect(lines.prefix(4).map(\.value).dropFirst() == ["observer", "observing - synchronization - snap", "2"])
    }

    @Test func detailedPeerState() {
        #expect(QuorumReport(peerState: .looking, zabPhase: .election, quorumSize: 3).detailedPeerState == "looking")
        #expect(QuorumReport(peerState: .leading, zabPhase: .discovery, quorumSize: 3).detailedPeerState
            == "leading - discovery")
        #expect(QuorumReport(peerState: .following, zabPhase: .synchronization, syncMode: .trunc, quorumSize: 3)
            .detailedPeerState == "following - synchronization - trunc")
        #expect(QuorumReport(peerState: .following, zabPhase: .broadcast, syncMode: .diff, quorumSize: 3)
            .detailedPeerState == "following - broadcast - diff")
    }

    // MARK: - Not serving

    /// A member that is looking for a leader (or still syncing) runs no client server: every word
    /// answers what the not-serving fixtures show, whatever the quorum part says.
    @Test(arguments: ["conf", "cons", "crst", "dirs", "dump", "gtmk", "hash", "isro", "mntr", "ruok", "srst",
                      "srvr", "stat", "wchc", "wchp", "wchs"])
    func lookingMemberMatchesNotServingFixture(name: String) throws {
        let word = try #require(FourLetterWord(rawValue: name))
        for state in [QuorumReport.PeerState.looking, .following] {
            var report = Self.followerReport
            report.quorum = QuorumReport(peerState: state, zabPhase: state == .looking ? .election : .synchronization,
                                         quorumSize: 3)
            #expect(render(word, report, try Self.info(myid: 1), serving: false)
                == (try fourLetterFixture("not-serving/\(name).txt")))
        }
    }

    @Test func servingFollowsTheZabPhase() {
        func report(_ state: QuorumReport.PeerState, _ phase: QuorumReport.ZabPhase) -> QuorumReport {
            QuorumReport(peerState: state, zabPhase: phase, quorumSize: 3)
        }
        #expect(!report(.looking, .election).servesClients(leaderServes: true))
        #expect(!report(.following, .discovery).servesClients(leaderServes: true))
        #expect(!report(.following, .synchronization).servesClients(leaderServes: true))
        #expect(report(.following, .broadcast).servesClients(leaderServes: false))
        #expect(report(.observing, .broadcast).servesClients(leaderServes: true))
        #expect(!report(.leading, .synchronization).servesClients(leaderServes: true))
        #expect(report(.leading, .broadcast).servesClients(leaderServes: true))
        #expect(!report(.leading, .broadcast).servesClients(leaderServes: false))
    }

    // MARK: - Java hash order

    @Test func javaStringHashCode() {
        #expect(JavaHashOrder.javaHashCode("") == 0)
        #expect(JavaHashOrder.javaHashCode("a") == 97)
        // "uptime".hashCode() in Java is -838362136.
        #expect(Int32(bitPattern: JavaHashOrder.javaHashCode("uptime")) == -838_362_136)
    }
}
