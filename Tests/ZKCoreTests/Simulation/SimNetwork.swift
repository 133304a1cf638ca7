import ZKCore

/// What travels from a leader to a learner on one quorum connection.
enum SimStreamItem {
    case packet(QuorumPacket)
    /// A chunk of the serialized tree that follows a SNAP packet.
    case snapshotChunk([UInt8])
}

/// One simulated learner→leader TCP connection: FIFO both ways, dead for good once anything on
/// it was lost (a later byte never overtakes a lost one).
struct SimConnection {
    let id: LearnerConnectionID
    let learner: Int
    let leader: Int
    /// Incarnations of both ends when it opened; a restarted node never sees old connections.
    let learnerIncarnation: Int
    let leaderIncarnation: Int
    var open = true
    var acceptedByLeader = false
    var lastToLearner: Int64 = 0
    var lastToLeader: Int64 = 0
}

/// The events of the simulated world, in time order.
enum SimEvent {
    case tick(node: Int, incarnation: Int)
    case election(from: Int, to: Int, Notification)
    case connect(LearnerConnectionID)
    /// A learner whose connection attempt failed dials its leader again.
    case retryConnect(node: Int, incarnation: Int)
    case toLearner(LearnerConnectionID, SimStreamItem)
    case toLeader(LearnerConnectionID, QuorumPacket)
    /// One end learns its connection is gone.
    case closedAtLearner(LearnerConnectionID)
    case closedAtLeader(LearnerConnectionID)
    case fsync(node: Int, incarnation: Int, generation: Int, count: Int)
    /// The leader produces the next chunk of a SNAP stream.
    case snapshotStep(node: Int, incarnation: Int, LearnerConnectionID)
    /// The leader's log read for a DIFF comes back.
    case historyRead(node: Int, incarnation: Int, LearnerConnectionID, [LoggedTxn]?)
    case client(Int)
    /// What a client sent reaches its server (which handles it later if it is paused).
    case clientInput(node: Int, incarnation: Int, [CoreInput])
    case fault(SimFault)
}

/// A fault the schedule injects.
enum SimFault: CustomStringConvertible {
    case crash(Int)
    case restart(Int)
    /// Cut both directions between a node and every other node.
    case isolate(Int)
    /// Cut one direction only.
    case cutOneWay(from: Int, to: Int)
    case slowDisk(Int, Bool)
    /// Crash whoever leads at that moment (mid-broadcast or mid-sync), restarting it later.
    case crashLeader(restartAfter: Int64)
    /// Isolate whoever leads at that moment.
    case isolateLeader
    /// Freeze whoever leads for a while (SIGSTOP, then SIGCONT): it handles nothing meanwhile,
    /// then everything that reached it, in order, as a resumed process does.
    case pauseLeader(ms: Int64)
    case healAll

    var description: String {
        switch self {
        case .crash(let n): return "crash n\(n + 1)"
        case .restart(let n): return "restart n\(n + 1)"
        case .isolate(let n): return "isolate n\(n + 1)"
        case let .cutOneWay(from, to): return "cut n\(from + 1)->n\(to + 1)"
        case let .slowDisk(n, on): return "slow disk n\(n + 1) \(on)"
        case .crashLeader(let after): return "crash the leader, restart after \(after) ms"
        case .isolateLeader: return "isolate the leader"
        case .pauseLeader(let ms): return "pause the leader for \(ms) ms"
        case .healAll: return "heal all"
        }
    }
}

/// A min-heap of events by (time, sequence): equal times run in the order they were scheduled.
struct SimQueue {
    private var heap: [(time: Int64, seq: Int, event: SimEvent)] = []
    private var seq = 0

    var isEmpty: Bool { heap.isEmpty }

    /// When the next event is due (nil when none is queued).
    var nextTime: Int64? { heap.first?.time }

    mutating func push(_ time: Int64, _ event: SimEvent) {
        seq += 1
        heap.append((time, seq, event))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (time: Int64, event: SimEvent)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && less(l, m) { m = l }
            if r < heap.count && less(r, m) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
        return (top.time, top.event)
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        heap[a].time != heap[b].time ? heap[a].time < heap[b].time : heap[a].seq < heap[b].seq
    }
}
