import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Everything an ensemble member needs besides its machine: settings, where its files live, and
/// the other members' addresses.
public struct QuorumPeerSetup: Sendable {
    public var config: ServerConfig
    public var info: ServerInfo
    public var myID: ServerID
    public var zab: ZabSettings
    public var election: ElectionSettings
    public var persistence: PersistenceSettings

    public init(config: ServerConfig, info: ServerInfo, myID: ServerID) {
        self.config = config
        self.info = info
        self.myID = myID
        zab = ZabSettings(tickMs: config.tickTime.milliseconds, initLimit: Int64(config.initLimit ?? 10),
                          syncLimit: Int64(config.syncLimit ?? 5), commitLogCount: config.commitLogCount,
                          diskDiffEnabled: config.snapshotSizeFactor >= 0)
        election = ElectionSettings(minNotificationIntervalMs: config.minNotificationInterval.milliseconds,
                                    maxNotificationIntervalMs: config.maxNotificationInterval.milliseconds)
        persistence = PersistenceSettings(config)
    }
}

/// Runs one ensemble member: a `QuorumPeer` on one event loop, with its client port, election
/// transport, quorum port (while leading) or leader connection (while following), txn log,
/// snapshots and epoch files. The only place where an ensemble member touches sockets, clocks
/// and files (ZooKeeper's `QuorumPeer` thread with its `QuorumCnxManager`, `Leader` and
/// `Learner` sockets).
///
/// Every mutable property is touched only on `coreLoop`; that confinement is what
/// `@unchecked Sendable` stands for. Network handlers hop to the core loop with batches.
public final class QuorumPeerRuntime: ClientConnectionOwner, @unchecked Sendable {
    public let coreLoop: any EventLoop
    let group: MultiThreadedEventLoopGroup
    public let logger: Logger
    let maxFrameBytes: Int
    let setup: QuorumPeerSetup
    public var peer: QuorumPeer
    var logStore: FileLogStore
    let epochs: EpochFiles
    var handling = false
    var clientChannels: [ConnectionID: any Channel] = [:]
    private let nextConnectionID = NIOLockedValueBox<UInt64>(0)
    var clientServer: (any Channel)?
    var electionTransport: ElectionTransport?
    var learnerListener: LearnerListener?
    var listenerGeneration = 0
    var connector: LeaderConnector?
    /// The learner's connection to its leader, once `connect` returned.
    var leaderConnection: QuorumConnectionID?
    /// Bumped on every dial and disconnect, so a late connect result is recognised as stale.
    var leaderDialGeneration = 0
    /// The SNAP stream being received from the leader.
    public var incomingSnapshot: IncomingSnapshot?
    /// Leader-connection events that reached the core loop before `connect` returned.
    var earlyEvents: [QuorumConnectionID: [QuorumConnectionEvent]] = [:]
    var ticker: RepeatedTask?
    var snapshotTrigger: SnapshotTrigger
    var snapshotRunning = false
    let backgroundQueue = DispatchQueue(label: "swzk.quorum-snapshot")
    /// Reads old txn logs for DIFFs, off the core loop.
    let historyQueue = DispatchQueue(label: "swzk.quorum-history")
    /// The leader's SNAP streams in progress.
    public var snapshotStreams = SnapshotStreams()
    /// When the current SNAP stream step began (for the pause after it).
    var snapshotStepStarted: UInt64 = 0
    var logFailed = false
    var stopped = false

    /// Creates the runtime over what start-up recovery loaded; nothing listens until `start`.
    public init(setup: QuorumPeerSetup, durable: PeerDurableState, logStore: FileLogStore, logger: Logger) {
        self.setup = setup
        self.logger = logger
        self.logStore = logStore
        maxFrameBytes = setup.config.juteMaxBuffer
        epochs = EpochFiles(dataDir: setup.config.dataDir)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        coreLoop = group.next()
        var settings = ServerSettings(setup.config)
        settings.serverID = setup.myID
        peer = QuorumPeer(myID: setup.myID, verifier: setup.config.quorumVerifier, zab: setup.zab,
                          serverSettings: settings, election: setup.election, durable: durable, now: SystemClock.now())
        snapshotTrigger = SnapshotTrigger(snapCount: setup.persistence.snapCount)
    }

    /// Binds the client and election ports, then starts the first election.
    public func start() async throws {
        let config = setup.config
        let endpoint = config.clientEndpoint ?? HostPort(host: "0.0.0.0", port: 2181)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 511)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ClientConnectionHandler(runtime: self, id: self.allocateConnectionID()))
                }
            }
        clientServer = try await bootstrap.bind(host: endpoint.host, port: endpoint.port).get()
        try await startElectionTransport()
        ticker = coreLoop.scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(50)) { [self] _ in
            onCore { [self] in perform(peer.tick(now: SystemClock.now(), electionDelivered: electionTransport?.allDelivered ?? true)) }
        }
        coreLoop.execute { [self] in onCore { [self] in perform(peer.start(now: SystemClock.now())) } }
    }

    private func startElectionTransport() async throws {
        let config = setup.config
        guard let own = config.ownServer else { return }
        var peers: [ServerID: HostPort] = [:]
        for server in config.servers where server.id != setup.myID {
            peers[server.id] = HostPort(host: server.address, port: server.electionPort)
        }
        let transport = ElectionTransport(
            myID: setup.myID, electionAddress: HostPort(host: own.address, port: own.electionPort), peers: peers,
            group: group, connectTimeoutMs: config.cnxTimeout.milliseconds, bindRetries: config.electionPortBindRetry,
            listenOnAllIPs: config.quorumListenOnAllIPs, logger: logger
        ) { [weak self] sid, payload in
            self?.notificationArrived(from: sid, payload)
        }
        try await transport.start()
        electionTransport = transport
    }

    /// The client port actually bound (port 0 in tests).
    public var clientPort: Int? { clientServer?.localAddress?.port }

    /// Stops everything; returns once sockets and threads are gone.
    public func shutdown() async {
        let (listener, dial, transport): (LearnerListener?, LeaderConnector?, ElectionTransport?) =
            (try? await coreLoop.submit { [self] in
                stopped = true
                ticker?.cancel()
                return (learnerListener, connector, electionTransport)
            }.get()) ?? (nil, nil, nil)
        try? await clientServer?.close()
        let open: [any Channel] = (try? await coreLoop.submit { [self] in Array(clientChannels.values) }.get()) ?? []
        for channel in open { try? await channel.close() }
        await listener?.shutdown()
        await dial?.shutdown()
        await transport?.shutdown()
        backgroundQueue.sync {}
        historyQueue.sync {}
        logStore.close()
        try? await group.shutdownGracefully()
    }

    func allocateConnectionID() -> ConnectionID {
        nextConnectionID.withLockedValue { value in
            value += 1
            return ConnectionID(value)
        }
    }

    /// Runs `body` on the core loop: at once when already there and not inside the core's
    /// handling, else queued behind it (a close raised from inside an action never nests).
    func onCore(_ body: @escaping @Sendable () -> Void) {
        if coreLoop.inEventLoop && !handling {
            handling = true
            body()
            handling = false
        } else {
            coreLoop.execute { [self] in
                guard !stopped else { return }
                let outer = handling
                handling = true
                body()
                handling = outer
            }
        }
    }

    // MARK: - Clients

    func submit(_ inputs: [CoreInput], register: (ConnectionID, any Channel)?) {
        onCore { [self] in
            if let (id, channel) = register { clientChannels[id] = channel }
            if case .closed(let id)? = inputs.first, inputs.count == 1 { clientChannels[id] = nil }
            perform(peer.clientInputs(inputs, now: SystemClock.now()))
        }
    }

    func answerFourLetterWord(_ word: FourLetterWord, argument: Int64?, id: ConnectionID, on channel: any Channel) {
        coreLoop.execute { [self] in
            var report = peer.core.report(now: SystemClock.now())
            report.quorum = peer.quorumReport(now: SystemClock.now())
            ProcessStatistics.fill(&report, info: setup.info)
            let text = FourLetterWordRenderer.response(for: word, report: report, info: setup.info,
                                                       serving: peer.isServing)
            channel.eventLoop.execute {
                var buffer = channel.allocator.buffer(capacity: text.utf8.count)
                buffer.writeString(text)
                channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    /// Sends client messages (grouped per connection) and closes.
    public func deliverClientActions(_ actions: [CoreAction]) {
        var outbox = ClientOutbox()
        for action in actions {
            switch action {
            case let .send(id, message):
                outbox.send(message, to: id)
            case let .close(id, reason):
                outbox.close(id, reason: reason)
                logger.debug("closing client connection", metadata: ["connection": "\(id)", "reason": "\(reason)"])
            case let .log(level, message):
                log(level, message)
            case .throttle, .persist, .forward, .revalidate:
                break
            }
        }
        for id in outbox.order {
            guard let channel = clientChannels[id] else { continue }
            let closing = outbox.closeReason(for: id) != nil
            if closing { clientChannels[id] = nil }
            OutboundMessage.deliver(outbox.messages(for: id), closing: closing, on: channel)
        }
    }

    public func log(_ level: LogLevel, _ message: String) {
        switch level {
        case .debug: logger.debug("\(message)")
        case .info: logger.info("\(message)")
        case .warning: logger.warning("\(message)")
        case .error: logger.error("\(message)")
        }
    }
}
