import Testing
@testable import ZKCore

/// The data tree's apply step, driven directly: Stat bookkeeping, ACL interning, node-kind
/// tracking and the running digest (spec client-protocol §6–§8).
@Suite struct DataTreeTests {
    private func create(_ tree: DataTree, _ path: String, zxid: Int64, data: String = "", acl: [ACL] = ACL.openUnsafe,
                        owner: Int64 = 0, time: Int64 = 1000) throws {
        var triggers: [WatchTrigger] = []
        let parent = tree.node(at: DataTree.parentPath(path))!
        try tree.createNode(path: path, data: Array(data.utf8), acl: acl, ephemeralOwner: owner,
                            parentCVersion: parent.stat.cversion + 1, zxid: Zxid(zxid), time: time,
                            triggers: &triggers)
    }

    private func delete(_ tree: DataTree, _ path: String, zxid: Int64) throws {
        var triggers: [WatchTrigger] = []
        try tree.deleteNode(path: path, zxid: Zxid(zxid), triggers: &triggers)
    }

    @Test func builtInNodesShowApacheStats() {
        let tree = DataTree()
        let root = tree.node(at: "/")!.clientStat()
        #expect(root.cversion == -1)
        #expect(root.numChildren == 1)
        #expect(root.czxid == 0 && root.mzxid == 0 && root.pzxid == 0 && root.version == 0 && root.aversion == 0)

        let zookeeper = tree.node(at: "/zookeeper")!.clientStat()
        #expect(zookeeper.cversion == -2)
        #expect(zookeeper.numChildren == 2)
        #expect(tree.node(at: "/zookeeper")!.children == ["quota", "config"])

        let config = tree.node(at: "/zookeeper/config")!
        #expect(config.clientStat().aversion == -1)
        #expect(config.clientStat().version == 0)
        #expect(config.data == [], "built-in data is an empty buffer, not null")
        #expect(tree.acl(of: config) == ACL.readUnsafe)
        #expect(tree.acl(of: tree.node(at: "/zookeeper/quota")!) == ACL.openUnsafe)

        #expect(tree.reportedNodeCount == 5)
        #expect(tree.nodes.count == 4)
        #expect(tree.digest == tree.recomputedDigest())
    }

    @Test func createSetsNodeAndParentStats() throws {
        let tree = DataTree()
        var triggers: [WatchTrigger] = []
        let node = try tree.createNode(path: "/a", data: Array("hi".utf8), acl: ACL.openUnsafe, ephemeralOwner: 0,
                                       parentCVersion: 1, zxid: Zxid(5), time: 777, triggers: &triggers)
        let stat = node.clientStat()
        #expect(stat.czxid == 5 && stat.mzxid == 5 && stat.pzxid == 5)
        #expect(stat.ctime == 777 && stat.mtime == 777)
        #expect(stat.version == 0 && stat.cversion == 0 && stat.aversion == 0)
        #expect(stat.dataLength == 2 && stat.numChildren == 0 && stat.ephemeralOwner == 0)
        #expect(triggers == [.created(path: "/a", acl: ACL.openUnsafe), .childrenChanged(path: "/", acl: ACL.openUnsafe)])

        let root = tree.node(at: "/")!
        #expect(root.stat.cversion == 1)
        #expect(root.stat.pzxid == 5)
        #expect(root.stat.mzxid == 0)
        // 2 × 1 stored create − 2 children (zookeeper was never "created").
        #expect(root.clientStat().cversion == 0)
        #expect(tree.reportedNodeCount == 6)
    }

    @Test func createRejectsMissingParentAndExistingNode() throws {
        let tree = DataTree()
        var triggers: [WatchTrigger] = []
        #expect(throws: ErrorCode.noNode) {
            try tree.createNode(path: "/x/y", data: [], acl: ACL.openUnsafe, ephemeralOwner: 0, parentCVersion: -1,
                                zxid: Zxid(1), time: 0, triggers: &triggers)
        }
        try create(tree, "/a", zxid: 2)
        #expect(throws: ErrorCode.nodeExists) {
            try tree.createNode(path: "/a", data: [], acl: ACL.openUnsafe, ephemeralOwner: 0, parentCVersion: 9,
                                zxid: Zxid(3), time: 0, triggers: &triggers)
        }
        // The replayed create still moves the parent's counters forward.
        #expect(tree.node(at: "/")!.stat.cversion == 9)
        #expect(tree.node(at: "/")!.stat.pzxid == 3)
        #expect(tree.digest == tree.recomputedDigest())
    }

    @Test func clientCVersionCountsCreatesAndDeletes() throws {
        // The live-verified /s sequence of spec §8: three creates, two deletes.
        let tree = DataTree()
        try create(tree, "/s", zxid: 1)
        try create(tree, "/s/q-0000000000", zxid: 2)
        try create(tree, "/s/q-0000000001", zxid: 3)
        try create(tree, "/s/q-0000000002", zxid: 4)
        #expect(tree.node(at: "/s")!.clientStat().cversion == 3)
        try delete(tree, "/s/q-0000000002", zxid: 5)
        try delete(tree, "/s/q-0000000001", zxid: 6)
        let s = tree.node(at: "/s")!
        #expect(s.clientStat().cversion == 5)
        #expect(s.clientStat().numChildren == 1)
        #expect(s.clientStat().pzxid == 6)
        #expect(s.stat.cversion == 3)
        try create(tree, "/s/q-0000000003", zxid: 7)
        #expect(tree.node(at: "/s")!.clientStat().cversion == 6)
    }

    @Test func deleteOfMissingNodeStillRaisesParentPzxid() throws {
        let tree = DataTree()
        try create(tree, "/a", zxid: 1)
        #expect(throws: ErrorCode.noNode) { try delete(tree, "/a/gone", zxid: 9) }
        #expect(tree.node(at: "/a")!.stat.pzxid == 9)
        #expect(tree.digest == tree.recomputedDigest())
    }

    @Test func deleteTriggersAndParentStat() throws {
        let tree = DataTree()
        try create(tree, "/a", zxid: 1)
        try create(tree, "/a/b", zxid: 2, acl: [digestACL("u:p")])
        var triggers: [WatchTrigger] = []
        try tree.deleteNode(path: "/a/b", zxid: Zxid(3), triggers: &triggers)
        #expect(triggers == [.deleted(path: "/a/b", acl: [digestACL("u:p")]),
                             .childrenChanged(path: "/a", acl: ACL.openUnsafe)])
        let a = tree.node(at: "/a")!
        #expect(a.stat.pzxid == 3 && a.stat.cversion == 1 && a.stat.mzxid == 1)
        #expect(a.clientStat().cversion == 2)
        #expect(tree.node(at: "/a/b") == nil)
    }

    @Test func setDataAndSetACLTouchOnlyTheirFields() throws {
        let tree = DataTree()
        try create(tree, "/a", zxid: 1, data: "x", time: 100)
        var triggers: [WatchTrigger] = []
        let after = try tree.setData(path: "/a", data: Array("hello".utf8), version: 1, zxid: Zxid(2), time: 200,
                                     triggers: &triggers).clientStat()
        #expect(triggers == [.dataChanged(path: "/a", acl: ACL.openUnsafe)])
        #expect(after.version == 1 && after.mzxid == 2 && after.mtime == 200)
        #expect(after.czxid == 1 && after.ctime == 100 && after.pzxid == 1 && after.dataLength == 5)

        let acl = [ACL(perms: .read, id: .anyone)]
        let acled = try tree.setACL(path: "/a", acl: acl, version: 1).clientStat()
        #expect(acled.aversion == 1)
        #expect(acled.mzxid == 2 && acled.mtime == 200 && acled.version == 1)
        #expect(tree.acl(of: tree.node(at: "/a")!) == acl)
        #expect(throws: ErrorCode.noNode) {
            try tree.setData(path: "/nope", data: [], version: 1, zxid: Zxid(3), time: 0, triggers: &triggers)
        }
        #expect(throws: ErrorCode.noNode) { try tree.setACL(path: "/nope", acl: acl, version: 1) }
        #expect(tree.digest == tree.recomputedDigest())
    }

    @Test func aclCacheCountsReferences() throws {
        let tree = DataTree()
        let alice = [digestACL("alice:pw")]
        let bob = [digestACL("bob:pw", .read)]
        try create(tree, "/a", zxid: 1, acl: alice)
        try create(tree, "/b", zxid: 2, acl: alice)
        try create(tree, "/open", zxid: 3)
        let key = tree.node(at: "/a")!.aclKey
        #expect(tree.node(at: "/b")!.aclKey == key)
        #expect(tree.aclCache.references[key] == 2)
        // config's read-only list plus the open list (interned once used explicitly) plus alice's.
        let countWithAlice = tree.aclCache.count

        try delete(tree, "/a", zxid: 4)
        #expect(tree.aclCache.references[key] == 1)
        _ = try tree.setACL(path: "/b", acl: bob, version: 1)
        #expect(tree.aclCache.references[key] == nil)
        #expect(tree.aclCache.count == countWithAlice)
        let bobKey = tree.node(at: "/b")!.aclKey
        #expect(bobKey != key)
        #expect(tree.aclCache.references[bobKey] == 1)
        try delete(tree, "/b", zxid: 5)
        #expect(tree.aclCache.references[bobKey] == nil)
        #expect(tree.aclCache.count == countWithAlice - 1)
        // Re-interning alice's list gives a fresh key, never a recycled one.
        try create(tree, "/c", zxid: 6, acl: alice)
        #expect(tree.node(at: "/c")!.aclKey > bobKey)
    }

    @Test func ephemeralContainerAndTTLNodesAreTracked() throws {
        let tree = DataTree()
        let session = SessionID(0x0100_0000_0000_0001)
        let ttlOwner = EphemeralOwner.ttlOwner(600_000)!
        try create(tree, "/e1", zxid: 1, owner: session.rawValue)
        try create(tree, "/e2", zxid: 2, owner: session.rawValue)
        try create(tree, "/c", zxid: 3, owner: EphemeralOwner.container)
        try create(tree, "/t", zxid: 4, owner: ttlOwner)
        #expect(tree.ephemeralPaths(of: session) == ["/e1", "/e2"])
        #expect(tree.containers == ["/c"])
        #expect(tree.ttls == ["/t"])
        #expect(UInt64(bitPattern: ttlOwner) == 0xff00_0000_0009_27c0)
        #expect(tree.node(at: "/e1")!.clientStat().ephemeralOwner == session.rawValue)
        #expect(tree.node(at: "/c")!.clientStat().ephemeralOwner == 0)
        #expect(tree.node(at: "/t")!.clientStat().ephemeralOwner == 0)
        #expect(tree.node(at: "/c")!.stat.ephemeralOwner == Int64.min)

        try delete(tree, "/e1", zxid: 5)
        #expect(tree.ephemeralPaths(of: session) == ["/e2"])
        try delete(tree, "/e2", zxid: 6)
        #expect(tree.ephemerals[session] == nil)
        try delete(tree, "/c", zxid: 7)
        try delete(tree, "/t", zxid: 8)
        #expect(tree.containers.isEmpty && tree.ttls.isEmpty)
    }

    @Test func allChildrenNumberCountsDescendants() throws {
        let tree = DataTree()
        #expect(tree.allChildrenNumber(of: "/") == 3)
        #expect(tree.allChildrenNumber(of: "/zookeeper") == 2)
        try create(tree, "/a", zxid: 1)
        try create(tree, "/a/b", zxid: 2)
        try create(tree, "/a/b/c", zxid: 3)
        try create(tree, "/ab", zxid: 4)
        #expect(tree.allChildrenNumber(of: "/a") == 2)
        #expect(tree.allChildrenNumber(of: "/a/b") == 1)
        #expect(tree.allChildrenNumber(of: "/a/b/c") == 0)
        // For the root: every node but the root, i.e. reported count − 2.
        #expect(tree.allChildrenNumber(of: "/") == tree.reportedNodeCount - 2)
    }

    @Test(arguments: [1 as UInt64, 42, 2024])
    func digestMatchesRecomputationAfterRandomOperations(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let tree = DataTree()
        let acls: [[ACL]] = [ACL.openUnsafe, [digestACL("a:b")], ACL.readUnsafe]
        var zxid: Int64 = 0
        for _ in 0..<400 {
            zxid += 1
            let paths = tree.nodes.keys.filter { !$0.hasPrefix("/zookeeper") }.sorted()
            let target = paths.randomElement(using: &rng)!
            var triggers: [WatchTrigger] = []
            switch Int.random(in: 0..<4, using: &rng) {
            case 0, 1:
                let path = (target == "/" ? "" : target) + "/n\(Int.random(in: 0..<6, using: &rng))"
                let owner: Int64 = [0, 0, 77, EphemeralOwner.container].randomElement(using: &rng)!
                let parent = tree.node(at: target)!
                if parent.stat.ephemeralOwner == 77 { continue }
                _ = try? tree.createNode(path: path, data: (0..<Int.random(in: 0..<8, using: &rng)).map { UInt8($0) },
                                         acl: acls.randomElement(using: &rng)!, ephemeralOwner: owner,
                                         parentCVersion: parent.stat.cversion + 1, zxid: Zxid(zxid),
                                         time: zxid * 10, triggers: &triggers)
            case 2:
                guard target != "/", tree.node(at: target)!.children.isEmpty else { continue }
                try tree.deleteNode(path: target, zxid: Zxid(zxid), triggers: &triggers)
            default:
                let node = tree.node(at: target)!
                if Bool.random(using: &rng) {
                    try tree.setData(path: target, data: Array("v\(zxid)".utf8), version: node.stat.version + 1,
                                     zxid: Zxid(zxid), time: zxid * 10, triggers: &triggers)
                } else {
                    try tree.setACL(path: target, acl: acls.randomElement(using: &rng)!, version: node.stat.aversion + 1)
                }
            }
            #expect(tree.digest == tree.recomputedDigest(), "after zxid \(zxid)")
            tree.checkInvariants()
        }
        var size = 0
        for (path, node) in tree.nodes { size += path.utf8.count + (node.data?.count ?? 0) }
        #expect(tree.approximateDataSize == size)
        let referenced = Dictionary(grouping: tree.nodes.values.map(\.aclKey).filter { $0 != ACLCache.openUnsafeKey },
                                    by: { $0 }).mapValues(\.count)
        for (key, count) in referenced { #expect(tree.aclCache.references[key] == count, "key \(key)") }
    }
}
