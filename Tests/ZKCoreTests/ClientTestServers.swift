import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
@testable import ZKCore

/// Which server a client integration test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// swzk's `ServerRuntime` in this process, with an in-memory log; connections on the core's
    /// event loop (the default).
    case swzk
    /// The same with two event-loop threads for connections (`swzk.ioThreads=2`), so every
    /// request and reply crosses threads.
    case swzkIOThreads = "swzk-io-threads"
    /// Apache ZooKeeper 3.8, started with `shared/tools/apache-zk.sh`.
    case apache
    var testDescription: String { rawValue }
}

/// Why a test server could not be used.
struct TestServerError: Error, CustomStringConvertible {
    var description: String
}

/// A standalone server on 127.0.0.1 for client tests, of either backend, that can be restarted
/// on the same port. Both backends use tickTime 2000 (sessions of 4…40 s) and allow TTL nodes.
final class TestServer: @unchecked Sendable {
    let backend: Backend
    /// 0 until a swzk backend has bound its OS-chosen port; a restart binds the same one again.
    private(set) var port: Int
    private var runtime: ServerRuntime?
    private let directory: URL

    var connectString: String { "127.0.0.1:\(port)" }

    private init(backend: Backend, port: Int) {
        self.backend = backend
        self.port = port
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swzk-client-\(UUID().uuidString)")
    }

    /// Starts a fresh server of `backend` on a free port.
    static func start(_ backend: Backend) async throws -> TestServer {
        // swzk binds port 0 itself; Apache gets a port asked of the OS just before, which another
        // process can take in between, so its start is tried again on a new port.
        var lastError: (any Error)?
        for _ in 0..<3 {
            let server = TestServer(backend: backend, port: backend == .apache ? try await freePort() : 0)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                await server.destroy()
            }
        }
        throw lastError!
    }

    private func launch() async throws {
        switch backend {
        case .swzk, .swzkIOThreads:
            var settings = ServerSettings(tickMs: 2000)
            settings.extendedTypesEnabled = true
            var logger = Logger(label: "swzk.test.server")
            logger.logLevel = .critical
            var info = ServerInfo()
            info.clientPort = port
            let runtime = ServerRuntime(core: ServerCore(settings: settings, now: SystemClock.now()), info: info,
                                        logStore: InMemoryLogStore(), maxFrameBytes: Limits.juteMaxBufferDefault,
                                        logger: logger, clientThreads: backend == .swzkIOThreads ? 2 : 0)
            let address = try await runtime.start(host: "127.0.0.1", port: port)
            if port == 0 { port = address.port ?? 0 }
            self.runtime = runtime
        case .apache:
            let script = try Self.apacheScript()
            let result = try await Self.run(["bash", script, "start", directory.path, "--port", String(port),
                                             "--set", "extendedTypesEnabled=true"])
            guard result.status == 0 else {
                throw TestServerError(description: "apache-zk.sh start failed (\(result.status)): \(result.output)")
            }
        }
    }

    /// Stops the server (Apache keeps its data directory, so a restart finds its sessions).
    func stop() async {
        switch backend {
        case .swzk, .swzkIOThreads:
            await runtime?.shutdown()
            runtime = nil
        case .apache:
            if let script = try? Self.apacheScript() {
                _ = try? await Self.run(["bash", script, "stop", directory.path])
            }
        }
    }

    /// Stops and starts again on the same port: a fresh in-memory swzk, or Apache on its old data.
    func restart() async throws {
        await stop()
        try await launch()
    }

    /// Stops the server and removes its files.
    func destroy() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Apache

    /// `apache-zk.sh` beside the repository (or `$APACHE_ZK_SH`), failing clearly when it or Java is missing.
    static func apacheScript() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = environment["APACHE_ZK_SH"]
            ?? repository.deletingLastPathComponent().appendingPathComponent("shared/tools/apache-zk.sh").path
        guard FileManager.default.fileExists(atPath: script) else {
            throw TestServerError(description: "Apache ZooKeeper tests need \(script) (shared/tools beside the repository, or APACHE_ZK_SH); Tests/test.sh installs what it uses")
        }
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard path.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/java") }) else {
            throw TestServerError(description: "Apache ZooKeeper tests need java on PATH (Debian's zookeeper package brings it; Tests/test.sh installs it)")
        }
        return script
    }

    /// Runs a command to completion without blocking a concurrency thread; returns its status and output.
    ///
    /// Output goes to a file, not a pipe, and the command first closes every descriptor above 2:
    /// the server a script leaves running in the background inherits whatever is open, and both a
    /// pipe and the socket Foundation watches for the child's exit would then stay open for as long
    /// as that server runs.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let closeInherited = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done; exec "$@""#
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("swzk-run-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", "-c", closeInherited, "run"] + arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        // Debian puts the C client outside PATH; apache-zk.sh checks for it before deciding to install.
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = (environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/lib/zookeeper/bin"
        process.environment = environment
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (status, output)
    }

    /// A TCP port nothing listens on right now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

/// Runs `body` against a fresh server of `backend`, always stopping it afterwards.
func withServer(_ backend: Backend, _ body: (TestServer) async throws -> Void) async throws {
    let server = try await TestServer.start(backend)
    do {
        try await body(server)
    } catch {
        await server.destroy()
        throw error
    }
    await server.destroy()
}

/// Polls `condition` until it holds, failing the test after `timeout`.
func eventually(_ what: String, timeout: Duration = .seconds(30),
                _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestServerError(description: "timed out after \(timeout) waiting for \(what)")
}

/// Consumes an async sequence in the background so tests can wait for what arrived, with deadlines.
final class Recorder<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    private var ended = false
    private var task: Task<Void, Never>?

    init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Element {
        task = Task { [self] in
            do {
                for try await item in sequence { lock.withLock { items.append(item) } }
            } catch {}
            lock.withLock { ended = true }
        }
    }

    deinit { task?.cancel() }

    var all: [Element] { lock.withLock { items } }
    var isFinished: Bool { lock.withLock { ended } }

    /// Waits until at least `count` elements arrived; returns them all.
    @discardableResult
    func wait(for count: Int, timeout: Duration = .seconds(30)) async throws -> [Element] {
        try await eventually("\(count) events (have \(all.count))", timeout: timeout) { all.count >= count }
        return all
    }

    /// Waits until the sequence ended.
    func waitFinished(timeout: Duration = .seconds(30)) async throws {
        try await eventually("the end of the stream", timeout: timeout) { isFinished }
    }
}
