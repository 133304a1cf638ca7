import Foundation
import Testing
@testable import ZKCore

/// Standalone versus ensemble, and `ServerConfig.load(path:overrides:)` reading zoo.cfg and myid.
@Suite struct ConfigModeTests {
    private func parse(_ text: String, myid: ServerID? = nil) throws -> ParsedServerConfig {
        try ServerConfig.parse(text: text, file: "zoo.cfg", myid: myid)
    }

    private let ensemble = """
        dataDir=/d
        clientPort=2181
        initLimit=10
        syncLimit=5
        server.1=127.0.0.1:2888:3888
        server.2=127.0.0.2:2888:3888
        server.3=127.0.0.3:2888:3888
        """

    @Test func noServerLinesIsStandalone() throws {
        let parsed = try parse("dataDir=/d\nclientPort=2181\n")
        #expect(parsed.mode == .standalone)
        #expect(parsed.config.quorumVerifier.votingMembers.isEmpty)
    }

    @Test func onlyOwnServerLineIsStandalone() throws {
        let text = "dataDir=/d\nserver.1=127.0.0.1:2888:3888;127.0.0.1:2181\n"
        let mine = try parse(text, myid: ServerID(1)).config
        #expect(mine.mode == .standalone)
        #expect(mine.ownServer?.id == ServerID(1))
        #expect(mine.clientEndpoint == HostPort(host: "127.0.0.1", port: 2181))
        // Like ZooKeeper, a lone participant runs standalone when there is no myid at all.
        #expect(try parse(text).config.mode == .standalone)
    }

    @Test func serverLineForAnotherServerIsAnEnsembleWithoutThisServer() throws {
        // An ensemble, but not one this server belongs to: its myid names no server.N line.
        #expect(throws: ConfigError(origin: .line(file: "/d/myid", line: 1), key: nil,
                                    problem: "server id 1 has no server.1 line in zoo.cfg (servers: 2)")) {
            try parse("dataDir=/d\nclientPort=2181\ninitLimit=5\nsyncLimit=2\nserver.2=127.0.0.2:2888:3888\n",
                      myid: ServerID(1))
        }
    }

    @Test func standaloneDisabledIsEnsemble() throws {
        let text = "dataDir=/d\nclientPort=2181\ninitLimit=5\nsyncLimit=2\nstandaloneEnabled=false\n"
            + "server.1=127.0.0.1:2888:3888\n"
        #expect(try parse(text, myid: ServerID(1)).config.mode == .ensemble)
    }

    @Test func severalServersAreAnEnsembleOfVoters() throws {
        let parsed = try parse(ensemble, myid: ServerID(1))
        #expect(parsed.mode == .ensemble)
        #expect(parsed.config.ownServer?.id == ServerID(1))
        #expect(parsed.config.quorumVerifier.votingMembers == [ServerID(1), ServerID(2), ServerID(3)])
        #expect(parsed.config.quorumVerifier.containsQuorum([ServerID(1), ServerID(3)]))
        #expect(!parsed.config.quorumVerifier.containsQuorum([ServerID(2)]))
    }

    @Test func serverListDecidesPeerType() throws {
        let text = ensemble + "\nserver.4=127.0.0.4:2888:3888:observer\npeerType=participant\n"
        let parsed = try parse(text, myid: ServerID(4))
        #expect(parsed.config.peerType == .observer)
        #expect(parsed.warnings == ["zoo.cfg:9: peerType: 'participant' disagrees with server.4; using observer"])
    }

    // MARK: - load(path:)

    /// A fresh directory under the system temp dir, removed after `body`.
    private func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "swzk-config-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    @Test func loadReadsConfigAndMyid() throws {
        try withTemporaryDirectory { dir in
            let cfg = dir + "/zoo.cfg"
            try "dataDir=\(dir)\ninitLimit=5\nsyncLimit=2\nserver.5=127.0.0.1:2888:3888;2181\n"
                .write(toFile: cfg, atomically: true, encoding: .utf8)
            let withoutMyid = try ServerConfig.load(path: cfg)
            #expect(withoutMyid.config.serverID == nil && withoutMyid.source == cfg)
            try "5\n".write(toFile: dir + "/myid", atomically: true, encoding: .utf8)
            let loaded = try ServerConfig.load(path: cfg, overrides: [ConfigOverride(key: "zookeeper.snapCount", value: "10")])
            #expect(loaded.config.serverID == ServerID(5))
            #expect(loaded.mode == .standalone)
            #expect(loaded.config.snapCount == 10)
            #expect(loaded.config.clientEndpoint == HostPort(host: "0.0.0.0", port: 2181))
            // A myid naming no server.N line is refused while loading.
            try "6\n".write(toFile: dir + "/myid", atomically: true, encoding: .utf8)
            #expect(throws: ConfigError(origin: .line(file: dir + "/myid", line: 1), key: nil,
                                        problem: "server id 6 has no server.6 line in \(cfg) (servers: 5)")) {
                _ = try ServerConfig.load(path: cfg)
            }
        }
    }

    @Test func loadErrorsNameTheFile() throws {
        try withTemporaryDirectory { dir in
            let missing = dir + "/nope.cfg"
            #expect(throws: ConfigError(origin: .file(missing), key: nil, problem: "no such file")) {
                try ServerConfig.load(path: missing)
            }
            let cfg = dir + "/zoo.cfg"
            try "# swzk\ndataDir=\(dir)\nclientPort=abc\n".write(toFile: cfg, atomically: true, encoding: .utf8)
            do {
                _ = try ServerConfig.load(path: cfg)
                Issue.record("clientPort=abc must be refused")
            } catch {
                #expect("\(error)" == "\(cfg):3: clientPort: 'abc' is not a valid port number")
            }
            try "dataDir=\(dir)\nclientPort=1\n".write(toFile: cfg, atomically: true, encoding: .utf8)
            try "one\n".write(toFile: dir + "/myid", atomically: true, encoding: .utf8)
            #expect(throws: ConfigError(origin: .line(file: dir + "/myid", line: 1), key: nil,
                                        problem: "'one' is not a valid server id")) {
                try ServerConfig.load(path: cfg)
            }
        }
    }
}
