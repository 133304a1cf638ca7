// The hand-written multi records (jute.md §4.2 and §4.3): a run of MultiHeader + record pairs
// closed by a header with `done == true`. The record that follows a header is chosen by its
// `type`, so both bodies are modelled as enums rather than as a vector of one record type.

/// Introduces one sub-op or sub-result of a multi, or ends the run (`MultiHeader`, 9 bytes).
public struct MultiHeader: JuteCodable, Hashable, Sendable {
    /// The sub-op's opcode, or -1 for an error result and for the terminator.
    public var type: OpCode
    /// True only on the terminator.
    public var done: Bool
    /// -1 on request headers and the terminator; 0 or the error code on result headers.
    public var err: ErrorCode
    public init(type: OpCode, done: Bool, err: ErrorCode) { self.type = type; self.done = done; self.err = err }
    public init(from r: inout JuteReader) throws(JuteError) {
        type = OpCode(try r.readInt())
        done = try r.readBool()
        err = ErrorCode(try r.readInt())
    }
    public func encode(to w: inout JuteWriter) { w.writeInt(type.rawValue); w.writeBool(done); w.writeInt(err.rawValue) }
    /// The header that ends every multi request and response: `{-1, true, -1}`.
    public static let terminator = MultiHeader(type: .error, done: true, err: ErrorCode(-1))
}

/// One sub-operation of a multi (op 14) or multiRead (op 22) request.
public enum MultiOp: Hashable, Sendable {
    /// A create sent as op 1, 15 or 19 (the opcode is kept: it selects the result shape).
    case create(OpCode, CreateRequest)
    /// A create with TTL, op 21.
    case createTTL(CreateTTLRequest)
    case delete(DeleteRequest)
    case setData(SetDataRequest)
    case check(CheckVersionRequest)
    /// multiRead only; the watch flag is ignored.
    case getChildren(GetChildrenRequest)
    /// multiRead only; the watch flag is ignored.
    case getData(GetDataRequest)

    /// The opcode written in this op's MultiHeader.
    public var type: OpCode {
        switch self {
        case .create(let op, _): return op
        case .createTTL: return .createTTL
        case .delete: return .delete
        case .setData: return .setData
        case .check: return .check
        case .getChildren: return .getChildren
        case .getData: return .getData
        }
    }

    /// The node this op addresses.
    public var path: String {
        switch self {
        case .create(_, let req): return req.path
        case .createTTL(let req): return req.path
        case .delete(let req): return req.path
        case .setData(let req): return req.path
        case .check(let req): return req.path
        case .getChildren(let req): return req.path
        case .getData(let req): return req.path
        }
    }

    /// True for the ops only multiRead (op 22) may carry.
    public var isReadOnly: Bool {
        switch self {
        case .getChildren, .getData: return true
        case .create, .createTTL, .delete, .setData, .check: return false
        }
    }

    /// True for the ops only multi (op 14) may carry.
    public var isWrite: Bool { !isReadOnly }

    /// Reads the record a header of `type` announces; unknown types are invalid.
    static func decode(type: OpCode, at offset: Int, from r: inout JuteReader) throws(JuteError) -> MultiOp {
        switch type {
        case .create, .create2, .createContainer: return .create(type, try CreateRequest(from: &r))
        case .createTTL: return .createTTL(try CreateTTLRequest(from: &r))
        case .delete: return .delete(try DeleteRequest(from: &r))
        case .setData: return .setData(try SetDataRequest(from: &r))
        case .check: return .check(try CheckVersionRequest(from: &r))
        case .getChildren: return .getChildren(try GetChildrenRequest(from: &r))
        case .getData: return .getData(try GetDataRequest(from: &r))
        default: throw .invalidValue(offset: offset, reason: "invalid multi op type \(type.rawValue)")
        }
    }

    /// Writes this op's record (without its header).
    func encodeBody(to w: inout JuteWriter) {
        switch self {
        case .create(_, let req): req.encode(to: &w)
        case .createTTL(let req): req.encode(to: &w)
        case .delete(let req): req.encode(to: &w)
        case .setData(let req): req.encode(to: &w)
        case .check(let req): req.encode(to: &w)
        case .getChildren(let req): req.encode(to: &w)
        case .getData(let req): req.encode(to: &w)
        }
    }
}

/// The body of a multi or multiRead request (ZooKeeper's hand-written `MultiOperationRecord`).
///
/// Decoding rejects an unknown op type and a mix of read and write ops with `.invalidValue`,
/// as ZooKeeper's reader does; the server answers both with MarshallingError.
public struct MultiOperationRecord: JuteCodable, Hashable, Sendable {
    public var ops: [MultiOp]
    public init(ops: [MultiOp]) { self.ops = ops }

    /// True when every op is a read (vacuously true when empty).
    public var isReadOnly: Bool { ops.allSatisfy(\.isReadOnly) }
    /// True when every op is a write (vacuously true when empty).
    public var isWrite: Bool { ops.allSatisfy(\.isWrite) }

    public init(from r: inout JuteReader) throws(JuteError) {
        var ops: [MultiOp] = []
        while true {
            let at = r.offset
            let header = try MultiHeader(from: &r)
            if header.done { break }
            let op = try MultiOp.decode(type: header.type, at: at, from: &r)
            if let first = ops.first, first.isReadOnly != op.isReadOnly {
                throw .invalidValue(offset: at, reason: "multi mixes read and write ops")
            }
            ops.append(op)
        }
        self.ops = ops
    }

    public func encode(to w: inout JuteWriter) {
        for op in ops {
            MultiHeader(type: op.type, done: false, err: ErrorCode(-1)).encode(to: &w)
            op.encodeBody(to: &w)
        }
        MultiHeader.terminator.encode(to: &w)
    }
}

/// The outcome of one sub-operation in a multi or multiRead reply.
public enum MultiResult: Hashable, Sendable {
    /// Result type 1: a create sub-op answered with the path only.
    case create(CreateResponse)
    /// Result type 15: a create2, createTTL or createContainer sub-op (3.8.0–3.8.1 used type 1 for create2).
    case create2(Create2Response)
    /// Result type 2, no body.
    case delete
    case setData(SetDataResponse)
    /// Result type 13, no body.
    case check
    case getChildren(GetChildrenResponse)
    case getData(GetDataResponse)
    /// Result type -1: the code appears both in the header and in an `ErrorResponse` body.
    /// In a failed multi, ops before the failing one carry `.ok` and ops after it `.runtimeInconsistency`.
    case error(ErrorCode)

    /// The type written in this result's MultiHeader.
    public var type: OpCode {
        switch self {
        case .create: return .create
        case .create2: return .create2
        case .delete: return .delete
        case .setData: return .setData
        case .check: return .check
        case .getChildren: return .getChildren
        case .getData: return .getData
        case .error: return .error
        }
    }

    /// The code written in this result's MultiHeader: the error's code, else `.ok`.
    public var err: ErrorCode {
        if case .error(let code) = self { return code }
        return .ok
    }
}

/// The body of a multi or multiRead reply (ZooKeeper's hand-written `MultiResponse`).
///
/// The reply header's `err` is 0 even when the multi failed; failure shows in the results.
public struct MultiResponse: JuteCodable, Hashable, Sendable {
    public var results: [MultiResult]
    public init(results: [MultiResult]) { self.results = results }

    public init(from r: inout JuteReader) throws(JuteError) {
        var results: [MultiResult] = []
        while true {
            let at = r.offset
            let header = try MultiHeader(from: &r)
            if header.done { break }
            switch header.type {
            case .create: results.append(.create(try CreateResponse(from: &r)))
            case .create2: results.append(.create2(try Create2Response(from: &r)))
            case .delete: results.append(.delete)
            case .setData: results.append(.setData(try SetDataResponse(from: &r)))
            case .check: results.append(.check)
            case .getChildren: results.append(.getChildren(try GetChildrenResponse(from: &r)))
            case .getData: results.append(.getData(try GetDataResponse(from: &r)))
            case .error: results.append(.error(try ErrorResponse(from: &r).err))
            default: throw .invalidValue(offset: at, reason: "invalid multi result type \(header.type.rawValue)")
            }
        }
        self.results = results
    }

    public func encode(to w: inout JuteWriter) {
        for result in results {
            MultiHeader(type: result.type, done: false, err: result.err).encode(to: &w)
            switch result {
            case .create(let resp): resp.encode(to: &w)
            case .create2(let resp): resp.encode(to: &w)
            case .delete, .check: break
            case .setData(let resp): resp.encode(to: &w)
            case .getChildren(let resp): resp.encode(to: &w)
            case .getData(let resp): resp.encode(to: &w)
            case .error(let code): ErrorResponse(err: code).encode(to: &w)
            }
        }
        MultiHeader.terminator.encode(to: &w)
    }
}
