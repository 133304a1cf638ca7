import ArgumentParser
import Dispatch
import Foundation
import Logging
import ZKCore

/// `swzk server`: runs a ZooKeeper server from a zoo.cfg, or from the embedded default.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run a ZooKeeper server.",
        discussion: """
            Reads a standard Apache ZooKeeper zoo.cfg. Without -c it runs standalone on \
            127.0.0.1:2181 with its data directory under $XDG_DATA_HOME/swzk/data \
            (~/.local/share/swzk/data), and says so on stderr. A zoo.cfg with server.N lines and \
            a myid file in dataDir runs this server as a member of that ensemble: it elects a \
            leader with the other members and serves as leader, follower or observer, speaking \
            Apache ZooKeeper 3.8's election and quorum protocols (mixed ensembles work).

            Besides ZooKeeper's keys it reads swzk.ioThreads=N: run client connections on N \
            event-loop threads of their own instead of on the server core's loop (the default, 0).

            Examples:
              swzk server
              swzk server -c /etc/zookeeper/conf/zoo.cfg
              swzk server -c zoo.cfg -D jute.maxbuffer=4194304
            """
    )

    @Option(name: [.customShort("c"), .long], help: ArgumentHelp("The zoo.cfg to read.", valueName: "file"))
    var config: String?

    @Option(name: .customShort("D"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Set a property as Java's -D does, overriding zoo.cfg (e.g. -D jute.maxbuffer=4194304).",
                               valueName: "key=value"))
    var properties: [String] = []

    @Flag(name: [.short, .long], help: "Log debug detail to stderr.")
    var verbose = false

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .info
            return handler
        }
        let logger = Logger(label: "swzk.server")
        let parsed: ParsedServerConfig
        do {
            let overrides = try properties.map { try ConfigOverride(argument: $0) }
            if let config {
                parsed = try ServerConfig.load(path: config, overrides: overrides)
            } else {
                guard let dir = ServerConfig.defaultDataDirectory(environment: ProcessInfo.processInfo.environment) else {
                    fail("no zoo.cfg given and no home directory for the default data directory; use -c")
                }
                parsed = try ServerConfig.embeddedDefault(dataDir: dir).applying(overrides, myid: nil)
                logger.info("no zoo.cfg given: standalone on 127.0.0.1:2181, dataDir \(dir)")
            }
        } catch let error as ConfigError {
            fail(error.description)
        } catch {
            fail("\(error)")
        }
        for warning in parsed.warnings { logger.warning("\(warning)") }
        let config = parsed.config
        if config.mode == .ensemble {
            try await serveEnsemble(config, logger: logger)
        } else {
            try await serve(config, logger: logger)
        }
    }

    /// Runs this server as a member of the ensemble its `server.N` lines describe.
    private func serveEnsemble(_ config: ServerConfig, logger: Logger) async throws {
        guard let myID = config.serverID else { fail("\(config.myidPath): missing; an ensemble member needs its myid") }
        var info = ServerInfo(config)
        info.environment = ServerInfo.processEnvironment()
        let setup = QuorumPeerSetup(config: config, info: info, myID: myID)
        let durable: PeerDurableState
        let logStore: FileLogStore
        do {
            let (state, report) = try DatabaseLoader.load(setup.persistence.directory, config: config)
            let epochs = try EpochFiles(dataDir: config.dataDir).loadAtStartup(lastProcessedZxid: report.lastZxid)
            durable = PeerDurableState(recovered: state, lastLogged: report.lastZxid, history: report.history,
                                       acceptedEpoch: Int32(epochs.accepted), currentEpoch: Int32(epochs.current))
            let loaded = "loaded \(report.snapshotFile ?? "an empty database") and \(report.txnsReplayed) txns up to "
                + "zxid \(report.lastZxid); currentEpoch \(epochs.current), acceptedEpoch \(epochs.accepted)"
            logger.info("\(loaded)")
            logStore = try FileLogStore(config: config)
        } catch {
            fail("\(error)")
        }
        let runtime = QuorumPeerRuntime(setup: setup, durable: durable, logStore: logStore, logger: logger)
        do {
            try await runtime.start()
        } catch {
            await runtime.shutdown()
            fail("cannot start ensemble member \(myID): \(error)")
        }
        logger.info("ensemble member \(myID) serving clients on port \(runtime.clientPort ?? 0) once synced")
        await waitForTermination()
        logger.info("shutting down")
        await runtime.shutdown()
    }

    private func serve(_ config: ServerConfig, logger: Logger) async throws {
        let settings = ServerSettings(config)
        var info = ServerInfo(config)
        info.environment = ServerInfo.processEnvironment()
        let endpoint = config.clientEndpoint ?? HostPort(host: "0.0.0.0", port: 2181)
        let persistence = PersistenceSettings(config)
        let loadStarted = SystemClock.monotonicNanos()
        let recovered: RecoveredState
        let logStore: FileLogStore
        let snapshotWanted: Bool
        do {
            let (state, report) = try DatabaseLoader.load(persistence.directory, config: config)
            recovered = state
            snapshotWanted = report.snapshotWanted
            for skipped in report.skippedSnapshots { logger.warning("snapshot passed over: \(skipped)") }
            for tail in report.tailsCut { logger.warning("cut a torn log end: \(tail)") }
            for tail in report.tailsIgnored { logger.warning("torn log end in an older file: \(tail)") }
            for zxid in report.digestMismatches { logger.warning("tree digest differs from the log after \(zxid)") }
            let ms = (SystemClock.monotonicNanos() - loadStarted) / 1_000_000
            let loaded = "loaded \(report.snapshotFile ?? "an empty database") and \(report.txnsReplayed) txns "
                + "up to zxid \(report.lastZxid) in \(ms) ms; "
                + (report.snapshotWritten.map { "wrote \($0)" }
                   ?? (report.snapshotWanted ? "a snapshot follows in the background" : "the snapshot is current"))
            logger.info("\(loaded)")
            logStore = try FileLogStore(config: config)
        } catch {
            fail("\(error)")
        }
        let core = ServerCore(settings: settings, recovered: recovered, now: SystemClock.now())
        let runtime = ServerRuntime(core: core, info: info, logStore: logStore, maxFrameBytes: config.juteMaxBuffer,
                                    logger: logger, persistence: persistence, clientThreads: config.ioThreads)
        let address: SocketAddressDescription
        do {
            address = SocketAddressDescription(try await runtime.start(host: endpoint.host, port: endpoint.port, snapshot: snapshotWanted))
        } catch {
            await runtime.shutdown()
            fail("cannot listen on \(endpoint.host):\(endpoint.port): \(error)")
        }
        logger.info("serving standalone on \(address.text)")
        await waitForTermination()
        logger.info("shutting down")
        await runtime.shutdown()
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("swzk server: " + message + "\n").utf8))
        Foundation.exit(2)
    }
}

/// Suspends until SIGINT or SIGTERM arrives.
func waitForTermination() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let queue = DispatchQueue(label: "swzk.signals")
        let resumed = ResumeOnce(continuation)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { resumed.resume() }
            source.resume()
            sources.append(source)
        }
        SignalSources.keep(sources)
    }
}

/// Resumes a continuation at most once, from whichever signal comes first.
private final class ResumeOnce: @unchecked Sendable {
    private var continuation: CheckedContinuation<Void, Never>?
    private let lock = NSLock()
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
    func resume() {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume()
    }
}

/// Keeps signal sources alive for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) static var kept: [any DispatchSourceSignal] = []
    static func keep(_ sources: [any DispatchSourceSignal]) { kept.append(contentsOf: sources) }
}
