/// The leader's SNAP syncs in progress, shared by both drivers (production and the simulator).
///
/// A learner synced by SNAP gets the SNAP packet, then the serialized tree a bounded chunk at a
/// time, produced on the core loop between other work so that a large tree never stalls the
/// leader (DESIGN.md §11); every packet the leader addresses to that learner meanwhile is held
/// and goes out, in order, right after the stream's last byte (ZooKeeper's `LearnerHandler`
/// likewise starts its queued packets only once `serializeSnapshot` is done).
///
/// The tree is read live between chunks, so the stream is fuzzy exactly as a fuzzy snapshot file
/// is (see `SnapshotWriter`): it starts at the SNAP packet's zxid, may already hold some later
/// changes, and the txns that follow it repair every difference when the learner applies them.
/// Apache ZooKeeper's leaders stream the same way; learners of both kinds replay over it.
public struct SnapshotStreams {
    private struct Stream {
        var writer: SnapshotWriter
        var held: [QuorumPacket] = []
    }

    /// What the next step of a stream produced.
    public enum Step: Equatable {
        /// More of the tree, to write to the learner.
        case bytes([UInt8])
        /// The stream is complete; these held packets go out now, in this order.
        case finished(held: [QuorumPacket])
    }

    private var streams: [LearnerConnectionID: Stream] = [:]

    public init() {}

    /// Learners whose stream is still being produced, in id order.
    public var active: [LearnerConnectionID] { streams.keys.sorted() }

    public func isStreaming(_ id: LearnerConnectionID) -> Bool { streams[id] != nil }

    /// Starts streaming `tree` (with these sessions) to a learner; returns the SNAP packet, which
    /// goes out before the first chunk. The packet's zxid is the tree's last applied txn now.
    public mutating func start(_ id: LearnerConnectionID, tree: DataTree,
                               sessions: [(id: SessionID, timeoutMs: Int32)]) -> QuorumPacket {
        let writer = SnapshotWriter(tree: tree, sessions: sessions, format: .wire)
        streams[id] = Stream(writer: writer)
        return ZabPacket.bare(.snap, zxid: writer.zxid)
    }

    /// Packets for a learner: the ones to send now, or none while its stream runs (they are held).
    public mutating func route(_ id: LearnerConnectionID, _ packets: [QuorumPacket]) -> [QuorumPacket] {
        guard streams[id] != nil else { return packets }
        streams[id]!.held += packets
        return []
    }

    /// The next chunk of a learner's stream (at most `maxNodes` nodes), or its end with the held
    /// packets; nil when no stream runs for it.
    public mutating func next(_ id: LearnerConnectionID, maxNodes: Int) -> Step? {
        guard var stream = streams[id] else { return nil }
        if let chunk = stream.writer.nextChunk(maxNodes: maxNodes) {
            streams[id] = stream
            return .bytes(chunk)
        }
        streams[id] = nil
        return .finished(held: stream.held)
    }

    /// Bytes of the tree produced so far for a learner.
    public func bytesSent(_ id: LearnerConnectionID) -> Int { streams[id]?.writer.byteCount ?? 0 }

    /// The learner went away: its stream and held packets are dropped.
    public mutating func drop(_ id: LearnerConnectionID) {
        streams[id] = nil
    }

    /// Every stream is dropped (the leader stopped leading).
    public mutating func dropAll() {
        streams.removeAll()
    }
}
