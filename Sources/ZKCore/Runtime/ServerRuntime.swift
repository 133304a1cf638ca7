import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Runs a `ServerCore` on one event loop and client connections on a group of others: the only
/// place where the standalone server touches sockets, clocks and the log store.
///
/// Every mutable property below is touched only on `coreLoop`; that confinement is what the
/// `@unchecked Sendable` stands for. Connection handlers reach the core by `submit`, which hops to
/// the core loop once per read burst, and replies travel back already grouped per connection.
public final class ServerRuntime: ClientConnectionOwner, @unchecked Sendable {
    public let coreLoop: any EventLoop
    private let coreGroup: MultiThreadedEventLoopGroup
    /// The loops connections run on; `coreGroup` itself when `clientThreads` is 0.
    private let clientGroup: MultiThreadedEventLoopGroup
    /// True while the core's inputs or actions are being handled, so that a connection event
    /// raised from inside (a close answering a request) queues behind instead of nesting.
    private var handling = false
    private var core: ServerCore
    private var channels: [ConnectionID: any Channel] = [:]
    private let logStore: any LogStore
    public let info: ServerInfo
    let logger: Logger
    /// Largest frame a client may send (`jute.maxbuffer`).
    let maxFrameBytes: Int
    private let nextConnectionID = NIOLockedValueBox<UInt64>(0)
    private var serverChannel: (any Channel)?
    private var ticker: RepeatedTask?
    private var readingPaused = false
    /// ZooKeeper's trace mask, which only `gtmk`/`stmk` read and write (default 306).
    private var traceMask: Int64 = 306
    /// Snapshot and purge settings; nil for a server without files (tests).
    private let persistence: PersistenceSettings?
    private var snapshotTrigger: SnapshotTrigger
    private var snapshotRunning = false
    private let backgroundQueue = DispatchQueue(label: "swzk.snapshot-and-purge")
    private var purgeTask: RepeatedTask?
    /// Set once the log failed: the server then stops acknowledging writes and says so once.
    private var logFailed = false

    /// Creates the runtime; nothing listens until `start`.
    public init(core: ServerCore, info: ServerInfo, logStore: any LogStore, maxFrameBytes: Int, logger: Logger,
                persistence: PersistenceSettings? = nil, clientThreads: Int = 0) {
        self.core = core
        self.persistence = persistence
        snapshotTrigger = SnapshotTrigger(snapCount: persistence?.snapCount ?? Limits.snapCountDefault)
        self.info = info
        self.logStore = logStore
        self.maxFrameBytes = maxFrameBytes
        self.logger = logger
        coreGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        clientGroup = clientThreads <= 0 ? coreGroup : MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)
        coreLoop = coreGroup.next()
    }

    /// Binds the client port and starts the session/connection timer; returns the bound address.
    /// `snapshot` starts a background snapshot of the loaded tree once serving (recovery replayed
    /// txns that no snapshot holds yet).
    @discardableResult
    public func start(host: String, port: Int, snapshot: Bool = false) async throws -> SocketAddress {
        let bootstrap = ServerBootstrap(group: clientGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 511)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = ClientConnectionHandler(runtime: self, id: self.allocateConnectionID())
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        serverChannel = channel
        ticker = coreLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] _ in
            onCore { [self] in perform(core.tick(now: SystemClock.now())) }
        }
        if let persistence, persistence.purgeInterval > .zero {
            let interval = TimeAmount.milliseconds(persistence.purgeInterval.milliseconds)
            purgeTask = coreLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { [self] _ in
                backgroundQueue.async { [self] in purge(persistence) }
            }
        }
        if snapshot {
            coreLoop.execute { [self] in startSnapshot() }
        }
        guard let address = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        return address
    }

    /// Stops accepting, closes every connection and stops the loops.
    public func shutdown() async {
        try? await serverChannel?.close()
        let open: [any Channel] = (try? await coreLoop.submit { [self] in
            ticker?.cancel()
            purgeTask?.cancel()
            return Array(channels.values)
        }.get()) ?? []
        for channel in open { try? await channel.close() }
        backgroundQueue.sync {}
        logStore.close()
        if clientGroup !== coreGroup { try? await clientGroup.shutdownGracefully() }
        try? await coreGroup.shutdownGracefully()
    }

    func allocateConnectionID() -> ConnectionID {
        nextConnectionID.withLockedValue { value in
            value += 1
            return ConnectionID(value)
        }
    }

    // MARK: - Inputs (any thread)

    /// Hands a batch of inputs to the core; `register` binds a new connection's channel first.
    func submit(_ inputs: [CoreInput], register: (ConnectionID, any Channel)?) {
        onCore { [self] in
            if let (id, channel) = register {
                channels[id] = channel
                if readingPaused { channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in } }
            }
            if case .closed(let id)? = inputs.first, inputs.count == 1 { channels[id] = nil }
            perform(core.received(inputs, now: SystemClock.now()))
        }
    }

    /// Runs `body` on the core loop: at once when called there outside the core's own handling
    /// (a connection that lives on the core loop costs no thread hop), else queued behind it.
    private func onCore(_ body: @escaping @Sendable () -> Void) {
        if coreLoop.inEventLoop && !handling {
            handling = true
            body()
            handling = false
        } else {
            coreLoop.execute { [self] in
                let outer = handling
                handling = true
                body()
                handling = outer
            }
        }
    }

    /// Answers a four-letter word received on connection `id`, then closes it. `argument` is the
    /// trace mask `stmk` carries.
    func answerFourLetterWord(_ word: FourLetterWord, argument: Int64?, id: ConnectionID, on channel: any Channel) {
        coreLoop.execute { [self] in
            core.countFourLetterWord(id)
            if word.isEnabled(by: info.fourLetterWordWhitelist) {
                if word == .srst { core.resetServerStatistics() }
                if word == .crst { core.resetConnectionStatistics() }
                if word == .stmk, let argument { traceMask = argument }
            }
            var report = core.report(now: SystemClock.now())
            report.traceMask = traceMask
            ProcessStatistics.fill(&report, info: info)
            let text = FourLetterWordRenderer.response(for: word, report: report, info: info, serving: true)
            core.countFourLetterWordReply()
            channel.eventLoop.execute {
                var buffer = channel.allocator.buffer(capacity: text.utf8.count)
                buffer.writeString(text)
                channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    // MARK: - Actions (core loop)

    private func perform(_ actions: [CoreAction]) {
        guard !actions.isEmpty else { return }
        var outbox = ClientOutbox()
        var persists: [LoggedTxn] = []
        for action in actions {
            switch action {
            case let .send(id, message):
                outbox.send(message, to: id)
            case let .close(id, reason):
                outbox.close(id, reason: reason)
            case let .persist(txns):
                persists.append(contentsOf: txns)
            case let .throttle(on):
                setReading(paused: on)
            case let .log(level, message):
                log(level, message)
            case .forward, .revalidate:
                // Only a learner's core asks for these; a standalone core never does.
                logger.error("standalone runtime got an ensemble action: \(action)")
            }
        }
        for id in outbox.order {
            guard let channel = channels[id] else { continue }
            let messages = outbox.messages(for: id)
            let closeReason = outbox.closeReason(for: id)
            if let closeReason {
                channels[id] = nil
                logger.debug("closing connection", metadata: ["connection": "\(id)", "reason": "\(closeReason)"])
            }
            OutboundMessage.deliver(messages, closing: closeReason != nil, on: channel)
        }
        if !persists.isEmpty {
            // A lone write on an idle store is synced right here: that saves two thread hops,
            // which is most of an idle server's write latency besides the fsync itself. Anything
            // bigger goes to the writer thread, where batches arriving meanwhile share one fsync.
            if persists.count == 1, let result = logStore.appendIfIdle(persists) {
                logged(result)
            } else {
                logStore.append(persists) { [self] result in
                    onCore { [self] in logged(result) }
                }
            }
            if persistence != nil, snapshotTrigger.logged(persists.count) {
                logStore.roll()
                startSnapshot()
            }
        }
    }

    /// Answers the writes of a batch the log made durable, or stops acknowledging writes.
    private func logged(_ result: Result<Zxid, any Error>) {
        switch result {
        case .success(let zxid):
            perform(core.logSynced(through: zxid, now: SystemClock.now()))
        case .failure(let error):
            if !logFailed {
                logFailed = true
                logger.error("transaction log write failed, writes are no longer acknowledged: \(error)")
            }
        }
    }

    /// Starts a fuzzy snapshot of the tree as it is now, unless one is still being written.
    private func startSnapshot() {
        guard let persistence else { return }
        guard !snapshotRunning else {
            logger.warning("Too busy to snap, skipping")
            return
        }
        snapshotRunning = BackgroundSnapshot.start(
            tree: core.tree, sessions: core.liveSessions, persistence: persistence, queue: backgroundQueue,
            loop: coreLoop, logger: logger) { [self] in snapshotRunning = false }
    }

    /// Autopurge: keeps the newest snapshots and the logs they need (runs on the background queue).
    private func purge(_ persistence: PersistenceSettings) {
        let logger = self.logger
        _ = Purge.autopurge(snapDir: persistence.directory.snapDir, logDir: persistence.directory.logDir,
                            configuredRetain: persistence.purgeRetainCount) { logger.info("\($0)") }
    }

    private func setReading(paused: Bool) {
        readingPaused = paused
        for channel in channels.values {
            channel.setOption(ChannelOptions.autoRead, value: !paused).whenComplete { _ in }
        }
    }

    private func log(_ level: LogLevel, _ message: String) {
        switch level {
        case .debug: logger.debug("\(message)")
        case .info: logger.info("\(message)")
        case .warning: logger.warning("\(message)")
        case .error: logger.error("\(message)")
        }
    }
}
