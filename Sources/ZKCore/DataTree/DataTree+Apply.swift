/// Outcome of applying one txn (ZooKeeper's `DataTree.ProcessTxnResult`).
public struct ApplyResult: Sendable {
    public var type: OpCode
    public var err: ErrorCode = .ok
    public var path: String = ""
    public var stat: Stat?
    public var multi: [ApplyResult] = []
}

/// Applying logged txns to the tree (ZooKeeper's `DataTree.processTxn`): used by the server after
/// a txn is durable and by recovery when the log is replayed over a snapshot.
extension DataTree {
    /// Applies one txn to the tree and advances its last processed zxid.
    public func apply(_ header: TxnHeader, _ body: TxnBody, triggers: inout [WatchTrigger]) -> ApplyResult {
        var result: ApplyResult
        if case .multi(let subs) = body {
            result = ApplyResult(type: .multi)
            let failed = subs.contains { $0.type == .error }
            var postFailed = false
            for sub in subs {
                var type = sub.type
                var body = sub.body
                if case .error = body { postFailed = true }
                if failed && type != .error {
                    type = .error
                    body = .error(ErrorTxn(err: postFailed ? .runtimeInconsistency : .ok))
                }
                let subResult = applyBody(body, type: type, header: header, triggers: &triggers)
                if subResult.err != .ok && result.err == .ok { result.err = subResult.err }
                result.multi.append(subResult)
            }
        } else {
            result = applyBody(body, type: header.type, header: header, triggers: &triggers)
        }
        lastProcessedZxid = Zxid(header.zxid)
        return result
    }

    private func applyBody(_ body: TxnBody, type: OpCode, header: TxnHeader,
                           triggers: inout [WatchTrigger]) -> ApplyResult {
        var result = ApplyResult(type: type)
        let zxid = Zxid(header.zxid)
        do {
            switch body {
            case .createSession:
                break
            case .closeSession(let close):
                let session = SessionID(header.clientId)
                var paths = close?.paths2Delete ?? []
                let listed = Set(paths)
                paths += ephemeralPaths(of: session).filter { !listed.contains($0) }.sorted()
                for path in paths { try? deleteNode(path: path, zxid: zxid, triggers: &triggers) }
            case .create(let create):
                result.path = create.path
                let owner = create.ephemeral ? header.clientId : 0
                result.stat = try createNode(path: create.path, data: create.data, acl: create.acl,
                                                  ephemeralOwner: owner, parentCVersion: create.parentCVersion,
                                                  zxid: zxid, time: header.time, triggers: &triggers).clientStat()
            case .createV0(let v0):
                let create = v0.asCreateTxn
                result.path = create.path
                result.stat = try createNode(path: create.path, data: create.data, acl: create.acl,
                                                  ephemeralOwner: create.ephemeral ? header.clientId : 0,
                                                  parentCVersion: -1, zxid: zxid, time: header.time,
                                                  triggers: &triggers).clientStat()
            case .createContainer(let create):
                result.path = create.path
                result.stat = try createNode(path: create.path, data: create.data, acl: create.acl,
                                                  ephemeralOwner: EphemeralOwner.container,
                                                  parentCVersion: create.parentCVersion, zxid: zxid,
                                                  time: header.time, triggers: &triggers).clientStat()
            case .createTTL(let create):
                result.path = create.path
                result.stat = try createNode(path: create.path, data: create.data, acl: create.acl,
                                                  ephemeralOwner: EphemeralOwner.ttlOwner(create.ttl) ?? 0,
                                                  parentCVersion: create.parentCVersion, zxid: zxid,
                                                  time: header.time, triggers: &triggers).clientStat()
            case .delete(let delete):
                result.path = delete.path
                try deleteNode(path: delete.path, zxid: zxid, triggers: &triggers)
            case .setData(let set):
                result.path = set.path
                result.stat = try setData(path: set.path, data: set.data, version: set.version, zxid: zxid,
                                               time: header.time, triggers: &triggers).clientStat()
            case .setACL(let set):
                result.path = set.path
                result.stat = try setACL(path: set.path, acl: set.acl, version: set.version).clientStat()
            case .check(let check):
                result.path = check.path
            case .error(let error):
                result.err = error.err
            case .multi:
                result.err = .marshallingError
            }
        } catch {
            result.err = error
        }
        return result
    }

}
