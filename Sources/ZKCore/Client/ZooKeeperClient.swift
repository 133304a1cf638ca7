import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A ZooKeeper client: one session, kept alive across connections to the servers of a connect string.
///
/// The counterpart of ZooKeeper's `ZooKeeper` class, with async methods instead of callbacks.
/// Inside, one `ClientSession` machine runs on one event loop, driven by the connection's channel
/// handler and a timer; methods hop onto that loop once and are resumed by the reply.
///
/// Events, by design:
/// - Connection state changes (`connected`, `connectedReadOnly`, `disconnected`, and the terminal
///   `expired`, `authFailed`, `closed`) go to the one session-wide `events` stream, which finishes
///   after a terminal event. `state` gives the current state at any time.
/// - Each watch is its own `WatchStream` (an `AsyncSequence` of `WatchEvent`), returned by the call
///   that set it: `exists`/`getData`/`getChildren` with `watch: true` (one-shot: at most one event,
///   then the stream ends) and `addWatch` (persistent: events until `removeWatches`). Every stream
///   ends when the session ends. Events are yielded in the order the server sent them and before
///   the reply that followed them on the wire is handed to its caller, so when a call returns, any
///   event that preceded its reply is already waiting in its stream.
///
/// Cancellation: cancelling a task waiting on a call makes the call throw `CancellationError` at
/// once. A request not yet sent is never sent; one already sent keeps its place in the xid order
/// and its reply is dropped when it comes (the server may still apply a cancelled write).
public final class ZooKeeperClient: Sendable {
    let runtime: ClientRuntime
    /// Connection state changes, in order. Single consumer; finishes after a terminal event.
    public let events: AsyncStream<ClientEvent>
    /// The chroot of the connect string (`/` when none).
    public let chroot: Chroot

    private init(runtime: ClientRuntime, events: AsyncStream<ClientEvent>, chroot: Chroot) {
        self.runtime = runtime
        self.events = events
        self.chroot = chroot
    }

    deinit { runtime.abandon() }

    /// Connects to one of the servers in `connectString` (`host:port,host:port[/chroot]`) and
    /// returns once a session is established and every `auth` credential was accepted.
    ///
    /// - Parameters:
    ///   - sessionTimeout: requested session timeout; the server clamps it (see `sessionTimeout`).
    ///   - canBeReadOnly: accept a read-only server when no read-write one answers.
    ///   - auth: credentials sent with `addAuth` before returning (for example `("digest", "user:pw")`).
    ///   - session: a session to resume (id and password) instead of creating one.
    ///   - connectTimeout: how long to keep trying before giving up with ConnectionLoss
    ///     (default: the session timeout).
    ///   - eventLoopGroup: where the client's loop comes from (default: NIO's shared group).
    ///   - seed: seeds the host shuffle and reconnect back-off (default: random).
    /// - Throws: `ConnectStringError` for a bad connect string; `ZooKeeperError` with
    ///   ConnectionLoss (no server answered in time), SessionExpired (the resumed session is gone)
    ///   or AuthFailed.
    public static func connect(
        _ connectString: String,
        sessionTimeout: Duration = .seconds(30),
        canBeReadOnly: Bool = false,
        auth: [(scheme: String, credentials: [UInt8])] = [],
        session: (id: SessionID, password: [UInt8])? = nil,
        connectTimeout: Duration? = nil,
        eventLoopGroup: (any EventLoopGroup)? = nil,
        seed: UInt64? = nil,
        maxFrameBytes: Int = Limits.juteMaxBufferDefault
    ) async throws -> ZooKeeperClient {
        let parsed = try ConnectString(parsing: connectString)
        let timeoutMs = Int32(clamping: sessionTimeout.milliseconds)
        let configuration = ClientSession.Configuration(
            hosts: parsed.hosts, chroot: parsed.chroot, sessionTimeoutMs: timeoutMs, canBeReadOnly: canBeReadOnly,
            resumeSession: session?.id, resumePassword: session?.password ?? [], maxFrameBytes: maxFrameBytes)
        let random = seed.map { SeededRandom(seed: $0) } ?? .system()
        let machine = ClientSession(configuration: configuration, random: random)
        let (events, sink) = AsyncStream<ClientEvent>.makeStream()
        let loop = (eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton).next()
        let runtime = ClientRuntime(machine: machine, loop: loop, eventSink: sink)
        let client = ZooKeeperClient(runtime: runtime, events: events, chroot: parsed.chroot)

        switch await runtime.start(timeout: connectTimeout ?? sessionTimeout) {
        case .connected?, .connectedReadOnly?:
            break
        case .expired?:
            throw ZooKeeperError(code: .sessionExpired)
        case .authFailed?:
            throw ZooKeeperError(code: .authFailed)
        case .closed?, .disconnected?, nil:
            await client.close()
            try Task.checkCancellation()
            throw ZooKeeperError(code: .connectionLoss, detail: "no server of \(connectString) answered in time")
        }
        do {
            for credential in auth { try await client.addAuth(scheme: credential.scheme, credentials: credential.credentials) }
        } catch {
            await client.close()
            throw error
        }
        return client
    }

    /// The current connection state.
    public var state: ClientState { runtime.status.withLockedValue { $0.state } }
    /// The session id (0 until the first connection).
    public var sessionID: SessionID { runtime.status.withLockedValue { $0.sessionID } }
    /// The session password, for resuming the session from another client.
    public var sessionPassword: [UInt8] { runtime.status.withLockedValue { $0.password } }
    /// The timeout the server granted.
    public var sessionTimeout: Duration { .milliseconds(runtime.status.withLockedValue { $0.negotiatedTimeoutMs }) }

    /// Closes the session: the server deletes its ephemeral nodes and drops its watches at once.
    /// Every watch stream and the `events` stream end. Calls after close fail with SessionExpired,
    /// as in ZooKeeper. Closing twice is harmless.
    public func close() async {
        _ = await runtime.call { machine, id, now in machine.close(id: id, now: now) }
    }

    /// Adds credentials to the session (`addAuthInfo`); they are re-sent on every reconnect.
    /// Returns when the server accepted them. Rejected credentials end the session: this throws
    /// AuthFailed and `events` reports `authFailed`.
    public func addAuth(scheme: String, credentials: [UInt8]) async throws {
        let packet = AuthPacket(scheme: scheme, auth: credentials)
        let reply = try await perform(path: nil) { machine, id, now in machine.addAuth(packet, id: id, now: now) }
        if reply.err != .ok { throw ZooKeeperError(code: reply.err) }
    }

    // MARK: - Plumbing shared by the operations

    /// Submits `request` and returns the server's reply, throwing for client-side failures and cancellation.
    func perform(path: String?, sink: WatchSink? = nil,
                 _ body: @escaping @Sendable (inout ClientSession, RequestID, Int64) -> [ClientSessionAction])
        async throws -> ClientReply {
        switch await runtime.call(sink: sink, body) {
        case .reply(let reply): return reply
        case .failed(let code): throw ZooKeeperError(code: code, path: path)
        case .cancelled: throw CancellationError()
        }
    }

    /// Submits `request` and returns the decoded body, throwing for any non-OK code.
    func request(_ request: ClientRequest, path: String?, chrooted: Bool = true) async throws -> ReplyBody {
        let reply = try await perform(path: path) { machine, id, now in
            machine.submit(request, id: id, chrooted: chrooted, now: now)
        }
        guard reply.err == .ok else { throw ZooKeeperError(code: reply.err, path: path) }
        return reply.body
    }

    /// A watch stream of `kind` on client path `path`, and the loop-side sink that feeds it.
    func makeWatch(kind: WatchKind, path: String) -> (WatchStream, WatchSink) {
        let id = WatchID(runtime.nextID())
        let (stream, continuation) = AsyncStream<WatchEvent>.makeStream()
        let delivered = NIOLockedValueBox(0)
        continuation.onTermination = { [weak runtime] termination in
            if case .cancelled = termination { runtime?.watchAbandoned(id) }
        }
        let sink = WatchSink(id: id, continuation: continuation, delivered: delivered)
        return (WatchStream(id: id, kind: kind, path: path, stream: stream, delivered: delivered), sink)
    }
}

/// A client's connection state, as `ZooKeeperClient.state` reports it.
public enum ClientState: Hashable, Sendable {
    /// Not connected yet, or reconnecting after a lost connection.
    case connecting
    case connected
    case connectedReadOnly
    /// `close` sent closeSession and waits for its reply.
    case closing
    case expired
    case authFailed
    case closed

    init(_ state: ClientSession.State) {
        switch state {
        case .idle, .connecting, .reconnecting: self = .connecting
        case .connected(let readOnly): self = readOnly ? .connectedReadOnly : .connected
        case .closing: self = .closing
        case .expired: self = .expired
        case .authFailed: self = .authFailed
        case .closed: self = .closed
        }
    }
}
