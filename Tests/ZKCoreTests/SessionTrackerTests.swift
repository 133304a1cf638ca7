import Testing
@testable import ZKCore

/// Session expiry buckets (ZooKeeper's `ExpiryQueue` under `SessionTrackerImpl`, spec §13).
@Suite struct SessionTrackerTests {
    private func tracker(tick: Int64 = 2000) -> Tracker {
        Tracker(SessionTracker(tickMs: tick, serverID: ServerID(1), monotonicMillis: 0x798bea))
    }

    @Test func idsAreConsecutiveFromTheBase() {
        let t = tracker()
        let base = SessionIDGenerator.initialBase(serverId: ServerID(1), monotonicMillis: 0x798bea)
        #expect(base.rawValue == 0x0100_0079_8bea_0000)
        #expect(t.nextSessionID() == base)
        #expect(t.nextSessionID().rawValue == base.rawValue + 1)
        #expect(t.nextSessionID().rawValue == base.rawValue + 2)
    }

    @Test func deadlineRoundsUpToTheNextTick() {
        let t = tracker()
        let a = SessionID(1), b = SessionID(2), c = SessionID(3)
        t.add(a, timeoutMs: 5000, now: 1000)   // 6000 is a multiple: still the next bucket
        t.add(b, timeoutMs: 5000, now: 1500)   // 6500
        t.add(c, timeoutMs: 4000, now: 1999)   // 5999
        #expect(t.sessions[a]?.expiresAt == 8000)
        #expect(t.sessions[b]?.expiresAt == 8000)
        #expect(t.sessions[c]?.expiresAt == 6000)
        #expect(t.nextExpiry == 6000)
        #expect(t.bucketsByTime.map(\.at) == [6000, 8000])
        #expect(t.bucketsByTime.last?.sessions == [a, b])
        #expect(t.sessions[a]?.timeoutMs == 5000)
    }

    @Test func touchMovesTheSessionToALaterBucket() {
        let t = tracker()
        let a = SessionID(1)
        t.add(a, timeoutMs: 4000, now: 0)
        #expect(t.sessions[a]?.expiresAt == 6000)
        #expect(t.touch(a, now: 2500))
        #expect(t.sessions[a]?.expiresAt == 8000)
        #expect(t.bucketsByTime.map(\.at) == [8000])
        // A touch in the same bucket changes nothing.
        #expect(t.touch(a, now: 3000))
        #expect(t.bucketsByTime.map(\.at) == [8000])
        // A new timeout (a reconnect renegotiated it) is used from now on.
        #expect(t.touch(a, now: 3000, timeoutMs: 10000))
        #expect(t.sessions[a]?.timeoutMs == 10000)
        #expect(t.sessions[a]?.expiresAt == 14000)
        #expect(t.expire(now: 8000).isEmpty)
        #expect(t.isActive(a))
        #expect(!t.touch(SessionID(99), now: 3000))
    }

    @Test func expireReturnsDueSessionsOnceAndMarksThemClosing() {
        let t = tracker()
        let a = SessionID(5), b = SessionID(4), c = SessionID(6)
        t.add(a, timeoutMs: 4000, now: 0)   // 6000
        t.add(b, timeoutMs: 4000, now: 100) // 6000
        t.add(c, timeoutMs: 8000, now: 0)   // 10000
        #expect(t.expire(now: 5999).isEmpty)
        #expect(t.expire(now: 6000) == [b, a])
        #expect(t.sessions[a]?.isClosing == true)
        #expect(!t.isActive(a) && !t.isActive(b) && t.isActive(c))
        #expect(t.expire(now: 6000).isEmpty)
        #expect(t.expire(now: 9000).isEmpty)
        // A closing session cannot be revived by a touch.
        #expect(!t.touch(a, now: 9000))
        #expect(t.expire(now: 20000) == [c])
        #expect(t.nextExpiry == nil)
        // Closing sessions stay known until their close txn is applied.
        #expect(t.sessions.count == 3)
        t.remove(a)
        #expect(t.sessions[a] == nil)
    }

    @Test func expireCatchesUpOverSeveralBuckets() {
        let t = tracker(tick: 1000)
        for i in 1...5 { t.add(SessionID(Int64(i)), timeoutMs: Int32(i * 1000), now: 0) }
        #expect(t.expire(now: 3000).map(\.rawValue) == [1, 2])
        #expect(t.expire(now: 100_000).map(\.rawValue) == [3, 4, 5])
    }

    @Test func removeAndSetClosing() {
        let t = tracker()
        let a = SessionID(1), b = SessionID(2)
        t.add(a, timeoutMs: 4000, now: 0)
        t.add(b, timeoutMs: 4000, now: 0)
        t.setClosing(a)
        #expect(!t.isActive(a))
        t.remove(b)
        #expect(t.sessions[b] == nil)
        #expect(!t.isActive(b))
        // A removed session is not reported by a later expiry; a closing one still is.
        #expect(t.expire(now: 6000) == [a])
        t.remove(a)
        #expect(t.bucketsByTime.isEmpty)
    }

    @Test func addingAKnownSessionAgainMovesIt() {
        let t = tracker()
        let a = SessionID(1)
        t.add(a, timeoutMs: 4000, now: 0)
        t.add(a, timeoutMs: 4000, now: 10_000)
        #expect(t.expire(now: 6000).isEmpty)
        #expect(t.expire(now: 16_000) == [a])
    }
}

/// A session tracker behind a reference, so tests can call its mutating methods inside `#expect`.
private final class Tracker {
    var inner: SessionTracker
    init(_ inner: SessionTracker) { self.inner = inner }
    func nextSessionID() -> SessionID { inner.nextSessionID() }
    func add(_ id: SessionID, timeoutMs: Int32, now: Int64) { inner.add(id, timeoutMs: timeoutMs, now: now) }
    func touch(_ id: SessionID, now: Int64, timeoutMs: Int32? = nil) -> Bool {
        inner.touch(id, now: now, timeoutMs: timeoutMs)
    }
    func expire(now: Int64) -> [SessionID] { inner.expire(now: now) }
    func remove(_ id: SessionID) { inner.remove(id) }
    func setClosing(_ id: SessionID) { inner.setClosing(id) }
    func isActive(_ id: SessionID) -> Bool { inner.isActive(id) }
    var sessions: [SessionID: Session] { inner.sessions }
    var nextExpiry: Int64? { inner.nextExpiry }
    var bucketsByTime: [(at: Int64, sessions: [SessionID])] { inner.bucketsByTime }
}
