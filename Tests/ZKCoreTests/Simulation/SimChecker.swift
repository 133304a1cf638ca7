import ZKCore

/// The safety properties, checked after every event, and the liveness and convergence
/// properties checked once the faults end (issue 10's list).
struct SimChecker {
    /// Every txn any member applied, by zxid: all members must apply the same txn at a zxid.
    var applied: [Zxid: LoggedTxn] = [:]
    /// Per member, the last txn applied since it last (re)loaded its database.
    var lastApplied: [Int: Zxid] = [:]
    /// The tree digest any member had right after applying each zxid.
    var digestAt: [Zxid: UInt64] = [:]
    /// The member that established each epoch.
    var epochLeader: [Int32: Int] = [:]
    /// The epoch each member last established as leader (checked once per epoch).
    var establishedBy: [Int: Int32] = [:]
    /// Writes a client saw acknowledged.
    var acknowledged: [(zxid: Zxid, what: String, at: Int64)] = []
    var failures: [String] = []
    /// Members whose tree came from a SNAP stream and has not yet matched the digest another
    /// member had at the same zxid: a fuzzy stream holds some changes of txns after its zxid
    /// until the learner applies those, so its digests are not comparable before then. Kept
    /// across restarts (a reload replays the same fuzzy snapshot); persistent divergence still
    /// fails the convergence check at the end.
    var fuzzy: Set<Int> = []

    mutating func fail(_ message: String) {
        if failures.count < 20 { failures.append(message) }
    }

    mutating func nodeRestarted(_ i: Int) { lastApplied[i] = nil }

    mutating func snapshotLoaded(_ i: Int) { fuzzy.insert(i) }

    mutating func acknowledged(_ zxid: Zxid, what: String, at: Int64) {
        acknowledged.append((zxid, what, at))
    }

    /// Txns member `i` applied in one event, and its digest afterwards.
    mutating func applied(_ txns: [LoggedTxn], node i: Int, digest: UInt64, treeZxid: Zxid) {
        for txn in txns {
            if let known = applied[txn.zxid], known != txn {
                fail("n\(i + 1) applied a different txn at \(txn.zxid): \(txn.header.type) vs \(known.header.type)")
            }
            applied[txn.zxid] = txn
            if let last = lastApplied[i] {
                if txn.zxid <= last { fail("n\(i + 1) applied \(txn.zxid) after \(last)") }
                if txn.zxid.epoch == last.epoch && txn.zxid.counter != last.counter &+ 1 {
                    fail("n\(i + 1) applied \(txn.zxid) after \(last): a gap in one epoch")
                }
            }
            lastApplied[i] = txn.zxid
        }
        guard !txns.isEmpty else { return }
        if fuzzy.contains(i) {
            if digestAt[treeZxid] == digest { fuzzy.remove(i) }
            return
        }
        if let known = digestAt[treeZxid], known != digest {
            fail("n\(i + 1) has digest \(digest) at \(treeZxid), another member had \(known)")
        }
        digestAt[treeZxid] = digest
    }

    /// At most one leader per epoch, and a new leader holds every txn ever committed (checked
    /// for the member that just handled an event).
    mutating func leaderCheck(_ cluster: SimCluster, node i: Int) {
        guard case .leading(let leader)? = cluster.nodes[i].peer?.role, leader.phase == .broadcast else { return }
        if let other = epochLeader[leader.epoch], other != i {
            fail("epoch \(leader.epoch) has two leaders: n\(other + 1) and n\(i + 1)")
        }
        epochLeader[leader.epoch] = i
        guard establishedBy[i] != leader.epoch else { return }
        establishedBy[i] = leader.epoch
        let disk = cluster.nodes[i].disk
        let index = disk.index()
        for zxid in applied.keys.sorted() where !disk.holds(applied[zxid]!, index: index) {
            fail("n\(i + 1) leads epoch \(leader.epoch) without committed txn \(zxid)")
            break
        }
    }

    /// After the faults: every member has the same last zxid and digest, and every acknowledged
    /// write is in it.
    mutating func finalCheck(_ cluster: SimCluster) {
        let trees = cluster.nodes.indices.compactMap { i in cluster.nodes[i].peer.map { (i, $0.core.tree) } }
        guard trees.count == cluster.nodes.count else {
            fail("not every member is up at the end")
            return
        }
        let (first, tree) = trees[0]
        for (i, other) in trees.dropFirst() where other.lastProcessedZxid != tree.lastProcessedZxid
            || other.digest != tree.digest {
            fail("n\(i + 1) ends at \(other.lastProcessedZxid) digest \(other.digest), "
                + "n\(first + 1) at \(tree.lastProcessedZxid) digest \(tree.digest)")
        }
        let indexes = cluster.nodes.map { $0.disk.index() }
        for ack in acknowledged {
            guard let txn = applied[ack.zxid] else {
                fail("acknowledged \(ack.what) at \(ack.zxid) (t=\(ack.at)) was never applied")
                continue
            }
            if ack.zxid > tree.lastProcessedZxid { fail("acknowledged \(ack.what) at \(ack.zxid) is beyond the final state") }
            for i in cluster.nodes.indices where !cluster.nodes[i].disk.holds(txn, index: indexes[i]) {
                fail("n\(i + 1) lost acknowledged \(ack.what) at \(ack.zxid)")
                break
            }
        }
    }
}
