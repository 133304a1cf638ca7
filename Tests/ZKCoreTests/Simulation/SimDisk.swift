import ZKCore

/// One simulated server's disk: a txn log whose tail is durable only after a simulated fsync,
/// at most one snapshot, and the two epoch files (written synchronously, as ZooKeeper does).
/// A crash keeps only what was durable.
struct SimDisk {
    var log: [LoggedTxn] = []
    /// Entries of `log` that are durable.
    var durable = 0
    var snapshot: (zxid: Zxid, bytes: [UInt8])?
    var acceptedEpoch: Int32 = 0
    var currentEpoch: Int32 = 0
    /// Bumped by truncation and reloads, so that fsyncs scheduled before them report nothing.
    var generation = 0

    /// A crash: whatever was not synced is gone.
    mutating func crash() {
        log.removeLast(log.count - durable)
        generation += 1
    }

    /// TRUNC: drops every txn after `zxid` (and a snapshot beyond it).
    mutating func truncate(to zxid: Zxid) {
        log.removeAll { $0.zxid > zxid }
        durable = min(durable, log.count)
        if let snap = snapshot, snap.zxid > zxid { snapshot = nil }
        generation += 1
    }

    /// Writes `tree` as the snapshot, durably, through the real snapshot writer, and retires the
    /// log before it (as `TxnLogTruncation.retireAll` does after a SNAP).
    mutating func writeSnapshot(of core: ServerCore) {
        snapshot = (core.tree.lastProcessedZxid, SimDisk.serialize(core))
        log.removeAll()
        durable = 0
        generation += 1
    }

    /// The tree as the real snapshot writer lays it out.
    static func serialize(_ core: ServerCore) -> [UInt8] {
        var writer = SnapshotWriter(tree: core.tree, sessions: core.liveSessions)
        var bytes: [UInt8] = []
        while let chunk = writer.nextChunk(maxNodes: 1000) { bytes += chunk }
        return bytes
    }

    /// Reads a snapshot with the real reader.
    static func deserialize(_ bytes: [UInt8], zxid: Zxid) -> RecoveredState {
        let restored = try! SnapshotReader.decode(bytes, zxid: zxid)
        return RecoveredState(tree: restored.tree,
                              sessions: Dictionary(restored.sessions.map { ($0.id, $0.timeoutMs) }, uniquingKeysWith: { $1 }),
                              snapshotDigest: restored.digest)
    }

    /// What start-up recovery rebuilds from this disk: the snapshot, then every later logged txn
    /// replayed (durable or not: a reload, unlike a crash, reads the file as it is).
    func load(historyCount: Int = 500) -> PeerDurableState {
        var recovered = snapshot.map { SimDisk.deserialize($0.bytes, zxid: $0.zxid) } ?? RecoveredState()
        let base = snapshot?.zxid ?? .zero
        var replayed: [LoggedTxn] = []
        for txn in log where txn.zxid > base {
            recovered.replay(TxnLogEntry(header: txn.header, body: txn.body, digest: txn.digest))
            replayed.append(txn)
        }
        let last = max(base, log.last?.zxid ?? .zero)
        return PeerDurableState(recovered: recovered, lastLogged: last, history: Array(replayed.suffix(historyCount)),
                                acceptedEpoch: acceptedEpoch, currentEpoch: currentEpoch)
    }

    /// The logged txns by zxid, for `holds` (build once per check, not per txn).
    func index() -> [Zxid: LoggedTxn] {
        Dictionary(log.map { ($0.zxid, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// True when this disk holds `txn` (in its log, or below its snapshot point).
    func holds(_ txn: LoggedTxn, index: [Zxid: LoggedTxn]) -> Bool {
        if let snap = snapshot, txn.zxid <= snap.zxid { return true }
        return index[txn.zxid] == txn
    }
}
