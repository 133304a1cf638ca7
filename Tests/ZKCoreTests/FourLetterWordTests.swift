import Foundation
import Testing
@testable import ZKCore

/// Raw bytes of a four-letter-word capture under `Fixtures/4lw/` (from a live Apache ZooKeeper
/// 3.8.0, see spec §14), as text.
func fourLetterFixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/4lw/\(name)"))
    return String(decoding: try Data(contentsOf: url), as: UTF8.self)
}

/// The situation the standalone fixtures were captured in: one session with three data watches
/// and an ephemeral, plus the four-letter-word connection itself.
enum StandaloneFixture {
    static let session = SessionID(0x1_0000_798b_ea00_07)
    static let version = "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC"
    /// Wall-clock ms of 2026-11-22 09:38:15 UTC, the first expiry bucket of `dump`.
    static let bucketBaseMs: Int64 = 1_795_340_295_000

    static var info: ServerInfo {
        var info = ServerInfo()
        info.version = version
        info.clientPort = 25801
        info.secureClientPort = -1
        info.dataDir = "/tmp/specv/sa2/zk1/data/version-2"
        info.dataLogDir = "/tmp/specv/sa2/zk1/data/version-2"
        info.tickTimeMs = 2000
        info.maxClientCnxns = 0
        info.minSessionTimeoutMs = 4000
        info.maxSessionTimeoutMs = 40000
        info.clientPortListenBacklog = -1
        info.serverId = 0
        info.fourLetterWordWhitelist = ["*"]
        return info
    }

    /// The client with the session, as `cons` showed it.
    static var sessionConnection: ConnectionReport {
        ConnectionReport(
            address: "127.0.0.1", port: 43732, interestOps: 1, queued: 0, received: 6, sent: 6,
            session: session, lastOp: "CREA", establishedWallMs: 1_795_340_275_300, timeoutMs: 30000,
            lastCxid: 5, lastZxid: 0x22, lastResponseMs: 8_040_276, lastLatencyMs: 1, minLatencyMs: 0,
            avgLatencyMs: 3, maxLatencyMs: 12)
    }

    /// A four-letter-word connection: accepted, one packet (the word) received, nothing sent.
    static func wordConnection(port: Int, establishedWallMs: Int64 = 0) -> ConnectionReport {
        ConnectionReport(
            address: "127.0.0.1", port: port, interestOps: 0, queued: 0, received: 1, sent: 0,
            session: nil, lastOp: "NA", establishedWallMs: establishedWallMs, timeoutMs: 0,
            lastCxid: -1, lastZxid: -1, lastResponseMs: 0, lastLatencyMs: 0, minLatencyMs: 0,
            avgLatencyMs: 0, maxLatencyMs: 0)
    }

    static var report: ServerReport {
        var report = ServerReport()
        report.mode = "standalone"
        report.lastZxid = Zxid(0x22)
        report.nodeCount = 13
        report.minLatencyMs = 0
        report.avgLatencyMs = 768.0 / 50.0
        report.maxLatencyMs = 209
        report.packetsReceived = 60
        report.packetsSent = 60
        report.outstandingRequests = 0
        report.connections = [sessionConnection, wordConnection(port: 49182)]
        report.sessionBuckets = [
            (bucketBaseMs, []), (bucketBaseMs + 12_000, []), (bucketBaseMs + 16_000, []),
            (bucketBaseMs + 22_000, [session]),
        ]
        report.ephemerals = [(session, ["/holder-eph"])]
        report.dataWatchesBySession = [(session, ["/a", "/s", "/zzz"])]
        report.dataWatchesByPath = [("/a", [session]), ("/s", [session]), ("/zzz", [session])]
        report.dataWatchCount = 3
        report.dataWatchConnectionCount = 1
        report.totalWatchCount = 4
        report.ephemeralsCount = 1
        report.approximateDataSize = 108
        report.globalSessions = 1
        report.uptimeMs = 80270
        report.openFileDescriptorCount = 44
        report.maxFileDescriptorCount = 20000
        report.dataDirSize = 67_109_337
        report.dataLogSize = 67_109_337
        return report
    }

    /// `envi` settings from a captured `envi` answer: every `key=value` line after
    /// `zookeeper.version`.
    static func environment(fromEnvi text: String) -> [(String, String)] {
        text.split(separator: "\n").dropFirst(2).map { line in
            let parts = line.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        }
    }
}

@Suite struct FourLetterWordCodeTests {
    @Test func wordsAreTheOnesZooKeeper38Knows() {
        let names = Set(FourLetterWord.allCases.map(\.rawValue))
        #expect(names == ["ruok", "stat", "srvr", "conf", "cons", "crst", "srst", "dump", "envi", "mntr",
                          "wchs", "wchc", "wchp", "isro", "dirs", "gtmk", "stmk", "hash", "telnet close"])
    }

    @Test func codeIsTheBigEndianLengthPosition() {
        #expect(FourLetterWord.ruok.code == 0x7275_6f6b)
        #expect(FourLetterWord(code: 0x7275_6f6b) == .ruok)
        #expect(FourLetterWord(code: 0x6d6e_7472) == .mntr)
        #expect(FourLetterWord.telnetClose.code == Int32(bitPattern: 0xFFF4_FFFD))
        #expect(FourLetterWord(code: Int32(bitPattern: 0xFFF4_FFFD)) == .telnetClose)
        #expect(FourLetterWord.telnetClose.isTelnetClose)
        #expect(!FourLetterWord.ruok.isTelnetClose)
        #expect(FourLetterWord.stmk.readsArgument && !FourLetterWord.gtmk.readsArgument)
    }

    @Test func everyWordRoundTripsThroughItsCode() {
        for word in FourLetterWord.allCases {
            #expect(FourLetterWord(code: word.code) == word)
        }
    }

    @Test func framesAndUnknownWordsAreNotWords() {
        #expect(FourLetterWord(code: 45) == nil)  // a ConnectRequest length
        #expect(FourLetterWord(code: 0x6b69_6c6c) == nil)  // "kill", removed in 3.5
        #expect(FourLetterWord(code: 0x5255_4f4b) == nil)  // "RUOK": words are lowercase
        #expect(FourLetterWord(code: 0) == nil)
        #expect(FourLetterWord(code: -1) == nil)
    }

    @Test func whitelistParsingFollowsZooKeeper() {
        #expect(FourLetterWord.whitelist(fromProperty: nil, readOnlyModeEnabled: false) == ["srvr"])
        #expect(FourLetterWord.whitelist(fromProperty: nil, readOnlyModeEnabled: true) == ["srvr", "isro"])
        #expect(FourLetterWord.whitelist(fromProperty: " ruok , mntr,,stat ", readOnlyModeEnabled: false)
                == ["srvr", "ruok", "mntr", "stat"])
        let all = FourLetterWord.whitelist(fromProperty: "ruok, * ", readOnlyModeEnabled: false)
        #expect(all == Set(FourLetterWord.allCases.map(\.rawValue)))
    }

    @Test func srvrIsAlwaysEnabledAndStarEnablesAll() {
        #expect(FourLetterWord.srvr.isEnabled(by: []))
        #expect(!FourLetterWord.ruok.isEnabled(by: ["srvr"]))
        for word in FourLetterWord.allCases { #expect(word.isEnabled(by: ["*"])) }
    }
}

@Suite struct FourLetterWordWhitelistTests {
    @Test func refusedWordMatchesFixture() throws {
        var info = StandaloneFixture.info
        info.fourLetterWordWhitelist = ["srvr", "mntr"]
        let text = FourLetterWordRenderer.response(
            for: .ruok, report: StandaloneFixture.report, info: info, serving: true)
        #expect(text == (try fourLetterFixture("not-whitelisted-ruok.txt")))
    }

    @Test func refusalComesBeforeTheServingCheck() {
        var info = StandaloneFixture.info
        info.fourLetterWordWhitelist = []
        let text = FourLetterWordRenderer.response(for: .dump, report: ServerReport(), info: info, serving: false)
        #expect(text == "dump is not executed because it is not in the whitelist.\n")
        let telnet = FourLetterWordRenderer.response(for: .telnetClose, report: ServerReport(), info: info,
                                                     serving: true)
        #expect(telnet == "telnet close is not executed because it is not in the whitelist.\n")
    }

    @Test func allowedWordsRender() {
        var info = StandaloneFixture.info
        info.fourLetterWordWhitelist = ["ruok"]
        #expect(FourLetterWordRenderer.response(for: .ruok, report: ServerReport(), info: info, serving: true)
                == "imok")
        info.fourLetterWordWhitelist = ["*"]
        #expect(FourLetterWordRenderer.response(for: .telnetClose, report: ServerReport(), info: info,
                                                serving: true) == "")
    }
}
