import Testing
@testable import ZKCore

/// Watches through the whole core (spec §9, §12): registration by reads, delivery order against
/// replies, ACL filtering, SetWatches and addWatch.
@Suite struct ServerCoreWatchTests {
    let c1 = ConnectionID(1), c2 = ConnectionID(2)

    private func event(_ type: EventType, _ path: String) -> WatcherEvent { WatcherEvent(type: type, path: path) }

    /// The messages sent to `id`, reduced to "event:type:path" and "reply:xid:err" for order checks.
    private func trace(_ actions: [CoreAction], _ id: ConnectionID) -> [String] {
        actions.sent(to: id).map { message in
            switch message {
            case .notification(let e): return "event:\(e.type.rawValue):\(e.path)"
            case .reply(let h, _): return "reply:\(h.xid):\(h.err.rawValue)"
            case .connectResponse: return "connect"
            }
        }
    }

    @Test func eventPrecedesTheReplyOfTheWriteThatFiredIt() {
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/a", "x")
        _ = h.getData(1, "/a", watch: true)
        let xid = h.xid(after: 1)
        let out = h.send(1, .setData(SetDataRequest(path: "/a", data: Array("y".utf8))))
        #expect(trace(out, c1) == ["event:3:/a", "reply:\(xid):0"])
        // The notification frame is exactly the live 3.8.0 sample of spec §9.2.
        let frame = OutboundMessage.notification(event(.nodeDataChanged, "/a")).frameBytes
        #expect(hexString(frame) == ["0000001e", "ffffffff", "ffffffffffffffff", "00000000", "00000003", "00000003",
                                     "00000002", "2f61"].joined())
        // One-shot: a second change is silent.
        #expect(h.send(1, .setData(SetDataRequest(path: "/a", data: nil))).events(to: c1).isEmpty)
    }

    @Test func eventReachesAnotherConnectionBeforeItsNextReply() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.create(1, "/a", "x")
        _ = h.getData(2, "/a", watch: true)
        h.driver.autoSync = false
        h.send(1, .setData(SetDataRequest(path: "/a", data: Array("y".utf8))))
        // Before the write commits, a read on the watching connection sees the old data and no event.
        #expect(h.getData(2, "/a").data == "x")
        let out = h.driver.sync()
        #expect(out.events(to: c2) == [event(.nodeDataChanged, "/a")])
        #expect(h.getData(2, "/a").data == "y")
    }

    @Test func createEventsComeBeforeTheParentsChildrenEvent() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.create(1, "/p")
        #expect(h.exists(2, "/p/c", watch: true).err == .noNode)
        #expect(h.children(2, "/p", watch: true).err == .ok)
        let out = h.send(1, .create(.create, CreateRequest(path: "/p/c", data: nil, acl: ACL.openUnsafe, flags: 0)))
        #expect(out.events(to: c2) == [event(.nodeCreated, "/p/c"), event(.nodeChildrenChanged, "/p")])
        // Both consumed.
        #expect(h.send(1, .delete(DeleteRequest(path: "/p/c"))).events(to: c2).isEmpty)
    }

    @Test func watchesOnMissingNodes() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        // exists registers even on NoNode; getData and getChildren do not.
        _ = h.exists(2, "/x", watch: true)
        _ = h.getData(2, "/y", watch: true)
        _ = h.children(2, "/z", watch: true)
        #expect(h.core.watches.totalWatchCount == 1)
        #expect(h.send(1, .create(.create, CreateRequest(path: "/y", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .events(to: c2).isEmpty)
        #expect(h.send(1, .create(.create, CreateRequest(path: "/x", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .events(to: c2) == [event(.nodeCreated, "/x")])
    }

    @Test func deleteWithDataAndChildWatchesSendsOneEvent() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.create(1, "/p")
        _ = h.create(1, "/p/c")
        _ = h.getData(2, "/p/c", watch: true)
        _ = h.children(2, "/p/c", watch: true)
        _ = h.children(2, "/p", watch: true)
        let out = h.send(1, .delete(DeleteRequest(path: "/p/c")))
        #expect(out.events(to: c2) == [event(.nodeDeleted, "/p/c"), event(.nodeChildrenChanged, "/p")])
        #expect(h.core.watches.totalWatchCount == 0)
    }

    @Test func eventsTheWatcherMayNotReadAreDroppedAndTheWatchConsumed() {
        // Spec §9.2 ACL filtering (3.8.4+, and the Debian 3.8.0 used live).
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.addDigest(2, "alice:pw")
        _ = h.exists(1, "/secret", watch: true)
        _ = h.call(1, .addWatch(AddWatchRequest(path: "/", mode: .persistentRecursive)))
        let created = h.send(2, .create(.create, CreateRequest(path: "/secret", data: nil,
                                                                acl: [digestACL("alice:pw")], flags: 0)))
        #expect(created.events(to: c1).isEmpty)
        #expect(h.core.watches.data.mode(path: "/secret", connection: c1) == nil, "the one-shot watch is consumed")
        // The recursive watcher still hears about a world-readable sibling.
        let open = h.send(2, .create(.create, CreateRequest(path: "/public", data: nil, acl: ACL.openUnsafe, flags: 0)))
        #expect(open.events(to: c1) == [event(.nodeCreated, "/public")])
        // Once readable, changes to /secret reach only the recursive watch.
        _ = h.call(2, .setACL(SetACLRequest(path: "/secret", acl: ACL.openUnsafe)))
        #expect(h.send(2, .setData(SetDataRequest(path: "/secret", data: nil))).events(to: c1)
            == [event(.nodeDataChanged, "/secret")])
    }

    @Test func setWatchesFiresWhatChangedSinceRelativeZxid() {
        // Spec §9.3.
        let h = CoreHarness()
        h.session(1)
        for path in ["/d", "/c", "/u", "/e"] { _ = h.create(1, path) }
        let relative = h.lastZxid
        _ = h.setData(1, "/d", "changed")
        _ = h.create(1, "/c/k")
        h.session(2)
        let xid = h.xid(after: 2)
        let out = h.send(2, .setWatches(SetWatches(relativeZxid: relative,
                                                   dataWatches: ["/d", "/gone", "/u"],
                                                   existWatches: ["/e", "/new"],
                                                   childWatches: ["/c", "/gone2", "/u"])))
        #expect(trace(out, c2) == ["event:3:/d", "event:2:/gone", "event:1:/e", "event:4:/c", "event:2:/gone2",
                                   "reply:\(xid):0"])
        #expect(out.replies(to: c2).first?.0.zxid == h.lastZxid)
        #expect(h.logged.count == 8, "SetWatches logs nothing")
        // What had not changed is registered.
        #expect(h.send(1, .setData(SetDataRequest(path: "/u", data: nil))).events(to: c2)
            == [event(.nodeDataChanged, "/u")])
        #expect(h.send(1, .create(.create, CreateRequest(path: "/u/k", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .events(to: c2) == [event(.nodeChildrenChanged, "/u")])
        #expect(h.send(1, .create(.create, CreateRequest(path: "/new", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .events(to: c2) == [event(.nodeCreated, "/new")])
        // Fired ones were not registered.
        #expect(h.send(1, .setData(SetDataRequest(path: "/d", data: nil))).events(to: c2).isEmpty)
    }

    @Test func setWatches2RegistersPersistentAndRecursive() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.create(1, "/p")
        _ = h.call(2, .setWatches2(SetWatches2(relativeZxid: h.lastZxid, persistentWatches: ["/p"],
                                               persistentRecursiveWatches: ["/r"])))
        for _ in 0..<2 {
            #expect(h.send(1, .setData(SetDataRequest(path: "/p", data: nil))).events(to: c2)
                == [event(.nodeDataChanged, "/p")])
        }
        _ = h.create(1, "/r")
        #expect(h.send(1, .create(.create, CreateRequest(path: "/r/x", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .events(to: c2) == [event(.nodeCreated, "/r/x")])
    }

    @Test func addWatchPersistentAndRecursive() {
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.create(1, "/p")
        let reply = h.call(2, .addWatch(AddWatchRequest(path: "/p", mode: .persistent)))
        #expect(reply.err == .ok)
        #expect(reply.body == .errorResponse(ErrorResponse(err: .ok)))
        #expect(h.call(2, .addWatch(AddWatchRequest(path: "/r", mode: .persistentRecursive))).err == .ok)
        #expect(h.call(2, .addWatch(AddWatchRequest(path: "/p", mode: AddWatchMode(rawValue: 7)))).err == .marshallingError)

        for i in 0..<3 {
            #expect(h.send(1, .setData(SetDataRequest(path: "/p", data: nil))).events(to: c2)
                == [event(.nodeDataChanged, "/p")], "change \(i)")
        }
        #expect(h.send(1, .create(.create, CreateRequest(path: "/p/c", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .events(to: c2) == [event(.nodeChildrenChanged, "/p")])
        // The recursive watch needs no node to exist, sees every level, and never NodeChildrenChanged.
        let made = h.send(1, .create(.create, CreateRequest(path: "/r", data: nil, acl: ACL.openUnsafe, flags: 0)))
        #expect(made.events(to: c2) == [event(.nodeCreated, "/r")])
        _ = h.create(1, "/r/a")
        let deep = h.send(1, .create(.create, CreateRequest(path: "/r/a/b", data: nil, acl: ACL.openUnsafe, flags: 0)))
        #expect(deep.events(to: c2) == [event(.nodeCreated, "/r/a/b")])
        #expect(h.send(1, .delete(DeleteRequest(path: "/r/a/b"))).events(to: c2) == [event(.nodeDeleted, "/r/a/b")])
    }

    @Test func lastRegistrationWinsThroughTheCore() {
        // Spec §9.1 (live 3.8.0): addWatch(P, PERSISTENT) then getData(P, watch).
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        _ = h.create(1, "/p")
        _ = h.call(2, .addWatch(AddWatchRequest(path: "/p", mode: .persistent)))
        _ = h.getData(2, "/p", watch: true)
        var dataEvents = 0
        for _ in 0..<3 { dataEvents += h.send(1, .setData(SetDataRequest(path: "/p", data: nil))).events(to: c2).count }
        #expect(dataEvents == 1)
        #expect(h.send(1, .create(.create, CreateRequest(path: "/p/c", data: nil, acl: ACL.openUnsafe, flags: 0)))
            .events(to: c2) == [event(.nodeChildrenChanged, "/p")])
    }

    @Test func checkAndRemoveWatches() {
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/a")
        _ = h.getData(1, "/a", watch: true)
        #expect(h.call(1, .checkWatches(CheckWatchesRequest(path: "/a", type: .data))).err == .ok)
        #expect(h.call(1, .checkWatches(CheckWatchesRequest(path: "/a", type: .children))).err == .noWatcher)
        #expect(h.call(1, .checkWatches(CheckWatchesRequest(path: "/a", type: .persistent))).err == .marshallingError)
        #expect(h.call(1, .removeWatches(RemoveWatchesRequest(path: "/a", type: .persistentRecursive))).err
            == .marshallingError)
        #expect(h.call(1, .removeWatches(RemoveWatchesRequest(path: "/a", type: .any))).err == .ok)
        #expect(h.call(1, .removeWatches(RemoveWatchesRequest(path: "/a", type: .any))).err == .noWatcher)
        // Removal sends no event, and the change that follows is silent.
        let out = h.send(1, .setData(SetDataRequest(path: "/a", data: nil)))
        #expect(out.events(to: c1).isEmpty)
        #expect(h.logged.count == 3)
    }

    @Test func closingAConnectionDropsItsWatches() {
        let h = CoreHarness()
        let session = h.session(1)
        h.session(2)
        _ = h.create(2, "/a")
        _ = h.getData(1, "/a", watch: true)
        _ = h.call(1, .addWatch(AddWatchRequest(path: "/", mode: .persistentRecursive)))
        h.driver.feed(.closed(c1))
        #expect(h.core.watches.totalWatchCount == 0)
        #expect(h.core.sessions.isActive(session), "the session outlives its connection")
        #expect(h.send(2, .setData(SetDataRequest(path: "/a", data: nil))).events(to: c1).isEmpty)
    }

    @Test func childAndDeleteEventsAreFilteredByTheRightACL() {
        // NodeChildrenChanged is judged by the parent's ACL, NodeDeleted by the deleted node's own,
        // even when that node held the last reference to its ACL list.
        let h = CoreHarness()
        h.session(1)
        h.session(2)
        h.session(3)
        let c3 = ConnectionID(3)
        _ = h.addDigest(2, "alice:pw")
        _ = h.create(2, "/p")
        _ = h.create(2, "/p/only", acl: [digestACL("alice:pw")])
        _ = h.children(1, "/p", watch: true)
        _ = h.call(3, .addWatch(AddWatchRequest(path: "/p", mode: .persistentRecursive)))
        // The child list of /p is readable: the change is reported; the node's own deletion is not.
        let deleted = h.send(2, .delete(DeleteRequest(path: "/p/only")))
        #expect(deleted.events(to: c1) == [event(.nodeChildrenChanged, "/p")])
        #expect(deleted.events(to: c3).isEmpty)
        // Once /p itself is private, its child-list changes are dropped too.
        _ = h.children(1, "/p", watch: true)
        _ = h.call(2, .setACL(SetACLRequest(path: "/p", acl: [digestACL("alice:pw")])))
        let created = h.send(2, .create(.create, CreateRequest(path: "/p/open", data: [], acl: ACL.openUnsafe, flags: 0)))
        #expect(created.events(to: c1).isEmpty)
        #expect(h.core.watches.child.mode(path: "/p", connection: c1) == nil, "consumed")
        #expect(created.events(to: c3) == [event(.nodeCreated, "/p/open")])
    }
}
