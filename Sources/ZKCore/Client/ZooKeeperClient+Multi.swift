// multi (op 14) and multiRead (op 22) with typed ops and results (ZooKeeper's `Op` and `OpResult`).

/// One write of an atomic `multi`.
public enum Op: Hashable, Sendable {
    /// Creates a node: as a multi sub-op, create (1), createContainer (19) or createTTL (21), as
    /// ZooKeeper's `Op.create` picks them (a plain create's result carries no Stat).
    case create(String, data: [UInt8]? = [], acl: [ACL] = ACL.openUnsafe, mode: CreateMode = .persistent,
                ttl: Duration? = nil)
    /// Deletes a node; version -1 matches any.
    case delete(String, version: Int32 = -1)
    /// Replaces a node's data; version -1 matches any.
    case setData(String, data: [UInt8]?, version: Int32 = -1)
    /// Fails the multi unless the node's data version is `version`.
    case check(String, version: Int32)

    /// The client path the op addresses.
    public var path: String {
        switch self {
        case .create(let path, _, _, _, _), .delete(let path, _), .setData(let path, _, _), .check(let path, _): return path
        }
    }

    /// The wire form of the op.
    func multiOp() throws(ZooKeeperError) -> MultiOp {
        switch self {
        case let .create(path, data, acl, mode, ttl):
            switch try ZooKeeperClient.createRequest(path, data: data, acl: acl, mode: mode, ttl: ttl, withStat: false) {
            case .create(let op, let request): return .create(op, request)
            case .createTTL(let request): return .createTTL(request)
            default: throw ZooKeeperClient.unexpectedReply(path)
            }
        case let .delete(path, version):
            try validatePath(path)
            return .delete(DeleteRequest(path: path, version: version))
        case let .setData(path, data, version):
            try validatePath(path)
            return .setData(SetDataRequest(path: path, data: data, version: version))
        case let .check(path, version):
            try validatePath(path)
            return .check(CheckVersionRequest(path: path, version: version))
        }
    }
}

/// The result of one op of a `multi`.
public enum OpResult: Hashable, Sendable {
    /// The created path; the Stat when the op was a container or TTL create.
    case create(path: String, stat: Stat?)
    case delete
    /// The node's Stat after the change.
    case setData(Stat)
    case check
    /// In a failed multi: OK for the ops before the failing one, its code, RuntimeInconsistency after.
    case error(ErrorCode)

    init(_ result: MultiResult) {
        switch result {
        case .create(let response): self = .create(path: response.path, stat: nil)
        case .create2(let response): self = .create(path: response.path, stat: response.stat)
        case .delete: self = .delete
        case .setData(let response): self = .setData(response.stat)
        case .check: self = .check
        case .error(let code): self = .error(code)
        case .getData, .getChildren: self = .error(.marshallingError)
        }
    }
}

/// One read of a `multiRead`.
public enum ReadOp: Hashable, Sendable {
    case getData(String)
    case getChildren(String)

    public var path: String {
        switch self {
        case .getData(let path), .getChildren(let path): return path
        }
    }
}

/// The result of one read of a `multiRead`; each read succeeds or fails on its own.
public enum ReadResult: Hashable, Sendable {
    case getData(data: [UInt8]?, stat: Stat)
    case getChildren([String])
    case error(ErrorCode)
}

extension ZooKeeperClient {
    /// Applies every op or none, in one transaction.
    ///
    /// - Returns: one result per op.
    /// - Throws: `ZooKeeperError` whose code and path are those of the first failing op and whose
    ///   `results` hold every op's result (as `KeeperException.getResults`).
    @discardableResult
    public func multi(_ ops: [Op]) async throws -> [OpResult] {
        let record = MultiOperationRecord(ops: try ops.map { try $0.multiOp() })
        guard case .multi(let response) = try await request(.multi(record), path: ops.first?.path) else {
            throw Self.unexpectedReply(ops.first?.path)
        }
        let results = response.results.map(OpResult.init)
        for (index, result) in results.enumerated() {
            if case .error(let code) = result, code != .ok, code != .runtimeInconsistency {
                throw ZooKeeperError(code: code, path: index < ops.count ? ops[index].path : nil, results: results)
            }
        }
        if let index = results.firstIndex(where: { if case .error = $0 { return true } else { return false } }) {
            throw ZooKeeperError(code: .runtimeInconsistency, path: index < ops.count ? ops[index].path : nil,
                                 results: results)
        }
        return results
    }

    /// Runs several reads in one request; they are independent (not a snapshot) and set no watches.
    public func multiRead(_ ops: [ReadOp]) async throws -> [ReadResult] {
        var wire: [MultiOp] = []
        for op in ops {
            try validatePath(op.path)
            switch op {
            case .getData(let path): wire.append(.getData(GetDataRequest(path: path)))
            case .getChildren(let path): wire.append(.getChildren(GetChildrenRequest(path: path)))
            }
        }
        guard case .multi(let response) = try await request(.multiRead(MultiOperationRecord(ops: wire)),
                                                            path: ops.first?.path) else {
            throw Self.unexpectedReply(ops.first?.path)
        }
        return response.results.map { result in
            switch result {
            case .getData(let r): return .getData(data: r.data, stat: r.stat)
            case .getChildren(let r): return .getChildren(r.children)
            case .error(let code): return .error(code)
            case .create, .create2, .delete, .setData, .check: return .error(.marshallingError)
            }
        }
    }
}
