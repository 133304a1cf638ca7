import Foundation
import Testing
@testable import ZKCore

/// Ensemble configuration: the rules an ensemble member's zoo.cfg and myid must meet, hierarchical
/// quorums, and the quorum settings with their ZooKeeper defaults.
@Suite struct ConfigEnsembleTests {
    private static let three = """
        dataDir=/d
        clientPort=2181
        initLimit=10
        syncLimit=5
        server.1=127.0.0.1:2888:3888
        server.2=127.0.0.2:2888:3888
        server.3=127.0.0.3:2888:3888
        """

    private func parse(_ text: String, overrides: [ConfigOverride] = [], myid: ServerID? = ServerID(1))
        throws(ConfigError) -> ParsedServerConfig {
        try ServerConfig.parse(text: text, file: "zoo.cfg", overrides: overrides, myid: myid)
    }

    private func ids(_ raw: Int64...) -> [ServerID] { raw.map { ServerID($0) } }
    private func idSet(_ raw: Int64...) -> Set<ServerID> { Set(raw.map { ServerID($0) }) }

    /// The one-line message, or `<no error>`.
    private func failure(_ text: String, overrides: [ConfigOverride] = [], myid: ServerID? = ServerID(1)) -> String {
        do {
            _ = try parse(text, overrides: overrides, myid: myid)
            return "<no error>"
        } catch {
            return error.description
        }
    }

    // MARK: - myid, initLimit, syncLimit, tickTime

    @Test func validEnsembleParses() throws {
        let parsed = try parse(Self.three)
        #expect(parsed.mode == .ensemble && parsed.warnings.isEmpty)
        #expect(parsed.config.ownServer?.address == "127.0.0.1")
    }

    @Test func ensembleNeedsMyid() {
        #expect(failure(Self.three, myid: nil)
            == "/d/myid: missing; every ensemble member needs its server id (the N of its server.N line) in this file")
    }

    @Test func myidMustNameAServerLine() {
        #expect(failure(Self.three, myid: ServerID(7))
            == "/d/myid:1: server id 7 has no server.7 line in zoo.cfg (servers: 1, 2, 3)")
        // One line for another server is an ensemble this server is not part of.
        #expect(failure("dataDir=/d/\nclientPort=1\ninitLimit=5\nsyncLimit=2\nserver.2=h:2888:3888\n")
            == "/d/myid:1: server id 1 has no server.1 line in zoo.cfg (servers: 2)")
    }

    @Test func standaloneNeedsNoMyidOrLimits() throws {
        #expect(try parse("dataDir=/d\nclientPort=1\n", myid: nil).mode == .standalone)
        #expect(try parse("dataDir=/d\nclientPort=1\nserver.1=h:2888:3888\n", myid: nil).mode == .standalone)
    }

    @Test func initAndSyncLimitAreRequired() {
        let without = { (key: String) in
            Self.three.split(separator: "\n").filter { !$0.hasPrefix(key) }.joined(separator: "\n")
        }
        #expect(failure(without("initLimit"))
            == "zoo.cfg: initLimit: missing; an ensemble needs it (ticks to connect and sync)")
        #expect(failure(without("syncLimit"))
            == "zoo.cfg: syncLimit: missing; an ensemble needs it (ticks a follower may lag)")
        #expect(failure(Self.three + "\nsyncLimit=0\n") == "zoo.cfg:8: syncLimit: must be more than 0 in an ensemble")
        #expect(failure(Self.three, overrides: [ConfigOverride(key: "initLimit", value: "0")])
            == "-D initLimit: must be more than 0 in an ensemble")
    }

    @Test func tickTimeMustBePositive() {
        #expect(failure(Self.three + "\ntickTime=0\n") == "zoo.cfg:8: tickTime: '0' must be positive")
        #expect(failure(Self.three + "\ntickTime=-5\n") == "zoo.cfg:8: tickTime: '-5' must be positive")
    }

    @Test func nonNumericMyidIsRefused() {
        #expect(throws: ConfigError(origin: .line(file: "/d/myid", line: 1), key: nil, problem: "'1a' is not a valid server id")) {
            try ServerConfig.parseMyid("1a\n", file: "/d/myid")
        }
    }

    @Test func duplicateServerIDNamesBothLines() {
        #expect(failure(Self.three + "\nserver.01=127.0.0.9:2888:3888\n")
            == "zoo.cfg:8: server.01: server id 1 is already defined at zoo.cfg:5")
    }

    @Test func loadChecksTheMyidFile() throws {
        let dir = NSTemporaryDirectory() + "swzk-ensemble-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cfg = dir + "/zoo.cfg"
        try Self.three.replacing("dataDir=/d", with: "dataDir=\(dir)").write(toFile: cfg, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError(origin: .file(dir + "/myid"), key: nil,
                                    problem: "missing; every ensemble member needs its server id (the N of its server.N line) in this file")) {
            try ServerConfig.load(path: cfg)
        }
        try "2\n".write(toFile: dir + "/myid", atomically: true, encoding: .utf8)
        let loaded = try ServerConfig.load(path: cfg)
        #expect(loaded.config.serverID == ServerID(2) && loaded.mode == .ensemble)
        // The data directory may come from an override; myid is looked for there.
        let other = dir + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try "3".write(toFile: other + "/myid", atomically: true, encoding: .utf8)
        let moved = try ServerConfig.load(path: cfg, overrides: [ConfigOverride(key: "dataDir", value: other)])
        #expect(moved.config.serverID == ServerID(3))
        try "x\n".write(toFile: dir + "/myid", atomically: true, encoding: .utf8)
        #expect(throws: ConfigError(origin: .line(file: dir + "/myid", line: 1), key: nil,
                                    problem: "'x' is not a valid server id")) {
            try ServerConfig.load(path: cfg)
        }
    }

    // MARK: - Hierarchical quorums

    private static let nine = (1...9).map { "server.\($0)=127.0.0.\($0):2888:3888" }.joined(separator: "\n")

    private func hierarchical(_ lines: String, servers: String = ConfigEnsembleTests.nine) -> String {
        "dataDir=/d\nclientPort=2181\ninitLimit=10\nsyncLimit=5\n" + servers + "\n" + lines + "\n"
    }

    @Test func groupsAndWeightsAreParsed() throws {
        let c = try parse(hierarchical("group.1=1:2:3\ngroup.2=4:5:6\ngroup.3=7:8:9\nweight.3=0\nweight.4=2")).config
        #expect(c.groups == [1: ids(1, 2, 3), 2: ids(4, 5, 6), 3: ids(7, 8, 9)])
        #expect(c.weights == [ServerID(3): 0, ServerID(4): 2])
        let verifier = c.quorumVerifier
        #expect(verifier.isHierarchical && verifier.version == 0)
        #expect(verifier.weight(of: ServerID(3)) == 0 && verifier.weight(of: ServerID(4)) == 2)
        #expect(verifier.weight(of: ServerID(5)) == 1)
        // Two of three groups, each by weight majority: {1,2} wins group 1 (2 of 2), {4} wins group 2 (2 of 4 is not > 2).
        #expect(!verifier.containsQuorum(idSet(1, 2, 4)))
        #expect(verifier.containsQuorum(idSet(1, 2, 4, 5)))
        #expect(verifier.containsQuorum(idSet(1, 2, 7, 8)))
        #expect(!verifier.containsQuorum(idSet(1, 3, 7, 8)))
        #expect(!verifier.containsQuorum(idSet(3, 7, 8)))
    }

    @Test func hierarchicalConfigTextFollowsZooKeeper() throws {
        let servers = (1...4).map { "server.\($0)=127.0.0.\($0):2888:3888" }.joined(separator: "\n")
            + "\nserver.5=127.0.0.5:2888:3888:observer"
        let c = try parse(hierarchical("group.2=4:3\ngroup.1=2:1\nweight.2=3", servers: servers)).config
        // QuorumHierarchical.toString: members of a group and every weight (defaulted ones too) in hash-map order.
        #expect(c.quorumVerifier.configText == """
            server.1=127.0.0.1:2888:3888:participant
            server.2=127.0.0.2:2888:3888:participant
            server.3=127.0.0.3:2888:3888:participant
            server.4=127.0.0.4:2888:3888:participant
            server.5=127.0.0.5:2888:3888:observer
            group.1=1:2
            group.2=3:4
            weight.1=1
            weight.2=3
            weight.3=1
            weight.4=1
            version=0
            """)
    }

    @Test func majorityConfigTextIsTheFixturesMembership() throws {
        let text = """
            dataDir=/d
            clientPort=25831
            initLimit=10
            syncLimit=5
            server.3=127.0.0.1:25843:25853
            server.1=127.0.0.1:25841:25851
            server.2=127.0.0.1:25842:25852:participant
            """
        #expect(try parse(text).config.quorumVerifier.configText == """
            server.1=127.0.0.1:25841:25851:participant
            server.2=127.0.0.1:25842:25852:participant
            server.3=127.0.0.1:25843:25853:participant
            version=0
            """)
    }

    @Test func javaHashMapOrder() {
        #expect(QuorumVerifier.javaHashMapOrder([3, 1, 2]) == [1, 2, 3])
        // 17 lands in bucket 1 of a 16-slot table, after 1 and before 2.
        #expect(QuorumVerifier.javaHashMapOrder([1, 2, 16, 17]) == [16, 1, 17, 2])
        // Twelve keys fit 16 slots (24 shares bucket 8); thirteen grow the table to 32 slots.
        #expect(QuorumVerifier.javaHashMapOrder(Array(1...11) + [24]) == Array(1...8) + [24, 9, 10, 11])
        #expect(QuorumVerifier.javaHashMapOrder(Array(1...12) + [24]) == Array(1...12) + [24])
    }

    @Test(arguments: [
        ("group.1=1:2:3\ngroup.2=3:4:5:6:7:8:9",
         "zoo.cfg:15: group.2: server 3 is already in group.1 at zoo.cfg:14; a server belongs to one group"),
        ("group.1=1:2:3:3\ngroup.2=4:5:6:7:8:9", "zoo.cfg:14: group.1: server 3 is listed twice"),
        ("group.1=1:2:3:10\ngroup.2=4:5:6:7:8:9", "zoo.cfg:14: group.1: server 10 has no server.10 line"),
        ("group.1=1:2:3\ngroup.2=4:5:6:7:8:9\nweight.12=2", "zoo.cfg:16: weight.12: server 12 has no server.12 line"),
        ("group.1=1:2:3\ngroup.2=4:5:6:7:8", "zoo.cfg:13: server.9: server 9 is in no group; with group.N lines every participant must be in one"),
        ("weight.1=2", "zoo.cfg:5: server.1: server 1 is in no group; with group.N lines every participant must be in one"),
        ("group.1=1:2:x", "zoo.cfg:14: group.1: 'x' is not a server id (expected id:id:…)"),
        ("group.1=", "zoo.cfg:14: group.1: '' is not a server id (expected id:id:…)"),
        ("group.a=1", "zoo.cfg:14: group.a: 'a' is not a valid group id"),
        ("group.1=1:2:3:4:5:6:7:8:9\ngroup.01=1", "zoo.cfg:15: group.01: group id 1 is already defined at zoo.cfg:14"),
        ("group.1=1:2:3:4:5:6:7:8:9\nweight.1=-1", "zoo.cfg:15: weight.1: '-1' is not a valid weight (a whole number, 0 or more)"),
        ("group.1=1:2:3:4:5:6:7:8:9\nweight.x=1", "zoo.cfg:15: weight.x: 'x' is not a valid server id"),
        ("group.1=1:2:3:4:5:6:7:8:9\n" + (1...9).map { "weight.\($0)=0" }.joined(separator: "\n"),
         "zoo.cfg: weight: no participant carries weight, so no quorum can form"),
    ])
    func hierarchicalErrors(lines: String, message: String) {
        #expect(failure(hierarchical(lines)) == message)
    }

    @Test func observerInAGroupIsRefused() {
        let servers = Self.nine + "\nserver.10=127.0.0.10:2888:3888:observer"
        #expect(failure(hierarchical("group.1=1:2:3:4:5:6:7:8:9:10", servers: servers))
            == "zoo.cfg:15: group.1: server 10 is an observer; only participants belong to a group")
        // Observers need no group.
        #expect(failure(hierarchical("group.1=1:2:3:4:5:6:7:8:9", servers: servers)) == "<no error>")
    }

    @Test func overrideReplacesAGroup() throws {
        let c = try parse(hierarchical("group.1=1:2:3:4:5:6:7:8:9"),
                          overrides: [ConfigOverride(key: "group.1", value: "1:2:3:4:5:6:7:8:9"),
                                      ConfigOverride(key: "weight.1", value: "4")]).config
        #expect(c.groups[1]?.count == 9 && c.weights[ServerID(1)] == 4)
    }

    @Test func majorityVerifierIsDerivedFromServers() throws {
        let c = try parse(Self.three + "\nserver.4=127.0.0.4:2888:3888:observer\n").config
        let verifier = c.quorumVerifier
        #expect(!verifier.isHierarchical && verifier.version == 0)
        #expect(verifier.votingMembers == ids(1, 2, 3))
        #expect(verifier.observingMembers == [ServerID(4)])
        #expect(verifier.containsQuorum(idSet(1, 2)))
        #expect(!verifier.containsQuorum(idSet(1, 4)))
    }

    // MARK: - Typed settings

    @Test func quorumSettingDefaults() throws {
        let c = try parse(Self.three).config
        #expect(c.cnxTimeout == .milliseconds(5000))
        #expect(c.electionPortBindRetry == 3)
        #expect(c.commitLogCount == 500)
        #expect(c.snapshotSizeFactor == 0.33)
        #expect(c.leaderServes)
        #expect(c.connectToLearnerMasterLimit == nil && c.learnerConnectLimit == 10)
        #expect(c.minNotificationInterval == .milliseconds(200) && c.maxNotificationInterval == .milliseconds(60000))
        #expect(!c.quorumListenOnAllIPs)
        #expect(c.maxConcurrentSnapSyncs == 10 && c.maxConcurrentDiffSyncs == 100)
        #expect(c.groups.isEmpty && c.weights.isEmpty)
    }

    @Test func quorumSettingsFromZooCfg() throws {
        let parsed = try parse(Self.three + """

            cnxTimeout=7000
            electionPortBindRetry=0
            zookeeper.commitLogCount=800
            snapshotSizeFactor=0.5
            leaderServes=no
            connectToLearnerMasterLimit=20
            fastleader.minNotificationInterval=100
            zookeeper.fastleader.maxNotificationInterval=30000
            quorumListenOnAllIPs=true
            leader.maxConcurrentSnapSyncs=2
            zookeeper.leader.maxConcurrentDiffSyncs=3
            """)
        #expect(parsed.warnings.isEmpty)
        let c = parsed.config
        #expect(c.cnxTimeout == .milliseconds(7000) && c.electionPortBindRetry == 0 && c.commitLogCount == 800)
        #expect(c.snapshotSizeFactor == 0.5 && !c.leaderServes)
        #expect(c.connectToLearnerMasterLimit == 20 && c.learnerConnectLimit == 20)
        #expect(c.minNotificationInterval == .milliseconds(100) && c.maxNotificationInterval == .milliseconds(30000))
        #expect(c.quorumListenOnAllIPs && c.maxConcurrentSnapSyncs == 2 && c.maxConcurrentDiffSyncs == 3)
    }

    @Test func quorumSettingsFromOverrides() throws {
        let overrides = try [
            "zookeeper.cnxTimeout=100", "electionPortBindRetry=9", "zookeeper.commitLogCount=1000",
            "zookeeper.snapshotSizeFactor=-1", "zookeeper.leaderServes=yes", "connectToLearnerMasterLimit=0",
            "zookeeper.fastleader.minNotificationInterval=50", "fastleader.maxNotificationInterval=500",
            "quorumListenOnAllIPs=true", "zookeeper.leader.maxConcurrentSnapSyncs=4",
            "zookeeper.leader.maxConcurrentDiffSyncs=5",
        ].map { (argument: String) throws(ConfigError) in try ConfigOverride(argument: argument) }
        let c = try parse(Self.three, overrides: overrides).config
        #expect(c.cnxTimeout == .milliseconds(100) && c.electionPortBindRetry == 9 && c.commitLogCount == 1000)
        #expect(c.snapshotSizeFactor == -1 && c.leaderServes && c.connectToLearnerMasterLimit == nil)
        #expect(c.minNotificationInterval == .milliseconds(50) && c.maxNotificationInterval == .milliseconds(500))
        #expect(c.quorumListenOnAllIPs && c.maxConcurrentSnapSyncs == 4 && c.maxConcurrentDiffSyncs == 5)
    }

    @Test func quorumSettingsAreRaisedLikeZooKeeper() throws {
        let parsed = try parse(Self.three + "\ncommitLogCount=10\nsnapshotSizeFactor=1.5\nelectionPortBindRetry=-1\n")
        #expect(parsed.config.commitLogCount == 500)
        #expect(parsed.config.snapshotSizeFactor == 0.33)
        #expect(parsed.config.electionPortBindRetry == 3)
        #expect(parsed.warnings == [
            "zoo.cfg:8: commitLogCount: 10 is below the minimum 500; using 500",
            "zoo.cfg:9: snapshotSizeFactor: 1.5 is above 1; using 0.33",
            "zoo.cfg:10: electionPortBindRetry: -1 is negative; using 3",
        ])
    }

    @Test(arguments: [
        ("cnxTimeout=soon", "zoo.cfg:8: cnxTimeout: 'soon' is not a valid number of milliseconds"),
        ("snapshotSizeFactor=third", "zoo.cfg:8: snapshotSizeFactor: 'third' is not a valid number"),
        ("leaderServes=maybe", "zoo.cfg:8: leaderServes: 'maybe' is not yes or no"),
        ("connectToLearnerMasterLimit=-1", "zoo.cfg:8: connectToLearnerMasterLimit: '-1' must not be negative"),
        ("fastleader.minNotificationInterval=0", "zoo.cfg:8: fastleader.minNotificationInterval: '0' must be positive"),
        ("leader.maxConcurrentSnapSyncs=0", "zoo.cfg:8: leader.maxConcurrentSnapSyncs: '0' must be at least 1"),
        ("zookeeper.leader.maxConcurrentDiffSyncs=x", "zoo.cfg:8: zookeeper.leader.maxConcurrentDiffSyncs: 'x' is not a valid integer"),
        ("quorumListenOnAllIPs=yes", "zoo.cfg:8: quorumListenOnAllIPs: 'yes' is not true or false"),
    ])
    func badQuorumSettings(line: String, message: String) {
        #expect(failure(Self.three + "\n" + line + "\n") == message)
    }
}
