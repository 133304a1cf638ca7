import Testing
@testable import ZKCore

/// multi (op 14) and multiRead (op 22) through the core (spec §11), plus the opcodes that end a
/// connection (check outside a multi, unknown opcodes; spec §3).
@Suite struct ServerCoreMultiTests {
    let c1 = ConnectionID(1)

    private func setUp() -> CoreHarness {
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/a", "x")
        return h
    }

    private func create(_ path: String, op: OpCode = .create, flags: Int32 = 0) -> MultiOp {
        .create(op, CreateRequest(path: path, data: nil, acl: ACL.openUnsafe, flags: flags))
    }

    private func results(_ reply: Reply) -> [MultiResult] {
        if case .multi(let response) = reply.body { return response.results }
        Issue.record("no multi body in \(reply)")
        return []
    }

    @Test func successfulMultiSharesOneZxid() {
        let h = setUp()
        let before = h.lastZxid
        let reply = h.call(1, .multi(MultiOperationRecord(ops: [
            create("/a/m1"),
            .check(CheckVersionRequest(path: "/a", version: 0)),
            .setData(SetDataRequest(path: "/a", data: Array("y".utf8), version: 0)),
            create("/a/m2", op: .create2),
            .delete(DeleteRequest(path: "/a/m1", version: 0)),
        ])))
        #expect(reply.header == ReplyHeader(xid: reply.header.xid, zxid: before + 1, err: .ok))
        let a = h.tree.node(at: "/a")!
        let m2 = h.tree.node(at: "/a/m2")!
        #expect(results(reply) == [
            .create(CreateResponse(path: "/a/m1")),
            .check,
            // Each result's Stat is taken when its sub-op is applied: /a then has one child (m1).
            .setData(SetDataResponse(stat: Stat(czxid: 2, mzxid: before + 1, ctime: a.stat.ctime, mtime: a.stat.mtime,
                                                version: 1, cversion: 1, aversion: 0, ephemeralOwner: 0, dataLength: 1,
                                                numChildren: 1, pzxid: before + 1))),
            .create2(Create2Response(path: "/a/m2", stat: m2.clientStat())),
            .delete,
        ])
        #expect(a.stat.mzxid == before + 1 && a.stat.pzxid == before + 1 && a.stat.version == 1)
        #expect(m2.stat.czxid == before + 1)
        #expect(h.tree.node(at: "/a/m1") == nil)
        #expect(h.logged.count == Int(before) + 1)
        let txn = h.logged.last!
        #expect(txn.header.type == .multi)
        guard case .multi(let subs) = txn.body else { Issue.record("not a multi txn"); return }
        #expect(subs.map(\.type) == [.create, .check, .setData, .create2, .delete])
        #expect(subs[1].body == .check(CheckVersionTxn(path: "/a", version: 1)))
    }

    @Test func failedMultiReportsEveryOpAndChangesNothing() {
        // Spec §11 (live 3.8.0): err 0 in the header, results -1 with 0, the code, then -2.
        let h = setUp()
        let before = h.lastZxid
        let digest = h.tree.digest
        let reply = h.call(1, .multi(MultiOperationRecord(ops: [
            create("/a/m1"),
            .setData(SetDataRequest(path: "/a", data: nil, version: 99)),
            create("/a/m2"),
        ])))
        #expect(reply.header == ReplyHeader(xid: reply.header.xid, zxid: before + 1, err: .ok))
        #expect(results(reply) == [.error(.ok), .error(.badVersion), .error(.runtimeInconsistency)])
        #expect(h.lastZxid == before + 1, "a failed multi consumes one zxid")
        #expect(h.tree.digest == digest)
        #expect(h.tree.node(at: "/a/m1") == nil)
        #expect(h.getData(1, "/a").stat?.version == 0)
        guard case .multi(let subs) = h.logged.last!.body else { Issue.record("not a multi txn"); return }
        #expect(subs.map(\.type) == [.create, .error, .error])
        #expect(subs[1].body == .error(ErrorTxn(err: .badVersion)))
        #expect(subs[2].body == .error(ErrorTxn(err: .runtimeInconsistency)))
        // The rolled-back create left no pending trace: the same create now succeeds.
        #expect(h.create(1, "/a/m1").err == .ok)
        #expect(h.tree.node(at: "/a")!.stat.cversion == 1)
    }

    @Test func failingFirstOpMarksTheRestRuntimeInconsistency() {
        let h = setUp()
        let reply = h.call(1, .multi(MultiOperationRecord(ops: [
            .check(CheckVersionRequest(path: "/missing", version: 0)),
            create("/b"),
            .delete(DeleteRequest(path: "/a")),
        ])))
        #expect(results(reply) == [.error(.noNode), .error(.runtimeInconsistency), .error(.runtimeInconsistency)])
        #expect(h.tree.node(at: "/b") == nil && h.tree.node(at: "/a") != nil)
    }

    @Test func laterOpsSeeEarlierOpsOfTheSameMulti() {
        let h = setUp()
        let reply = h.call(1, .multi(MultiOperationRecord(ops: [
            create("/a/p"),
            create("/a/p/q-", flags: 2),
            create("/a/p/q-", flags: 2),
            .setData(SetDataRequest(path: "/a/p", data: nil, version: 0)),
            .check(CheckVersionRequest(path: "/a/p", version: 1)),
        ])))
        #expect(results(reply).prefix(3) == [.create(CreateResponse(path: "/a/p")),
                                             .create(CreateResponse(path: "/a/p/q-0000000000")),
                                             .create(CreateResponse(path: "/a/p/q-0000000001"))])
        #expect(h.tree.node(at: "/a/p")!.clientStat().numChildren == 2)
        // A failing op after a sequential create rolls that create back too.
        let failed = h.call(1, .multi(MultiOperationRecord(ops: [
            create("/a/p/q-", flags: 2),
            .delete(DeleteRequest(path: "/a/p")),
        ])))
        #expect(results(failed) == [.error(.ok), .error(.notEmpty)])
        #expect(h.create(1, "/a/p/q-", flags: 2).path == "/a/p/q-0000000002")
    }

    @Test func emptyMultiSucceedsAndConsumesAZxid() {
        let h = setUp()
        let before = h.lastZxid
        let reply = h.call(1, .multi(MultiOperationRecord(ops: [])))
        #expect(reply.header == ReplyHeader(xid: reply.header.xid, zxid: before + 1, err: .ok))
        #expect(reply.body == .multi(MultiResponse(results: [])))
        #expect(h.logged.last?.header.type == .multi)
        #expect(h.logged.last?.body == .multi([]))
    }

    @Test func readOpInsideAMultiIsAMarshallingError() {
        let h = setUp()
        let before = h.lastZxid
        let reply = h.call(1, .multi(MultiOperationRecord(ops: [
            create("/a/m1"),
            .getData(GetDataRequest(path: "/a")),
        ])))
        #expect(reply.header == ReplyHeader(xid: reply.header.xid, zxid: before + 1, err: .marshallingError))
        #expect(reply.body == .none)
        #expect(h.logged.last?.header.type == .error)
        #expect(h.logged.last?.body == .error(ErrorTxn(err: .marshallingError)))
        #expect(h.tree.node(at: "/a/m1") == nil)
    }

    @Test func multiSubOpsCheckPermissionsAndSession() {
        let h = setUp()
        h.session(2)
        _ = h.addDigest(2, "alice:pw")
        _ = h.create(2, "/locked", acl: [digestACL("alice:pw")])
        let reply = h.call(1, .multi(MultiOperationRecord(ops: [
            .check(CheckVersionRequest(path: "/a", version: -1)),
            .check(CheckVersionRequest(path: "/locked", version: 0)),
        ])))
        #expect(results(reply) == [.error(.ok), .error(.noAuth)])
        let bad = h.call(1, .multi(MultiOperationRecord(ops: [
            .check(CheckVersionRequest(path: "bad", version: 0)),
        ])))
        #expect(results(bad) == [.error(.badArguments)])
    }

    @Test func multiFiresNoEventsForFailedOpsAndOneEachForApplied() {
        let h = setUp()
        h.session(2)
        _ = h.getData(2, "/a", watch: true)
        _ = h.children(2, "/a", watch: true)
        let failed = h.send(1, .multi(MultiOperationRecord(ops: [
            create("/a/x"), .setData(SetDataRequest(path: "/a", data: nil, version: 42)),
        ])))
        #expect(failed.events(to: ConnectionID(2)).isEmpty)
        let ok = h.send(1, .multi(MultiOperationRecord(ops: [
            create("/a/x"), .setData(SetDataRequest(path: "/a", data: nil, version: 0)),
        ])))
        #expect(ok.events(to: ConnectionID(2)) == [WatcherEvent(type: .nodeChildrenChanged, path: "/a"),
                                                   WatcherEvent(type: .nodeDataChanged, path: "/a")])
    }

    @Test func multiReadAnswersEachOpAndConsumesNothing() {
        let h = setUp()
        _ = h.create(1, "/a/b")
        let before = h.lastZxid
        let logged = h.logged.count
        let reply = h.call(1, .multiRead(MultiOperationRecord(ops: [
            .getData(GetDataRequest(path: "/a", watch: true)),
            .getChildren(GetChildrenRequest(path: "/a", watch: true)),
            .getData(GetDataRequest(path: "/missing")),
        ])))
        #expect(reply.header == ReplyHeader(xid: reply.header.xid, zxid: before, err: .ok))
        let a = h.tree.node(at: "/a")!
        #expect(results(reply) == [.getData(GetDataResponse(data: Array("x".utf8), stat: a.clientStat())),
                                   .getChildren(GetChildrenResponse(children: ["b"])),
                                   .error(.noNode)])
        #expect(h.logged.count == logged)
        #expect(h.core.watches.totalWatchCount == 0, "multiRead never sets watches")
    }

    @Test func checkOutsideMultiIsUnimplementedThenClosed() {
        // Spec §3: answered as 3.8.5+ does.
        let h = setUp()
        let xid = h.xid(after: 1)
        let out = h.send(1, .check(CheckVersionRequest(path: "/a", version: 0)))
        #expect(out.replies(to: c1).map(\.0) == [ReplyHeader(xid: xid, zxid: -1, err: .unimplemented)])
        #expect(out.replies(to: c1).first?.1 == ReplyBody.none)
        #expect(out.closed(c1))
        #expect(h.logged.last?.header.type != .check, "nothing is logged")
    }

    @Test(arguments: [99 as Int32, 0, 10, 23])
    func unknownOpcodeIsUnimplementedThenClosed(op: Int32) {
        let h = setUp()
        let before = h.logged.count
        let xid = h.xid(after: 1)
        let out = h.send(1, .unknown(OpCode(op)))
        #expect(out.replies(to: c1).map(\.0) == [ReplyHeader(xid: xid, zxid: -1, err: .unimplemented)])
        #expect(out.closed(c1))
        #expect(h.logged.count == before)
        // The frame is exactly ReplyHeader{xid, -1, -6}.
        let frame = OutboundMessage.reply(ReplyHeader(xid: xid, zxid: -1, err: .unimplemented), .none).frameBytes
        #expect(hexString(frame) == "00000010" + String(format: "%08x", xid) + "ffffffffffffffff" + "fffffffa")
    }
}
