/// The container and TTL reaper (ZooKeeper's `ContainerManager`), run from `tick`.
extension ServerCore {
    /// Paths the reaper would delete now: empty containers that once had a child (or, if enabled,
    /// never-used ones older than the limit) and empty TTL nodes unchanged for longer than their TTL.
    func reapCandidates(now: CoreTime) -> [String] {
        var candidates: [String] = []
        for path in tree.containers.sorted() {
            guard let node = tree.node(at: path), node.children.isEmpty else { continue }
            if node.stat.cversion > 0 {
                candidates.append(path)
            } else if settings.containerMaxNeverUsedIntervalMs != 0,
                      now.wallMs - node.stat.mtime > settings.containerMaxNeverUsedIntervalMs {
                candidates.append(path)
            }
        }
        for path in tree.ttls.sorted() {
            guard let node = tree.node(at: path), node.children.isEmpty,
                  case .ttl(let ttl)? = NodeKind(ephemeralOwner: node.stat.ephemeralOwner) else { continue }
            if ttl != 0 && now.wallMs - node.stat.mtime > ttl { candidates.append(path) }
        }
        return candidates
    }

    /// Issues a deleteContainer txn (session 0, cxid 0) for each candidate, paced per minute.
    mutating func reapContainers(now: CoreTime, into actions: inout [CoreAction]) {
        let budget = max(1, Int(Int64(settings.containerMaxPerMinute) * settings.containerCheckIntervalMs / 60_000))
        for path in reapCandidates(now: now).prefix(budget) {
            let zxid = assignZxid()
            var header = TxnHeader(clientId: 0, cxid: 0, zxid: zxid.rawValue, time: now.wallMs, type: .deleteContainer)
            let txn: LoggedTxn
            do {
                let (_, body) = try prepareOne(.deleteContainer(path: path), connection: nil, session: .server,
                                               zxid: zxid, time: now.wallMs)
                txn = LoggedTxn(header: header, body: body, digest: currentTxnDigest())
            } catch {
                header.type = .error
                txn = LoggedTxn(header: header, body: .error(ErrorTxn(err: error)), digest: nil)
            }
            enqueue(txn, origin: .server, into: &actions)
        }
    }
}
