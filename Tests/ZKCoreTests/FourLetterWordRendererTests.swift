import Foundation
import Testing
@testable import ZKCore

/// Renders the standalone fixture situation and compares byte for byte with what ZooKeeper 3.8.0
/// answered.
@Suite struct FourLetterWordRendererTests {
    let info = StandaloneFixture.info
    let report = StandaloneFixture.report

    func render(_ word: FourLetterWord, _ report: ServerReport? = nil, info: ServerInfo? = nil,
                serving: Bool = true) -> String {
        FourLetterWordRenderer.response(for: word, report: report ?? self.report, info: info ?? self.info,
                                        serving: serving)
    }

    @Test(arguments: [FourLetterWord.srvr, .conf, .cons, .wchs, .wchc, .wchp, .dirs, .isro, .ruok,
                      .crst, .srst, .gtmk, .hash])
    func matchesStandaloneFixture(word: FourLetterWord) throws {
        #expect(render(word) == (try fourLetterFixture("standalone/\(word.rawValue).txt")))
    }

    @Test func statListsClientsThenAnEmptyLine() throws {
        var report = report
        report.connections = [StandaloneFixture.wordConnection(port: 49168), StandaloneFixture.sessionConnection]
        report.packetsReceived = 61
        report.packetsSent = 61
        #expect(render(.stat, report) == (try fourLetterFixture("standalone/stat.txt")))
    }

    @Test func enviListsTheEnvironmentInOrder() throws {
        let expected = try fourLetterFixture("standalone/envi.txt")
        var info = info
        info.environment = StandaloneFixture.environment(fromEnvi: expected)
        #expect(info.environment.count == 17)
        #expect(render(.envi, info: info) == expected)
    }

    @Test func dumpSessionsAndEphemeralsMatchFixture() throws {
        let expected = try fourLetterFixture("standalone/dump.txt")
        let prefixEnd = try #require(expected.range(of: "Connections dump:\n")).upperBound
        let text = render(.dump)
        #expect(text.hasPrefix(String(expected[..<prefixEnd])))
    }

    @Test func dumpConnectionSetsHaveZooKeepersShape() throws {
        var report = report
        let base = StandaloneFixture.bucketBaseMs
        report.connections = [StandaloneFixture.wordConnection(port: 33848, establishedWallMs: base),
                              StandaloneFixture.sessionConnection]
        let text = render(.dump, report)
        let connections = try #require(text.components(separatedBy: "Connections dump:\n").last)
        #expect(connections == """
            Connections Sets (2)/(2):
            1 expire at Sun Nov 22 09:38:25 UTC 2026:
            \tip: /127.0.0.1:33848 sessionId: 0x0
            1 expire at Sun Nov 22 09:38:37 UTC 2026:
            \tip: /127.0.0.1:43732 sessionId: 0x10000798bea0007

            """)
        // Every line has the form of a line in ZooKeeper's own connection sets.
        let fixture = try fourLetterFixture("standalone/dump.txt")
        let fixtureConnections = try #require(fixture.components(separatedBy: "Connections dump:\n").last)
        #expect(lineShapes(connections) == lineShapes(fixtureConnections).subtracting(["empty bucket"]))
    }

    /// Classifies dump lines so that two dumps with different times and counts can be compared.
    func lineShapes(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").map { line -> String in
            if line.hasPrefix("Connections Sets (") && line.hasSuffix("):") { return "header" }
            if line.hasPrefix("0 expire at ") { return "empty bucket" }
            if line.contains(" expire at ") && line.hasSuffix(" UTC 2026:") { return "bucket" }
            if line.hasPrefix("\tip: /127.0.0.1:") && line.contains(" sessionId: 0x") { return "connection" }
            return "other: " + line
        })
    }

    @Test(arguments: ["conf", "cons", "crst", "dirs", "dump", "gtmk", "hash", "isro", "mntr", "ruok", "srst",
                      "srvr", "stat", "wchc", "wchp", "wchs"])
    func notServingMatchesFixture(name: String) throws {
        let word = try #require(FourLetterWord(rawValue: name))
        #expect(render(word, serving: false) == (try fourLetterFixture("not-serving/\(name).txt")))
    }

    @Test func enviIsAnsweredWhileNotServing() throws {
        let expected = try fourLetterFixture("not-serving/envi.txt")
        var info = info
        info.environment = StandaloneFixture.environment(fromEnvi: expected)
        #expect(render(.envi, info: info, serving: false) == expected)
    }

    @Test func hashPrintsRecordedDigests() {
        var report = report
        report.digestHistory = [(Zxid(0x80), 236_844_727_541), (Zxid(0x100), 533_503_615_604)]
        #expect(render(.hash, report) == "80: 236844727541\n100: 533503615604\n")
    }

    @Test func readOnlyAndLeaderLines() {
        var report = report
        report.mode = "read-only"
        #expect(render(.isro, report) == "ro")
        #expect(render(.srvr, report).hasPrefix(
            "Zookeeper version: \(StandaloneFixture.version)\nREAD-ONLY mode; serving only read-only clients\n"))
        report.mode = "leader"
        report.lastProposalSize = 36
        report.minProposalSize = 32
        report.maxProposalSize = 210
        #expect(render(.srvr, report).hasSuffix("Mode: leader\nNode count: 13\nProposal sizes last/min/max: 36/32/210\n"))
    }

    @Test func consOmitsLcxidBeforeAnyRequestAndPrintsResetZxid() {
        var connection = StandaloneFixture.sessionConnection
        connection.lastCxid = -1
        connection.lastZxid = -1
        connection.lastOp = "NA"
        let line = FourLetterWordRenderer.connectionLine(connection, brief: false)
        #expect(line.contains(",to=30000,lzxid=0xffffffffffffffff,lresp="))
        #expect(line.contains(",lop=NA,"))
    }

    @Test func stmkEchoesTheMaskTheCallerSet() {
        var report = report
        report.traceMask = 0
        #expect(render(.stmk, report) == "0")
        #expect(render(.gtmk, report, serving: false) == "0")
    }
}

/// `mntr`: the same key set as a live standalone 3.8.0 server and well-formed values.
@Suite struct MonitorTests {
    let text = FourLetterWordRenderer.response(
        for: .mntr, report: StandaloneFixture.report, info: StandaloneFixture.info, serving: true)

    var entries: [(key: String, value: String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "<missing tab>")
        }
    }

    @Test func keysAreTheStandaloneFixtureKeysWithoutNamespaceSets() throws {
        let fixture = try fourLetterFixture("standalone/mntr.txt")
        let fixtureKeys = Set(fixture.split(separator: "\n").map { String($0.split(separator: "\t")[0]) })
            .filter { !$0.hasSuffix("_per_namespace") }
        let keys = entries.map(\.key)
        #expect(text.hasSuffix("\n"))
        #expect(keys.count == Set(keys).count, "duplicate keys")
        #expect(Set(keys) == fixtureKeys)
        #expect(keys.count == 485)
        #expect(keys.prefix(2) == ["zk_version", "zk_server_state"])
    }

    @Test func valuesAreWellFormed() {
        for (key, value) in entries {
            switch key {
            case "zk_version": #expect(value == StandaloneFixture.version)
            case "zk_server_state": #expect(value == "standalone")
            case _ where key.hasPrefix("zk_avg_") || key == "zk_connection_drop_probability":
                #expect(value.wholeMatch(of: /-?[0-9]+\.[0-9]+(E-?[0-9]+)?/) != nil, "\(key)=\(value)")
            default:
                #expect(value.wholeMatch(of: /-?[0-9]+/) != nil, "\(key)=\(value)")
            }
        }
    }

    @Test func reportedValuesAreUsed() {
        var report = StandaloneFixture.report
        report.avgLatencyMs = 6251.0 / 400.0
        report.connectionRejected = 3
        let text = FourLetterWordRenderer.render(.mntr, report: report, info: StandaloneFixture.info, serving: true)
        let lines = Set(text.split(separator: "\n").map(String.init))
        for expected in ["zk_avg_latency\t15.6275", "zk_max_latency\t209", "zk_min_latency\t0",
                         "zk_znode_count\t13", "zk_watch_count\t4", "zk_ephemerals_count\t1",
                         "zk_num_alive_connections\t2", "zk_global_sessions\t1", "zk_uptime\t80270",
                         "zk_approximate_data_size\t108", "zk_connection_rejected\t3",
                         "zk_connection_drop_probability\t0.0", "zk_avg_fsynctime\t0.0",
                         "zk_p999_readlatency\t0", "zk_min_client_response_size\t-1"] {
            #expect(lines.contains(expected), "\(expected)")
        }
    }

    @Test func outputIsDeterministic() {
        let again = FourLetterWordRenderer.response(
            for: .mntr, report: StandaloneFixture.report, info: StandaloneFixture.info, serving: true)
        #expect(again == text)
    }
}
