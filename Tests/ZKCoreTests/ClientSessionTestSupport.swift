@testable import ZKCore

/// Drives one `ClientSession` in tests: builds server frames, walks the handshake, and keeps the
/// clock so each step reads as "at this time, this happened, so these actions".
struct SessionDriver {
    var machine: ClientSession
    var now: Int64 = 1_000
    var nextRequest: UInt64 = 1
    static let sessionID = SessionID(0x0100_0000_0000_0001)
    static let password: [UInt8] = Array(1...16)

    init(hosts: Int = 1, timeoutMs: Int32 = 30000, chroot: Chroot = Chroot(), canBeReadOnly: Bool = false,
         seed: UInt64 = 7) {
        let list = (1...hosts).map { HostAddress(host: "127.0.0.\($0)", port: 2181) }
        machine = ClientSession(
            configuration: .init(hosts: list, chroot: chroot, sessionTimeoutMs: timeoutMs, canBeReadOnly: canBeReadOnly),
            random: SeededRandom(seed: seed))
    }

    /// A frame body (no length prefix) as the server would send it.
    static func frame(_ message: OutboundMessage) -> [UInt8] {
        var w = JuteWriter()
        message.encodeFrame(into: &w)
        return Array(w.bytes.dropFirst(4))
    }

    static func reply(xid: Int32, zxid: Int64, err: ErrorCode = .ok, _ body: ReplyBody = .none) -> [UInt8] {
        frame(.reply(ReplyHeader(xid: xid, zxid: zxid, err: err), body))
    }

    static func notification(_ type: EventType, _ path: String) -> [UInt8] {
        frame(.notification(WatcherEvent(type: type, path: path)))
    }

    static func connectResponse(timeout: Int32 = 30000, session: SessionID = sessionID, readOnly: Bool = false) -> [UInt8] {
        frame(.connectResponse(ConnectResponse(timeOut: timeout, sessionId: session.rawValue, passwd: password,
                                               readOnly: readOnly)))
    }

    mutating func advance(_ ms: Int64) { now += ms }

    mutating func start() -> [ClientSessionAction] { machine.start(now: now) }
    mutating func socketConnected() -> [ClientSessionAction] { machine.socketConnected(now: now) }
    mutating func receive(_ frame: [UInt8]) -> [ClientSessionAction] { machine.frameReceived(frame, now: now) }
    mutating func lost() -> [ClientSessionAction] { machine.connectionLost(now: now) }
    mutating func tick() -> [ClientSessionAction] { machine.tick(now: now) }

    /// Submits a request under a fresh id; returns the id and the actions.
    mutating func submit(_ request: ClientRequest, watch: (WatchID, WatchKind)? = nil) -> (RequestID, [ClientSessionAction]) {
        let id = RequestID(nextRequest)
        nextRequest += 1
        return (id, machine.submit(request, id: id, watch: watch, now: now))
    }

    mutating func addAuth(_ scheme: String, _ credentials: String) -> (RequestID, [ClientSessionAction]) {
        let id = RequestID(nextRequest)
        nextRequest += 1
        return (id, machine.addAuth(AuthPacket(scheme: scheme, auth: Array(credentials.utf8)), id: id, now: now))
    }

    /// Start (or a due reconnect), socket up, ConnectResponse: returns the handshake's actions.
    @discardableResult
    mutating func connect(timeout: Int32 = 30000, readOnly: Bool = false) -> [ClientSessionAction] {
        if case .idle = machine.state { _ = start() }
        if case .reconnecting(_, let at) = machine.state {
            now = max(now, at)
            _ = tick()
        }
        _ = socketConnected()
        return receive(Self.connectResponse(timeout: timeout, readOnly: readOnly))
    }
}

extension Array where Element == ClientSessionAction {
    /// The packets sent, in order.
    var sent: [ClientPacket] {
        compactMap { if case .send(let packet) = $0 { return packet } else { return nil } }
    }

    /// The requests sent with their xids.
    var requests: [(xid: Int32, request: ClientRequest)] {
        sent.compactMap { if case .request(let xid, let request) = $0 { return (xid, request) } else { return nil } }
    }

    /// The outcome delivered to `id`, if any.
    func outcome(_ id: RequestID) -> ClientOutcome? {
        for action in self { if case .deliver(id, let outcome) = action { return outcome } }
        return nil
    }

    /// The state events emitted.
    var emitted: [ClientEvent] {
        compactMap { if case .emit(let event) = $0 { return event } else { return nil } }
    }
}
