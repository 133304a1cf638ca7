import Testing
@testable import ZKCore

/// Error answers in ZooKeeper's order of checks (`PrepRequestProcessor`, `FinalRequestProcessor`),
/// and the rule that a failed write still consumes a zxid as a logged error txn (spec §3, §5–§7).
@Suite struct ServerCoreErrorTests {
    /// A session on connection 1 (no auth) and one on connection 2 authenticated as alice, with
    /// `/locked` readable and writable by alice only, and `/open` world-writable.
    private func setUp(_ settings: ServerSettings = ServerSettings(tickMs: 2000)) -> CoreHarness {
        let h = CoreHarness(settings: settings)
        h.session(1)
        h.session(2)
        _ = h.addDigest(2, "alice:pw")
        _ = h.create(2, "/locked", "secret", acl: [digestACL("alice:pw")])
        _ = h.create(2, "/locked/child", acl: [digestACL("alice:pw")])
        _ = h.create(2, "/open", "x")
        return h
    }

    /// Checks that the last reply failed with `code` and consumed exactly one zxid as an error txn.
    private func expectErrorTxn(_ h: CoreHarness, _ reply: Reply, _ code: ErrorCode, zxidBefore: Int64,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.err == code, sourceLocation: sourceLocation)
        #expect(reply.zxid == zxidBefore + 1, "reply zxid is the error txn's", sourceLocation: sourceLocation)
        #expect(h.lastZxid == zxidBefore + 1, sourceLocation: sourceLocation)
        #expect(reply.body == .none, sourceLocation: sourceLocation)
        let txn = h.logged.last
        #expect(txn?.header.type == .error, sourceLocation: sourceLocation)
        #expect(txn?.header.zxid == zxidBefore + 1, sourceLocation: sourceLocation)
        #expect(txn?.body == .error(ErrorTxn(err: code)), sourceLocation: sourceLocation)
    }

    /// Sends a write and checks it failed with `code` as an error txn.
    private func expectWriteFails(_ h: CoreHarness, _ n: UInt64, _ request: ClientRequest, _ code: ErrorCode,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        let before = h.lastZxid
        let digest = h.tree.digest
        let reply = h.call(n, request)
        expectErrorTxn(h, reply, code, zxidBefore: before, sourceLocation: sourceLocation)
        #expect(h.tree.digest == digest, "a failed write changes nothing", sourceLocation: sourceLocation)
    }

    private func create(_ path: String, flags: Int32 = 0, acl: [ACL] = ACL.openUnsafe, op: OpCode = .create) -> ClientRequest {
        .create(op, CreateRequest(path: path, data: nil, acl: acl, flags: flags))
    }

    private func createTTL(_ path: String, flags: Int32 = 5, ttl: Int64) -> ClientRequest {
        .createTTL(CreateTTLRequest(path: path, data: nil, acl: ACL.openUnsafe, flags: flags, ttl: ttl))
    }

    @Test func readsAnswerNoNodeBeforeNoAuth() {
        let h = setUp()
        let last = h.lastZxid
        for request: ClientRequest in [.getData(GetDataRequest(path: "/locked")),
                                       .getChildren(GetChildrenRequest(path: "/locked")),
                                       .getChildren2(GetChildren2Request(path: "/locked")),
                                       .getACL(GetACLRequest(path: "/locked")),
                                       .exists(ExistsRequest(path: "/locked")),
                                       .getAllChildrenNumber(GetAllChildrenNumberRequest(path: "/locked"))] {
            let reply = h.call(1, request)
            #expect(reply.header == ReplyHeader(xid: reply.header.xid, zxid: last, err: .noAuth), "\(request.opCode)")
        }
        for request: ClientRequest in [.getData(GetDataRequest(path: "/locked/none")),
                                       .getChildren(GetChildrenRequest(path: "/locked/none")),
                                       .getACL(GetACLRequest(path: "/locked/none")),
                                       .exists(ExistsRequest(path: "/locked/none")),
                                       .getData(GetDataRequest(path: "not/a/path"))] {
            #expect(h.call(1, request).err == .noNode, "\(request)")
        }
        #expect(h.call(1, .exists(ExistsRequest(path: "/open\u{0}"))).err == .badArguments)
        #expect(h.getData(2, "/locked").data == "secret")
        #expect(h.logged.count == 5, "reads consume no zxid")
        // A NoAuth getData leaves no watch behind.
        _ = h.getData(1, "/locked", watch: true)
        #expect(h.core.watches.data.mode(path: "/locked", connection: ConnectionID(1)) == nil)
    }

    @Test func getACLNeedsReadOrAdminAndMasksDigestsWithoutAdmin() {
        let h = setUp()
        let mixed = [ACL(perms: .read, id: .anyone), digestACL("alice:pw")]
        _ = h.create(2, "/mixed", acl: mixed)
        let masked = h.call(1, .getACL(GetACLRequest(path: "/mixed")))
        guard case .getACL(let response) = masked.body else { Issue.record("no getACL body"); return }
        #expect(response.acl == [ACL(perms: .read, id: .anyone), ACL(perms: .all, id: Id(scheme: "digest", id: "alice:x"))])
        guard case .getACL(let full) = h.call(2, .getACL(GetACLRequest(path: "/mixed"))).body else { return }
        #expect(full.acl == mixed)
        _ = h.create(2, "/adminonly", acl: [ACL(perms: .admin, id: .anyone)])
        #expect(h.call(1, .getACL(GetACLRequest(path: "/adminonly"))).err == .ok)
        #expect(h.getData(1, "/adminonly").err == .noAuth)
    }

    @Test func createChecksInZooKeeperOrder() {
        let h = setUp()
        // Flags, then the path's shape, then the ACL, then the parent, then CREATE permission,
        // then the final path, then NodeExists, then the ephemeral parent.
        expectWriteFails(h, 1, create("bad", flags: 9, acl: []), .badArguments)
        expectWriteFails(h, 1, create("bad", acl: []), .badArguments)
        expectWriteFails(h, 1, create("/missing/x", acl: []), .invalidACL)
        expectWriteFails(h, 1, create("/missing/x"), .noNode)
        expectWriteFails(h, 1, create("/locked/x"), .noAuth)
        expectWriteFails(h, 1, create("/locked/child"), .noAuth)
        expectWriteFails(h, 2, create("/locked/child"), .nodeExists)
        expectWriteFails(h, 1, create("/open/"), .badArguments)
        expectWriteFails(h, 1, create("/missing/"), .noNode)
        expectWriteFails(h, 1, create("/."), .badArguments)
        expectWriteFails(h, 1, create("/open/.."), .badArguments)
        expectWriteFails(h, 1, create("/a\u{1}b"), .badArguments)
        expectWriteFails(h, 1, create("/a\u{0}b"), .badArguments)
        expectWriteFails(h, 1, create("/"), .nodeExists)
        expectWriteFails(h, 1, create("/zookeeper"), .nodeExists)
        for flags: Int32 in [7, 9, -1, 100] { expectWriteFails(h, 1, create("/f", flags: flags), .badArguments) }
        _ = h.create(1, "/eph", flags: 1)
        expectWriteFails(h, 1, create("/eph"), .nodeExists)
        expectWriteFails(h, 1, create("/eph/c"), .noChildrenForEphemerals)
        expectWriteFails(h, 2, create("/eph/c"), .noChildrenForEphemerals)
    }

    @Test func invalidACLs() {
        let h = setUp()
        let anyoneRead = ACL(perms: .read, id: .anyone)
        expectWriteFails(h, 1, create("/x", acl: []), .invalidACL)
        expectWriteFails(h, 1, create("/x", acl: [ACL(perms: .all, id: Id(scheme: "auth", id: ""))]), .invalidACL)
        expectWriteFails(h, 1, create("/x", acl: [ACL(perms: .all, id: Id(scheme: "world", id: "someone"))]), .invalidACL)
        expectWriteFails(h, 1, create("/x", acl: [ACL(perms: .all, id: Id(scheme: "digest", id: "nocolon"))]), .invalidACL)
        expectWriteFails(h, 1, create("/x", acl: [ACL(perms: .all, id: Id(scheme: "nosuch", id: "a"))]), .invalidACL)
        expectWriteFails(h, 1, create("/x", acl: [anyoneRead, ACL(perms: .all, id: Id(scheme: "ip", id: "1.2.3"))]),
                         .invalidACL)
        expectWriteFails(h, 1, .setACL(SetACLRequest(path: "/open", acl: [])), .invalidACL)
        // InvalidACL comes before NoNode for setACL too.
        expectWriteFails(h, 1, .setACL(SetACLRequest(path: "/missing", acl: [])), .invalidACL)
        // `auth` expands to the caller's authenticated ids; duplicates are dropped first.
        let reply = h.create(2, "/mine", acl: [ACL(perms: .all, id: Id(scheme: "auth", id: "")), anyoneRead, anyoneRead])
        #expect(reply.err == .ok)
        #expect(h.tree.acl(of: h.tree.node(at: "/mine")!) == [digestACL("alice:pw"), anyoneRead])
        #expect(h.create(1, "/ipnode", acl: [ACL(perms: .all, id: Id(scheme: "ip", id: "127.0.0.0/8"))]).err == .ok)
        #expect(h.getData(1, "/ipnode").err == .ok)
    }

    @Test func setDataChecksPathNodePermissionThenVersion() {
        let h = setUp()
        expectWriteFails(h, 1, .setData(SetDataRequest(path: "bad", data: nil)), .badArguments)
        expectWriteFails(h, 1, .setData(SetDataRequest(path: "/missing", data: nil, version: 7)), .noNode)
        expectWriteFails(h, 1, .setData(SetDataRequest(path: "/locked", data: nil, version: 7)), .noAuth)
        expectWriteFails(h, 2, .setData(SetDataRequest(path: "/locked", data: nil, version: 7)), .badVersion)
        #expect(h.setData(2, "/locked", "new", version: 0).stat?.version == 1)
        expectWriteFails(h, 2, .setData(SetDataRequest(path: "/locked", data: nil, version: 0)), .badVersion)
    }

    @Test func setACLChecksPathACLNodePermissionThenVersion() {
        let h = setUp()
        let acl = ACL.openUnsafe
        expectWriteFails(h, 1, .setACL(SetACLRequest(path: "bad", acl: acl)), .badArguments)
        expectWriteFails(h, 1, .setACL(SetACLRequest(path: "/missing", acl: acl)), .noNode)
        expectWriteFails(h, 1, .setACL(SetACLRequest(path: "/locked", acl: acl, version: 5)), .noAuth)
        expectWriteFails(h, 2, .setACL(SetACLRequest(path: "/locked", acl: acl, version: 5)), .badVersion)
        #expect(h.call(2, .setACL(SetACLRequest(path: "/locked", acl: acl, version: 0))).stat?.aversion == 1)
        #expect(h.getData(1, "/locked").err == .ok)
        // /zookeeper/config is read-only for everyone.
        expectWriteFails(h, 1, .setACL(SetACLRequest(path: "/zookeeper/config", acl: acl)), .noAuth)
        expectWriteFails(h, 1, .setData(SetDataRequest(path: "/zookeeper/config", data: nil)), .noAuth)
    }

    @Test func deleteChecksParentPermissionBeforeTheNode() {
        let h = setUp()
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "nodelimiter")), .badArguments)
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "/a\u{0}")), .badArguments)
        for special in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
            expectWriteFails(h, 2, .delete(DeleteRequest(path: special)), .badArguments)
        }
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "/missing/x")), .noNode)
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "/open/none")), .noNode)
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "/locked/none")), .noAuth)
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "/locked/child")), .noAuth)
        // The parent of /locked is open: the node's own ACL does not matter for its delete.
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "/locked", version: 3)), .badVersion)
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "/locked", version: 0)), .notEmpty)
        #expect(h.delete(2, "/locked/child").err == .ok)
        #expect(h.delete(1, "/locked", version: 0).err == .ok)
    }

    @Test func nodeExistsAndNotEmpty() {
        let h = setUp()
        expectWriteFails(h, 1, create("/open"), .nodeExists)
        _ = h.create(1, "/open/kid")
        expectWriteFails(h, 1, .delete(DeleteRequest(path: "/open")), .notEmpty)
    }

    @Test func ttlCreatesWithExtendedTypesDisabled() {
        let h = setUp()
        expectWriteFails(h, 1, createTTL("/t", ttl: 600_000), .unimplemented)
        expectWriteFails(h, 1, createTTL("/t", flags: 6, ttl: 600_000), .unimplemented)
        expectWriteFails(h, 1, create("/t", flags: 5), .unimplemented)
        expectWriteFails(h, 1, create("/t", flags: 6, op: .create2), .unimplemented)
        expectWriteFails(h, 1, createTTL("/t", flags: 0, ttl: 100), .badArguments)
    }

    @Test func ttlCreatesWithExtendedTypesEnabled() {
        var settings = ServerSettings(tickMs: 2000)
        settings.extendedTypesEnabled = true
        let h = setUp(settings)
        let ok = h.call(1, createTTL("/t", ttl: 600_000))
        #expect(ok.err == .ok)
        #expect(ok.stat?.ephemeralOwner == 0)
        #expect(UInt64(bitPattern: h.tree.node(at: "/t")!.stat.ephemeralOwner) == 0xff00_0000_0009_27c0)
        #expect(h.logged.last?.header.type == .createTTL)
        #expect(h.call(1, createTTL("/tmax", ttl: 0xFF_FFFF_FFFF)).err == .ok)
        #expect(UInt64(bitPattern: h.tree.node(at: "/tmax")!.stat.ephemeralOwner) == 0xff00_00ff_ffff_ffff)
        #expect(h.call(1, createTTL("/seq-", flags: 6, ttl: 1000)).path == "/seq-0000000004")
        expectWriteFails(h, 1, createTTL("/t0", ttl: 0), .badArguments)
        expectWriteFails(h, 1, createTTL("/t1", ttl: 1 << 40), .badArguments)
        expectWriteFails(h, 1, createTTL("/t2", flags: 0, ttl: 100), .badArguments)
        expectWriteFails(h, 1, create("/t3", flags: 5), .badArguments)
        expectWriteFails(h, 1, create("/t4", flags: 7), .badArguments)
        // An ephemeral under a TTL node is fine.
        #expect(h.create(1, "/t/e", flags: 1).err == .ok)
    }

    @Test func reconfigIsDisabledAndConsumesAZxid() {
        let h = setUp()
        expectWriteFails(h, 1, .reconfig(ReconfigRequest(joiningServers: nil, leavingServers: "2", newMembers: nil)),
                         .reconfigDisabled)
        #expect(ErrorCode.reconfigDisabled.rawValue == -123)
    }

    @Test func undecodableWriteIsAMarshallingErrorTxn() {
        let h = setUp()
        expectWriteFails(h, 1, .undecodable(.setData, .truncated(offset: 0, needed: 4, available: 0)), .marshallingError)
        // An undecodable read consumes nothing.
        let before = h.lastZxid
        #expect(h.call(1, .undecodable(.getData, .truncated(offset: 0, needed: 4, available: 0))).err == .marshallingError)
        #expect(h.lastZxid == before)
    }

    @Test func failedWriteRepliesAfterEarlierWritesInOrder() {
        let h = setUp()
        h.driver.autoSync = false
        h.send(1, create("/p1"))
        h.send(1, create("/p1"))
        h.send(1, create("/p2"))
        let out = h.driver.sync().replies(to: ConnectionID(1)).map(\.0)
        let z = h.lastZxid
        #expect(out.map(\.err) == [.ok, .nodeExists, .ok])
        #expect(out.map(\.zxid) == [z - 2, z - 1, z])
    }
}
