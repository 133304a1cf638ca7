import Foundation
import Testing
@testable import ZKCore

/// One-line error messages, server.N lines, the standalone decision and the file-reading entry point.
@Suite struct ConfigValidationTests {
    private func parse(
        _ text: String, overrides: [ConfigOverride] = [], myid: ServerID? = nil
    ) throws(ConfigError) -> ParsedServerConfig {
        try ServerConfig.parse(text: text, file: "zoo.cfg", overrides: overrides, myid: myid)
    }

    /// The description of the error `text` raises, or a marker when it parses.
    private func failure(_ text: String, overrides: [ConfigOverride] = [], myid: ServerID? = nil) -> String {
        do {
            _ = try parse(text, overrides: overrides, myid: myid)
            return "<no error>"
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        ("dataDir=/d\ntickTime=2000\nclientPort=abc\n", "zoo.cfg:3: clientPort: 'abc' is not a valid port number"),
        ("dataDir=/d\nclientPort=70000\n", "zoo.cfg:2: clientPort: '70000' is not a valid port number"),
        ("dataDir=/d\nclientPort=-1\n", "zoo.cfg:2: clientPort: '-1' is not a valid port number"),
        ("dataDir=/d\nclientPort=1\nsecureClientPort=x\n", "zoo.cfg:3: secureClientPort: 'x' is not a valid port number"),
        ("dataDir=/d\nclientPort=1\nadmin.serverPort=65536\n", "zoo.cfg:3: admin.serverPort: '65536' is not a valid port number"),
        ("dataDir=/d\nclientPort=1\ntickTime=abc\n", "zoo.cfg:3: tickTime: 'abc' is not a valid number of milliseconds"),
        ("dataDir=/d\nclientPort=1\ntickTime=0\n", "zoo.cfg:3: tickTime: '0' must be positive"),
        ("dataDir=/d\nclientPort=1\ntickTime=99999999999\n",
         "zoo.cfg:3: tickTime: '99999999999' is not a valid number of milliseconds"),
        ("dataDir=/d\nclientPort=1\nmaxClientCnxns=-1\n", "zoo.cfg:3: maxClientCnxns: '-1' must not be negative"),
        ("dataDir=/d\nclientPort=1\nminSessionTimeout=-5\n", "zoo.cfg:3: minSessionTimeout: '-5' must not be negative"),
        ("dataDir=/d\nclientPort=1\nmaxSessionTimeout=-2\n", "zoo.cfg:3: maxSessionTimeout: '-2' must not be negative"),
        ("dataDir=/d\nclientPort=1\nminSessionTimeout=10000\nmaxSessionTimeout=5000\n",
         "zoo.cfg:4: maxSessionTimeout: minSessionTimeout (10000 ms) is larger than maxSessionTimeout (5000 ms)"),
        ("dataDir=/d\nclientPort=1\ntickTime=2000\nminSessionTimeout=50000\n",
         "zoo.cfg:4: minSessionTimeout: minSessionTimeout (50000 ms) is larger than maxSessionTimeout (40000 ms)"),
        ("clientPort=2181\n", "zoo.cfg: dataDir: missing; ZooKeeper requires a data directory"),
        ("dataLogDir=/logs\nclientPort=2181\n", "zoo.cfg:1: dataLogDir: dataLogDir is set but dataDir is not"),
        ("dataDir=\nclientPort=2181\n", "zoo.cfg:1: dataDir: value is empty"),
        ("dataDir=/d\nclientPortAddress=127.0.0.1\n",
         "zoo.cfg:2: clientPortAddress: clientPortAddress is set but clientPort is not"),
        ("dataDir=/d\nclientPort=1\nsecureClientPortAddress=::1\n",
         "zoo.cfg:3: secureClientPortAddress: secureClientPortAddress is set but secureClientPort is not"),
        ("dataDir=/d\n", "zoo.cfg: clientPort: missing; set clientPort (or a client port in this server's server.N line)"),
        ("dataDir=/d\nclientPort=1\nstandaloneEnabled=yes\n", "zoo.cfg:3: standaloneEnabled: 'yes' is not true or false"),
        ("dataDir=/d\nclientPort=1\nforceSync=maybe\n", "zoo.cfg:3: forceSync: 'maybe' is not yes or no"),
        ("dataDir=/d\nclientPort=1\nskipACL=on\n", "zoo.cfg:3: skipACL: 'on' is not yes or no"),
        ("dataDir=/d\nclientPort=1\nelectionAlg=1\n", "zoo.cfg:3: electionAlg: '1' is not supported; only 3 exists"),
        ("dataDir=/d\nclientPort=1\npeerType=leader\n", "zoo.cfg:3: peerType: 'leader' is not participant or observer"),
        ("dataDir=/d\nclientPort=1\nsnapshot.compression.method=xz\n",
         "zoo.cfg:3: snapshot.compression.method: 'xz' is not none, gz or snappy"),
        ("dataDir=/d\nclientPort=1\njute.maxbuffer=0\n", "zoo.cfg:3: jute.maxbuffer: '0' must be at least 1"),
        ("dataDir=/d\nclientPort=1\nglobalOutstandingLimit=0\n", "zoo.cfg:3: globalOutstandingLimit: '0' must be at least 1"),
        ("dataDir=/d\nclientPort=1\nautopurge.purgeInterval=-1\n", "zoo.cfg:3: autopurge.purgeInterval: '-1' must not be negative"),
        ("dataDir=/d\nclientPort=1\nautopurge.purgeInterval=1w\n",
         "zoo.cfg:3: autopurge.purgeInterval: '1w' is not a valid interval (hours)"),
        ("dataDir=/d\nclientPort=1\nDigestAuthenticationProvider.superDigest=nocolon\n",
         "zoo.cfg:3: DigestAuthenticationProvider.superDigest: 'nocolon' is not user:digest"),
        ("dataDir=/d\nclientPort=1\ndynamicConfigFile=/etc/zoo.cfg.dynamic.100000000\n",
         "zoo.cfg:3: dynamicConfigFile: dynamic configuration files are not supported yet"),
        ("dataDir=/d\nclientPort=1\nserver.1=host:2888\n",
         "zoo.cfg:3: server.1: 'host:2888' is not host:quorumPort:electionPort[:role][;[clientHost:]clientPort]"),
        ("dataDir=/d\nclientPort=1\nserver.x=h:2888:3888\n", "zoo.cfg:3: server.x: 'x' is not a valid server id"),
        ("dataDir=/d\nclientPort=1\nserver.1=h:2888:2888\n",
         "zoo.cfg:3: server.1: quorum port and election port must differ (both are 2888)"),
        ("dataDir=/d\nclientPort=1\nserver.1=h:2888:3888:leader\n",
         "zoo.cfg:3: server.1: 'leader' is not a role (participant or observer)"),
        ("dataDir=/d\nclientPort=1\nserver.1=h:99999:3888\n", "zoo.cfg:3: server.1: '99999' is not a valid port number"),
        ("dataDir=/d\nclientPort=1\nserver.1=h:0:3888\n", "zoo.cfg:3: server.1: '0' is not a valid port number"),
        ("dataDir=/d\nclientPort=1\nserver.1=:2888:3888\n", "zoo.cfg:3: server.1: ':2888:3888' has no host"),
        ("dataDir=/d\nclientPort=1\nserver.1=[::1:2888:3888\n",
         "zoo.cfg:3: server.1: '[::1:2888:3888' starts with '[' but has no matching ']'"),
        ("dataDir=/d\nclientPort=1\nserver.1=[::1]\n", "zoo.cfg:3: server.1: '[::1]' has no port after the address"),
        ("dataDir=/d\nclientPort=1\nserver.1=a:1:2|b:1:2\n",
         "zoo.cfg:3: server.1: several '|'-separated addresses per server are not supported"),
        ("dataDir=/d\nclientPort=1\nserver.1=h:2888:3888;a:b:c\n",
         "zoo.cfg:3: server.1: client address 'a:b:c' is not [host:]port"),
        ("dataDir=/d\nclientPort=1\nserver.1=h:2888:3888;x\n", "zoo.cfg:3: server.1: 'x' is not a valid port number"),
        ("dataDir=/d\nclientPort=1\nserver.1=h:2888:3888;1;2;3\n",
         "zoo.cfg:3: server.1: 'h:2888:3888;1;2;3' has more than two ';' parts"),
        ("dataDir=/d\nclientPort=1\nserver.1=a:2888:3888\nserver.01=b:2888:3888\n",
         "zoo.cfg:4: server.01: server id 1 is already defined at zoo.cfg:3"),
        ("dataDir=/d\nclientPort=1\nserver.1=a:2888:3888:observer\nserver.2=b:2888:3888:observer\n",
         "zoo.cfg:3: server.1: observers without participants"),
        ("dataDir=/d\nclientPort=1\nserver.1=a:2888:3888\nserver.2=b:2888:3888:observer\n",
         "zoo.cfg:3: server.1: observers without a quorum: one participant runs standalone"),
    ])
    func errorMessages(text: String, message: String) {
        #expect(failure(text) == message)
    }

    @Test func overrideErrorsNameTheFlagAndKey() {
        #expect(failure("dataDir=/d\nclientPort=1\n", overrides: [ConfigOverride(key: "zookeeper.jute.maxbuffer", value: "big")])
            == "-D zookeeper.jute.maxbuffer: 'big' is not a valid integer")
        #expect(failure("dataDir=/d\nclientPort=1\n", overrides: [ConfigOverride(key: "clientPort", value: "x", flag: "--set")])
            == "--set clientPort: 'x' is not a valid port number")
    }

    @Test func extendedTypesLimitServerID() {
        #expect(failure("dataDir=/d\nclientPort=1\nextendedTypesEnabled=true\n", myid: ServerID(255))
            == "zoo.cfg:3: extendedTypesEnabled: server id 255 is above 254, the largest allowed with extended types")
        #expect(failure("dataDir=/d\nclientPort=1\nextendedTypesEnabled=true\n", myid: ServerID(254)) == "<no error>")
    }

    @Test func errorsAreOneLine() {
        let error = ConfigError(origin: .file("zoo.cfg"), key: "k", problem: "two\nlines")
        #expect(error.description == "zoo.cfg: k: two lines")
    }

    // MARK: - server.N

    private func server(_ value: String) throws -> QuorumServer {
        // A second participant and standaloneEnabled=false keep an observer line valid on its own;
        // being an ensemble, it needs the limits and a myid.
        let text = "dataDir=/d\nclientPort=1\ninitLimit=5\nsyncLimit=2\nstandaloneEnabled=false\n"
            + "server.9=z:2888:3888\nserver.1=\(value)\n"
        return try #require(parse(text, myid: ServerID(9)).config.servers.first)
    }

    @Test func serverLineVariants() throws {
        let id = ServerID(1)
        #expect(try server("127.0.0.1:2888:3888")
            == QuorumServer(id: id, address: "127.0.0.1", quorumPort: 2888, electionPort: 3888))
        #expect(try server("127.0.0.1:2888:3888:participant").role == .participant)
        #expect(try server("127.0.0.1:2888:3888:observer").role == .observer)
        #expect(try server("127.0.0.1:2888:3888:OBSERVER").role == .observer)
        #expect(try server("127.0.0.1:2888:3888;2181").clientAddress == HostPort(host: "0.0.0.0", port: 2181))
        #expect(try server("127.0.0.1:2888:3888;127.0.0.1:2181").clientAddress == HostPort(host: "127.0.0.1", port: 2181))
        #expect(try server("zk1.example:2888:3888:observer;2181")
            == QuorumServer(id: id, address: "zk1.example", quorumPort: 2888, electionPort: 3888, role: .observer,
                            clientAddress: HostPort(host: "0.0.0.0", port: 2181)))
        #expect(try server("[::1]:2888:3888")
            == QuorumServer(id: id, address: "::1", quorumPort: 2888, electionPort: 3888))
        let v6 = try server("[fe80::1]:2888:3888:participant;[::1]:2181;2281")
        #expect(v6.address == "fe80::1" && v6.clientAddress == HostPort(host: "::1", port: 2181))
        #expect(v6.secureClientAddress == HostPort(host: "0.0.0.0", port: 2281))
        #expect(v6.clientAddress?.description == "[::1]:2181")
        #expect(try server("127.0.0.1:2888:3888;").clientAddress == nil)
        #expect(try server("h : 2888 : 3888 ; 2181").clientAddress?.port == 2181)
    }

    @Test func serversAreSortedByID() throws {
        let c = try parse("""
            dataDir=/d
            clientPort=2181
            initLimit=5
            syncLimit=2
            server.3=127.0.0.3:2888:3888
            server.1=127.0.0.1:2888:3888
            server.2=127.0.0.2:2888:3888
            """, myid: ServerID(2)).config
        #expect(c.servers.map(\.id) == [ServerID(1), ServerID(2), ServerID(3)])
        #expect(c.servers.map(\.address) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"])
    }

    @Test func overrideReplacesAServerLine() throws {
        let c = try parse("dataDir=/d\nclientPort=1\nserver.1=a:2888:3888\n",
                          overrides: [ConfigOverride(key: "server.1", value: "b:2888:3888")]).config
        #expect(c.servers.map(\.address) == ["b"])
    }
}
