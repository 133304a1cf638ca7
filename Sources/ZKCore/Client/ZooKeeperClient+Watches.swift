import NIOConcurrencyHelpers

/// The events of one watch registration, in the order the server sent them.
///
/// A one-shot watch (from `exists`, `getData` or `getChildren` with `watch: true`) yields at most
/// one event and then ends; a persistent one (from `addWatch`) yields until it is removed. A
/// removal yields the matching `*WatchRemoved` event and ends the stream; the end of the session
/// ends it with no event. Single consumer, as any `AsyncStream`. Dropping every copy of the stream
/// forgets the registration on the client (the server's watch stays until it fires or the session
/// ends).
public struct WatchStream: AsyncSequence, Sendable {
    public typealias Element = WatchEvent
    /// Identifies the registration for `removeWatches`.
    public let id: WatchID
    /// What the registration listens to (`exists` on a missing node registers `.exist`, which
    /// becomes `.data` on the client when the node existed).
    public let kind: WatchKind
    /// The client path it was set on.
    public let path: String
    let stream: AsyncStream<WatchEvent>
    let delivered: NIOLockedValueBox<Int>

    init(id: WatchID, kind: WatchKind, path: String, stream: AsyncStream<WatchEvent>, delivered: NIOLockedValueBox<Int>) {
        self.id = id; self.kind = kind; self.path = path; self.stream = stream; self.delivered = delivered
    }

    /// Iterates the events; the iteration ends when the registration ends.
    public func makeAsyncIterator() -> AsyncStream<WatchEvent>.Iterator { stream.makeAsyncIterator() }

    /// Events handed to this stream so far (consumed or not).
    var deliveredCount: Int { delivered.withLockedValue { $0 } }
}

extension ZooKeeperClient {
    /// Sets a persistent watch (`addWatch`, op 106) on `path`, which need not exist.
    ///
    /// `.persistent` hears data changes, child list changes, creation and deletion of the node;
    /// `.persistentRecursive` hears data changes, creation and deletion of the node and of every
    /// node below it (no child-list events). Both stay set across reconnects (SetWatches2).
    public func addWatch(_ path: String, mode: AddWatchMode) async throws -> WatchStream {
        try validatePath(path)
        let kind: WatchKind = mode == .persistentRecursive ? .persistentRecursive : .persistent
        let (watch, sink) = makeWatch(kind: kind, path: path)
        let request = ClientRequest.addWatch(AddWatchRequest(path: path, mode: mode))
        let reply = try await perform(path: path, sink: sink) { machine, id, now in
            machine.submit(request, id: id, watch: (watch.id, kind), now: now)
        }
        guard reply.err == .ok else { throw ZooKeeperError(code: reply.err, path: path) }
        return watch
    }

    /// Removes one watch registration (`removeWatches(path, watcher, type, local)`): the server is
    /// asked whether it still holds the watch (checkWatches, op 17), then the stream yields its
    /// `*WatchRemoved` event and ends. The server-side watch is left in place, as in ZooKeeper.
    ///
    /// - Parameter local: remove it even if the server cannot be reached or does not know the watch.
    /// - Throws: NoWatcher when the registration is gone (fired, removed, or never set).
    public func removeWatches(_ watch: WatchStream, local: Bool = false) async throws {
        let watchID = watch.id
        let reply = try await perform(path: watch.path) { machine, id, now in
            machine.removeWatch(watchID, id: id, local: local, now: now)
        }
        guard reply.err == .ok else { throw ZooKeeperError(code: reply.err, path: watch.path) }
    }

    /// Removes every watch of `type` on `path` (`removeAllWatches`, op 18), on the server and on
    /// the client; each removed stream yields its `*WatchRemoved` event and ends.
    ///
    /// 3.8 servers accept `.children`, `.data` and `.any` only (the persistent types are 3.9).
    /// - Throws: NoWatcher when the client had no such watch.
    public func removeAllWatches(_ path: String, type: WatcherType = .any, local: Bool = false) async throws {
        try validatePath(path)
        let reply = try await perform(path: path) { machine, id, now in
            machine.removeAllWatches(path: path, type: type, local: local, id: id, now: now)
        }
        guard reply.err == .ok else { throw ZooKeeperError(code: reply.err, path: path) }
    }
}
