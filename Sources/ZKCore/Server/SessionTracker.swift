/// One client session as the leader or standalone server tracks it.
public struct Session: Sendable, Equatable {
    public let id: SessionID
    /// Negotiated timeout in milliseconds.
    public var timeoutMs: Int32
    /// Monotonic time (ms) of the expiry bucket the session sits in.
    public var expiresAt: Int64
    /// Set once expiry or close began: further requests get SessionExpired.
    public var isClosing = false
}

/// Session liveness by tick buckets (ZooKeeper's `SessionTrackerImpl` over an `ExpiryQueue`).
///
/// A touch moves a session to the bucket `ceil(now + timeout)` rounded up to the next tick; a tick
/// expires every bucket whose time has come. Pure: time comes in as an argument.
public struct SessionTracker: Sendable {
    /// Width of an expiry bucket (the server's tickTime).
    public let tickMs: Int64
    public private(set) var sessions: [SessionID: Session] = [:]
    private var buckets: [Int64: Set<SessionID>] = [:]
    private var nextID: Int64

    /// Starts a tracker whose ids begin at `SessionIDGenerator.initialBase` for `serverID`.
    public init(tickMs: Int64, serverID: ServerID, monotonicMillis: Int64) {
        self.tickMs = max(tickMs, 1)
        nextID = SessionIDGenerator.initialBase(serverId: serverID, monotonicMillis: monotonicMillis).rawValue
    }

    /// Allocates the next session id.
    public mutating func nextSessionID() -> SessionID {
        defer { nextID &+= 1 }
        return SessionID(nextID)
    }

    private func bucket(for deadline: Int64) -> Int64 { (deadline / tickMs + 1) * tickMs }

    /// Starts tracking a session (createSession was committed, or restored from disk).
    public mutating func add(_ id: SessionID, timeoutMs: Int32, now: Int64) {
        if let old = sessions[id] { buckets[old.expiresAt]?.remove(id) }
        let at = bucket(for: now + Int64(timeoutMs))
        sessions[id] = Session(id: id, timeoutMs: timeoutMs, expiresAt: at)
        buckets[at, default: []].insert(id)
    }

    /// Renews a session; false if it is unknown or closing.
    @discardableResult
    public mutating func touch(_ id: SessionID, now: Int64, timeoutMs: Int32? = nil) -> Bool {
        guard var session = sessions[id], !session.isClosing else { return false }
        if let timeoutMs { session.timeoutMs = timeoutMs }
        let at = bucket(for: now + Int64(session.timeoutMs))
        if at != session.expiresAt {
            buckets[session.expiresAt]?.remove(id)
            if buckets[session.expiresAt]?.isEmpty == true { buckets[session.expiresAt] = nil }
            session.expiresAt = at
            buckets[at, default: []].insert(id)
        }
        sessions[id] = session
        return true
    }

    /// True when the session exists and is not closing.
    public func isActive(_ id: SessionID) -> Bool { sessions[id].map { !$0.isClosing } ?? false }

    /// Marks a session closing (its close txn is on the way).
    public mutating func setClosing(_ id: SessionID) { sessions[id]?.isClosing = true }

    /// Forgets a session (its close txn was applied).
    public mutating func remove(_ id: SessionID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        buckets[session.expiresAt]?.remove(id)
        if buckets[session.expiresAt]?.isEmpty == true { buckets[session.expiresAt] = nil }
    }

    /// Sessions whose bucket time has passed, marked closing, in id order.
    public mutating func expire(now: Int64) -> [SessionID] {
        var expired: [SessionID] = []
        for at in buckets.keys.sorted() where at <= now {
            for id in buckets.removeValue(forKey: at) ?? [] {
                guard sessions[id] != nil else { continue }
                sessions[id]?.isClosing = true
                expired.append(id)
            }
        }
        return expired.sorted()
    }

    /// The earliest bucket time, for the runtime's timer.
    public var nextExpiry: Int64? { buckets.keys.min() }

    /// Sessions grouped by bucket, for the `dump` word.
    public var bucketsByTime: [(at: Int64, sessions: [SessionID])] {
        buckets.keys.sorted().map { ($0, buckets[$0]!.sorted()) }
    }
}
