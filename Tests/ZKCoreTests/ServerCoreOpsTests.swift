import Testing
@testable import ZKCore

/// Every opcode's happy path through the core, and the reply and log of each (spec §3, §8).
@Suite struct ServerCoreOpsTests {
    let c1 = ConnectionID(1)

    @Test func createFamilyReplies() {
        let h = CoreHarness()
        h.session(1)
        let plain = h.create(1, "/a", "x")
        #expect(plain.header == ReplyHeader(xid: 1, zxid: 2, err: .ok))
        #expect(plain.body == .create(CreateResponse(path: "/a")))
        #expect(h.logged.last?.header.type == .create)
        #expect(h.logged.last?.body == .create(CreateTxn(path: "/a", data: Array("x".utf8), acl: ACL.openUnsafe,
                                                          ephemeral: false, parentCVersion: 1)))

        let two = h.create(1, "/b", "yy", op: .create2)
        #expect(two.zxid == 3)
        #expect(two.path == "/b")
        #expect(two.stat?.czxid == 3 && two.stat?.dataLength == 2 && two.stat?.version == 0)
        #expect(h.logged.last?.header.type == .create2)

        let container = h.create(1, "/c", flags: 4, op: .createContainer)
        #expect(container.body == .create2(Create2Response(path: "/c", stat: h.tree.node(at: "/c")!.clientStat())))
        #expect(h.tree.node(at: "/c")?.stat.ephemeralOwner == EphemeralOwner.container)
        #expect(container.stat?.ephemeralOwner == 0)
        #expect(h.logged.last?.header.type == .createContainer)

        // Flags 4 on op 15 is an ordinary persistent node (spec §7 quirk).
        let quirk = h.create(1, "/q", flags: 4, op: .create2)
        #expect(quirk.err == .ok)
        #expect(h.tree.node(at: "/q")?.stat.ephemeralOwner == 0)
        #expect(!h.tree.containers.contains("/q"))
    }

    @Test func readsCarryTheLastProcessedZxid() {
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/a", "x")
        _ = h.create(1, "/a/b")
        let last = h.lastZxid
        #expect(last == 3)

        let get = h.getData(1, "/a")
        #expect(get.header == ReplyHeader(xid: 3, zxid: last, err: .ok))
        #expect(get.data == "x")
        #expect(get.stat == h.tree.node(at: "/a")!.clientStat())

        #expect(h.exists(1, "/a").body == .stat(h.tree.node(at: "/a")!.clientStat()))
        let missing = h.exists(1, "/nope")
        #expect(missing.header == ReplyHeader(xid: 5, zxid: last, err: .noNode))
        #expect(missing.body == .none)

        #expect(h.call(1, .getChildren(GetChildrenRequest(path: "/a"))).body
            == .getChildren(GetChildrenResponse(children: ["b"])))
        let two = h.children(1, "/")
        #expect(two.children == ["a", "zookeeper"])
        #expect(two.stat?.numChildren == 2)

        let acl = h.call(1, .getACL(GetACLRequest(path: "/a")))
        #expect(acl.body == .getACL(GetACLResponse(acl: ACL.openUnsafe, stat: h.tree.node(at: "/a")!.clientStat())))

        let config = h.getData(1, "/zookeeper/config")
        #expect(config.err == .ok && config.data == "" && config.stat?.aversion == -1)

        #expect(h.call(1, .sync(SyncRequest(path: "/a"))).body == .sync(SyncResponse(path: "/a")))
        let ping = h.call(1, .ping)
        #expect(ping.header == ReplyHeader(xid: Xid.ping, zxid: last, err: .ok))

        #expect(h.call(1, .getAllChildrenNumber(GetAllChildrenNumberRequest(path: "/"))).body
            == .allChildrenNumber(GetAllChildrenNumberResponse(totalNumber: 5)))
        #expect(h.call(1, .getAllChildrenNumber(GetAllChildrenNumberRequest(path: "/a"))).body
            == .allChildrenNumber(GetAllChildrenNumberResponse(totalNumber: 1)))
        #expect(h.call(1, .getAllChildrenNumber(GetAllChildrenNumberRequest(path: "/x"))).err == .noNode)
        #expect(h.logged.count == 3, "reads log nothing")
    }

    @Test func setDataSetACLAndDeleteUpdateStats() {
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/a", "x")
        let set = h.setData(1, "/a", "hello", version: 0)
        #expect(set.header == ReplyHeader(xid: 2, zxid: 3, err: .ok))
        #expect(set.stat?.version == 1 && set.stat?.mzxid == 3 && set.stat?.czxid == 2 && set.stat?.dataLength == 5)
        #expect(h.logged.last?.body == .setData(SetDataTxn(path: "/a", data: Array("hello".utf8), version: 1)))

        let newACL = [ACL(perms: [.read, .write, .admin], id: .anyone)]
        let acl = h.call(1, .setACL(SetACLRequest(path: "/a", acl: newACL, version: 0)))
        #expect(acl.err == .ok)
        #expect(acl.stat?.aversion == 1 && acl.stat?.mzxid == 3 && acl.stat?.version == 1)
        #expect(h.logged.last?.body == .setACL(SetACLTxn(path: "/a", acl: newACL, version: 1)))

        _ = h.create(1, "/a2")
        let rootBefore = h.tree.node(at: "/")!.clientStat()
        let del = h.delete(1, "/a2", version: 0)
        #expect(del.header == ReplyHeader(xid: 5, zxid: 6, err: .ok))
        #expect(del.body == .none)
        #expect(h.logged.last?.header.type == .delete)
        let root = h.tree.node(at: "/")!.clientStat()
        #expect(root.pzxid == 6)
        #expect(root.cversion == rootBefore.cversion + 1)
        #expect(root.numChildren == rootBefore.numChildren - 1)
    }

    @Test func sequentialSuffixFollowsStoredCVersion() {
        // Spec §8 (live 3.8.0): deleted suffixes are not reused.
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/s")
        #expect(h.create(1, "/s/q-", flags: 2).path == "/s/q-0000000000")
        #expect(h.create(1, "/s/q-", flags: 2).path == "/s/q-0000000001")
        #expect(h.create(1, "/s/q-", flags: 3, op: .create2).path == "/s/q-0000000002")
        #expect(h.getData(1, "/s").stat?.cversion == 3)
        _ = h.delete(1, "/s/q-0000000002")
        let second = h.delete(1, "/s/q-0000000001")
        let stat = h.getData(1, "/s").stat
        #expect(stat?.cversion == 5 && stat?.numChildren == 1 && stat?.pzxid == second.zxid)
        #expect(h.create(1, "/s/q-", flags: 2).path == "/s/q-0000000003")
        #expect(h.getData(1, "/s").stat?.cversion == 6)
        #expect(h.tree.node(at: "/s")?.stat.cversion == 4)
        // A plain create bumps the counter too.
        _ = h.create(1, "/s/plain")
        #expect(h.create(1, "/s/", flags: 2).path == "/s/0000000005")
    }

    @Test func ephemeralNodes() {
        let h = CoreHarness()
        let session = h.session(1)
        let e = h.create(1, "/e", flags: 1, op: .create2)
        #expect(e.stat?.ephemeralOwner == session.rawValue)
        #expect(h.logged.last?.body == .create(CreateTxn(path: "/e", data: [], acl: ACL.openUnsafe, ephemeral: true,
                                                          parentCVersion: 1)))
        #expect(h.tree.ephemeralPaths(of: session) == ["/e"])
        #expect(h.create(1, "/e/child").err == .noChildrenForEphemerals)
        #expect(h.create(1, "/e/child", flags: 1).err == .noChildrenForEphemerals)
    }

    @Test func getEphemeralsFiltersByPlainPrefix() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.create(1, "/eph")
        for path in ["/eph/a", "/eph/b", "/other", "/ephx"] { _ = h.create(1, path, flags: 1) }
        _ = h.create(2, "/eph/c", flags: 1)
        func list(_ prefix: String?) -> [String] {
            guard case .ephemerals(let r) = h.call(1, .getEphemerals(GetEphemeralsRequest(prefixPath: prefix))).body
            else { return ["<no body>"] }
            return r.ephemerals.sorted()
        }
        let all = ["/eph/a", "/eph/b", "/ephx", "/other"]
        #expect(list(nil) == all)
        #expect(list("/") == all)
        #expect(list("  ") == all)
        #expect(list(" / ") == all)
        #expect(list("/eph") == ["/eph/a", "/eph/b", "/ephx"])
        #expect(list("/eph/") == ["/eph/a", "/eph/b"])
        #expect(list("/zzz") == [])
    }

    @Test func whoAmIListsConnectionIds() {
        let h = CoreHarness()
        h.session(1, address: "10.1.2.3")
        #expect(h.call(1, .whoAmI).body == .whoAmI(WhoAmIResponse(clientInfo: [ClientInfo(authScheme: "ip", user: "10.1.2.3")])))
        _ = h.addDigest(1, "alice:pw")
        _ = h.addDigest(1, "bob:pw2")
        _ = h.addDigest(1, "alice:pw")
        #expect(h.call(1, .whoAmI).body == .whoAmI(WhoAmIResponse(clientInfo: [
            ClientInfo(authScheme: "ip", user: "10.1.2.3"), ClientInfo(authScheme: "digest", user: "alice"),
            ClientInfo(authScheme: "digest", user: "bob"),
        ])))
    }

    @Test func closeSessionRepliesThenCloses() {
        let h = CoreHarness()
        let session = h.session(1)
        let xid = h.xid(after: 1)
        let out = h.send(1, .closeSession)
        let close = h.logged.last!
        #expect(close.header == TxnHeader(clientId: session.rawValue, cxid: xid, zxid: 2, time: h.driver.now.wallMs,
                                          type: .closeSession))
        #expect(close.body == .closeSession(CloseSessionTxn(paths2Delete: [])))
        #expect(out.replies(to: c1).map(\.0) == [ReplyHeader(xid: xid, zxid: 2, err: .ok)])
        let replyIndex = out.firstIndex { if case .send(c1, .reply) = $0 { return true } else { return false } }
        let closeIndex = out.firstIndex { if case .close(c1, _) = $0 { return true } else { return false } }
        #expect(replyIndex != nil && closeIndex != nil && replyIndex! < closeIndex!)
        #expect(h.core.sessions.sessions[session] == nil)
    }

    @Test func pingAndReadsRenewTheSession() {
        let h = CoreHarness()
        let session = h.session(1, timeout: 4000)
        for _ in 0..<5 {
            h.driver.now.monotonicMs += 3000
            h.driver.now.wallMs += 3000
            #expect(h.call(1, .ping).err == .ok)
            #expect(h.driver.tick(advancingBy: 0).isEmpty)
        }
        #expect(h.core.sessions.isActive(session))
    }

    @Test func nullDataStaysNull() {
        // Apache keeps a null data buffer as null: the CreateTxn/SetDataTxn log it as length -1, the
        // node stores null, and getData answers a null buffer (length -1), which the Java client
        // returns as null and zkCli prints as `null` (spec cli.md `get`). Empty data stays empty.
        let h = CoreHarness()
        h.session(1)
        #expect(h.call(1, .create(.create, CreateRequest(path: "/n", data: nil, acl: ACL.openUnsafe, flags: 0))).err == .ok)
        #expect(h.logged.last?.body == .create(CreateTxn(path: "/n", data: nil, acl: ACL.openUnsafe, ephemeral: false,
                                                          parentCVersion: 1)))
        let reply = h.getData(1, "/n")
        #expect(reply.body == .getData(GetDataResponse(data: nil, stat: h.tree.node(at: "/n")!.clientStat())))
        #expect(reply.stat?.dataLength == 0)

        _ = h.create(1, "/e", "")
        #expect(h.getData(1, "/e").body == .getData(GetDataResponse(data: [], stat: h.tree.node(at: "/e")!.clientStat())))
        #expect(h.call(1, .setData(SetDataRequest(path: "/e", data: nil))).err == .ok)
        #expect(h.getData(1, "/e").body == .getData(GetDataResponse(data: nil, stat: h.tree.node(at: "/e")!.clientStat())))
    }
}
