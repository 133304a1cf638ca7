import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Names one quorum-port connection of a `LearnerListener` or `LeaderConnector`.
public struct QuorumConnectionID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: QuorumConnectionID, b: QuorumConnectionID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "q\(rawValue)" }
}

/// What happened on a quorum-port connection, in stream order.
public enum QuorumConnectionEvent: Sendable, Hashable {
    /// The connection is up; `remote` is the peer's `ip:port`.
    case opened(remote: String)
    /// A packet arrived.
    case packet(QuorumPacket)
    /// A raw chunk arrived after a held SNAP, because the owner asked for it (`requestRaw`).
    case raw(ByteBuffer)
    /// The connection is gone (either side closed it, or a framing error did); reported once.
    case closed
}

/// Receives a connection's events, batched per read burst, on that connection's loop.
public typealias QuorumEventSink = @Sendable (QuorumConnectionID, [QuorumConnectionEvent]) -> Void

/// Accepts learner connections on the leader's quorum port (ZooKeeper's `Leader.LearnerCnxAcceptor`).
///
/// Each accepted socket gets a `QuorumConnectionID` and reports `opened`, packets and `closed` to
/// `onEvents`; the owner (the leader's per-learner handlers, ZooKeeper's `LearnerHandler`) answers
/// through `send`, `sendRaw` (the snapshot after a SNAP) and `close`. It holds no protocol state:
/// read timeouts and the Zab exchange are the owner's. Sockets use TCP_NODELAY.
public final class LearnerListener: Sendable {
    private let registry: QuorumConnectionRegistry
    private let address: HostPort
    private let group: any EventLoopGroup
    private let bound = NIOLockedValueBox<(any Channel)?>(nil)

    /// Creates a listener for `address` (port 0: OS-chosen); nothing is bound until `start`.
    /// `maxBufferBytes` bounds a packet's data buffer (`jute.maxbuffer` plus its extra allowance).
    public init(address: HostPort, group: any EventLoopGroup, maxBufferBytes: Int, logger: Logger,
                onEvents: @escaping QuorumEventSink) {
        self.address = address
        self.group = group
        registry = QuorumConnectionRegistry(maxBufferBytes: maxBufferBytes, holdAfterTypes: [], logger: logger,
                                            onEvents: onEvents)
    }

    /// Binds the quorum port and starts accepting; returns the bound port.
    @discardableResult
    public func start() async throws -> Int {
        let registry = registry
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { _ = try registry.install(on: channel) }
            }
            .bind(host: address.host, port: address.port).get()
        bound.withLockedValue { $0 = channel }
        return channel.localAddress?.port ?? address.port
    }

    /// The bound port, nil before `start`.
    public var boundPort: Int? { bound.withLockedValue { $0?.localAddress?.port } }

    /// Writes `packets` to the connection, in order, with one flush.
    public func send(_ id: QuorumConnectionID, _ packets: [QuorumPacket]) { registry.send(id, packets) }

    /// Writes raw bytes (a serialized snapshot) to the connection; the future says when they were written.
    @discardableResult
    public func sendRaw(_ id: QuorumConnectionID, _ bytes: ByteBuffer) -> EventLoopFuture<Void>? { registry.sendRaw(id, bytes) }

    /// Closes the connection; its `closed` event follows.
    public func close(_ id: QuorumConnectionID) { registry.close(id) }

    /// Stops accepting and closes every connection; returns when each socket is closed.
    public func shutdown() async {
        let channel = bound.withLockedValue { $0 }
        try? await channel?.close()
        await registry.shutdown()
    }
}

/// A learner's connection to its leader's quorum port (ZooKeeper's `Learner.connectToLeader`).
///
/// `connect` retries every `retryDelay` (`leaderConnectDelayDuringRetryMs`, 100 ms) until the
/// deadline (ZooKeeper: `connectToLearnerMasterLimit` or `initLimit` ticks), then fails. The stream
/// holds after a SNAP packet: the owner asks for the snapshot's bytes with `requestRaw` (one `.raw`
/// event per request) and returns to packets with `resumePackets(leftover:)`, handing back the bytes
/// of its last chunk that followed the snapshot (see `QuorumStreamDecoder`).
public final class LeaderConnector: Sendable {
    private let registry: QuorumConnectionRegistry
    private let group: any EventLoopGroup
    private let attempts = NIOLockedValueBox(0)

    /// Creates a connector; `maxBufferBytes` as for `LearnerListener`.
    public init(group: any EventLoopGroup, maxBufferBytes: Int, logger: Logger, onEvents: @escaping QuorumEventSink) {
        self.group = group
        registry = QuorumConnectionRegistry(maxBufferBytes: maxBufferBytes, holdAfterTypes: [QuorumPacketType.snap],
                                            logger: logger, onEvents: onEvents)
    }

    /// Connects to the leader, retrying until `timeout` has passed; throws the last connect error.
    public func connect(to leader: HostPort, timeout: Duration,
                        retryDelay: Duration = .milliseconds(100)) async throws -> QuorumConnectionID {
        let deadline = ContinuousClock.now + timeout
        let registry = registry
        let installed = NIOLockedValueBox<QuorumConnectionID?>(nil)
        while true {
            attempts.withLockedValue { $0 += 1 }
            let remaining = max(deadline - ContinuousClock.now, .milliseconds(1))
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(remaining.components.seconds * 1000
                                                    + remaining.components.attoseconds / 1_000_000_000_000_000)))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let id = try registry.install(on: channel)
                        installed.withLockedValue { $0 = id }
                    }
                }
            do {
                _ = try await bootstrap.connect(host: leader.host, port: leader.port).get()
                if let id = installed.withLockedValue({ $0 }) { return id }
                throw ChannelError.ioOnClosedChannel
            } catch {
                if ContinuousClock.now + retryDelay >= deadline { throw error }
                registry.logger.debug("cannot reach the leader, retrying",
                                      metadata: ["leader": "\(leader)", "error": "\(error)"])
                try await Task.sleep(for: retryDelay)
            }
        }
    }

    /// How many connection attempts `connect` has made (for tests and diagnostics).
    public var connectAttempts: Int { attempts.withLockedValue { $0 } }

    /// Writes `packets` to the connection, in order, with one flush.
    public func send(_ id: QuorumConnectionID, _ packets: [QuorumPacket]) { registry.send(id, packets) }

    /// Writes raw bytes to the connection; the future says when they were written.
    @discardableResult
    public func sendRaw(_ id: QuorumConnectionID, _ bytes: ByteBuffer) -> EventLoopFuture<Void>? { registry.sendRaw(id, bytes) }

    /// Asks for the next raw chunk of a held stream (after SNAP).
    public func requestRaw(_ id: QuorumConnectionID) { registry.command(id, .requestRaw) }

    /// Returns a held or raw stream to packets, decoding `leftover` first.
    public func resumePackets(_ id: QuorumConnectionID, leftover: ByteBuffer?) {
        registry.command(id, .resumePackets(leftover: leftover))
    }

    /// Closes the connection; its `closed` event follows.
    public func close(_ id: QuorumConnectionID) { registry.close(id) }

    /// Closes every connection; returns when each socket is closed.
    public func shutdown() async { await registry.shutdown() }
}

/// Quorum packet types the transport itself needs to know.
public enum QuorumPacketType {
    /// SNAP: the snapshot follows on the stream, outside any packet.
    public static let snap: Int32 = 15
}

/// The open channels of a listener or connector, by id, and the pipeline they all get.
final class QuorumConnectionRegistry: Sendable {
    let logger: Logger
    private let maxBufferBytes: Int
    private let holdAfterTypes: Set<Int32>
    private let onEvents: QuorumEventSink
    private let state = NIOLockedValueBox(State())

    private struct State {
        var nextID: UInt64 = 0
        var stopped = false
        var channels: [QuorumConnectionID: any Channel] = [:]
    }

    /// Creates an empty registry whose connections decode with these limits and report to `onEvents`.
    init(maxBufferBytes: Int, holdAfterTypes: Set<Int32>, logger: Logger, onEvents: @escaping QuorumEventSink) {
        self.maxBufferBytes = maxBufferBytes
        self.holdAfterTypes = holdAfterTypes
        self.logger = logger
        self.onEvents = onEvents
    }

    /// Numbers `channel`, remembers it until it closes, and adds the codec and event handlers.
    func install(on channel: any Channel) throws -> QuorumConnectionID {
        let id: QuorumConnectionID? = state.withLockedValue { state in
            guard !state.stopped else { return nil }
            state.nextID += 1
            let id = QuorumConnectionID(rawValue: state.nextID)
            state.channels[id] = channel
            return id
        }
        guard let id else { throw ChannelError.ioOnClosedChannel }
        channel.closeFuture.whenComplete { [self] _ in _ = state.withLockedValue { $0.channels.removeValue(forKey: id) } }
        try channel.pipeline.syncOperations.addHandlers([
            QuorumStreamHandler(maxBufferBytes: maxBufferBytes, holdAfterTypes: holdAfterTypes),
            QuorumEventHandler(id: id, logger: logger, onEvents: onEvents),
        ])
        return id
    }

    private func channel(_ id: QuorumConnectionID) -> (any Channel)? { state.withLockedValue { $0.channels[id] } }

    /// Writes `packets` and flushes once; an unknown or closed id is ignored.
    func send(_ id: QuorumConnectionID, _ packets: [QuorumPacket]) {
        guard let channel = channel(id), !packets.isEmpty else { return }
        for packet in packets { channel.write(QuorumOutbound.packet(packet), promise: nil) }
        channel.flush()
    }

    /// Writes raw bytes and flushes; nil when the id is unknown.
    func sendRaw(_ id: QuorumConnectionID, _ bytes: ByteBuffer) -> EventLoopFuture<Void>? {
        channel(id)?.writeAndFlush(QuorumOutbound.raw(bytes))
    }

    /// Passes a stream command to the connection's `QuorumStreamHandler`, after any earlier writes.
    func command(_ id: QuorumConnectionID, _ command: QuorumStreamCommand) {
        channel(id)?.triggerUserOutboundEvent(command, promise: nil)
    }

    /// Closes the connection if it is still open.
    func close(_ id: QuorumConnectionID) { channel(id)?.close(promise: nil) }

    /// Refuses new connections and closes the open ones, waiting for each.
    func shutdown() async {
        let open = state.withLockedValue { state in
            state.stopped = true
            return Array(state.channels.values)
        }
        for channel in open {
            channel.close(promise: nil)
            try? await channel.closeFuture.get()
        }
    }
}

/// Turns a connection's decoded items into batches of events for the owner, one per read burst.
final class QuorumEventHandler: ChannelInboundHandler {
    typealias InboundIn = QuorumStreamItem

    private let id: QuorumConnectionID
    private let logger: Logger
    private let onEvents: QuorumEventSink
    private var batch: [QuorumConnectionEvent] = []
    private var closed = false

    /// Creates the handler of connection `id`.
    init(id: QuorumConnectionID, logger: Logger, onEvents: @escaping QuorumEventSink) {
        self.id = id
        self.logger = logger
        self.onEvents = onEvents
    }

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress
        onEvents(id, [.opened(remote: "\(remote?.ipAddress ?? "?"):\(remote?.port ?? 0)")])
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .packet(let packet): batch.append(.packet(packet))
        case .raw(let bytes): batch.append(.raw(bytes))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closed {
            closed = true
            batch.append(.closed)
            flush()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.warning("closing quorum connection: \(error)", metadata: ["connection": "\(id)"])
        context.close(promise: nil)
    }

    /// Hands the batch to the owner. The batch is emptied first: the owner may run inline and
    /// ask for the next raw chunk, whose read-complete flushes again from inside this call.
    private func flush() {
        guard !batch.isEmpty else { return }
        let events = batch
        batch.removeAll(keepingCapacity: true)
        onEvents(id, events)
    }
}
