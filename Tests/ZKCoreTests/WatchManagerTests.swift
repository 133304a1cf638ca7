import Testing
@testable import ZKCore

/// The watch tables with 3.8 semantics (spec client-protocol §9): who is told of each tree change,
/// which watches a firing consumes, and how registrations of different modes combine.
@Suite struct WatchManagerTests {
    let c1 = ConnectionID(1)
    let c2 = ConnectionID(2)
    let open = ACL.openUnsafe

    @Test func standardDataWatchFiresOnce() {
        let w = Watches()
        w.addDataWatch(path: "/a", connection: c1)
        w.addDataWatch(path: "/a", connection: c2)
        let first = w.fire(.dataChanged(path: "/a", acl: open))
        #expect(first.count == 1)
        #expect(first[0].0 == .nodeDataChanged && first[0].1 == "/a" && first[0].2 == [c1, c2])
        #expect(w.to(.dataChanged(path: "/a", acl: open)).isEmpty)
        #expect(w.totalWatchCount == 0)
    }

    @Test func dataWatchSeesCreateAndDeleteButNotChildren() {
        let w = Watches()
        w.addDataWatch(path: "/a", connection: c1)
        #expect(w.to(.childrenChanged(path: "/a", acl: open)).isEmpty)
        #expect(w.to(.created(path: "/a", acl: open)) == [c1])
        w.addDataWatch(path: "/a", connection: c1)
        #expect(w.to(.deleted(path: "/a", acl: open)) == [c1])
        #expect(w.data.mode(path: "/a", connection: c1) == nil)
    }

    @Test func standardChildWatchFiresOnceAndNotOnDataChange() {
        let w = Watches()
        w.addChildWatch(path: "/p", connection: c1)
        #expect(w.to(.dataChanged(path: "/p", acl: open)).isEmpty)
        #expect(w.to(.created(path: "/p/c", acl: open)).isEmpty)
        let events = w.fire(.childrenChanged(path: "/p", acl: open))
        #expect(events.count == 1 && events[0].0 == .nodeChildrenChanged && events[0].2 == [c1])
        #expect(w.to(.childrenChanged(path: "/p", acl: open)).isEmpty)
    }

    @Test func persistentWatchStaysAndWatchesOnlyItsPath() {
        let w = Watches()
        w.addPersistentWatch(path: "/a", connection: c1, recursive: false)
        for _ in 0..<3 { #expect(w.to(.dataChanged(path: "/a", acl: open)) == [c1]) }
        #expect(w.to(.childrenChanged(path: "/a", acl: open)) == [c1])
        #expect(w.to(.childrenChanged(path: "/a", acl: open)) == [c1])
        #expect(w.to(.created(path: "/a/b", acl: open)).isEmpty)
        #expect(w.to(.dataChanged(path: "/a/b", acl: open)).isEmpty)
        #expect(w.to(.deleted(path: "/a", acl: open)) == [c1])
        #expect(w.data.mode(path: "/a", connection: c1) == .persistent)
        #expect(w.child.mode(path: "/a", connection: c1) == .persistent)
    }

    @Test func recursiveWatchFiresForDescendantsButNeverChildrenChanged() {
        let w = Watches()
        w.addPersistentWatch(path: "/a", connection: c1, recursive: true)
        #expect(w.to(.created(path: "/a/b", acl: open)) == [c1])
        #expect(w.to(.created(path: "/a/b/c", acl: open)) == [c1])
        #expect(w.to(.dataChanged(path: "/a/b/c", acl: open)) == [c1])
        #expect(w.to(.dataChanged(path: "/a", acl: open)) == [c1])
        #expect(w.to(.childrenChanged(path: "/a", acl: open)).isEmpty)
        #expect(w.to(.childrenChanged(path: "/a/b", acl: open)).isEmpty)
        // Both 3.8 tables hold the recursive watch, yet a delete is reported once.
        #expect(w.to(.deleted(path: "/a/b/c", acl: open)) == [c1])
        #expect(w.to(.deleted(path: "/a", acl: open)) == [c1])
        // Siblings and the parent are outside the watch.
        #expect(w.to(.dataChanged(path: "/ab", acl: open)).isEmpty)
        #expect(w.to(.dataChanged(path: "/", acl: open)).isEmpty)
        #expect(w.data.mode(path: "/a", connection: c1) == .persistentRecursive)
    }

    @Test func recursiveWatchOnRootSeesEverything() {
        let w = Watches()
        w.addPersistentWatch(path: "/", connection: c2, recursive: true)
        w.addDataWatch(path: "/x/y", connection: c1)
        #expect(w.to(.dataChanged(path: "/x/y", acl: open)) == [c1, c2])
        #expect(w.to(.dataChanged(path: "/x/y", acl: open)) == [c2])
    }

    @Test func laterStandardWatchReplacesPersistentInItsTableOnly() {
        // Spec §9.1 (live 3.8.0): addWatch(P, PERSISTENT) then getData(P, watch).
        let w = Watches()
        w.addPersistentWatch(path: "/p", connection: c1, recursive: false)
        w.addDataWatch(path: "/p", connection: c1)
        #expect(w.to(.dataChanged(path: "/p", acl: open)) == [c1])
        #expect(w.to(.dataChanged(path: "/p", acl: open)).isEmpty)
        #expect(w.to(.dataChanged(path: "/p", acl: open)).isEmpty)
        #expect(w.to(.childrenChanged(path: "/p", acl: open)) == [c1])
        #expect(w.to(.childrenChanged(path: "/p", acl: open)) == [c1])
    }

    @Test func laterPersistentWatchReplacesStandard() {
        // Spec §9.1 (live 3.8.0): getData(P, watch) then addWatch(P, PERSISTENT).
        let w = Watches()
        w.addDataWatch(path: "/p", connection: c1)
        w.addPersistentWatch(path: "/p", connection: c1, recursive: false)
        for _ in 0..<3 { #expect(w.to(.dataChanged(path: "/p", acl: open)) == [c1]) }
    }

    @Test func laterStandardWatchReplacesRecursiveOnItsPath() {
        let w = Watches()
        w.addPersistentWatch(path: "/r", connection: c1, recursive: true)
        w.addDataWatch(path: "/r", connection: c1)
        #expect(w.to(.dataChanged(path: "/r", acl: open)) == [c1])
        #expect(w.to(.dataChanged(path: "/r", acl: open)).isEmpty)
        // The child table still holds the recursive mode, so descendants are still seen through it.
        #expect(w.to(.deleted(path: "/r/x", acl: open)) == [c1])
    }

    @Test func deleteNotifiesEachConnectionOnce() {
        let w = Watches()
        w.addDataWatch(path: "/a", connection: c1)
        w.addChildWatch(path: "/a", connection: c1)
        w.addChildWatch(path: "/a", connection: c2)
        let events = w.fire(.deleted(path: "/a", acl: open))
        #expect(events.count == 1)
        #expect(events[0].0 == .nodeDeleted)
        #expect(events[0].2 == [c1, c2])
        #expect(w.totalWatchCount == 0)
    }

    @Test func removeConnectionForgetsEverything() {
        let w = Watches()
        w.addDataWatch(path: "/a", connection: c1)
        w.addChildWatch(path: "/b", connection: c1)
        w.addPersistentWatch(path: "/r", connection: c1, recursive: true)
        w.addDataWatch(path: "/a", connection: c2)
        #expect(w.totalWatchCount == 5)
        #expect(w.data.connectionCount == 2)
        w.removeConnection(c1)
        #expect(w.totalWatchCount == 1)
        #expect(w.data.connectionCount == 1)
        #expect(w.to(.dataChanged(path: "/r/x", acl: open)).isEmpty)
        #expect(w.to(.childrenChanged(path: "/b", acl: open)).isEmpty)
        #expect(w.to(.dataChanged(path: "/a", acl: open)) == [c2])
        w.removeConnection(c2)
        #expect(w.data.pathCount == 0 && w.child.pathCount == 0)
    }

    @Test func checkAndRemoveWatchesByType() {
        let w = Watches()
        w.addDataWatch(path: "/a", connection: c1)
        w.addChildWatch(path: "/b", connection: c1)
        // 1 = children, 2 = data, 3 = any.
        #expect(w.hasWatch(path: "/a", connection: c1, type: 2))
        #expect(!w.hasWatch(path: "/a", connection: c1, type: 1))
        #expect(w.hasWatch(path: "/a", connection: c1, type: 3))
        #expect(w.hasWatch(path: "/b", connection: c1, type: 1))
        #expect(!w.hasWatch(path: "/b", connection: c1, type: 2))
        #expect(!w.hasWatch(path: "/a", connection: c2, type: 3))

        #expect(!w.removeWatch(path: "/a", connection: c1, type: 1))
        #expect(w.hasWatch(path: "/a", connection: c1, type: 2))
        #expect(w.removeWatch(path: "/a", connection: c1, type: 2))
        #expect(!w.hasWatch(path: "/a", connection: c1, type: 3))
        #expect(!w.removeWatch(path: "/a", connection: c1, type: 2))

        w.addPersistentWatch(path: "/p", connection: c1, recursive: false)
        #expect(w.removeWatch(path: "/p", connection: c1, type: 3))
        #expect(!w.hasWatch(path: "/p", connection: c1, type: 3))
        #expect(w.to(.dataChanged(path: "/p", acl: open)).isEmpty)
        // Removing a data watch leaves the child table's persistent mode in place (3.8: any mode per table).
        w.addPersistentWatch(path: "/q", connection: c1, recursive: false)
        #expect(w.removeWatch(path: "/q", connection: c1, type: 2))
        #expect(w.hasWatch(path: "/q", connection: c1, type: 1))
        #expect(w.to(.childrenChanged(path: "/q", acl: open)) == [c1])
    }

    @Test func removingTheLastRecursiveWatchStopsAncestorMatches() {
        let w = Watches()
        w.addPersistentWatch(path: "/r", connection: c1, recursive: true)
        #expect(w.removeWatch(path: "/r", connection: c1, type: 3))
        #expect(w.to(.created(path: "/r/x", acl: open)).isEmpty)
        w.addPersistentWatch(path: "/r", connection: c1, recursive: true)
        w.addPersistentWatch(path: "/r", connection: c1, recursive: false)
        #expect(w.to(.created(path: "/r/x", acl: open)).isEmpty)
        #expect(w.to(.dataChanged(path: "/r", acl: open)) == [c1])
    }

    @Test func eventsCarryTheTriggerACLAndSyncConnectedState() {
        let w = Watches()
        let secret = [digestACL("alice:pw")]
        w.addDataWatch(path: "/s", connection: c1)
        let events = w.events(for: .created(path: "/s", acl: secret))
        #expect(events.count == 1)
        #expect(events[0].acl == secret)
        #expect(events[0].event == WatcherEvent(type: .nodeCreated, state: .syncConnected, path: "/s"))
    }
}

/// A watch manager behind a reference, so tests can fire triggers from inside `#expect`.
private final class Watches {
    var manager = WatchManager()

    /// The events a trigger produces, as (type, path, recipients).
    func fire(_ trigger: WatchTrigger) -> [(EventType, String, [ConnectionID])] {
        manager.events(for: trigger).map { ($0.event.type, $0.event.path, $0.to) }
    }

    /// Everyone told of a trigger, over all its events.
    func to(_ trigger: WatchTrigger) -> [ConnectionID] { manager.events(for: trigger).flatMap(\.to) }

    func events(for trigger: WatchTrigger) -> [(event: WatcherEvent, acl: [ACL], to: [ConnectionID])] {
        manager.events(for: trigger)
    }

    func addDataWatch(path: String, connection: ConnectionID) { manager.addDataWatch(path: path, connection: connection) }
    func addChildWatch(path: String, connection: ConnectionID) { manager.addChildWatch(path: path, connection: connection) }
    func addPersistentWatch(path: String, connection: ConnectionID, recursive: Bool) {
        manager.addPersistentWatch(path: path, connection: connection, recursive: recursive)
    }
    func removeConnection(_ connection: ConnectionID) { manager.removeConnection(connection) }
    func hasWatch(path: String, connection: ConnectionID, type: Int32) -> Bool {
        manager.hasWatch(path: path, connection: connection, type: type)
    }
    func removeWatch(path: String, connection: ConnectionID, type: Int32) -> Bool {
        manager.removeWatch(path: path, connection: connection, type: type)
    }
    var data: WatchTable { manager.data }
    var child: WatchTable { manager.child }
    var totalWatchCount: Int { manager.totalWatchCount }
}
