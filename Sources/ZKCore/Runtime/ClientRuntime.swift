import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Carries out one `ClientSession`'s actions on one event loop: the client library's only I/O.
///
/// The machine, the connection, the caller continuations and the watch streams are touched only
/// on `loop` (that confinement is what `@unchecked Sendable` stands for); the channel is
/// bootstrapped on the same loop, so frames reach the machine without a hop. Callers hop onto the
/// loop once to submit, and are resumed straight from the action that answers them. A single
/// scheduled task wakes the machine at its `nextDeadline` for pings, timeouts and back-offs.
final class ClientRuntime: @unchecked Sendable {
    let loop: any EventLoop
    private var machine: ClientSession
    private let maxFrameBytes: Int
    private var waiters: [RequestID: CheckedContinuation<ClientOutcome, Never>] = [:]
    private var sinks: [WatchID: WatchSink] = [:]
    private var channel: (any Channel)?
    /// Bumped whenever the current connection is replaced, so reports from an old one are ignored.
    private var generation: UInt64 = 0
    private var timer: Scheduled<Void>?
    private var timerDeadline: Int64?
    private var running = false
    private var deferred: [(inout ClientSession, Int64) -> [ClientSessionAction]] = []
    private var outbound = JuteWriter(capacity: 256)
    private var firstConnection: CheckedContinuation<ClientEvent?, Never>?
    private var firstConnectionTimeout: Scheduled<Void>?
    private let eventSink: AsyncStream<ClientEvent>.Continuation
    /// State readable from any thread, refreshed on every state event.
    let status: NIOLockedValueBox<ClientStatus>
    private let ids = NIOLockedValueBox<UInt64>(0)

    init(machine: ClientSession, loop: any EventLoop, eventSink: AsyncStream<ClientEvent>.Continuation) {
        self.machine = machine
        self.loop = loop
        self.eventSink = eventSink
        self.maxFrameBytes = machine.configuration.maxFrameBytes
        status = NIOLockedValueBox(ClientStatus(state: .connecting, sessionID: machine.sessionID,
                                                password: machine.password, negotiatedTimeoutMs: 0))
    }

    /// A fresh id for a request or a watch registration.
    func nextID() -> UInt64 {
        ids.withLockedValue { value in
            value += 1
            return value
        }
    }

    /// Monotonic milliseconds, the machine's `now`.
    private static func nowMs() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000) }

    // MARK: - Entry points (any thread)

    /// Starts connecting; returns the first connection event, or nil when `timeout` passes first
    /// or the calling task is cancelled.
    func start(timeout: Duration) async -> ClientEvent? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ClientEvent?, Never>) in
                loop.execute { [self] in
                    firstConnection = continuation
                    run { machine, now in machine.start(now: now) }
                    firstConnectionTimeout = loop.scheduleTask(in: .milliseconds(timeout.milliseconds)) { [self] in
                        resolveFirstConnection(nil)
                    }
                }
            }
        } onCancel: {
            loop.execute { [self] in resolveFirstConnection(nil) }
        }
    }

    /// Runs `body` (which hands the machine a request under the given id) and waits for its outcome.
    /// `sink` is registered first when the request sets a watch. Cancelling the calling task
    /// answers `.cancelled` at once; the machine keeps the xid order and drops the late reply.
    func call(sink: WatchSink? = nil,
              _ body: @escaping @Sendable (inout ClientSession, RequestID, Int64) -> [ClientSessionAction]) async -> ClientOutcome {
        let id = RequestID(nextID())
        let cancelled = NIOLockedValueBox(false)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ClientOutcome, Never>) in
                loop.execute { [self] in
                    if cancelled.withLockedValue({ $0 }) {
                        sink?.finish()
                        continuation.resume(returning: .cancelled)
                        return
                    }
                    if let sink { sinks[sink.id] = sink }
                    waiters[id] = continuation
                    run { machine, now in body(&machine, id, now) }
                }
            }
        } onCancel: {
            cancelled.withLockedValue { $0 = true }
            loop.execute { [self] in run { machine, now in machine.cancel(id, now: now) } }
        }
    }

    /// The consumer of a watch stream went away: forget the registration.
    func watchAbandoned(_ id: WatchID) {
        loop.execute { [self] in
            guard sinks.removeValue(forKey: id) != nil else { return }
            run { machine, now in machine.watchAbandoned(id, now: now) }
        }
    }

    /// The client object was dropped without `close`: close the session without waiting.
    func abandon() {
        let id = RequestID(nextID())
        loop.execute { [self] in run { machine, now in machine.close(id: id, now: now) } }
    }

    /// The machine's last seen zxid (tests use it to advance a fresh server past it).
    func lastZxidSeen() async -> Int64 {
        (try? await loop.submit { [self] in machine.lastZxidSeen }.get()) ?? 0
    }

    // MARK: - Reports from the channel handler (on the loop)

    /// The connection of `generation` is open.
    func channelActive(_ channel: any Channel, generation: UInt64) {
        guard generation == self.generation else { return }
        self.channel = channel
        run { machine, now in machine.socketConnected(now: now) }
    }

    /// The connection of `generation` closed (by either side) or broke.
    func channelInactive(generation: UInt64) {
        guard generation == self.generation else { return }
        channel = nil
        self.generation += 1
        run { machine, now in machine.connectionLost(now: now) }
    }

    /// Whole frames read in one burst from the connection of `generation`.
    func frames(_ frames: [[UInt8]], generation: UInt64) {
        guard generation == self.generation, !frames.isEmpty else { return }
        run { machine, now in
            var actions: [ClientSessionAction] = []
            for frame in frames { actions += machine.frameReceived(frame, now: now) }
            return actions
        }
    }

    // MARK: - Driving the machine (on the loop)

    /// Feeds one event to the machine and carries out its actions. An event raised while actions
    /// are being carried out (NIO can call back synchronously) waits for them to finish.
    private func run(_ event: @escaping (inout ClientSession, Int64) -> [ClientSessionAction]) {
        loop.assertInEventLoop()
        if running {
            deferred.append(event)
            return
        }
        running = true
        perform(event(&machine, Self.nowMs()))
        while !deferred.isEmpty {
            let next = deferred.removeFirst()
            perform(next(&machine, Self.nowMs()))
        }
        running = false
        rescheduleTimer()
    }

    private func perform(_ actions: [ClientSessionAction]) {
        for action in actions {
            switch action {
            case .connect(let host):
                flushOutbound()
                openConnection(to: host)
            case .send(let packet):
                packet.encodeFrame(into: &outbound)
            case .closeConnection:
                flushOutbound()
                closeConnection()
            case .deliver(let id, let outcome):
                waiters.removeValue(forKey: id)?.resume(returning: outcome)
            case .fire(let event, let ids):
                for id in ids { sinks[id]?.yield(event) }
            case .endWatches(let ids):
                for id in ids { sinks.removeValue(forKey: id)?.finish() }
            case .emit(let event):
                publish(event)
            }
        }
        flushOutbound()
    }

    private func flushOutbound() {
        guard outbound.count > 0 else { return }
        defer { outbound = JuteWriter(capacity: 256) }
        guard let channel else { return }
        var buffer = channel.allocator.buffer(capacity: outbound.count)
        buffer.writeBytes(outbound.bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func publish(_ event: ClientEvent) {
        let snapshot = ClientStatus(state: ClientState(machine.state), sessionID: machine.sessionID,
                                    password: machine.password, negotiatedTimeoutMs: machine.negotiatedTimeoutMs)
        status.withLockedValue { $0 = snapshot }
        eventSink.yield(event)
        if event.isTerminal { eventSink.finish() }
        switch event {
        case .connected, .connectedReadOnly, .expired, .authFailed, .closed: resolveFirstConnection(event)
        case .disconnected: break
        }
    }

    private func resolveFirstConnection(_ event: ClientEvent?) {
        guard let waiter = firstConnection else { return }
        firstConnection = nil
        firstConnectionTimeout?.cancel()
        firstConnectionTimeout = nil
        waiter.resume(returning: event)
    }

    private func openConnection(to host: HostAddress) {
        closeConnection()
        let generation = self.generation
        let maxFrameBytes = self.maxFrameBytes
        let timeout = TimeAmount.milliseconds(Int64(machine.configuration.sessionTimeoutMs))
        ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(timeout)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ClientChannelHandler(runtime: self, generation: generation, maxFrameBytes: maxFrameBytes))
                }
            }
            .connect(host: host.host, port: host.port)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    if generation != self.generation { channel.close(promise: nil) }
                case .failure:
                    guard generation == self.generation else { return }
                    self.generation += 1
                    run { machine, now in machine.connectionLost(now: now) }
                }
            }
    }

    private func closeConnection() {
        generation += 1
        channel?.close(promise: nil)
        channel = nil
    }

    private func rescheduleTimer() {
        guard let deadline = machine.nextDeadline else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if let current = timerDeadline, current <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = loop.scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(deadline, 0)) * 1_000_000)) { [self] in
            timer = nil
            timerDeadline = nil
            run { machine, now in machine.tick(now: now) }
        }
    }
}

/// The part of a client's state other threads may read.
struct ClientStatus: Sendable {
    var state: ClientState
    var sessionID: SessionID
    var password: [UInt8]
    var negotiatedTimeoutMs: Int32
}

/// The loop-side end of one watch stream.
final class WatchSink: @unchecked Sendable {
    let id: WatchID
    private let continuation: AsyncStream<WatchEvent>.Continuation
    /// Events yielded so far, readable from any thread (tests check delivery before a reply).
    let delivered: NIOLockedValueBox<Int>

    init(id: WatchID, continuation: AsyncStream<WatchEvent>.Continuation, delivered: NIOLockedValueBox<Int>) {
        self.id = id
        self.continuation = continuation
        self.delivered = delivered
    }

    /// Hands one event to the stream.
    func yield(_ event: WatchEvent) {
        delivered.withLockedValue { $0 += 1 }
        continuation.yield(event)
    }

    /// Ends the stream.
    func finish() { continuation.finish() }
}
