import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Why an `ElectionTransport` could not start.
public enum ElectionTransportError: Error, CustomStringConvertible {
    /// The election port could not be bound after every allowed attempt.
    case bindFailed(address: String, attempts: Int, reason: String)

    public var description: String {
        switch self {
        case let .bindFailed(address, attempts, reason):
            return "cannot bind the election address \(address) after \(attempts) attempt(s): \(reason)"
        }
    }
}

/// Moves opaque election messages between ensemble members: ZooKeeper's `QuorumCnxManager` on NIO.
///
/// One TCP connection per pair survives, the one dialled by the higher sid: dialling a higher sid
/// only announces us (handshake, then close) so that it dials back; a handshake from a lower sid is
/// closed and answered by dialling it; an equal sid is closed. Each peer has a one-slot send queue (a
/// newer unsent message replaces the older one); when a connection is (re)established and that queue
/// is empty, the last message sent to the peer is sent again, as `SendWorker` does, because the old
/// connection may have lost it. Messages are `int length` + payload. Dialling happens only on `send`
/// and `connectAll`; a failed dial is logged at debug and leaves the message queued for the next one.
///
/// Differences from Apache, on purpose: a handshake from a sid that is not in `peers` is closed
/// (Apache keeps higher unknown sids for observers without an id), a send to an unknown sid is
/// dropped with a warning, the connect timeout also bounds how long an acceptor waits for a handshake,
/// and `allDelivered` means every queue is empty (Apache's `haveDelivered` answers true as soon as
/// any one queue is). A send to `myID` is delivered locally, like `toSend`'s loopback.
///
/// Peer state and every election socket live on one loop of `group` (that confinement is the
/// `@unchecked Sendable`): election traffic is a few small messages, and one loop numbers connections
/// in accept and dial order, so "the newer connection replaces the older" holds even when their
/// handshakes are read in another order (a higher id always wins). The send slots sit behind a lock
/// so `send` and `allDelivered` agree without a hop. `deliver` runs on that loop. The caller owns
/// `group`; `shutdown` closes every socket this transport opened.
public final class ElectionTransport: @unchecked Sendable {
    /// This server's id.
    public let myID: ServerID
    let loop: any EventLoop
    let connectTimeoutMs: Int64
    let maxMessageBytes: Int
    let logger: Logger
    private let configuredAddress: HostPort
    private let bindRetries: Int
    private let listenOnAllIPs: Bool
    private let deliver: @Sendable (ServerID, [UInt8]) -> Void
    /// The one-slot send queues, one per peer that has a message waiting.
    private let slots = NIOLockedValueBox<[ServerID: [UInt8]]>([:])
    private let registry = NIOLockedValueBox(Registry())
    private let bound = NIOLockedValueBox<SocketAddress?>(nil)

    // Touched only on `loop`.
    private var peers: [ServerID: HostPort]
    private var announced: HostPort
    private var connections: [UInt64: ServerID] = [:]
    private var kept: [ServerID: (id: UInt64, channel: any Channel)] = [:]
    /// The highest connection id ever kept per peer: an older connection never replaces a newer one.
    private var newestKept: [ServerID: UInt64] = [:]
    private var lastSent: [ServerID: [UInt8]] = [:]
    /// Dials in progress, by the number of the attempt, so a late completion cannot clear a newer one.
    private var dialing: [ServerID: UInt64] = [:]
    private var dialCount: UInt64 = 0

    /// Every open socket, so that shutdown finds them all, and whether new ones are refused.
    private struct Registry {
        var nextID: UInt64 = 0
        var stopped = false
        var server: (any Channel)?
        var channels: [UInt64: any Channel] = [:]
    }

    /// Creates the transport; nothing listens or dials until `start`.
    ///
    /// `electionAddress` is both bound and announced in handshakes (port 0 binds an OS-chosen port,
    /// which is then announced); `peers` are the other members' election addresses.
    public init(myID: ServerID, electionAddress: HostPort, peers: [ServerID: HostPort], group: any EventLoopGroup,
                connectTimeoutMs: Int64 = 5000, bindRetries: Int = 3, maxMessageBytes: Int = 512 * 1024,
                listenOnAllIPs: Bool = false, logger: Logger,
                deliver: @escaping @Sendable (ServerID, [UInt8]) -> Void) {
        self.myID = myID
        self.configuredAddress = electionAddress
        self.announced = electionAddress
        self.peers = peers.filter { $0.key != myID }
        self.loop = group.next()
        self.connectTimeoutMs = connectTimeoutMs
        self.bindRetries = bindRetries
        self.maxMessageBytes = maxMessageBytes
        self.listenOnAllIPs = listenOnAllIPs
        self.logger = logger
        self.deliver = deliver
    }

    /// Binds the election port, retrying 1 s apart (`electionPortBindRetry`; 0 retries forever).
    public func start() async throws {
        let host = listenOnAllIPs ? "0.0.0.0" : configuredAddress.host
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = try register(channel)
                    try channel.pipeline.syncOperations.addHandler(ElectionChannelHandler(transport: self, id: id, role: .acceptor))
                }
            }
        var attempt = 0
        var server: any Channel
        while true {
            attempt += 1
            do {
                server = try await bootstrap.bind(host: host, port: configuredAddress.port).get()
                break
            } catch {
                if bindRetries > 0 && attempt >= bindRetries {
                    throw ElectionTransportError.bindFailed(address: "\(host):\(configuredAddress.port)",
                                                           attempts: attempt, reason: "\(error)")
                }
                logger.warning("cannot bind the election address, retrying in 1 s",
                               metadata: ["address": "\(host):\(configuredAddress.port)", "error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
        let stopped = registry.withLockedValue { state in
            if !state.stopped { state.server = server }
            return state.stopped
        }
        if stopped { try? await server.close(); return }
        bound.withLockedValue { $0 = server.localAddress }
        let port = server.localAddress?.port ?? configuredAddress.port
        try await loop.submit { [self] in announced = HostPort(host: configuredAddress.host, port: port) }.get()
    }

    /// The port actually bound (useful when started with port 0); nil before `start`.
    public var boundPort: Int? { bound.withLockedValue { $0?.port } }

    /// Replaces the peers' election addresses (before the first send when ports were OS-chosen).
    public func setPeers(_ newPeers: [ServerID: HostPort]) {
        guard !isStopped else { return }
        loop.execute { [self] in peers = newPeers.filter { $0.key != myID } }
    }

    /// Queues `payload` for `sid`, replacing an unsent older message, and dials if not connected.
    ///
    /// `QuorumCnxManager.toSend`: a message to ourselves is delivered locally instead.
    public func send(to sid: ServerID, _ payload: [UInt8]) {
        guard !payload.isEmpty, payload.count <= maxMessageBytes else {
            logger.warning("not sending a message of \(payload.count) bytes", metadata: ["peer": "\(sid)"])
            return
        }
        guard !isStopped else { return }
        if sid == myID {
            loop.execute { [self] in deliver(myID, payload) }
            return
        }
        slots.withLockedValue { $0[sid] = payload }
        loop.execute { [self] in
            guard peers[sid] != nil else {
                _ = slots.withLockedValue { $0.removeValue(forKey: sid) }
                logger.warning("dropping a message to unknown server \(sid)")
                return
            }
            flush(sid)
        }
    }

    /// Dials every peer without a connection (`connectAll`), e.g. when election times out.
    public func connectAll() {
        guard !isStopped else { return }
        loop.execute { [self] in
            for sid in peers.keys.sorted() where kept[sid] == nil { connectOne(sid) }
        }
    }

    /// After `shutdown` every call is ignored, so none reaches a loop the caller may have shut down.
    private var isStopped: Bool { registry.withLockedValue(\.stopped) }

    /// True when every per-peer send queue is empty (what FLE asks after a timeout).
    public var allDelivered: Bool { slots.withLockedValue { $0.isEmpty } }

    /// The peers with a kept connection, in sid order (for tests and diagnostics).
    public func connectedPeers() async -> [ServerID] {
        (try? await loop.submit { [self] in kept.keys.sorted() }.get()) ?? []
    }

    /// Every open election socket of this transport, kept or not, listener excluded.
    public var openConnectionCount: Int { registry.withLockedValue { $0.channels.count } }

    /// Stops listening and closes every connection; returns when each socket is closed.
    public func shutdown() async {
        let (server, open) = registry.withLockedValue { state in
            state.stopped = true
            return (state.server, Array(state.channels.values))
        }
        try? await server?.close()
        for channel in open {
            channel.close(promise: nil)
            try? await channel.closeFuture.get()
        }
        try? await loop.submit { [self] in
            kept.removeAll()
            connections.removeAll()
        }.get()
    }

    // MARK: - Dialling and sending (on `loop`)

    private func register(_ channel: any Channel) throws -> UInt64 {
        let id: UInt64? = registry.withLockedValue { state in
            guard !state.stopped else { return nil }
            state.nextID += 1
            state.channels[state.nextID] = channel
            return state.nextID
        }
        guard let id else { throw ChannelError.ioOnClosedChannel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = registry.withLockedValue { $0.channels.removeValue(forKey: id) }
        }
        return id
    }

    private func connectOne(_ sid: ServerID, at override: HostPort? = nil) {
        guard sid != myID, kept[sid] == nil, dialing[sid] == nil, !isStopped else { return }
        guard let address = override ?? peers[sid] else {
            logger.warning("not dialling unknown server \(sid)")
            return
        }
        dialCount += 1
        let dial = dialCount
        dialing[sid] = dial
        logger.debug("dialling election peer", metadata: ["me": "\(myID)", "peer": "\(sid)", "address": "\(address)"])
        let handshake = ElectionHandshake(sid: myID, addresses: [announced]).encoded()
        let role = ElectionChannelHandler.Role.initiator(peer: sid, dial: dial, handshake: handshake,
                                                              closeAfterHandshake: sid > myID)
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(connectTimeoutMs))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = try register(channel)
                    try channel.pipeline.syncOperations.addHandler(ElectionChannelHandler(transport: self, id: id, role: role))
                }
            }
            .connect(host: address.host, port: address.port)
            .whenComplete { [self] result in
                loop.execute { [self] in
                    if dialing[sid] == dial { dialing[sid] = nil }
                    if case .failure(let error) = result {
                        logger.debug("cannot dial election peer", metadata: ["peer": "\(sid)", "address": "\(address)",
                                                                             "error": "\(error)"])
                    }
                }
            }
    }

    /// Writes the queued message to `sid` if connected and writable, else dials.
    private func flush(_ sid: ServerID) {
        guard let link = kept[sid] else {
            connectOne(sid)
            return
        }
        guard link.channel.isWritable, let payload = slots.withLockedValue({ $0.removeValue(forKey: sid) }) else { return }
        lastSent[sid] = payload
        write(payload, to: link.channel)
    }

    private func write(_ payload: [UInt8], to channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: 4 + payload.count)
        buffer.writeInteger(Int32(payload.count))
        buffer.writeBytes(payload)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Makes `id` the connection to `sid`, replacing an older one, and re-sends or sends.
    private func keep(_ id: UInt64, channel: any Channel, sid: ServerID) {
        logger.debug("keeping election connection", metadata: ["me": "\(myID)", "peer": "\(sid)", "connection": "\(id)"])
        if let newest = newestKept[sid], id < newest {
            logger.debug("closing an election connection older than the kept one", metadata: ["peer": "\(sid)"])
            channel.close(promise: nil)
            return
        }
        newestKept[sid] = id
        if let old = kept[sid], old.id != id { old.channel.close(promise: nil) }
        kept[sid] = (id, channel)
        connections[id] = sid
        let queueEmpty = slots.withLockedValue { $0[sid] == nil }
        if queueEmpty, let last = lastSent[sid] {
            write(last, to: channel)
        }
        flush(sid)
    }

    // MARK: - Reports from connection handlers (any loop)

    /// A connection we dialled to a lower sid is up and its handshake written: keep it.
    func opened(_ id: UInt64, channel: any Channel, peer: ServerID, dial: UInt64) {
        loop.execute { [self] in
            // The dial is over once its connection is kept: a handshake from that peer may close it
            // and must be able to dial again before the connect future's completion arrives.
            if dialing[peer] == dial { dialing[peer] = nil }
            keep(id, channel: channel, sid: peer)
        }
    }

    /// The peer's `closed` report always comes after this one, so `channel` may already be closed but
    /// is never forgotten: a peer that announces itself and hangs up (a lower sid) is still dialled.
    func accepted(_ id: UInt64, _ header: ElectionHandshake, channel: any Channel) {
        loop.execute { [self] in
            let sid = header.sid
            if peers[sid] == nil && sid != myID {
                logger.warning("closing an election connection from unknown server \(sid)")
                channel.close(promise: nil)
            } else if sid < myID {
                logger.debug("dialling back a lower sid", metadata: ["me": "\(myID)", "peer": "\(sid)", "connection": "\(id)"])
                channel.close(promise: nil)
                if let old = kept.removeValue(forKey: sid) {
                    connections[old.id] = nil
                    old.channel.close(promise: nil)
                }
                connectOne(sid, at: header.address)
            } else if sid == myID {
                logger.warning("closing an election connection from a server with our own id \(sid)")
                channel.close(promise: nil)
            } else {
                keep(id, channel: channel, sid: sid)
            }
        }
    }

    /// Messages read from connection `id`; delivered only if it belongs to a known peer.
    func received(_ id: UInt64, _ messages: [[UInt8]]) {
        loop.execute { [self] in
            guard let sid = connections[id] else { return }
            for message in messages { deliver(sid, message) }
        }
    }

    /// Connection `id` can take writes again: send what waits in its peer's slot.
    func writable(_ id: UInt64) {
        loop.execute { [self] in
            if let sid = connections[id], kept[sid]?.id == id { flush(sid) }
        }
    }

    /// Connection `id` is gone; if it was its peer's kept one, the next send dials again.
    func closed(_ id: UInt64) {
        loop.execute { [self] in
            guard let sid = connections.removeValue(forKey: id) else { return }
            if kept[sid]?.id == id { kept[sid] = nil }
        }
    }
}
