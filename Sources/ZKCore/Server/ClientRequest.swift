/// A decoded client request (everything after the handshake), one case per opcode family.
///
/// Decoding happens on the connection's event loop, so the core only ever sees typed values.
public enum ClientRequest: Hashable, Sendable {
    case create(OpCode, CreateRequest)
    case createTTL(CreateTTLRequest)
    case delete(DeleteRequest)
    case deleteContainer(path: String)
    case exists(ExistsRequest)
    case getData(GetDataRequest)
    case setData(SetDataRequest)
    case getACL(GetACLRequest)
    case setACL(SetACLRequest)
    case getChildren(GetChildrenRequest)
    case getChildren2(GetChildren2Request)
    case getAllChildrenNumber(GetAllChildrenNumberRequest)
    case getEphemerals(GetEphemeralsRequest)
    case sync(SyncRequest)
    case ping
    case check(CheckVersionRequest)
    case multi(MultiOperationRecord)
    case multiRead(MultiOperationRecord)
    case reconfig(ReconfigRequest)
    case checkWatches(CheckWatchesRequest)
    case removeWatches(RemoveWatchesRequest)
    case setWatches(SetWatches)
    case setWatches2(SetWatches2)
    case addWatch(AddWatchRequest)
    case auth(AuthPacket)
    case sasl(GetSASLRequest)
    case whoAmI
    case closeSession
    /// An opcode the protocol does not define (or 0): answered with Unimplemented, then closed.
    case unknown(OpCode)
    /// A known opcode whose body did not decode: answered with MarshallingError.
    case undecodable(OpCode, JuteError)

    /// Decodes the body of a request whose header said `type`.
    public static func decode(type: OpCode, body: inout JuteReader) -> ClientRequest {
        do {
            return try decodeThrowing(type: type, body: &body)
        } catch {
            return .undecodable(type, error)
        }
    }

    private static func decodeThrowing(type: OpCode, body r: inout JuteReader) throws(JuteError) -> ClientRequest {
        switch type {
        case .create, .create2, .createContainer: return .create(type, try r.read())
        case .createTTL: return .createTTL(try r.read())
        case .delete: return .delete(try r.read())
        case .deleteContainer:
            // 3.8 sends the raw path bytes with no length prefix (jute §4.4).
            return .deleteContainer(path: String(decoding: r.readRest(), as: UTF8.self))
        case .exists: return .exists(try r.read())
        case .getData: return .getData(try r.read())
        case .setData: return .setData(try r.read())
        case .getACL: return .getACL(try r.read())
        case .setACL: return .setACL(try r.read())
        case .getChildren: return .getChildren(try r.read())
        case .getChildren2: return .getChildren2(try r.read())
        case .getAllChildrenNumber: return .getAllChildrenNumber(try r.read())
        case .getEphemerals: return .getEphemerals(try r.read())
        case .sync: return .sync(try r.read())
        case .ping: return .ping
        case .check: return .check(try r.read())
        case .multi: return .multi(try r.read())
        case .multiRead: return .multiRead(try r.read())
        case .reconfig: return .reconfig(try r.read())
        case .checkWatches: return .checkWatches(try r.read())
        case .removeWatches: return .removeWatches(try r.read())
        case .setWatches: return .setWatches(try r.read())
        case .setWatches2: return .setWatches2(try r.read())
        case .addWatch: return .addWatch(try r.read())
        case .auth: return .auth(try r.read())
        case .sasl: return .sasl(try r.read())
        case .whoAmI: return .whoAmI
        case .closeSession: return .closeSession
        default: return .unknown(type)
        }
    }

    /// The opcode this request was sent with.
    public var opCode: OpCode {
        switch self {
        case .create(let op, _): return op
        case .createTTL: return .createTTL
        case .delete: return .delete
        case .deleteContainer: return .deleteContainer
        case .exists: return .exists
        case .getData: return .getData
        case .setData: return .setData
        case .getACL: return .getACL
        case .setACL: return .setACL
        case .getChildren: return .getChildren
        case .getChildren2: return .getChildren2
        case .getAllChildrenNumber: return .getAllChildrenNumber
        case .getEphemerals: return .getEphemerals
        case .sync: return .sync
        case .ping: return .ping
        case .check: return .check
        case .multi: return .multi
        case .multiRead: return .multiRead
        case .reconfig: return .reconfig
        case .checkWatches: return .checkWatches
        case .removeWatches: return .removeWatches
        case .setWatches: return .setWatches
        case .setWatches2: return .setWatches2
        case .addWatch: return .addWatch
        case .auth: return .auth
        case .sasl: return .sasl
        case .whoAmI: return .whoAmI
        case .closeSession: return .closeSession
        case .unknown(let op): return op
        case .undecodable(let op, _): return op
        }
    }
}

/// What the server sends on a client connection.
public enum OutboundMessage: Hashable, Sendable {
    /// The handshake answer (no ReplyHeader).
    case connectResponse(ConnectResponse)
    /// A reply to request `header.xid`.
    case reply(ReplyHeader, ReplyBody)
    /// A watch notification (xid -1).
    case notification(WatcherEvent)

    /// Appends this message as a length-prefixed frame.
    public func encodeFrame(into w: inout JuteWriter) {
        let start = w.count
        w.writeInt(0)
        switch self {
        case .connectResponse(let response):
            response.encode(to: &w)
        case .reply(let header, let body):
            header.encode(to: &w)
            body.encode(to: &w)
        case .notification(let event):
            ReplyHeader(xid: Xid.notification, zxid: Zxid.none.rawValue, err: .ok).encode(to: &w)
            event.encode(to: &w)
        }
        w.patchInt(Int32(w.count - start - 4), at: start)
    }
}

/// The body of a reply, one case per response record.
public enum ReplyBody: Hashable, Sendable {
    case none
    case create(CreateResponse)
    case create2(Create2Response)
    case stat(Stat)
    case getData(GetDataResponse)
    case getACL(GetACLResponse)
    case getChildren(GetChildrenResponse)
    case getChildren2(GetChildren2Response)
    case allChildrenNumber(GetAllChildrenNumberResponse)
    case ephemerals(GetEphemeralsResponse)
    case sync(SyncResponse)
    case multi(MultiResponse)
    case errorResponse(ErrorResponse)
    case whoAmI(WhoAmIResponse)
    case sasl(SetSASLResponse)

    /// Appends the record, if any.
    public func encode(to w: inout JuteWriter) {
        switch self {
        case .none: break
        case .create(let r): r.encode(to: &w)
        case .create2(let r): r.encode(to: &w)
        case .stat(let r): r.encode(to: &w)
        case .getData(let r): r.encode(to: &w)
        case .getACL(let r): r.encode(to: &w)
        case .getChildren(let r): r.encode(to: &w)
        case .getChildren2(let r): r.encode(to: &w)
        case .allChildrenNumber(let r): r.encode(to: &w)
        case .ephemerals(let r): r.encode(to: &w)
        case .sync(let r): r.encode(to: &w)
        case .multi(let r): r.encode(to: &w)
        case .errorResponse(let r): r.encode(to: &w)
        case .whoAmI(let r): r.encode(to: &w)
        case .sasl(let r): r.encode(to: &w)
        }
    }
}

/// A transaction ready for the log: header, body and the tree digest expected after it.
public struct LoggedTxn: Hashable, Sendable {
    public var header: TxnHeader
    public var body: TxnBody
    public var digest: TxnDigest?
    public init(header: TxnHeader, body: TxnBody, digest: TxnDigest?) {
        self.header = header; self.body = body; self.digest = digest
    }
    public var zxid: Zxid { Zxid(header.zxid) }
}

/// What the core asks its runtime to do.
public enum CoreAction: Hashable, Sendable {
    /// Write a message on a connection (in order with earlier sends to it).
    case send(ConnectionID, OutboundMessage)
    /// Flush and close a connection; `reason` is logged.
    case close(ConnectionID, reason: String)
    /// Append transactions to the log; answer with `logSynced(through:)` once durable.
    case persist([LoggedTxn])
    /// Stop (true) or resume (false) reading from every client connection (globalOutstandingLimit).
    case throttle(Bool)
    /// A line for the server log.
    case log(LogLevel, String)
    /// Learner: send this request to the leader (REQUEST).
    case forward(ForwardedRequest)
    /// Learner: ask the leader whether a resumed session still lives (REVALIDATE).
    case revalidate(SessionID, timeoutMs: Int32)
}

/// Severity of a core log line.
public enum LogLevel: Hashable, Sendable { case debug, info, warning, error }
