@testable import ZKCore

/// A `CoreDriver` with client-side conveniences: opening connections, creating sessions and
/// sending requests with a per-connection xid counter, as a client library would. A class, so
/// requests can be sent from inside `#expect`.
final class CoreHarness {
    var driver: CoreDriver
    private var nextXid: [ConnectionID: Int32] = [:]

    init(settings: ServerSettings = ServerSettings(tickMs: 2000)) {
        driver = CoreDriver(settings: settings)
    }

    var core: ServerCore { driver.core }
    var tree: DataTree { driver.core.tree }
    var logged: [LoggedTxn] { driver.logged }
    var lastZxid: Int64 { driver.core.tree.lastProcessedZxid.rawValue }

    /// Accepts TCP connection `n` from `address`.
    @discardableResult
    func open(_ n: UInt64, address: String = "127.0.0.1") -> [CoreAction] {
        driver.feed(.opened(ConnectionID(n), address: address, port: 40000 + Int(n)))
    }

    /// A ConnectRequest as the Java client sends it.
    static func connectRequest(session: Int64 = 0, passwd: [UInt8] = [UInt8](repeating: 0, count: 16),
                               timeout: Int32 = 30000, lastZxidSeen: Int64 = 0,
                               readOnly: Bool? = false) -> ConnectRequest {
        ConnectRequest(lastZxidSeen: lastZxidSeen, timeOut: timeout, sessionId: session, passwd: passwd,
                       readOnly: readOnly)
    }

    /// Opens connection `n`, creates a new session on it and returns the session id.
    @discardableResult
    func session(_ n: UInt64, address: String = "127.0.0.1", timeout: Int32 = 30000) -> SessionID {
        open(n, address: address)
        let out = driver.feed(.connect(ConnectionID(n), Self.connectRequest(timeout: timeout)))
        for case .send(_, .connectResponse(let response)) in out { return SessionID(response.sessionId) }
        return SessionID(0)
    }

    /// Sends `request` on connection `n` with the next xid; returns the actions it caused.
    @discardableResult
    func send(_ n: UInt64, _ request: ClientRequest) -> [CoreAction] {
        let id = ConnectionID(n)
        let xid = nextXid[id, default: 1]
        nextXid[id] = xid + 1
        return driver.feed(.request(id, xid: xid, request))
    }

    /// The xid the next request on connection `n` will carry.
    func xid(after n: UInt64) -> Int32 { nextXid[ConnectionID(n), default: 1] }

    /// Sends `request` and returns the reply to it (header and body); fails the test if none came.
    func call(_ n: UInt64, _ request: ClientRequest) -> Reply {
        let xid = xid(after: n)
        let out = send(n, request)
        let replies = out.replies(to: ConnectionID(n)).filter { $0.0.xid == xid || ($0.0.xid == Xid.ping) }
        guard let (header, body) = replies.first else {
            return Reply(header: ReplyHeader(xid: xid, zxid: 0, err: ErrorCode(999)), body: .none)
        }
        return Reply(header: header, body: body)
    }

    /// Advances both clocks by `ms` and ticks the core.
    @discardableResult
    func tick(_ ms: Int64) -> [CoreAction] { driver.tick(advancingBy: ms) }

    // MARK: - Request shortcuts

    func create(_ n: UInt64, _ path: String, _ data: String = "", flags: Int32 = 0,
                         acl: [ACL] = ACL.openUnsafe, op: OpCode = .create) -> Reply {
        call(n, .create(op, CreateRequest(path: path, data: Array(data.utf8), acl: acl, flags: flags)))
    }

    func getData(_ n: UInt64, _ path: String, watch: Bool = false) -> Reply {
        call(n, .getData(GetDataRequest(path: path, watch: watch)))
    }

    func setData(_ n: UInt64, _ path: String, _ data: String, version: Int32 = -1) -> Reply {
        call(n, .setData(SetDataRequest(path: path, data: Array(data.utf8), version: version)))
    }

    func delete(_ n: UInt64, _ path: String, version: Int32 = -1) -> Reply {
        call(n, .delete(DeleteRequest(path: path, version: version)))
    }

    func exists(_ n: UInt64, _ path: String, watch: Bool = false) -> Reply {
        call(n, .exists(ExistsRequest(path: path, watch: watch)))
    }

    func children(_ n: UInt64, _ path: String, watch: Bool = false) -> Reply {
        call(n, .getChildren2(GetChildren2Request(path: path, watch: watch)))
    }

    /// Authenticates connection `n` as `user:password` with the digest scheme.
    func addDigest(_ n: UInt64, _ userPassword: String) -> [CoreAction] {
        driver.feed(.request(ConnectionID(n), xid: Xid.auth,
                             .auth(AuthPacket(scheme: "digest", auth: Array(userPassword.utf8)))))
    }
}

/// One reply as a client sees it.
struct Reply {
    var header: ReplyHeader
    var body: ReplyBody

    var err: ErrorCode { header.err }
    var zxid: Int64 { header.zxid }

    /// The Stat carried by the body, whichever response record holds it.
    var stat: Stat? {
        switch body {
        case .stat(let s): return s
        case .create2(let r): return r.stat
        case .getData(let r): return r.stat
        case .getACL(let r): return r.stat
        case .getChildren2(let r): return r.stat
        default: return nil
        }
    }

    var data: String? {
        if case .getData(let r) = body { return String(decoding: r.data ?? [], as: UTF8.self) }
        return nil
    }

    var path: String? {
        switch body {
        case .create(let r): return r.path
        case .create2(let r): return r.path
        default: return nil
        }
    }

    var children: [String]? {
        switch body {
        case .getChildren(let r): return r.children.sorted()
        case .getChildren2(let r): return r.children.sorted()
        default: return nil
        }
    }
}

/// An ACL giving `perms` to the digest user `user:password`.
func digestACL(_ userPassword: String, _ perms: Perms = .all) -> ACL {
    ACL(perms: perms, id: Id(scheme: "digest", id: DigestAuthenticationProvider.generateDigest(userPassword)))
}

/// A small deterministic generator (SplitMix64) for seeded random operation sequences.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
