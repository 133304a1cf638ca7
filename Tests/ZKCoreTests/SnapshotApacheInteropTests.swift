import Foundation
import Testing
@testable import ZKCore

/// The real Apache ZooKeeper 3.8 beside swzk, through `shared/tools/apache-zk.sh` (Tests/test.sh
/// installs it). The tests are skipped where it is not installed.
enum ApacheZooKeeper {
    /// `$APACHE_ZK_SH`, else `shared/tools/apache-zk.sh` beside the repository.
    static let script: String = {
        if let path = ProcessInfo.processInfo.environment["APACHE_ZK_SH"] { return path }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/tools/apache-zk.sh").path
    }()

    /// True when the script and Debian's ZooKeeper jars are present (nothing gets installed here).
    static let isInstalled: Bool = FileManager.default.fileExists(atPath: script)
        && FileManager.default.fileExists(atPath: "/usr/share/java/zookeeper.jar")

    /// Runs `apache-zk.sh ARGS…` in UTC and returns its exit status and standard output.
    ///
    /// Spawned with posix_spawn and reaped with waitpid: Foundation's `Process` could miss the
    /// exit of a script that leaves a server running in the background.
    @discardableResult
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "swzk-apache-out-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        environment["PATH"] = (environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/lib/zookeeper/bin"
        let argv = ["/bin/bash", script] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var cArgv = argv.map { strdup($0) } + [nil]
        var cEnvp = envp.map { strdup($0) } + [nil]
        defer {
            for pointer in cArgv { free(pointer) }
            for pointer in cEnvp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &cArgv, &cEnvp)
        guard spawned == 0 else { throw SnapshotError.io(file: script, operation: "spawn", errno: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED/WEXITSTATUS are macros: exit code in bits 8-15 when the low 7 bits are 0.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
        return (exitStatus, output)
    }

    /// A port on 127.0.0.1 the OS just handed out.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Int32 in
                guard bind(fd, raw, length) == 0 else { return -1 }
                return getsockname(fd, raw, &length)
            }
        }
        guard bound == 0 else { throw SnapshotError.io(file: "socket", operation: "bind", errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The node blocks, session lines and last-zxid line of a SnapshotFormatter dump, order-free:
/// Apache lists children in Java hash-set order, swzk in file order.
private struct FormatterDump: Equatable {
    var header: String
    var nodes: [String: String]
    var sessions: Set<String>
    var lastZxid: String

    init(_ text: String) {
        let sections = text.components(separatedBy: "----\n")
        header = sections.first ?? ""
        nodes = [:]
        sessions = []
        lastZxid = sections.last ?? ""
        for section in sections.dropFirst().dropLast() {
            if section.hasPrefix("Session Details") {
                sessions = Set(section.split(separator: "\n").dropFirst().map(String.init))
            } else if let path = section.split(separator: "\n").first {
                nodes[String(path)] = section
            }
        }
    }
}

@Suite("Snapshots against Apache ZooKeeper", .serialized, .enabled(if: ApacheZooKeeper.isInstalled))
struct SnapshotApacheInteropTests {
    @Test("Apache's SnapshotFormatter reads our plain and gz snapshots as swzk prints them",
          arguments: [SnapshotCompression.none, .gz])
    func formatterReadsOurSnapshot(_ compression: SnapshotCompression) throws {
        setenv("TZ", "UTC", 1)
        tzset()
        let dir = try makeSnapshotTempDir("apache-fmt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = sampleSnapshotDriver().tree
        let sessions: [(id: SessionID, timeoutMs: Int32)] = [(SessionID(0x1_0000_0abc), 30_000), (SessionID(0x1_0000_0def), 4_000)]
        let path = try SnapshotFile.write(tree: tree, sessions: sessions, to: dir, compression: compression)
        let ours = try SnapshotReader.read(file: path, options: SnapshotReadOptions(recordsFileOrder: true))
        for flags in [[], ["-d"]] {
            let apache = try ApacheZooKeeper.run(["snapshot"] + flags + [path])
            #expect(apache.status == 0)
            let expected = FormatterDump(SnapshotDump.formatterText(ours, includeData: !flags.isEmpty))
            let actual = FormatterDump(apache.output)
            #expect(actual.header == expected.header)
            #expect(actual.nodes.count == tree.nodes.count)
            #expect(actual.nodes == expected.nodes)
            #expect(actual.sessions == ["0x00000100000abc, 30000, 1", "0x00000100000def, 4000, 1"])
            #expect(actual.sessions == expected.sessions)
            #expect(actual.lastZxid == expected.lastZxid)
        }
    }

    @Test("An Apache server starts from our snapshot, and we read the snapshots it writes",
          .timeLimit(.minutes(3)))
    func apacheServerRoundTrip() throws {
        let dir = try makeSnapshotTempDir("apache-server")
        defer {
            _ = try? ApacheZooKeeper.run(["stop", dir])
            try? FileManager.default.removeItem(atPath: dir)
        }
        let versionDir = dir + "/zk1/data/version-2"
        try FileManager.default.createDirectory(atPath: versionDir, withIntermediateDirectories: true)
        let driver = SnapshotTestTreeDriver()
        driver.create("/fromswzk", "hello from swzk")
        driver.create("/fromswzk/child", nil, acl: [ACL(perms: [.read, .admin], id: .anyone)])
        driver.create("/eph", "e", owner: 0x1_0000_0abc)
        driver.create("/ctr", "", owner: EphemeralOwner.container)
        driver.create("/ctr/kid", "k")
        let ours = driver.tree
        let session = (id: SessionID(0x1_0000_0abc), timeoutMs: Int32(40_000))
        let ourPath = try SnapshotFile.write(tree: ours, sessions: [session], to: versionDir)
        #expect(ourPath.hasSuffix("/snapshot.\(ours.lastProcessedZxid.hex)"))

        let port = try ApacheZooKeeper.freePort()
        #expect(try ApacheZooKeeper.run(["start", dir, "--port", String(port)]).status == 0)
        let server = "127.0.0.1:\(port)"
        let get = try ApacheZooKeeper.run(["cli", server, "get", "/fromswzk"])
        #expect(get.output.contains("hello from swzk"))
        #expect(try ApacheZooKeeper.run(["cli", server, "create", "/made-by-apache", "hi"]).status == 0)
        let mntr = try ApacheZooKeeper.run(["4lw", server, "mntr"]).output
        #expect(mntr.contains("zk_digest_mismatches_count\t0"))
        #expect(mntr.contains("zk_ephemerals_count\t1"))

        // Apache's start-up snapshot replaced ours under the same name: the same tree and session.
        let reloaded = try SnapshotReader.read(file: ourPath)
        expectSameTree(ours, reloaded.tree)
        #expect(reloaded.sessions.map(\.id) == [session.id])
        #expect(reloaded.sessions.map(\.timeoutMs) == [session.timeoutMs])
        #expect(reloaded.tree.ephemeralPaths(of: session.id) == ["/eph"])

        // A restart replays the log and writes a newer snapshot, which we read with its digest.
        try ApacheZooKeeper.run(["stop", dir])
        #expect(try ApacheZooKeeper.run(["start", dir, "--port", String(port)]).status == 0)
        try ApacheZooKeeper.run(["stop", dir])
        let recovery = try SnapshotDirectory(path: versionDir).newestValid()
        let newest = try #require(recovery.snapshot)
        #expect(recovery.skipped.isEmpty)
        #expect(newest.zxid > ours.lastProcessedZxid)
        #expect(newest.digestCheck == .matches)
        #expect(newest.tree.node(at: "/made-by-apache")?.data == Array("hi".utf8))
        #expect(newest.tree.node(at: "/fromswzk/child")?.data == nil)
        #expect(newest.tree.acl(of: try #require(newest.tree.node(at: "/fromswzk/child")))
                == [ACL(perms: [.read, .admin], id: .anyone)])
        #expect(newest.tree.containers == ["/ctr"])
        let rewritten = SnapshotFile.bytes(tree: newest.tree, sessions: newest.sessions)
        expectSameTree(newest.tree, try SnapshotReader.decode(rewritten, zxid: newest.zxid).tree)
    }
}
