// The decoded body of a transaction and the whole logged payload (disk-format.md §3–4).

/// A transaction body, chosen by `TxnHeader.type` (ZooKeeper's `SerializeUtils.deserializeTxn`).
///
/// The body does not record which of its opcodes produced it (create vs create2, delete vs
/// deleteContainer, setData vs reconfig); the header, or `SubTxn.type` inside a multi, does.
public enum TxnBody: Hashable, Sendable {
    /// Type -10.
    case createSession(CreateSessionTxn)
    /// Type -11; nil when the record has no body (pre-3.6 logs, or `closeSessionTxn.enabled=false`).
    case closeSession(CloseSessionTxn?)
    /// Types 1 and 15.
    case create(CreateTxn)
    /// Types 1 and 15 in logs written before 3.3; apply it as `asCreateTxn`.
    case createV0(CreateTxnV0)
    /// Type 19.
    case createContainer(CreateContainerTxn)
    /// Type 21.
    case createTTL(CreateTTLTxn)
    /// Types 2 and 20.
    case delete(DeleteTxn)
    /// Types 5 and 16.
    case setData(SetDataTxn)
    /// Type 7.
    case setACL(SetACLTxn)
    /// Type 13: normally only inside a multi. ZooKeeper 3.8.0–3.8.4 also logged it at top level,
    /// a log Apache then refuses to load; whether to accept that is the log reader's decision.
    case check(CheckVersionTxn)
    /// Type -1.
    case error(ErrorTxn)
    /// Type 14: each sub-transaction with its own type; they share the header's zxid and time.
    case multi([SubTxn])

    /// Decodes the body a header of `type` announces; unknown types are `.invalidValue`.
    ///
    /// Leaves any `TxnDigest` unread. Two bodies are read leniently, as ZooKeeper does: a create
    /// that runs out of bytes is re-read as `CreateTxnV0`, and a closeSession whose vector does
    /// not parse is taken as having no body.
    public static func decode(type: OpCode, from r: inout JuteReader) throws(JuteError) -> TxnBody {
        let start = r
        switch type {
        case .createSession: return .createSession(try CreateSessionTxn(from: &r))
        case .closeSession:
            do {
                return .closeSession(try CloseSessionTxn(from: &r))
            } catch {
                r = start
                return .closeSession(nil)
            }
        case .create, .create2:
            do {
                return .create(try CreateTxn(from: &r))
            } catch .truncated {
                r = start
                return .createV0(try CreateTxnV0(from: &r))
            }
        case .createContainer: return .createContainer(try CreateContainerTxn(from: &r))
        case .createTTL: return .createTTL(try CreateTTLTxn(from: &r))
        case .delete, .deleteContainer: return .delete(try DeleteTxn(from: &r))
        case .setData, .reconfig: return .setData(try SetDataTxn(from: &r))
        case .setACL: return .setACL(try SetACLTxn(from: &r))
        case .check: return .check(try CheckVersionTxn(from: &r))
        case .error: return .error(try ErrorTxn(from: &r))
        case .multi:
            let at = r.offset
            let txns = try MultiTxn(from: &r).txns
            var subs: [SubTxn] = []
            subs.reserveCapacity(txns.count)
            for txn in txns { subs.append(try SubTxn(txn, at: at)) }
            return .multi(subs)
        default:
            throw .invalidValue(offset: r.offset, reason: "unsupported txn type \(type.rawValue)")
        }
    }

    /// Writes the body; `.closeSession(nil)` writes nothing.
    public func encode(to w: inout JuteWriter) {
        switch self {
        case .createSession(let txn): txn.encode(to: &w)
        case .closeSession(let txn): txn?.encode(to: &w)
        case .create(let txn): txn.encode(to: &w)
        case .createV0(let txn): txn.encode(to: &w)
        case .createContainer(let txn): txn.encode(to: &w)
        case .createTTL(let txn): txn.encode(to: &w)
        case .delete(let txn): txn.encode(to: &w)
        case .setData(let txn): txn.encode(to: &w)
        case .setACL(let txn): txn.encode(to: &w)
        case .check(let txn): txn.encode(to: &w)
        case .error(let txn): txn.encode(to: &w)
        case .multi(let subs): MultiTxn(txns: subs.map(\.txn)).encode(to: &w)
        }
    }

    /// This body's encoding on its own.
    public var juteBytes: [UInt8] {
        var w = JuteWriter()
        encode(to: &w)
        return w.bytes
    }
}

/// One decoded sub-transaction of a multi: its type and its body.
public struct SubTxn: Hashable, Sendable {
    /// 1/15 create, 19, 21, 2/20 delete, 5 setData, 13 check or -1 error.
    public var type: OpCode
    public var body: TxnBody
    public init(type: OpCode, body: TxnBody) { self.type = type; self.body = body }

    /// Decodes the body inside a `Txn` wrapper; `at` is the wrapper's offset, for errors.
    public init(_ txn: Txn, at offset: Int) throws(JuteError) {
        type = OpCode(txn.type)
        switch type {
        case .create, .create2, .createContainer, .createTTL, .delete, .deleteContainer, .setData, .check, .error:
            var r = JuteReader(txn.data)
            body = try TxnBody.decode(type: type, from: &r)
        default:
            throw .invalidValue(offset: offset, reason: "invalid multi sub-txn type \(txn.type)")
        }
    }

    /// The `Txn` wrapper as logged: the type and the body's bytes.
    public var txn: Txn { Txn(type: type.rawValue, data: body.juteBytes) }
}

/// One logged transaction: header, body and the optional digest (ZooKeeper's `TxnLogEntry`).
///
/// This is the payload of a txn log record and of a PROPOSAL/INFORM packet.
public struct TxnLogEntry: JuteCodable, Hashable, Sendable {
    public var header: TxnHeader
    public var body: TxnBody
    /// Absent on error txns of failed single writes and in logs older than 3.6.
    public var digest: TxnDigest?
    public init(header: TxnHeader, body: TxnBody, digest: TxnDigest?) {
        self.header = header; self.body = body; self.digest = digest
    }
    /// Reads the header and the body, then a digest if at least 12 bytes remain.
    public init(from r: inout JuteReader) throws(JuteError) {
        header = try TxnHeader(from: &r)
        body = try TxnBody.decode(type: header.type, from: &r)
        digest = r.remaining >= 12 ? try TxnDigest(from: &r) : nil
    }
    public func encode(to w: inout JuteWriter) {
        header.encode(to: &w)
        body.encode(to: &w)
        digest?.encode(to: &w)
    }
}
