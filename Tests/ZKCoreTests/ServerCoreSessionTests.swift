import Testing
@testable import ZKCore

/// Session ends (client close and expiry, spec §13), pipelining against pending changes (§12),
/// and the digest every logged txn carries.
@Suite struct ServerCoreSessionTests {
    let c1 = ConnectionID(1), c2 = ConnectionID(2)

    private func event(_ type: EventType, _ path: String) -> WatcherEvent { WatcherEvent(type: type, path: path) }

    private func create(_ path: String, flags: Int32 = 0) -> ClientRequest {
        .create(.create, CreateRequest(path: path, data: [], acl: ACL.openUnsafe, flags: flags))
    }

    private func createdPath(_ reply: (ReplyHeader, ReplyBody)?) -> String? {
        if case .create(let response)? = reply?.1 { return response.path }
        return nil
    }

    private func index(of wanted: (CoreAction) -> Bool, in actions: [CoreAction]) -> Int {
        actions.firstIndex(where: wanted) ?? Int.max
    }

    @Test func closeSessionDeletesEphemeralsAndTellsOthers() {
        let h = CoreHarness()
        let session = h.session(1)
        h.session(2)
        _ = h.create(1, "/eph", flags: 1)
        _ = h.create(1, "/dir")
        _ = h.create(1, "/dir/e2", flags: 1)
        _ = h.exists(2, "/eph", watch: true)
        _ = h.children(2, "/", watch: true)
        _ = h.children(2, "/dir", watch: true)
        let xid = h.xid(after: 1)
        let out = h.send(1, .closeSession)
        let close = h.logged.last!
        #expect(close.header.type == .closeSession && close.header.cxid == xid && close.header.clientId == session.rawValue)
        #expect(close.body == .closeSession(CloseSessionTxn(paths2Delete: ["/dir/e2", "/eph"])))
        #expect(out.events(to: c2) == [event(.nodeChildrenChanged, "/dir"), event(.nodeDeleted, "/eph"),
                                       event(.nodeChildrenChanged, "/")])
        #expect(out.replies(to: c1).map(\.0) == [ReplyHeader(xid: xid, zxid: close.header.zxid, err: .ok)])
        let reply = index(of: { if case .send(c1, .reply) = $0 { true } else { false } }, in: out)
        let closed = index(of: { if case .close(c1, _) = $0 { true } else { false } }, in: out)
        #expect(reply < closed && closed < Int.max)
        #expect(h.tree.node(at: "/eph") == nil && h.tree.node(at: "/dir/e2") == nil)
        #expect(h.tree.ephemerals[session] == nil)
        #expect(h.core.sessions.sessions[session] == nil)
        // The session is gone for good.
        h.open(3)
        let again = h.driver.feed(.connect(ConnectionID(3), CoreHarness.connectRequest(
            session: session.rawValue, passwd: SessionCredentials.sessionPassword(for: session))))
        #expect(again.sent(to: ConnectionID(3)) == [.connectResponse(.invalid(readOnly: false))])
    }

    @Test func closeSessionTxnWithoutPathListWhenDisabled() {
        var settings = ServerSettings(tickMs: 2000)
        settings.closeSessionTxnEnabled = false
        let h = CoreHarness(settings: settings)
        h.session(1)
        _ = h.create(1, "/eph", flags: 1)
        h.send(1, .closeSession)
        #expect(h.logged.last?.body == .closeSession(nil))
        #expect(h.tree.node(at: "/eph") == nil, "ephemerals still go when the list is not logged")
    }

    @Test func expiredSessionIsClosedByTheServer() {
        let h = CoreHarness()
        let session = h.session(1, timeout: 4000)
        h.session(2)
        _ = h.create(1, "/holder-eph", flags: 1)
        _ = h.exists(2, "/holder-eph", watch: true)
        let before = h.logged.count
        #expect(h.tick(1000).isEmpty)
        let out = h.tick(5001)
        #expect(h.logged.count == before + 1)
        let close = h.logged.last!
        #expect(close.header.clientId == session.rawValue)
        #expect(close.header.cxid == 0)
        #expect(close.header.type == .closeSession)
        #expect(close.header.time == h.driver.now.wallMs)
        #expect(close.body == .closeSession(CloseSessionTxn(paths2Delete: ["/holder-eph"])))
        #expect(out.events(to: c2) == [event(.nodeDeleted, "/holder-eph")])
        #expect(out.closed(c1))
        #expect(!out.closed(c2))
        #expect(out.sent(to: c1).isEmpty, "the expired client gets no reply")
        #expect(h.core.sessions.sessions[session] == nil)
        #expect(h.core.connections[c1] == nil)
    }

    @Test func requestsOfAClosingSessionAreDropped() {
        // ZooKeeper's submitRequest drops requests whose session no longer touches (closing):
        // no reply, no txn; the connection goes when the close txn commits.
        let h = CoreHarness()
        let session = h.session(1, timeout: 4000)
        _ = h.create(1, "/n")
        h.driver.autoSync = false
        h.tick(7000)
        #expect(!h.core.sessions.isActive(session), "marked closing before the close txn commits")
        let before = h.lastZxid
        let loggedBefore = h.logged.count
        h.send(1, .getData(GetDataRequest(path: "/n")))
        h.send(1, .setData(SetDataRequest(path: "/n", data: nil)))
        #expect(h.logged.count == loggedBefore, "no txn for a dropped write")
        #expect(h.driver.actions.replies(to: c1).filter { $0.0.xid > 1 }.isEmpty)
        let out = h.driver.sync()
        #expect(h.lastZxid == before + 1, "only the close txn")
        #expect(out.closed(c1))
        #expect(out.replies(to: c1).isEmpty)
    }

    @Test func expiryLeavesPingingSessionsAlone() {
        let h = CoreHarness()
        let a = h.session(1, timeout: 4000)
        let b = h.session(2, timeout: 4000)
        for _ in 0..<4 {
            h.driver.now.monotonicMs += 3000
            h.driver.now.wallMs += 3000
            _ = h.call(2, .ping)
            _ = h.driver.tick(advancingBy: 0)
        }
        #expect(h.core.sessions.sessions[a] == nil)
        #expect(h.core.sessions.isActive(b))
    }

    @Test func pipelinedWritesArePreparedAgainstPendingChanges() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        h.driver.autoSync = false
        let first = h.send(1, create("/p"))
        let second = h.send(1, create("/p/c"))
        let read = h.send(1, .getData(GetDataRequest(path: "/p")))
        #expect((first + second + read).sent(to: c1).isEmpty, "nothing is answered before the log syncs")
        #expect(h.logged.suffix(2).map(\.header.type) == [.create, .create])
        #expect(h.logged.last?.body == .create(CreateTxn(path: "/p/c", data: [], acl: ACL.openUnsafe, ephemeral: false,
                                                          parentCVersion: 1)))
        // Another connection is answered at once, from the applied tree.
        let other = h.send(2, .getData(GetDataRequest(path: "/p")))
        #expect(other.replies(to: c2).map(\.0.err) == [.noNode])

        let out = h.driver.sync()
        let replies = out.replies(to: c1)
        #expect(replies.map(\.0.xid) == [1, 2, 3])
        #expect(replies.map(\.0.err) == [.ok, .ok, .ok])
        if case .getData(let data) = replies.last?.1 { #expect(data.stat.numChildren == 1) } else {
            Issue.record("no getData body")
        }
    }

    @Test func pipelinedSequentialAndDeleteThenCreate() {
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/q")
        _ = h.create(1, "/q/gone")
        h.driver.autoSync = false
        h.send(1, .create(.create, CreateRequest(path: "/q/s-", data: nil, acl: ACL.openUnsafe, flags: 2)))
        h.send(1, .create(.create, CreateRequest(path: "/q/s-", data: nil, acl: ACL.openUnsafe, flags: 2)))
        h.send(1, .delete(DeleteRequest(path: "/q/gone")))
        h.send(1, create("/q/gone"))
        h.send(1, .delete(DeleteRequest(path: "/q", version: 0)))
        h.send(1, .setData(SetDataRequest(path: "/q/gone", data: nil, version: 0)))
        h.send(1, .setData(SetDataRequest(path: "/q/gone", data: nil, version: 0)))
        let out = h.driver.sync().replies(to: c1)
        #expect(out.map(\.0.err) == [.ok, .ok, .ok, .ok, .notEmpty, .ok, .badVersion])
        #expect(createdPath(out.first) == "/q/s-0000000001")
        #expect(createdPath(out.dropFirst().first) == "/q/s-0000000002")
    }

    @Test func closeWhilePipelinedEphemeralCreateIsPending() {
        let h = CoreHarness()
        let session = h.session(1)
        h.driver.autoSync = false
        h.send(1, create("/e1", flags: 1))
        h.send(1, .closeSession)
        #expect(h.logged.last?.body == .closeSession(CloseSessionTxn(paths2Delete: ["/e1"])))
        h.driver.sync()
        #expect(h.tree.node(at: "/e1") == nil)
        #expect(h.tree.ephemerals[session] == nil)
    }

    @Test func everyLoggedDigestMatchesTheTreeAfterApply() {
        var settings = ServerSettings(tickMs: 2000)
        settings.extendedTypesEnabled = true
        let h = CoreHarness(settings: settings)
        h.session(1)
        h.session(2)
        _ = h.addDigest(2, "alice:pw")
        h.driver.autoSync = false
        let start = h.logged.count
        h.send(1, create("/a"))
        h.send(1, create("/a/b"))
        h.send(1, .create(.create2, CreateRequest(path: "/a/s-", data: [1, 2], acl: ACL.openUnsafe, flags: 2)))
        h.send(1, .setData(SetDataRequest(path: "/a", data: [9], version: 0)))
        h.send(1, .setACL(SetACLRequest(path: "/a/b", acl: [digestACL("alice:pw")], version: 0)))
        h.send(1, create("/a"))
        h.send(1, .multi(MultiOperationRecord(ops: [.create(.create, CreateRequest(path: "/a/m", data: nil,
                                                                                   acl: ACL.openUnsafe, flags: 0)),
                                                    .delete(DeleteRequest(path: "/a/b"))])))
        h.send(1, .multi(MultiOperationRecord(ops: [.create(.create, CreateRequest(path: "/a/x", data: nil,
                                                                                   acl: ACL.openUnsafe, flags: 0)),
                                                    .delete(DeleteRequest(path: "/nope"))])))
        h.send(2, create("/e", flags: 1))
        h.send(2, create("/e2", flags: 3))
        h.send(1, .create(.createContainer, CreateRequest(path: "/c", data: nil, acl: ACL.openUnsafe, flags: 4)))
        h.send(1, .createTTL(CreateTTLRequest(path: "/t", data: nil, acl: ACL.openUnsafe, flags: 5, ttl: 1000)))
        h.send(1, .delete(DeleteRequest(path: "/a/m")))
        h.send(2, .closeSession)
        let txns = Array(h.logged[start...])
        #expect(txns.count == 14)
        #expect(txns.filter { $0.digest == nil }.map(\.header.type) == [.error], "only the NodeExists create has none")
        for txn in txns {
            _ = h.driver.core.logSynced(through: txn.zxid, now: h.driver.now)
            #expect(h.tree.lastProcessedZxid == txn.zxid)
            #expect(h.tree.digest == h.tree.recomputedDigest())
            if let digest = txn.digest {
                #expect(UInt64(bitPattern: digest.treeDigest) == h.tree.digest, "txn \(txn.zxid) \(txn.header.type)")
                #expect(digest.version == 2)
            }
        }
    }
}
