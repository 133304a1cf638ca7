@testable import ZKCore

/// Drives a `ServerCore` the way the runtime does, with a log that syncs at once: every persist
/// is recorded and immediately reported durable. Tests read what each connection was sent.
struct CoreDriver {
    var core: ServerCore
    /// Everything persisted, in order.
    var logged: [LoggedTxn] = []
    /// Every action, in order.
    var actions: [CoreAction] = []
    var now: CoreTime
    /// When false, persists wait for an explicit `sync()`.
    var autoSync = true
    private var unsynced: [LoggedTxn] = []

    init(settings: ServerSettings = ServerSettings(tickMs: 2000), now: CoreTime = CoreTime(wallMs: 1_000_000, monotonicMs: 0x798bea)) {
        self.now = now
        core = ServerCore(settings: settings, now: now)
    }

    /// Feeds inputs and returns the actions they caused (including those of the log syncs).
    @discardableResult
    mutating func feed(_ inputs: [CoreInput]) -> [CoreAction] {
        var out = core.received(inputs, now: now)
        out += drainPersists(out)
        actions += out
        return out
    }

    @discardableResult
    mutating func feed(_ input: CoreInput) -> [CoreAction] { feed([input]) }

    /// Advances time and ticks.
    @discardableResult
    mutating func tick(advancingBy ms: Int64) -> [CoreAction] {
        now.monotonicMs += ms
        now.wallMs += ms
        var out = core.tick(now: now)
        out += drainPersists(out)
        actions += out
        return out
    }

    /// Reports every unsynced txn durable.
    @discardableResult
    mutating func sync() -> [CoreAction] {
        guard let last = unsynced.last else { return [] }
        unsynced.removeAll()
        var out = core.logSynced(through: last.zxid, now: now)
        out += drainPersists(out)
        actions += out
        return out
    }

    private mutating func drainPersists(_ actions: [CoreAction]) -> [CoreAction] {
        var more: [CoreAction] = []
        for case .persist(let txns) in actions {
            logged += txns
            unsynced += txns
        }
        if autoSync, let last = unsynced.last {
            unsynced.removeAll()
            let next = core.logSynced(through: last.zxid, now: now)
            more += next
            more += drainPersists(next)
        }
        return more
    }
}

extension Array where Element == CoreAction {
    /// Messages sent to `id`, in order.
    func sent(to id: ConnectionID) -> [OutboundMessage] {
        compactMap { if case let .send(to, message) = $0, to == id { return message } else { return nil } }
    }

    /// Whether `id` was closed.
    func closed(_ id: ConnectionID) -> Bool {
        contains { if case let .close(to, _) = $0 { return to == id } else { return false } }
    }

    /// The reply headers and bodies sent to `id`.
    func replies(to id: ConnectionID) -> [(ReplyHeader, ReplyBody)] {
        sent(to: id).compactMap { if case let .reply(h, b) = $0 { return (h, b) } else { return nil } }
    }

    /// The notifications sent to `id`.
    func events(to id: ConnectionID) -> [WatcherEvent] {
        sent(to: id).compactMap { if case let .notification(e) = $0 { return e } else { return nil } }
    }
}

extension OutboundMessage {
    /// The frame bytes as the runtime writes them.
    var frameBytes: [UInt8] {
        var w = JuteWriter()
        encodeFrame(into: &w)
        return w.bytes
    }
}
