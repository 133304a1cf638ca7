// The per-node operations of `ZooKeeperClient`, one method per ZooKeeper call. Paths are
// client paths (the chroot is added and removed by the session machine); a non-OK result throws
// `ZooKeeperError` with the code and path.

extension ZooKeeperClient {
    /// Creates a node and returns its path (with the sequence suffix for sequential modes).
    ///
    /// Opcodes as the Java client picks them: create (1), createContainer (19) for `.container`,
    /// createTTL (21) for the TTL modes, which need `ttl` (and a server with extended types enabled).
    @discardableResult
    public func create(_ path: String, data: [UInt8]? = [], acl: [ACL] = ACL.openUnsafe,
                       mode: CreateMode = .persistent, ttl: Duration? = nil) async throws -> String {
        let request = try Self.createRequest(path, data: data, acl: acl, mode: mode, ttl: ttl, withStat: false)
        switch try await self.request(request, path: path) {
        case .create(let response): return response.path
        case .create2(let response): return response.path
        default: throw Self.unexpectedReply(path)
        }
    }

    /// Creates a node and returns its path and Stat: create2 (15), createContainer (19) or createTTL (21).
    @discardableResult
    public func createWithStat(_ path: String, data: [UInt8]? = [], acl: [ACL] = ACL.openUnsafe,
                               mode: CreateMode = .persistent, ttl: Duration? = nil) async throws -> (path: String, stat: Stat) {
        let request = try Self.createRequest(path, data: data, acl: acl, mode: mode, ttl: ttl, withStat: true)
        guard case .create2(let response) = try await self.request(request, path: path) else {
            throw Self.unexpectedReply(path)
        }
        return (response.path, response.stat)
    }

    /// The create request for `mode`, validated as the Java client does (TTL only with a TTL mode).
    static func createRequest(_ path: String, data: [UInt8]?, acl: [ACL], mode: CreateMode, ttl: Duration?,
                              withStat: Bool) throws(ZooKeeperError) -> ClientRequest {
        try validatePath(path, sequential: mode.isSequential)
        if mode.isTTL {
            guard let ttl, ttl > .zero else {
                throw ZooKeeperError(code: .badArguments, path: path, detail: "a TTL mode needs a positive ttl")
            }
            return .createTTL(CreateTTLRequest(path: path, data: data, acl: acl, flags: mode.rawValue, ttl: ttl.milliseconds))
        }
        guard ttl == nil else {
            throw ZooKeeperError(code: .badArguments, path: path, detail: "ttl given for a mode without TTL")
        }
        let op: OpCode = mode.isContainer ? .createContainer : (withStat ? .create2 : .create)
        return .create(op, CreateRequest(path: path, data: data, acl: acl, flags: mode.rawValue))
    }

    /// Deletes a node; `version` -1 matches any.
    public func delete(_ path: String, version: Int32 = -1) async throws {
        try validatePath(path)
        _ = try await request(.delete(DeleteRequest(path: path, version: version)), path: path)
    }

    /// The node's Stat, or nil when it does not exist.
    public func exists(_ path: String) async throws -> Stat? {
        try await exists(path, watch: false).stat
    }

    /// The node's Stat (nil when missing), and with `watch` a one-shot watch that hears the node's
    /// creation, data change or deletion. The watch is set whether or not the node exists.
    public func exists(_ path: String, watch: Bool) async throws -> (stat: Stat?, watch: WatchStream?) {
        try validatePath(path)
        let request = ClientRequest.exists(ExistsRequest(path: path, watch: watch))
        let (stream, reply) = try await watched(request, path: path, kind: watch ? .exist : nil)
        switch (reply.err, reply.body) {
        case (.ok, .stat(let stat)): return (stat, stream)
        case (.noNode, _): return (nil, stream)
        default: throw ZooKeeperError(code: reply.err == .ok ? .marshallingError : reply.err, path: path)
        }
    }

    /// The node's data (nil when it was stored as null) and Stat.
    public func getData(_ path: String) async throws -> (data: [UInt8]?, stat: Stat) {
        let result = try await getData(path, watch: false)
        return (result.data, result.stat)
    }

    /// The node's data and Stat, and with `watch` a one-shot watch that hears its next data change or deletion.
    public func getData(_ path: String, watch: Bool) async throws -> (data: [UInt8]?, stat: Stat, watch: WatchStream?) {
        try validatePath(path)
        let request = ClientRequest.getData(GetDataRequest(path: path, watch: watch))
        let (stream, reply) = try await watched(request, path: path, kind: watch ? .data : nil)
        guard reply.err == .ok else { throw ZooKeeperError(code: reply.err, path: path) }
        guard case .getData(let response) = reply.body else { throw Self.unexpectedReply(path) }
        return (response.data, response.stat, stream)
    }

    /// Replaces the node's data; `version` -1 matches any. Returns the new Stat.
    @discardableResult
    public func setData(_ path: String, data: [UInt8]?, version: Int32 = -1) async throws -> Stat {
        try validatePath(path)
        guard case .stat(let stat) = try await request(.setData(SetDataRequest(path: path, data: data, version: version)),
                                                       path: path) else { throw Self.unexpectedReply(path) }
        return stat
    }

    /// The node's ACL and Stat.
    public func getACL(_ path: String) async throws -> (acl: [ACL], stat: Stat) {
        try validatePath(path)
        guard case .getACL(let response) = try await request(.getACL(GetACLRequest(path: path)), path: path) else {
            throw Self.unexpectedReply(path)
        }
        return (response.acl, response.stat)
    }

    /// Replaces the node's ACL; `version` is the expected ACL version (-1 matches any). Returns the new Stat.
    @discardableResult
    public func setACL(_ path: String, acl: [ACL], version: Int32 = -1) async throws -> Stat {
        try validatePath(path)
        guard case .stat(let stat) = try await request(.setACL(SetACLRequest(path: path, acl: acl, version: version)),
                                                       path: path) else { throw Self.unexpectedReply(path) }
        return stat
    }

    /// The names of the node's children, in no particular order (getChildren, op 8).
    public func getChildren(_ path: String) async throws -> [String] {
        try await getChildren(path, watch: false).children
    }

    /// The children, and with `watch` a one-shot watch that hears the next child list change or deletion.
    public func getChildren(_ path: String, watch: Bool) async throws -> (children: [String], watch: WatchStream?) {
        try validatePath(path)
        let request = ClientRequest.getChildren(GetChildrenRequest(path: path, watch: watch))
        let (stream, reply) = try await watched(request, path: path, kind: watch ? .child : nil)
        guard reply.err == .ok else { throw ZooKeeperError(code: reply.err, path: path) }
        guard case .getChildren(let response) = reply.body else { throw Self.unexpectedReply(path) }
        return (response.children, stream)
    }

    /// The children and the node's Stat (getChildren2, op 12), optionally with a one-shot child watch.
    public func getChildrenWithStat(_ path: String, watch: Bool = false) async throws
        -> (children: [String], stat: Stat, watch: WatchStream?) {
        try validatePath(path)
        let request = ClientRequest.getChildren2(GetChildren2Request(path: path, watch: watch))
        let (stream, reply) = try await watched(request, path: path, kind: watch ? .child : nil)
        guard reply.err == .ok else { throw ZooKeeperError(code: reply.err, path: path) }
        guard case .getChildren2(let response) = reply.body else { throw Self.unexpectedReply(path) }
        return (response.children, response.stat, stream)
    }

    /// The number of nodes below `path`, at any depth (the node itself not counted).
    public func getAllChildrenNumber(_ path: String) async throws -> Int {
        try validatePath(path)
        guard case .allChildrenNumber(let response) = try await request(
            .getAllChildrenNumber(GetAllChildrenNumberRequest(path: path)), path: path) else {
            throw Self.unexpectedReply(path)
        }
        return Int(response.totalNumber)
    }

    /// This session's ephemeral nodes whose path starts with `prefix` (a plain string prefix).
    public func getEphemerals(prefix: String = "/") async throws -> [String] {
        try validatePath(prefix)
        guard case .ephemerals(let response) = try await request(
            .getEphemerals(GetEphemeralsRequest(prefixPath: prefix)), path: prefix) else {
            throw Self.unexpectedReply(prefix)
        }
        return response.ephemerals
    }

    /// Waits until the connected server has caught up with the leader as of now.
    public func sync(_ path: String) async throws {
        try validatePath(path)
        _ = try await request(.sync(SyncRequest(path: path)), path: path)
    }

    /// The identities the server associates with this connection (whoAmI, op 107).
    public func whoAmI() async throws -> [ClientInfo] {
        guard case .whoAmI(let response) = try await request(.whoAmI, path: nil) else { throw Self.unexpectedReply(nil) }
        return response.clientInfo
    }

    /// The ensemble configuration node `/zookeeper/config` (never chroot-prefixed), optionally watched.
    public func getConfig(watch: Bool = false) async throws -> (data: [UInt8]?, stat: Stat, watch: WatchStream?) {
        let path = "/zookeeper/config"
        let request = ClientRequest.getData(GetDataRequest(path: path, watch: watch))
        let (stream, reply) = try await watched(request, path: path, kind: watch ? .data : nil, chrooted: false)
        guard reply.err == .ok else { throw ZooKeeperError(code: reply.err, path: path) }
        guard case .getData(let response) = reply.body else { throw Self.unexpectedReply(path) }
        return (response.data, response.stat, stream)
    }

    /// Changes the ensemble membership (reconfig, op 16): incremental with `joining`/`leaving`, or
    /// bulk with `newMembers`; `fromConfig` is the expected config version (-1 any). Returns the new config.
    public func reconfig(joining: String? = nil, leaving: String? = nil, newMembers: String? = nil,
                         fromConfig: Int64 = -1) async throws -> (data: [UInt8]?, stat: Stat) {
        let request = ClientRequest.reconfig(ReconfigRequest(
            joiningServers: joining, leavingServers: leaving, newMembers: newMembers, curConfigId: fromConfig))
        guard case .getData(let response) = try await self.request(request, path: "/zookeeper/config", chrooted: false) else {
            throw Self.unexpectedReply("/zookeeper/config")
        }
        return (response.data, response.stat)
    }

    // MARK: - Helpers

    /// Sends a read that may set a one-shot watch of `kind`; the stream is returned only when the
    /// server accepted the registration (exists: also on NoNode).
    private func watched(_ request: ClientRequest, path: String, kind: WatchKind?, chrooted: Bool = true)
        async throws -> (WatchStream?, ClientReply) {
        guard let kind else {
            let reply = try await perform(path: path) { machine, id, now in
                machine.submit(request, id: id, chrooted: chrooted, now: now)
            }
            return (nil, reply)
        }
        let (stream, sink) = makeWatch(kind: kind, path: path)
        let reply = try await perform(path: path, sink: sink) { machine, id, now in
            machine.submit(request, id: id, watch: (stream.id, kind), chrooted: chrooted, now: now)
        }
        let registered = reply.err == .ok || (kind == .exist && reply.err == .noNode)
        return (registered ? stream : nil, reply)
    }

    /// The error for a reply whose record does not fit the request (a server bug).
    static func unexpectedReply(_ path: String?) -> ZooKeeperError {
        ZooKeeperError(code: .marshallingError, path: path, detail: "reply record does not match the request")
    }
}
