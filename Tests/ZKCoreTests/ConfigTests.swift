import Testing
@testable import ZKCore

/// zoo.cfg keys, defaults, overrides, server.N lines and the standalone decision.
@Suite struct ConfigTests {
    private func parse(
        _ text: String, overrides: [ConfigOverride] = [], myid: ServerID? = nil
    ) throws -> ParsedServerConfig {
        try ServerConfig.parse(text: text, file: "zoo.cfg", overrides: overrides, myid: myid)
    }

    private func config(_ text: String, myid: ServerID? = nil) throws -> ServerConfig {
        try parse(text, myid: myid).config
    }

    @Test func zooKeeperDefaults() throws {
        let parsed = try parse("dataDir=/var/zk\nclientPort=2181\n")
        #expect(parsed.warnings.isEmpty)
        let c = parsed.config
        #expect(c.tickTime == .milliseconds(3000))
        #expect(c.dataDir == "/var/zk" && c.dataLogDir == "/var/zk" && c.dataLogDirSetting == nil)
        #expect(c.clientPort == 2181 && c.clientPortAddress == nil)
        #expect(c.secureClientPort == nil && c.secureClientPortAddress == nil && c.clientPortListenBacklog == nil)
        #expect(c.maxClientCnxns == 60 && c.globalOutstandingLimit == 1000)
        #expect(c.minSessionTimeout == nil && c.maxSessionTimeout == nil)
        #expect(c.sessionTimeoutMin == .milliseconds(6000) && c.sessionTimeoutMax == .milliseconds(60000))
        #expect(c.fourLetterWordWhitelist == ["ruok", "srvr", "mntr", "isro"])
        #expect(c.snapCount == 100_000 && c.preAllocSizeKiB == 65536)
        #expect(c.autopurgeSnapRetainCount == 3 && c.autopurgePurgeInterval == .zero)
        #expect(c.forceSync && c.snapshotCompression == .none && !c.snapshotTrustEmpty)
        #expect(c.initLimit == nil && c.syncLimit == nil && c.servers.isEmpty)
        #expect(c.standaloneEnabled && !c.reconfigEnabled)
        #expect(!c.localSessionsEnabled && !c.localSessionsUpgradingEnabled)
        #expect(c.peerType == .participant && c.electionAlg == 3 && !c.quorumListenOnAllIPs)
        #expect(!c.extendedTypesEnabled && c.superDigest == nil && !c.readOnlyModeEnabled)
        #expect(c.juteMaxBuffer == 1_048_575 && !c.skipACL && !c.enforceQuota)
        #expect(c.digestEnabled && c.closeSessionTxnEnabled)
        #expect(c.containerCheckInterval == .seconds(60) && c.containerMaxPerMinute == 10_000)
        #expect(c.containerMaxNeverUsedInterval == .zero && c.sessionlessConnectionTimeout == .seconds(10))
        #expect(c.adminServerEnabled && c.adminServerPort == 8080)
        #expect(c.serverID == nil && c.mode == .standalone)
        #expect(c.clientEndpoint == HostPort(host: "0.0.0.0", port: 2181))
        #expect(c == ServerConfig.parseDefaultsReference)
    }

    @Test func everyKeyParsed() throws {
        let text = """
            tickTime=2000
            dataDir=/data/zk
            dataLogDir=/logs/zk
            clientPort=2182
            clientPortAddress=127.0.0.1
            secureClientPort=2281
            secureClientPortAddress=127.0.0.2
            clientPortListenBacklog=128
            maxClientCnxns=0
            minSessionTimeout=3000
            maxSessionTimeout=90000
            globalOutstandingLimit=500
            4lw.commands.whitelist=stat, ruok ,conf
            snapCount=5000
            preAllocSize=1024
            swzk.ioThreads=3
            autopurge.snapRetainCount=5
            autopurge.purgeInterval=24
            initLimit=10
            syncLimit=5
            standaloneEnabled=false
            reconfigEnabled=true
            localSessionsEnabled=true
            localSessionsUpgradingEnabled=TRUE
            peerType=Observer
            electionAlg=3
            quorumListenOnAllIPs=true
            admin.enableServer=false
            admin.serverPort=9090
            forceSync=no
            snapshot.compression.method=snappy
            snapshot.trust.empty=true
            extendedTypesEnabled=true
            DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
            readonlymode.enabled=true
            jute.maxbuffer=4194304
            skipACL=yes
            enforceQuota=true
            digest.enabled=false
            closeSessionTxn.enabled=false
            znode.container.checkIntervalMs=1000
            znode.container.maxPerMinute=600
            znode.container.maxNeverUsedIntervalMs=30000
            zookeeper.nio.sessionlessCnxnTimeout=5000
            serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory
            clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty
            metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
            metricsProvider.httpPort=7000
            """
        let parsed = try parse(text)
        #expect(parsed.warnings.isEmpty)
        var expected = ServerConfig(dataDir: "/data/zk")
        expected.tickTime = .milliseconds(2000)
        expected.dataLogDir = "/logs/zk"
        expected.ioThreads = 3
        expected.clientPort = 2182
        expected.clientPortAddress = "127.0.0.1"
        expected.secureClientPort = 2281
        expected.secureClientPortAddress = "127.0.0.2"
        expected.clientPortListenBacklog = 128
        expected.maxClientCnxns = 0
        expected.minSessionTimeout = .milliseconds(3000)
        expected.maxSessionTimeout = .milliseconds(90000)
        expected.globalOutstandingLimit = 500
        expected.fourLetterWordWhitelist = ["stat", "ruok", "conf", "srvr", "isro"]
        expected.snapCount = 5000
        expected.preAllocSizeKiB = 1024
        expected.autopurgeSnapRetainCount = 5
        expected.autopurgePurgeInterval = .seconds(24 * 3600)
        expected.initLimit = 10
        expected.syncLimit = 5
        expected.standaloneEnabled = false
        expected.reconfigEnabled = true
        expected.localSessionsEnabled = true
        expected.localSessionsUpgradingEnabled = true
        expected.peerType = .observer
        expected.quorumListenOnAllIPs = true
        expected.adminServerEnabled = false
        expected.adminServerPort = 9090
        expected.forceSync = false
        expected.snapshotCompression = .snappy
        expected.snapshotTrustEmpty = true
        expected.extendedTypesEnabled = true
        expected.superDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        expected.readOnlyModeEnabled = true
        expected.juteMaxBuffer = 4_194_304
        expected.skipACL = true
        expected.enforceQuota = true
        expected.digestEnabled = false
        expected.closeSessionTxnEnabled = false
        expected.containerCheckInterval = .seconds(1)
        expected.containerMaxPerMinute = 600
        expected.containerMaxNeverUsedInterval = .seconds(30)
        expected.sessionlessConnectionTimeout = .seconds(5)
        #expect(parsed.config == expected)
        #expect(parsed.config.clientEndpoint == HostPort(host: "127.0.0.1", port: 2182))
    }

    @Test func propertyStyleKeysAcceptBothSpellings() throws {
        // In ZooKeeper the prefixed zoo.cfg spelling is ineffective; swzk honours both on purpose.
        let prefixed = try config("""
            dataDir=/d
            clientPort=1
            zookeeper.extendedTypesEnabled=true
            zookeeper.DigestAuthenticationProvider.superDigest=super:abc
            zookeeper.snapCount=10
            zookeeper.4lw.commands.whitelist=*
            sessionlessCnxnTimeout=2000
            """)
        #expect(prefixed.extendedTypesEnabled)
        #expect(prefixed.superDigest == "super:abc")
        #expect(prefixed.snapCount == 10)
        #expect(prefixed.fourLetterWordWhitelist == ServerConfig.fourLetterWordsAll)
        #expect(prefixed.sessionlessConnectionTimeout == .seconds(2))
        #expect(try config("dataDir=/d\nclientPort=1\nextendedTypesEnabled=true\n").extendedTypesEnabled)
        #expect(try config("dataDir=/d\nclientPort=1\nnio.sessionlessCnxnTimeout=7\n").sessionlessConnectionTimeout
            == .milliseconds(7))
    }

    @Test func laterSpellingWins() throws {
        let c = try config("dataDir=/d\nclientPort=1\nextendedTypesEnabled=true\nzookeeper.extendedTypesEnabled=false\n")
        #expect(!c.extendedTypesEnabled)
    }

    @Test func unknownAndUnsupportedKeysWarn() throws {
        let parsed = try parse("""
            dataDir=/d
            clientPort=2181
            fooBar=1
            authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider
            zookeeper.dataDir=/ignored
            syncEnabled=true
            metricsProvider.exportJvmInfo=false
            """)
        #expect(parsed.warnings == [
            "zoo.cfg:3: fooBar: unknown key, ignored",
            "zoo.cfg:4: authProvider.1: not supported by swzk yet, ignored",
            "zoo.cfg:5: zookeeper.dataDir: unknown key, ignored",
            "zoo.cfg:6: syncEnabled: not supported by swzk yet, ignored",
        ])
        #expect(parsed.config.dataDir == "/d")
    }

    @Test func autopurgeRetainCountClampsToThree() throws {
        let parsed = try parse("dataDir=/d\nclientPort=1\nautopurge.snapRetainCount=1\nautopurge.purgeInterval=0\n")
        #expect(parsed.config.autopurgeSnapRetainCount == 3)
        #expect(parsed.config.autopurgePurgeInterval == .zero)
        #expect(parsed.warnings == ["zoo.cfg:3: autopurge.snapRetainCount: 1 is below the minimum 3; using 3"])
        #expect(try config("dataDir=/d\nclientPort=1\nautopurge.snapRetainCount=3\n").autopurgeSnapRetainCount == 3)
    }

    @Test func purgeIntervalUnits() throws {
        #expect(try config("dataDir=/d\nclientPort=1\nautopurge.purgeInterval=1\n").autopurgePurgeInterval == .seconds(3600))
        #expect(try config("dataDir=/d\nclientPort=1\nautopurge.purgeInterval=30m\n").autopurgePurgeInterval == .seconds(1800))
        #expect(try config("dataDir=/d\nclientPort=1\nautopurge.purgeInterval=2d\n").autopurgePurgeInterval == .seconds(172_800))
        #expect(try config("dataDir=/d\nclientPort=1\nautopurge.purgeInterval=500ms\n").autopurgePurgeInterval
            == .milliseconds(500))
    }

    @Test func snapCountClampsToTwo() throws {
        let parsed = try parse("dataDir=/d\nclientPort=1\nsnapCount=1\n")
        #expect(parsed.config.snapCount == 2)
        #expect(parsed.warnings == ["zoo.cfg:3: snapCount: 1 is below the minimum 2; using 2"])
    }

    @Test func fourLetterWordWhitelist() throws {
        #expect(try config("dataDir=/d\nclientPort=1\n").fourLetterWordWhitelist == ["ruok", "srvr", "mntr", "isro"])
        #expect(try config("dataDir=/d\nclientPort=1\n4lw.commands.whitelist=stat\n").fourLetterWordWhitelist
            == ["stat", "srvr"])
        #expect(try config("dataDir=/d\nclientPort=1\n4lw.commands.whitelist=\n").fourLetterWordWhitelist == ["srvr"])
        #expect(try config("dataDir=/d\nclientPort=1\n4lw.commands.whitelist=stat\nreadonlymode.enabled=true\n")
            .fourLetterWordWhitelist == ["stat", "srvr", "isro"])
        #expect(try config("dataDir=/d\nclientPort=1\n4lw.commands.whitelist=ruok, *\n").fourLetterWordWhitelist
            == ServerConfig.fourLetterWordsAll)
        let parsed = try parse("dataDir=/d\nclientPort=1\n4lw.commands.whitelist=ruok,nope\n")
        #expect(parsed.config.fourLetterWordWhitelist == ["ruok", "srvr"])
        #expect(parsed.warnings == ["zoo.cfg:3: 4lw.commands.whitelist: unknown four-letter word 'nope', ignored"])
    }

    @Test func sessionTimeoutsFollowTick() throws {
        let c = try config("dataDir=/d\nclientPort=1\ntickTime=2000\n")
        #expect(c.sessionTimeoutMin == .seconds(4) && c.sessionTimeoutMax == .seconds(40))
        let minOnly = try config("dataDir=/d\nclientPort=1\ntickTime=2000\nminSessionTimeout=1000\nmaxSessionTimeout=-1\n")
        #expect(minOnly.sessionTimeoutMin == .seconds(1) && minOnly.sessionTimeoutMax == .seconds(40))
    }

    @Test func initAndSyncLimitZeroMeansUnset() throws {
        let c = try config("dataDir=/d\nclientPort=1\ninitLimit=0\nsyncLimit=0\n")
        #expect(c.initLimit == nil && c.syncLimit == nil)
    }

    @Test func overridesWinAndPrefixIsOptional() throws {
        let overrides = try [
            ConfigOverride(argument: "zookeeper.jute.maxbuffer=2097152"),
            ConfigOverride(argument: "jute.maxbuffer = 3145728"),
            ConfigOverride(argument: "zookeeper.clientPort=2999"),
            ConfigOverride(argument: "extendedTypesEnabled=true"),
            ConfigOverride(argument: "zookeeper.tickTime=1000"),
        ]
        let parsed = try parse("dataDir=/d\nclientPort=2181\njute.maxbuffer=1000\n", overrides: overrides)
        #expect(parsed.config.juteMaxBuffer == 3_145_728)
        #expect(parsed.config.clientPort == 2999)
        #expect(parsed.config.extendedTypesEnabled)
        #expect(parsed.config.tickTime == .seconds(1))
        let unknown = try parse("dataDir=/d\nclientPort=1\n", overrides: [ConfigOverride(key: "zookeeper.bogus", value: "1")])
        #expect(unknown.warnings == ["-D zookeeper.bogus: unknown key, ignored"])
    }

    @Test func overrideSuppliesDataDir() throws {
        let parsed = try parse("clientPort=1\n", overrides: [ConfigOverride(key: "dataDir", value: "/from/flag")])
        #expect(parsed.config.dataDir == "/from/flag")
    }

    @Test func overrideArgumentSyntax() throws {
        let override = try ConfigOverride(argument: "a=b=c", flag: "--define")
        #expect(override == ConfigOverride(key: "a", value: "b=c", flag: "--define"))
        #expect(throws: ConfigError(origin: .argument("-D"), key: "novalue", problem: "expected key=value")) {
            try ConfigOverride(argument: "novalue")
        }
        do {
            _ = try ConfigOverride(argument: "=x")
            Issue.record("an empty key must be refused")
        } catch {
            #expect(error.description == "-D =x: expected key=value")
        }
    }

    @Test func embeddedDefault() throws {
        let c = ServerConfig.embeddedDefault(dataDir: "/home/u/.local/share/swzk/data")
        #expect(c.mode == .standalone)
        #expect(c.clientEndpoint == HostPort(host: "127.0.0.1", port: 2181))
        #expect(c.tickTime == .seconds(2) && c.initLimit == 10 && c.syncLimit == 5)
        #expect(c.dataDir == "/home/u/.local/share/swzk/data" && c.dataLogDir == c.dataDir)
        let moved = try c.applying([ConfigOverride(key: "dataDir", value: "/x"), ConfigOverride(key: "clientPort", value: "0")])
        #expect(moved.config.dataDir == "/x" && moved.config.dataLogDir == "/x")
        #expect(moved.config.clientPort == 0 && moved.source == "embedded default config")
        #expect(moved.warnings.isEmpty)
    }

    @Test func defaultDataDirectory() {
        #expect(ServerConfig.defaultDataDirectory(environment: ["XDG_DATA_HOME": "/xdg", "HOME": "/home/u"])
            == "/xdg/swzk/data")
        #expect(ServerConfig.defaultDataDirectory(environment: ["XDG_DATA_HOME": "/xdg/", "HOME": "/home/u"])
            == "/xdg/swzk/data")
        #expect(ServerConfig.defaultDataDirectory(environment: ["HOME": "/home/u"]) == "/home/u/.local/share/swzk/data")
        #expect(ServerConfig.defaultDataDirectory(environment: ["XDG_DATA_HOME": "", "HOME": "/home/u"])
            == "/home/u/.local/share/swzk/data")
        #expect(ServerConfig.defaultDataDirectory(environment: ["XDG_DATA_HOME": "rel", "HOME": "/home/u"])
            == "/home/u/.local/share/swzk/data")
        #expect(ServerConfig.defaultDataDirectory(environment: [:]) == nil)
    }

    @Test func myidText() throws {
        #expect(try ServerConfig.parseMyid("3\n", file: "/d/myid") == ServerID(3))
        #expect(try ServerConfig.parseMyid(" 12 \nignored", file: "/d/myid") == ServerID(12))
        #expect(throws: ConfigError(origin: .line(file: "/d/myid", line: 1), key: nil, problem: "'x' is not a valid server id")) {
            try ServerConfig.parseMyid("x\n", file: "/d/myid")
        }
        #expect("\(ConfigError(origin: .line(file: "/d/myid", line: 1), key: nil, problem: "'' is not a valid server id"))"
            == "/d/myid:1: '' is not a valid server id")
    }
}

extension ServerConfig {
    /// What `dataDir=/var/zk` + `clientPort=2181` must produce: ZooKeeper's defaults field by field.
    fileprivate static var parseDefaultsReference: ServerConfig {
        var c = ServerConfig(dataDir: "/var/zk")
        c.clientPort = 2181
        return c
    }
}
