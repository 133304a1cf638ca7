import Testing
@testable import ZKCore

/// Watches, chroot mapping, cancellation and connect strings in the client session machine
/// (spec client-protocol §2.3, §9, §16).
@Suite struct ClientSessionWatchTests {
    let stat = Stat()

    /// Connected driver with watches: data on /d, exist on /e, child on /c, persistent on /p, recursive on /r.
    private func watched(chroot: Chroot = Chroot()) -> SessionDriver {
        var d = SessionDriver(chroot: chroot)
        d.connect()
        _ = d.submit(.getData(GetDataRequest(path: "/d", watch: true)), watch: (WatchID(1), .data))
        _ = d.submit(.exists(ExistsRequest(path: "/e", watch: true)), watch: (WatchID(2), .exist))
        _ = d.submit(.getChildren(GetChildrenRequest(path: "/c", watch: true)), watch: (WatchID(3), .child))
        _ = d.submit(.addWatch(AddWatchRequest(path: "/p", mode: .persistent)), watch: (WatchID(4), .persistent))
        _ = d.submit(.addWatch(AddWatchRequest(path: "/r", mode: .persistentRecursive)),
                     watch: (WatchID(5), .persistentRecursive))
        _ = d.receive(SessionDriver.reply(xid: 1, zxid: 10, .getData(GetDataResponse(data: [1], stat: stat))))
        _ = d.receive(SessionDriver.reply(xid: 2, zxid: 10, err: .noNode))
        _ = d.receive(SessionDriver.reply(xid: 3, zxid: 10, .getChildren(GetChildrenResponse(children: []))))
        _ = d.receive(SessionDriver.reply(xid: 4, zxid: 11, .errorResponse(ErrorResponse(err: .ok))))
        _ = d.receive(SessionDriver.reply(xid: 5, zxid: 12, .errorResponse(ErrorResponse(err: .ok))))
        return d
    }

    @Test func registrationsFollowTheReply() {
        var d = SessionDriver()
        d.connect()
        // getData on a missing node sets nothing; exists on one does (an exist watch).
        let (_, _) = d.submit(.getData(GetDataRequest(path: "/m", watch: true)), watch: (WatchID(1), .data))
        let (_, _) = d.submit(.exists(ExistsRequest(path: "/m", watch: true)), watch: (WatchID(2), .exist))
        #expect(d.receive(SessionDriver.reply(xid: 1, zxid: 2, err: .noNode)).contains(.endWatches([WatchID(1)])))
        _ = d.receive(SessionDriver.reply(xid: 2, zxid: 2, err: .noNode))
        #expect(d.machine.watches.registration(WatchID(2))?.kind == .exist)
        #expect(d.machine.watches.count == 1)
    }

    @Test func setWatchesAfterReconnectReArmsEveryWatchFromTheLastZxid() {
        var d = watched()
        _ = d.lost()
        let actions = d.connect()
        #expect(actions.requests.map(\.request) == [.setWatches2(SetWatches2(
            relativeZxid: 12, dataWatches: ["/d"], existWatches: ["/e"], childWatches: ["/c"],
            persistentWatches: ["/p"], persistentRecursiveWatches: ["/r"]))])
    }

    @Test func setWatchesAreBatchedAndUseOp105OnlyWithPersistentWatches() {
        var table = ClientWatchTable()
        for i in 0..<5 { table.add(WatchID(UInt64(i)), kind: .data, path: "/node\(i)") }
        table.add(WatchID(10), kind: .persistent, path: "/p")
        let batches = table.setWatchesRequests(relativeZxid: 9, maxChars: 12)
        // Each batch closes once it holds 12 path characters or more (the last path may overshoot).
        #expect(batches == [
            .setWatches(SetWatches(relativeZxid: 9, dataWatches: ["/node0", "/node1"])),
            .setWatches(SetWatches(relativeZxid: 9, dataWatches: ["/node2", "/node3"])),
            .setWatches2(SetWatches2(relativeZxid: 9, dataWatches: ["/node4"], persistentWatches: ["/p"])),
        ])
    }

    @Test func notificationsReachTheRightRegistrations() {
        var d = watched()
        // A child created under /r and /c: NodeCreated reaches the recursive watch only.
        #expect(d.receive(SessionDriver.notification(.nodeCreated, "/r/x/y"))
                == [.fire(WatchEvent(type: .nodeCreated, path: "/r/x/y"), to: [WatchID(5)])])
        // Recursive watches hear no child-list events.
        #expect(d.receive(SessionDriver.notification(.nodeChildrenChanged, "/r")).isEmpty)
        // The persistent watch hears everything on its node and stays.
        #expect(d.receive(SessionDriver.notification(.nodeChildrenChanged, "/p"))
                == [.fire(WatchEvent(type: .nodeChildrenChanged, path: "/p"), to: [WatchID(4)])])
        #expect(d.receive(SessionDriver.notification(.nodeDataChanged, "/p"))
                == [.fire(WatchEvent(type: .nodeDataChanged, path: "/p"), to: [WatchID(4)])])
        // One-shots fire once and end.
        #expect(d.receive(SessionDriver.notification(.nodeCreated, "/e"))
                == [.fire(WatchEvent(type: .nodeCreated, path: "/e"), to: [WatchID(2)]), .endWatches([WatchID(2)])])
        #expect(d.receive(SessionDriver.notification(.nodeCreated, "/e")).isEmpty)
        #expect(d.receive(SessionDriver.notification(.nodeDeleted, "/c"))
                == [.fire(WatchEvent(type: .nodeDeleted, path: "/c"), to: [WatchID(3)]), .endWatches([WatchID(3)])])
        #expect(d.machine.watches.count == 3)
    }

    @Test func eventIsFiredBeforeTheReplyThatFollowsIt() {
        var d = watched()
        let (id, _) = d.submit(.setData(SetDataRequest(path: "/d", data: [2])))
        // Server order: the notification, then the setData reply, in one read.
        var actions = d.receive(SessionDriver.notification(.nodeDataChanged, "/d"))
        actions += d.receive(SessionDriver.reply(xid: 6, zxid: 13, .stat(stat)))
        #expect(actions == [.fire(WatchEvent(type: .nodeDataChanged, path: "/d"), to: [WatchID(1)]),
                            .endWatches([WatchID(1)]),
                            .deliver(id, .reply(ClientReply(zxid: 13, err: .ok, body: .stat(stat))))])
    }

    @Test func chrootIsAddedToRequestsAndStrippedFromReplies() {
        let chroot = Chroot("/app")
        var d = watched(chroot: chroot)
        let (id, sent) = d.submit(.create(.create, CreateRequest(path: "/a", data: nil, acl: ACL.openUnsafe, flags: 2)))
        #expect(sent.requests.map(\.request) == [.create(.create, CreateRequest(path: "/app/a", data: nil,
                                                                                  acl: ACL.openUnsafe, flags: 2))])
        let reply = d.receive(SessionDriver.reply(xid: 6, zxid: 20, .create(CreateResponse(path: "/app/a0000000001"))))
        #expect(reply.outcome(id) == .reply(ClientReply(zxid: 20, err: .ok, body: .create(CreateResponse(path: "/a0000000001")))))
        // Notifications lose the chroot; the chroot itself becomes "/".
        #expect(d.receive(SessionDriver.notification(.nodeDataChanged, "/app/p"))
                == [.fire(WatchEvent(type: .nodeDataChanged, path: "/p"), to: [WatchID(4)])])
        // SetWatches carries server paths.
        _ = d.lost()
        guard case .setWatches2(let set) = d.connect().requests.first?.request else {
            Issue.record("no SetWatches2")
            return
        }
        #expect(set.dataWatches == ["/app/d"] && set.persistentRecursiveWatches == ["/app/r"])
    }

    @Test func chrootPrependAndStrip() {
        let chroot = Chroot("/app")
        #expect(chroot.prepend("/") == "/app")
        #expect(chroot.prepend("/x/y") == "/app/x/y")
        #expect(chroot.strip("/app") == "/")
        #expect(chroot.strip("/app/x") == "/x")
        #expect(chroot.strip("/zookeeper/config") == "/zookeeper/config")
        #expect(chroot.strip("/apple") == "/apple")
        #expect(Chroot().prepend("/x") == "/x" && Chroot("/").root == nil)
    }

    @Test func connectStringsParseAsZooKeeperDoes() throws {
        let plain = try ConnectString(parsing: "zk1:2181, zk2:2182,zk3")
        #expect(plain.hosts == [HostAddress(host: "zk1", port: 2181), HostAddress(host: "zk2", port: 2182),
                                HostAddress(host: "zk3", port: 2181)])
        #expect(plain.chroot == Chroot())
        let rooted = try ConnectString(parsing: "127.0.0.1:2181,[::1]:2182/app/sub")
        #expect(rooted.hosts == [HostAddress(host: "127.0.0.1", port: 2181), HostAddress(host: "::1", port: 2182)])
        #expect(rooted.chroot == Chroot("/app/sub"))
        #expect(try ConnectString(parsing: "h:1/").chroot == Chroot())
        #expect(throws: ConnectStringError.noHosts("")) { try ConnectString(parsing: "") }
        #expect(throws: ConnectStringError.noHosts("/app")) { try ConnectString(parsing: "/app") }
        #expect(throws: ConnectStringError.badPort("h:99999")) { try ConnectString(parsing: "h:99999") }
        #expect(throws: ConnectStringError.badPort("h:x")) { try ConnectString(parsing: "h:x") }
        #expect(throws: ConnectStringError.badChroot("/app/", .trailingSlash)) { try ConnectString(parsing: "h/app/") }
    }

    @Test func cancelledQueuedRequestIsNeverSent() {
        var d = SessionDriver()
        _ = d.start()
        let (id, _) = d.submit(.getData(GetDataRequest(path: "/x", watch: true)), watch: (WatchID(8), .data))
        #expect(d.machine.cancel(id, now: d.now) == [.endWatches([WatchID(8)]), .deliver(id, .cancelled)])
        _ = d.socketConnected()
        #expect(d.receive(SessionDriver.connectResponse()).requests.isEmpty)
    }

    @Test func cancelledSentRequestKeepsTheXidOrder() {
        var d = SessionDriver()
        d.connect()
        let (first, _) = d.submit(.getData(GetDataRequest(path: "/a", watch: true)), watch: (WatchID(1), .data))
        let (second, _) = d.submit(.getData(GetDataRequest(path: "/b")))
        #expect(d.machine.cancel(first, now: d.now) == [.endWatches([WatchID(1)]), .deliver(first, .cancelled)])
        // The late reply is dropped (no watch set), and the next one still matches.
        #expect(d.receive(SessionDriver.reply(xid: 1, zxid: 4, .getData(GetDataResponse(data: [], stat: stat)))).isEmpty)
        #expect(d.machine.watches.isEmpty)
        #expect(d.receive(SessionDriver.reply(xid: 2, zxid: 4, err: .noNode)).outcome(second)
                == .reply(ClientReply(zxid: 4, err: .noNode)))
        #expect(d.machine.state == .connected(readOnly: false))
    }

    @Test func removeOneWatchChecksThenEndsItLocally() {
        var d = watched()
        let actions = d.machine.removeWatch(WatchID(4), id: RequestID(50), local: false, now: d.now)
        #expect(actions.requests.map(\.request) == [.checkWatches(CheckWatchesRequest(path: "/p", type: .any))])
        #expect(d.receive(SessionDriver.reply(xid: 6, zxid: 12)) == [
            .fire(WatchEvent(type: .persistentWatchRemoved, path: "/p"), to: [WatchID(4)]),
            .endWatches([WatchID(4)]),
            .deliver(RequestID(50), .reply(ClientReply(zxid: 0, err: .ok))),
        ])
        // Gone now: NoWatcher without asking the server.
        #expect(d.machine.removeWatch(WatchID(4), id: RequestID(51), local: false, now: d.now)
                == [.deliver(RequestID(51), .failed(.noWatcher))])
        // A server refusal leaves the watch unless the removal is local.
        _ = d.machine.removeWatch(WatchID(1), id: RequestID(52), local: false, now: d.now)
        #expect(d.receive(SessionDriver.reply(xid: 7, zxid: 12, err: .noWatcher))
                == [.deliver(RequestID(52), .reply(ClientReply(zxid: 12, err: .noWatcher)))])
        _ = d.machine.removeWatch(WatchID(1), id: RequestID(53), local: true, now: d.now)
        #expect(d.receive(SessionDriver.reply(xid: 8, zxid: 12, err: .noWatcher)).outcome(RequestID(53))
                == .reply(ClientReply(zxid: 0, err: .ok)))
        #expect(d.machine.watches.registration(WatchID(1)) == nil)
    }

    @Test func removeAllWatchesEndsEveryMatchingRegistration() {
        var d = watched()
        _ = d.submit(.getData(GetDataRequest(path: "/p", watch: true)), watch: (WatchID(6), .data))
        _ = d.receive(SessionDriver.reply(xid: 6, zxid: 12, .getData(GetDataResponse(data: [], stat: stat))))
        let sent = d.machine.removeAllWatches(path: "/p", type: .any, local: false, id: RequestID(60), now: d.now)
        #expect(sent.requests.map(\.request) == [.removeWatches(RemoveWatchesRequest(path: "/p", type: .any))])
        #expect(d.receive(SessionDriver.reply(xid: 7, zxid: 12)) == [
            .fire(WatchEvent(type: .persistentWatchRemoved, path: "/p"), to: [WatchID(4)]),
            .fire(WatchEvent(type: .dataWatchRemoved, path: "/p"), to: [WatchID(6)]),
            .endWatches([WatchID(4), WatchID(6)]),
            .deliver(RequestID(60), .reply(ClientReply(zxid: 0, err: .ok))),
        ])
        _ = d.machine.removeAllWatches(path: "/p", type: .any, local: false, id: RequestID(61), now: d.now)
        #expect(d.receive(SessionDriver.reply(xid: 8, zxid: 12)) == [.deliver(RequestID(61), .failed(.noWatcher))])
    }

    @Test func lostConnectionEndsRegistrationsStillInFlight() {
        var d = SessionDriver(hosts: 2)
        d.connect()
        let (id, _) = d.submit(.exists(ExistsRequest(path: "/x", watch: true)), watch: (WatchID(3), .exist))
        #expect(d.lost() .prefix(2) == [.endWatches([WatchID(3)]), .deliver(id, .failed(.connectionLoss))])
    }
}
