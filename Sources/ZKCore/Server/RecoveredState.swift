/// The database as recovery rebuilds it: a snapshot's tree and sessions with the log replayed on
/// top (ZooKeeper's `FileTxnSnapLog.restore` and `processTransaction`).
///
/// Snapshots are fuzzy, so a replayed txn may already be partly in the tree: the tree's apply
/// rules are idempotent for that (a create of an existing node still moves its parent forward).
public struct RecoveredState {
    public let tree: DataTree
    /// Live sessions and their timeouts.
    public private(set) var sessions: [SessionID: Int32]
    /// Txns applied from the log.
    public private(set) var txnsReplayed = 0
    /// Txns whose recorded digest differed from the tree's after applying them (logged, never fatal).
    public private(set) var digestMismatches: [Zxid] = []

    /// The digest a fuzzy snapshot recorded at the end of its serialization. Until replay reaches
    /// its zxid the tree holds a mix of older and newer changes, so, as ZooKeeper does, txn digests
    /// are compared only after that point, and at that point with the snapshot's own digest.
    private var snapshotDigest: SnapshotDigest?
    /// Watch triggers the tree reports; recovery has no watchers, so they are dropped (one array
    /// reused for every txn).
    private var triggers: [WatchTrigger] = []

    public init(tree: DataTree = DataTree(), sessions: [SessionID: Int32] = [:], snapshotDigest: SnapshotDigest? = nil) {
        self.tree = tree
        self.sessions = sessions
        if let digest = snapshotDigest, digest.zxid > tree.lastProcessedZxid { self.snapshotDigest = digest }
    }

    /// Applies one logged txn; txns at or below the tree's zxid were already in the snapshot's start.
    /// Returns whether it was applied (false: skipped as already in the tree).
    @discardableResult
    public mutating func replay(_ entry: TxnLogEntry) -> Bool {
        let header = entry.header
        guard header.zxid > tree.lastProcessedZxid.rawValue else { return false }
        switch entry.body {
        case .createSession(let create):
            sessions[SessionID(header.clientId)] = create.timeOut
        case .closeSession:
            sessions[SessionID(header.clientId)] = nil
        default:
            break
        }
        triggers.removeAll(keepingCapacity: true)
        _ = tree.apply(header, entry.body, triggers: &triggers)
        txnsReplayed += 1
        let zxid = Zxid(header.zxid)
        if let fuzzy = snapshotDigest {
            guard zxid >= fuzzy.zxid else { return true }
            snapshotDigest = nil
            if zxid == fuzzy.zxid, fuzzy.value != tree.digest { digestMismatches.append(zxid) }
            return true
        }
        if let digest = entry.digest, UInt64(bitPattern: digest.treeDigest) != tree.digest {
            digestMismatches.append(zxid)
        }
        return true
    }
}
