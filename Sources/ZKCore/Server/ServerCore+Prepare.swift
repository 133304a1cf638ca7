/// Write preparation: turning a request into a transaction against the tree plus every change
/// still in flight (ZooKeeper's `PrepRequestProcessor.pRequest2Txn`). A failure becomes an error
/// txn that still consumes its zxid, exactly as ZooKeeper logs it.
extension ServerCore {
    /// Prepares a write request; never fails (failures are error txns).
    mutating func prepareWrite(_ request: ClientRequest, xid: Int32, connection: ClientConnection, session: SessionID,
                               zxid: Zxid, now: CoreTime) -> LoggedTxn {
        var header = TxnHeader(clientId: session.rawValue, cxid: xid, zxid: zxid.rawValue, time: now.wallMs,
                               type: request.opCode)
        do {
            let body: TxnBody
            switch request {
            case .multi(let record):
                return prepareMulti(record, header: header, connection: connection, session: session)
            case .closeSession:
                try checkSession(session)
                body = prepareClose(of: session, zxid: zxid)
            default:
                try checkSession(session)
                let (type, prepared) = try prepareOne(request, connection: connection, session: session,
                                                      zxid: zxid, time: now.wallMs)
                header.type = type
                body = prepared
            }
            return LoggedTxn(header: header, body: body, digest: currentTxnDigest())
        } catch {
            header.type = .error
            return LoggedTxn(header: header, body: .error(ErrorTxn(err: error)), digest: nil)
        }
    }

    /// The digest a txn prepared now carries, if digests are on.
    func currentTxnDigest() -> TxnDigest? {
        settings.digestEnabled ? TxnDigest(version: TreeDigest.version, treeDigest: Int64(bitPattern: pendingDigest)) : nil
    }

    /// SessionExpired for a session that is closing or gone.
    func checkSession(_ session: SessionID) throws(ErrorCode) {
        if !sessions.isActive(session) { throw .sessionExpired }
    }

    /// Prepares one create/delete/setData/setACL/check request (also used for multi sub-ops).
    mutating func prepareOne(_ request: ClientRequest, connection: ClientConnection?, session: SessionID,
                             zxid: Zxid, time: Int64) throws(ErrorCode) -> (OpCode, TxnBody) {
        switch request {
        case let .create(op, create):
            return try prepareCreate(op: op, path: create.path, data: create.data, acl: create.acl,
                                     flags: create.flags, ttl: -1, connection: connection, session: session,
                                     zxid: zxid, time: time)
        case let .createTTL(create):
            return try prepareCreate(op: .createTTL, path: create.path, data: create.data, acl: create.acl,
                                     flags: create.flags, ttl: create.ttl, connection: connection, session: session,
                                     zxid: zxid, time: time)
        case let .delete(delete):
            return (.delete, try prepareDelete(path: delete.path, version: delete.version,
                                               connection: connection, zxid: zxid, container: false))
        case let .deleteContainer(path):
            return (.deleteContainer, try prepareDelete(path: path, version: -1, connection: nil, zxid: zxid,
                                                        container: true))
        case let .setData(set):
            return (.setData, try prepareSetData(set, connection: connection, zxid: zxid, time: time))
        case let .setACL(set):
            return (.setACL, try prepareSetACL(set, connection: connection, zxid: zxid))
        case let .check(check):
            try PathValidation.requireValid(check.path)
            let record = try record(for: check.path)
            try requirePermission(.read, on: record.acl, connection)
            let next = try nextVersion(current: record.stat?.version ?? 0, expected: check.version)
            return (.check, .check(CheckVersionTxn(path: check.path, version: next)))
        case .reconfig:
            throw settings.reconfigEnabled ? .unimplemented : .reconfigDisabled
        case .undecodable:
            throw .marshallingError
        default:
            throw .marshallingError
        }
    }

    // MARK: - Records against pending changes

    /// The view of `path` after every in-flight txn (ZooKeeper's `getRecordForPath`).
    func record(for path: String) throws(ErrorCode) -> ChangeRecord {
        let key = path.isEmpty ? "/" : path
        if let pendingRecord = pending.record(for: key) {
            guard pendingRecord.exists else { throw .noNode }
            return pendingRecord
        }
        guard let node = tree.node(at: key) else { throw .noNode }
        return ChangeRecord(zxid: -1, path: key, stat: node.stat, childCount: node.children.count,
                            acl: tree.acl(of: node), data: node.data)
    }

    /// Adds a change record and moves the pending digest from the path's old view to the new one.
    mutating func addChange(_ change: ChangeRecord) {
        var change = change
        let old: UInt64
        if let previous = pending.record(for: change.path) {
            old = previous.digest
        } else if let node = tree.node(at: change.path) {
            old = node.digest
        } else {
            old = 0
        }
        change.digest = change.stat.map { TreeDigest.node(path: change.path, data: change.data, stat: $0) } ?? 0
        pendingDigest = pendingDigest &- old &+ change.digest
        pending.add(change)
    }

    func requirePermission(_ wanted: Perms, on list: [ACL], _ connection: ClientConnection?) throws(ErrorCode) {
        guard let connection else { return }
        if !acl.checkACL(acl: list, wanted: wanted, ids: connection.authIDs) { throw .noAuth }
    }

    func nextVersion(current: Int32, expected: Int32) throws(ErrorCode) -> Int32 {
        if expected != -1 && expected != current { throw .badVersion }
        return current &+ 1
    }

    // MARK: - Individual writes

    private mutating func prepareCreate(op: OpCode, path: String, data: [UInt8]?, acl requested: [ACL], flags: Int32,
                                        ttl: Int64, connection: ClientConnection?, session: SessionID, zxid: Zxid,
                                        time: Int64) throws(ErrorCode) -> (OpCode, TxnBody) {
        guard let mode = CreateMode(rawValue: flags) else { throw .badArguments }
        if mode.isTTL && !settings.extendedTypesEnabled { throw .unimplemented }
        if mode.isTTL {
            if !EphemeralOwner.isValidTTL(ttl) { throw .badArguments }
        } else if ttl >= 0 {
            throw .badArguments
        }
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")), !path.utf8.contains(0) else {
            throw .badArguments
        }
        let parentPath = String(path[..<slash])
        let fixed: [ACL]
        switch acl.fixupACL(acl: requested, authIds: connection?.authIDs ?? []) {
        case .success(let list): fixed = list
        case .failure(let code): throw code
        }
        let parent = try record(for: parentPath)
        try requirePermission(.create, on: parent.acl, connection)
        let parentStat = parent.stat ?? StatPersisted()
        var finalPath = path
        if mode.isSequential { finalPath += PathValidation.sequentialSuffix(parentStat.cversion) }
        try PathValidation.requireValid(finalPath)
        if (try? record(for: finalPath)) != nil { throw .nodeExists }
        if case .ephemeral = NodeKind(ephemeralOwner: parentStat.ephemeralOwner) { throw .noChildrenForEphemerals }
        let newCVersion = parentStat.cversion &+ 1

        let body: TxnBody
        let owner: Int64
        switch op {
        case .createContainer:
            body = .createContainer(CreateContainerTxn(path: finalPath, data: data, acl: fixed, parentCVersion: newCVersion))
            owner = EphemeralOwner.container
        case .createTTL:
            body = .createTTL(CreateTTLTxn(path: finalPath, data: data, acl: fixed, parentCVersion: newCVersion, ttl: ttl))
            owner = EphemeralOwner.ttlOwner(ttl) ?? 0
        default:
            body = .create(CreateTxn(path: finalPath, data: data, acl: fixed, ephemeral: mode.isEphemeral,
                                     parentCVersion: newCVersion))
            owner = mode.isEphemeral ? session.rawValue : 0
        }
        var newParent = parent
        newParent.zxid = zxid.rawValue
        newParent.childCount += 1
        newParent.stat?.cversion = newCVersion
        newParent.stat?.pzxid = zxid.rawValue
        addChange(newParent)
        var stat = StatPersisted()
        stat.czxid = zxid.rawValue; stat.mzxid = zxid.rawValue; stat.pzxid = zxid.rawValue
        stat.ctime = time; stat.mtime = time; stat.ephemeralOwner = owner
        addChange(ChangeRecord(zxid: zxid.rawValue, path: finalPath, stat: stat, childCount: 0, acl: fixed, data: data))
        return (op, body)
    }

    private mutating func prepareDelete(path: String, version: Int32, connection: ClientConnection?, zxid: Zxid,
                                        container: Bool) throws(ErrorCode) -> TxnBody {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")), !path.utf8.contains(0),
              !PathValidation.isUndeletable(path) else { throw .badArguments }
        let parentPath = String(path[..<slash])
        let parent = try record(for: parentPath)
        try requirePermission(.delete, on: parent.acl, connection)
        let node = try record(for: path)
        if container {
            // The reaper only removes containers and TTL nodes, never a node that became ephemeral.
            if case .ephemeral = NodeKind(ephemeralOwner: node.stat?.ephemeralOwner ?? 0) { throw .badVersion }
        }
        _ = try nextVersion(current: node.stat?.version ?? 0, expected: version)
        if node.childCount > 0 { throw .notEmpty }
        var newParent = parent
        newParent.zxid = zxid.rawValue
        newParent.childCount -= 1
        newParent.stat?.pzxid = zxid.rawValue
        addChange(newParent)
        addChange(ChangeRecord(zxid: zxid.rawValue, path: path, stat: nil, childCount: -1, acl: [], data: []))
        return .delete(DeleteTxn(path: path))
    }

    private mutating func prepareSetData(_ set: SetDataRequest, connection: ClientConnection?, zxid: Zxid,
                                         time: Int64) throws(ErrorCode) -> TxnBody {
        try PathValidation.requireValid(set.path)
        var node = try record(for: set.path)
        try requirePermission(.write, on: node.acl, connection)
        let version = try nextVersion(current: node.stat?.version ?? 0, expected: set.version)
        node.zxid = zxid.rawValue
        node.stat?.version = version
        node.stat?.mtime = time
        node.stat?.mzxid = zxid.rawValue
        node.data = set.data
        addChange(node)
        return .setData(SetDataTxn(path: set.path, data: set.data, version: version))
    }

    private mutating func prepareSetACL(_ set: SetACLRequest, connection: ClientConnection?,
                                        zxid: Zxid) throws(ErrorCode) -> TxnBody {
        try PathValidation.requireValid(set.path)
        let fixed: [ACL]
        switch acl.fixupACL(acl: set.acl, authIds: connection?.authIDs ?? []) {
        case .success(let list): fixed = list
        case .failure(let code): throw code
        }
        var node = try record(for: set.path)
        try requirePermission(.admin, on: node.acl, connection)
        let version = try nextVersion(current: node.stat?.aversion ?? 0, expected: set.version)
        node.zxid = zxid.rawValue
        node.stat?.aversion = version
        node.acl = fixed
        addChange(node)
        return .setACL(SetACLTxn(path: set.path, acl: fixed, version: version))
    }

    /// The close txn of a session: every ephemeral it owns, counting in-flight creates and deletes.
    mutating func prepareClose(of session: SessionID, zxid: Zxid) -> TxnBody {
        var paths = tree.ephemeralPaths(of: session)
        let adjust = pending.ephemeralAdjustments(for: session)
        paths.formUnion(adjust.added)
        paths.subtract(adjust.deleted)
        let sorted = paths.sorted()
        for path in sorted {
            if let parentPath = PathValidation.parent(of: path), var parent = try? record(for: parentPath) {
                parent.zxid = zxid.rawValue
                parent.childCount -= 1
                parent.stat?.pzxid = zxid.rawValue
                addChange(parent)
            }
            addChange(ChangeRecord(zxid: zxid.rawValue, path: path, stat: nil, childCount: -1, acl: [], data: []))
        }
        sessions.setClosing(session)
        return .closeSession(settings.closeSessionTxnEnabled ? CloseSessionTxn(paths2Delete: sorted) : nil)
    }

    /// Starts closing a session on the server's own initiative (expiry).
    mutating func prepareServerClose(of session: SessionID, now: CoreTime, into actions: inout [CoreAction]) {
        let zxid = assignZxid()
        let header = TxnHeader(clientId: session.rawValue, cxid: 0, zxid: zxid.rawValue, time: now.wallMs,
                               type: .closeSession)
        let body = prepareClose(of: session, zxid: zxid)
        enqueue(LoggedTxn(header: header, body: body, digest: currentTxnDigest()), origin: .server, into: &actions)
    }

    // MARK: - Multi

    private mutating func prepareMulti(_ record: MultiOperationRecord, header: TxnHeader,
                                       connection: ClientConnection, session: SessionID) -> LoggedTxn {
        var header = header
        guard record.isWrite else {
            header.type = .error
            return LoggedTxn(header: header, body: .error(ErrorTxn(err: .marshallingError)), digest: nil)
        }
        let saved = pending.saved(record.ops.map(\.path) + record.ops.compactMap { PathValidation.parent(of: $0.path) })
        let savedDigest = pendingDigest
        var subs: [SubTxn] = []
        var failure: ErrorCode?
        for op in record.ops {
            if failure != nil {
                subs.append(SubTxn(type: .error, body: .error(ErrorTxn(err: .runtimeInconsistency))))
                continue
            }
            do {
                try checkSession(session)
                let (type, body) = try prepareOne(op.asRequest, connection: connection, session: session,
                                                  zxid: Zxid(header.zxid), time: header.time)
                subs.append(SubTxn(type: type, body: body))
            } catch {
                failure = error
                subs.append(SubTxn(type: .error, body: .error(ErrorTxn(err: error))))
                pending.restore(saved, dropping: header.zxid)
                pendingDigest = savedDigest
            }
        }
        return LoggedTxn(header: header, body: .multi(subs), digest: currentTxnDigest())
    }
}

extension MultiOp {
    /// The single request this sub-op stands for.
    var asRequest: ClientRequest {
        switch self {
        case let .create(op, request): return .create(op, request)
        case let .createTTL(request): return .createTTL(request)
        case let .delete(request): return .delete(request)
        case let .setData(request): return .setData(request)
        case let .check(request): return .check(request)
        case let .getChildren(request): return .getChildren(request)
        case let .getData(request): return .getData(request)
        }
    }
}

extension PathValidation {
    /// Validates a path for a write, answering BadArguments as ZooKeeper does.
    static func requireValid(_ path: String) throws(ErrorCode) {
        if !validate(path) { throw .badArguments }
    }
}
