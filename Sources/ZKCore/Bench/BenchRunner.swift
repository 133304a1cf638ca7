import Histogram
import NIOCore
import NIOPosix

/// Runs a benchmark against any ZooKeeper-compatible ensemble: sets up a key space, drives the
/// sessions (warm-up, then measurement), and cleans up after itself.
public final class BenchRunner: Sendable {
    public let config: BenchConfig
    private let group: MultiThreadedEventLoopGroup
    private let root: String

    public init(config: BenchConfig, threads: Int = System.coreCount) {
        self.config = config
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        root = "/swzk-bench/run-\(UInt64(SystemClock.now().wallMs))-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Progress reported once a second while measuring: completed ops so far and elapsed time.
    public typealias Progress = @Sendable (_ completed: Int, _ elapsed: Duration) -> Void

    /// Runs the throughput benchmark.
    public func run(progress: Progress? = nil) async throws -> BenchResult {
        do {
            let result = try await runThroughput(progress: progress)
            try? await group.shutdownGracefully()
            return result
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func runThroughput(progress: Progress?) async throws -> BenchResult {
        let writer = BenchRequestWriter(root: root, valueSize: config.valueSize, znodes: config.znodes)
        try await setUp(writer: writer)
        let perSession = config.count.map { ($0 + config.sessions - 1) / config.sessions }
        let plan = BenchPlan.load(op: config.op, readPercent: config.readPercent, limit: perSession)
        let perSessionRate = config.rate.map { $0 / Double(config.sessions) }
        let sessions = try await open(config.sessions, writer: writer, plan: plan, rate: perSessionRate,
                                      depth: config.depth)
        if config.warmup > .zero {
            for session in sessions { session.execute { $0.start(measuring: false) } }
            try await Task.sleep(for: config.warmup)
            for session in sessions { session.execute { $0.beginMeasuring() } }
        } else {
            for session in sessions { session.execute { $0.start(measuring: true) } }
        }
        let started = ContinuousClock.now
        let reporter = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                if let progress { progress(await self.completedSoFar(sessions), started.duration(to: .now)) }
            }
        }
        if config.count == nil {
            try await Task.sleep(for: config.duration)
            for session in sessions { session.execute { $0.stop() } }
        }
        // In count mode each session stops by itself after its share.
        var total = BenchSessionStats()
        for session in sessions { total.merge(try await session.finished.get()) }
        let measured = started.duration(to: .now)
        reporter.cancel()
        let created = try await collectCreated(sessions)
        for session in sessions { session.channel.close(promise: nil) }
        try await cleanUp(writer: writer, extra: created)
        return BenchResult(config: config, stats: total, elapsed: measured)
    }

    /// Runs the classic latency test: one session, synchronous create, set, get, delete of `count` znodes.
    public func runLatency(count: Int) async throws -> [BenchPhaseResult] {
        do {
            let phases = try await latencyPhases(count: count)
            try? await group.shutdownGracefully()
            return phases
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func latencyPhases(count: Int) async throws -> [BenchPhaseResult] {
        let writer = BenchRequestWriter(root: root, valueSize: config.valueSize, znodes: count)
        try await runScript(writer: writer, items: [(.create, Array("/swzk-bench".utf8)), (.create, Array(root.utf8))],
                            depth: 1)
        var phases: [BenchPhaseResult] = []
        for op in [BenchOp.create, .set, .get, .delete] {
            let items = (0..<count).map { (op, writer.keyPath($0)) }
            let started = ContinuousClock.now
            let stats = try await runScript(writer: writer, items: items, depth: 1)
            phases.append(BenchPhaseResult(op: op, stats: stats, elapsed: started.duration(to: .now)))
        }
        try await runScript(writer: writer, items: [(.delete, Array(root.utf8)), (.delete, Array("/swzk-bench".utf8))],
                            depth: 1)
        return phases
    }

    // MARK: - Sessions

    private func open(_ count: Int, writer: BenchRequestWriter, plan: BenchPlan, rate: Double?,
                      depth: Int) async throws -> [BenchSessionHandle] {
        var handles: [BenchSessionHandle] = []
        for index in 0..<count {
            let server = config.servers[index % config.servers.count]
            let loop = group.next()
            let ready = loop.makePromise(of: Void.self)
            let finished = loop.makePromise(of: BenchSessionStats.self)
            let config = self.config
            let channel = try await ClientBootstrap(group: loop)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let session = BenchSession(writer: writer, index: index, sessionCount: count, depth: depth,
                                                   plan: plan, rate: rate, seed: config.seed, znodes: config.znodes,
                                                   timeoutMs: config.sessionTimeoutMs, ready: ready, finished: finished)
                        try channel.pipeline.syncOperations.addHandler(session)
                    }
                }
                .connect(host: server.host, port: server.port).get()
            handles.append(BenchSessionHandle(channel: channel, finished: finished.futureResult))
            try await ready.futureResult.get()
        }
        return handles
    }

    @discardableResult
    private func runScript(writer: BenchRequestWriter, items: [(BenchOp, [UInt8])],
                           depth: Int = 100) async throws -> BenchSessionStats {
        guard !items.isEmpty else { return BenchSessionStats() }
        let handles = try await open(1, writer: writer, plan: .script(items), rate: nil, depth: depth)
        let stats = try await handles[0].finished.get()
        handles[0].channel.close(promise: nil)
        return stats
    }

    private func setUp(writer: BenchRequestWriter) async throws {
        var items: [(BenchOp, [UInt8])] = [(.create, Array("/swzk-bench".utf8)), (.create, Array(root.utf8))]
        if config.op != .create {
            items += (0..<config.znodes).map { (.create, writer.keyPath($0)) }
        }
        let stats = try await runScript(writer: writer, items: items)
        let failures = stats.errors.filter { $0.key != ErrorCode.nodeExists.rawValue }
        if !failures.isEmpty {
            throw BenchError.setUpFailed(failures.map { "\(ErrorCode($0.key)) x\($0.value)" }.joined(separator: ", "))
        }
    }

    private func cleanUp(writer: BenchRequestWriter, extra: [[UInt8]]) async throws {
        var items: [(BenchOp, [UInt8])] = extra.map { (.delete, $0) }
        if config.op != .create { items += (0..<config.znodes).map { (.delete, writer.keyPath($0)) } }
        items.append((.delete, Array(root.utf8)))
        // The shared parent goes too unless another run still uses it (NotEmpty is fine).
        items.append((.delete, Array("/swzk-bench".utf8)))
        try await runScript(writer: writer, items: items)
    }

    private func collectCreated(_ sessions: [BenchSessionHandle]) async throws -> [[UInt8]] {
        var all: [[UInt8]] = []
        for session in sessions {
            all += try await session.channel.eventLoop.submit {
                try session.channel.pipeline.syncOperations.handler(type: BenchSession.self).createdPaths
            }.get()
        }
        return all
    }

    private func completedSoFar(_ sessions: [BenchSessionHandle]) async -> Int {
        var total = 0
        for session in sessions {
            total += (try? await session.channel.eventLoop.submit {
                try session.channel.pipeline.syncOperations.handler(type: BenchSession.self).stats.completed.values.reduce(0, +)
            }.get()) ?? 0
        }
        return total
    }
}

/// A running session as the runner holds it.
struct BenchSessionHandle: Sendable {
    let channel: any Channel
    let finished: EventLoopFuture<BenchSessionStats>

    /// Runs `body` with the session handler on its loop.
    func execute(_ body: @escaping @Sendable (BenchSession) -> Void) {
        let channel = self.channel
        channel.eventLoop.execute {
            if let session = try? channel.pipeline.syncOperations.handler(type: BenchSession.self) { body(session) }
        }
    }
}

/// Why a benchmark could not run.
public enum BenchError: Error, CustomStringConvertible {
    case setUpFailed(String)
    public var description: String {
        switch self {
        case .setUpFailed(let why): return "could not set up the key space: \(why)"
        }
    }
}
