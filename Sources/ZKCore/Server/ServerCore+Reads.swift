/// Reads and session-level requests, answered from the applied tree (ZooKeeper's
/// `FinalRequestProcessor` for requests without a txn).
extension ServerCore {
    mutating func answerRead(_ id: ConnectionID, xid: Int32, _ request: ClientRequest, receivedAt: Int64,
                             now: CoreTime, into actions: inout [CoreAction]) {
        guard let connection = connections[id], let session = connection.session else { return }
        connections[id]?.outstanding -= 1
        outstandingTotal -= 1
        switch request {
        case .ping:
            reply(id, xid: Xid.ping, op: .ping, err: .ok, body: .none, receivedAt: receivedAt, now: now, into: &actions)
            return
        case .unknown, .check:
            // Unknown opcodes (and check outside a multi, as 3.8.5+ treats it) end the connection.
            reply(id, xid: xid, op: request.opCode, err: .unimplemented, body: .none, zxid: Zxid.none.rawValue,
                  receivedAt: receivedAt, now: now, into: &actions)
            dropConnection(id, reason: "unsupported opcode \(request.opCode.rawValue)", into: &actions)
            return
        default:
            break
        }
        let (err, body): (ErrorCode, ReplyBody)
        var events: [WatcherEvent] = []
        if !sessions.isActive(session) {
            (err, body) = (.sessionExpired, .none)
        } else {
            do {
                body = try read(request, connection: connection, events: &events)
                err = .ok
            } catch {
                (err, body) = (error, .none)
            }
        }
        for event in events { send(id, .notification(event), into: &actions) }
        reply(id, xid: xid, op: request.opCode, err: err, body: body, receivedAt: receivedAt, now: now, into: &actions)
    }

    private mutating func read(_ request: ClientRequest, connection: ClientConnection,
                               events: inout [WatcherEvent]) throws(ErrorCode) -> ReplyBody {
        let id = connection.id
        switch request {
        case .exists(let exists):
            if exists.path.utf8.contains(0) { throw .badArguments }
            guard let node = tree.node(at: exists.path) else {
                if exists.watch { watches.addDataWatch(path: exists.path, connection: id) }
                throw .noNode
            }
            try requirePermission(.read, on: tree.acl(of: node), connection)
            if exists.watch { watches.addDataWatch(path: exists.path, connection: id) }
            return .stat(node.clientStat())
        case .getData(let get):
            let node = try readableNode(get.path, connection)
            if get.watch { watches.addDataWatch(path: get.path, connection: id) }
            return .getData(GetDataResponse(data: node.data, stat: node.clientStat()))
        case .getACL(let get):
            guard let node = tree.node(at: get.path) else { throw .noNode }
            let list = tree.acl(of: node)
            try requirePermission([.read, .admin], on: list, connection)
            let admin = acl.checkACL(acl: list, wanted: .admin, ids: connection.authIDs)
            return .getACL(GetACLResponse(acl: admin ? list : ACLChecker.maskedForGetACL(acl: list),
                                          stat: node.clientStat()))
        case .getChildren(let get):
            let node = try readableNode(get.path, connection)
            if get.watch { watches.addChildWatch(path: get.path, connection: id) }
            return .getChildren(GetChildrenResponse(children: Array(node.children)))
        case .getChildren2(let get):
            let node = try readableNode(get.path, connection)
            if get.watch { watches.addChildWatch(path: get.path, connection: id) }
            return .getChildren2(GetChildren2Response(children: Array(node.children), stat: node.clientStat()))
        case .getAllChildrenNumber(let get):
            _ = try readableNode(get.path, connection)
            return .allChildrenNumber(GetAllChildrenNumberResponse(totalNumber: Int32(tree.allChildrenNumber(of: get.path))))
        case .getEphemerals(let get):
            let all = tree.ephemeralPaths(of: connection.session ?? .server)
            let prefix = get.prefixPath?.trimmingSpaces ?? ""
            let chosen = (prefix.isEmpty || prefix == "/") ? Array(all) : all.filter { $0.hasPrefix(get.prefixPath ?? "") }
            return .ephemerals(GetEphemeralsResponse(ephemerals: chosen.sorted()))
        case .sync(let sync):
            return .sync(SyncResponse(path: sync.path))
        case .multiRead(let record):
            guard record.isReadOnly else { throw .marshallingError }
            var results: [MultiResult] = []
            for op in record.ops {
                do throws(ErrorCode) {
                    switch op {
                    case .getData(let get):
                        let node = try readableNode(get.path, connection)
                        results.append(.getData(GetDataResponse(data: node.data, stat: node.clientStat())))
                    case .getChildren(let get):
                        let node = try readableNode(get.path, connection)
                        results.append(.getChildren(GetChildrenResponse(children: Array(node.children))))
                    default:
                        throw .marshallingError
                    }
                } catch {
                    results.append(.error(error))
                }
            }
            return .multi(MultiResponse(results: results))
        case .setWatches(let set):
            setWatches(relativeZxid: set.relativeZxid, data: set.dataWatches, exist: set.existWatches,
                       child: set.childWatches, persistent: [], recursive: [], connection: id, events: &events)
            return .none
        case .setWatches2(let set):
            setWatches(relativeZxid: set.relativeZxid, data: set.dataWatches, exist: set.existWatches,
                       child: set.childWatches, persistent: set.persistentWatches,
                       recursive: set.persistentRecursiveWatches, connection: id, events: &events)
            return .none
        case .addWatch(let add):
            switch add.mode {
            case .persistent: watches.addPersistentWatch(path: add.path, connection: id, recursive: false)
            case .persistentRecursive: watches.addPersistentWatch(path: add.path, connection: id, recursive: true)
            default: throw .marshallingError
            }
            return .errorResponse(ErrorResponse(err: .ok))
        case .checkWatches(let check):
            guard (1...3).contains(check.type.rawValue) else { throw .marshallingError }
            if !watches.hasWatch(path: check.path, connection: id, type: check.type.rawValue) { throw .noWatcher }
            return .none
        case .removeWatches(let remove):
            guard (1...3).contains(remove.type.rawValue) else { throw .marshallingError }
            if !watches.removeWatch(path: remove.path, connection: id, type: remove.type.rawValue) { throw .noWatcher }
            return .none
        case .whoAmI:
            return .whoAmI(WhoAmIResponse(clientInfo: acl.clientInfos(for: connection.authIDs)))
        case .undecodable:
            throw .marshallingError
        case .create, .createTTL, .delete, .deleteContainer, .setData, .setACL, .multi, .reconfig, .closeSession,
             .ping, .check, .unknown, .auth, .sasl:
            throw .marshallingError
        }
    }

    /// The node at `path` if it exists and the connection may read it (NoNode before NoAuth).
    private func readableNode(_ path: String, _ connection: ClientConnection) throws(ErrorCode) -> DataNode {
        guard let node = tree.node(at: path) else { throw .noNode }
        try requirePermission(.read, on: tree.acl(of: node), connection)
        return node
    }

    /// Re-arms watches after a reconnect, firing at once what changed since `relativeZxid`
    /// (ZooKeeper's `DataTree.setWatches`).
    private mutating func setWatches(relativeZxid: Int64, data: [String], exist: [String], child: [String],
                                     persistent: [String], recursive: [String], connection id: ConnectionID,
                                     events: inout [WatcherEvent]) {
        for path in data {
            if let node = tree.node(at: path) {
                if node.stat.mzxid > relativeZxid {
                    events.append(WatcherEvent(type: .nodeDataChanged, path: path))
                } else {
                    watches.addDataWatch(path: path, connection: id)
                }
            } else {
                events.append(WatcherEvent(type: .nodeDeleted, path: path))
            }
        }
        for path in exist {
            if tree.node(at: path) != nil {
                events.append(WatcherEvent(type: .nodeCreated, path: path))
            } else {
                watches.addDataWatch(path: path, connection: id)
            }
        }
        for path in child {
            if let node = tree.node(at: path) {
                if node.stat.pzxid > relativeZxid {
                    events.append(WatcherEvent(type: .nodeChildrenChanged, path: path))
                } else {
                    watches.addChildWatch(path: path, connection: id)
                }
            } else {
                events.append(WatcherEvent(type: .nodeDeleted, path: path))
            }
        }
        for path in persistent { watches.addPersistentWatch(path: path, connection: id, recursive: false) }
        for path in recursive { watches.addPersistentWatch(path: path, connection: id, recursive: true) }
    }
}

extension String {
    /// The string without leading and trailing spaces (Java's `trim` for ASCII).
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
