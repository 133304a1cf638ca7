import DequeModule
import Histogram
import NIOCore

/// What one benchmark session measured.
public struct BenchSessionStats: Sendable {
    /// Latencies in nanoseconds per reported op.
    public var latencies: [BenchOp: Histogram<UInt64>] = [:]
    /// Measured completions per reported op.
    public var completed: [BenchOp: Int] = [:]
    /// Measured failures by ZooKeeper error code.
    public var errors: [Int32: Int] = [:]
    /// Requests sent (measured or not).
    public var sent = 0

    mutating func merge(_ other: BenchSessionStats) {
        for (op, h) in other.latencies {
            if latencies[op] == nil { latencies[op] = BenchSessionStats.histogram() }
            latencies[op]!.add(h)
        }
        for (op, n) in other.completed { completed[op, default: 0] += n }
        for (code, n) in other.errors { errors[code, default: 0] += n }
        sent += other.sent
    }

    static func histogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1_000, highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
    }
}

/// Where a session's requests come from.
enum BenchPlan {
    /// A fixed list (set-up and clean-up), each item an op and a path.
    case script([(BenchOp, [UInt8])])
    /// Generated load until stopped or until `limit` measured requests were issued.
    case load(op: BenchOp, readPercent: Int, limit: Int?)
}

/// One benchmark session on its connection's event loop: handshake, then requests pipelined
/// `depth` deep (closed loop) or issued on a schedule (open loop), each reply matched in order
/// and its latency recorded. No task hops: everything happens in the channel callbacks.
final class BenchSession: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let writer: BenchRequestWriter
    private let index: Int
    private let sessionCount: Int
    private let depth: Int
    private let plan: BenchPlan
    private let intervalNanos: UInt64?
    private var random: BenchRandom
    private let timeoutMs: Int32
    private var context: ChannelHandlerContext?
    private var cumulation: ByteBuffer?
    private var connected = false
    private var started = false
    private var stopping = false
    private var measuring = false
    private var issued = 0
    private var measuredIssued = 0
    private var nextXid: Int32 = 1
    private var scriptPosition = 0
    private var createCounter = 0
    private var deleteCursor: Int
    private let znodes: Int
    private var openLoopStart: UInt64 = 0
    private var openLoopIssued: UInt64 = 0
    private var timer: RepeatedTask?
    private var inflight = Deque<(xid: Int32, op: BenchOp, start: UInt64, measured: Bool)>()
    private(set) var stats = BenchSessionStats()
    /// Paths created by the create workload, for clean-up.
    private(set) var createdPaths: [[UInt8]] = []
    private let ready: EventLoopPromise<Void>
    private let finished: EventLoopPromise<BenchSessionStats>

    init(writer: BenchRequestWriter, index: Int, sessionCount: Int, depth: Int, plan: BenchPlan, rate: Double?,
         seed: UInt64, znodes: Int, timeoutMs: Int32, ready: EventLoopPromise<Void>,
         finished: EventLoopPromise<BenchSessionStats>) {
        self.writer = writer
        self.index = index
        self.sessionCount = max(sessionCount, 1)
        self.depth = max(depth, 1)
        self.plan = plan
        intervalNanos = rate.map { UInt64(1e9 / max($0, 0.001)) }
        random = BenchRandom(seed: seed &+ UInt64(index) &* 7919)
        self.znodes = znodes
        deleteCursor = index
        self.timeoutMs = timeoutMs
        self.ready = ready
        self.finished = finished
    }

    // MARK: Control (called on the channel's loop by the runner)

    /// Starts a load plan (scripts start on their own once connected); `measuring` false is warm-up.
    func start(measuring: Bool) {
        guard connected, !started, let context else { return }
        started = true
        self.measuring = measuring
        if let interval = intervalNanos {
            openLoopStart = SystemClock.monotonicNanos()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) { _ in
                bound.value.issueScheduled(interval: interval)
            }
        } else {
            var out = context.channel.allocator.buffer(capacity: 4096)
            fill(&out, now: SystemClock.monotonicNanos())
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
    }

    /// Starts recording latencies of requests issued from now on.
    func beginMeasuring() { measuring = true }

    /// Stops issuing; `finished` completes once every in-flight reply arrived.
    func stop() {
        stopping = true
        finishIfDrained()
    }

    // MARK: Channel

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        var buffer = context.channel.allocator.buffer(capacity: 64)
        writer.connect(&buffer, timeoutMs: timeoutMs)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        ready.fail(ChannelError.ioOnClosedChannel)
        finished.succeed(stats)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if cumulation == nil { cumulation = incoming } else { cumulation!.writeBuffer(&incoming) }
        let now = SystemClock.monotonicNanos()
        var out = context.channel.allocator.buffer(capacity: 256)
        while var buffer = cumulation, buffer.readableBytes >= 4 {
            let length = Int(buffer.getInteger(at: buffer.readerIndex, as: Int32.self)!)
            guard buffer.readableBytes >= 4 + length else { break }
            buffer.moveReaderIndex(forwardBy: 4)
            let frame = buffer.readSlice(length: length)!
            cumulation = buffer.readableBytes == 0 ? nil : buffer
            handleFrame(frame, now: now, out: &out)
        }
        if out.readableBytes > 0 { context.write(wrapOutboundOut(out), promise: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    private func handleFrame(_ frame: ByteBuffer, now: UInt64, out: inout ByteBuffer) {
        if !connected {
            connected = true
            let timeout = frame.getInteger(at: frame.readerIndex + 4, as: Int32.self) ?? 0
            guard timeout > 0 else {
                context?.close(promise: nil)
                return
            }
            ready.succeed(())
            if !isLoad {
                started = true
                fill(&out, now: now)
            }
            return
        }
        guard let xid = frame.getInteger(at: frame.readerIndex, as: Int32.self) else { return }
        if xid < 0 { return } // notifications and pings
        let err = frame.getInteger(at: frame.readerIndex + 12, as: Int32.self) ?? 0
        guard let first = inflight.first, first.xid == xid else {
            context?.close(promise: nil)
            return
        }
        inflight.removeFirst()
        if first.measured {
            if err == 0 {
                let reported: BenchOp = first.op
                if stats.latencies[reported] == nil { stats.latencies[reported] = BenchSessionStats.histogram() }
                _ = stats.latencies[reported]!.record(max(now &- first.start, 1_000))
                stats.completed[reported, default: 0] += 1
            } else {
                stats.errors[err, default: 0] += 1
            }
        }
        if intervalNanos == nil || !isLoad { fill(&out, now: now) }
        finishIfDrained()
    }

    private var isLoad: Bool { if case .load = plan { return true } else { return false } }

    private func finishIfDrained() {
        guard inflight.isEmpty, stopping || exhausted else { return }
        timer?.cancel()
        finished.succeed(stats)
    }

    private var exhausted: Bool {
        switch plan {
        case .script(let items): return scriptPosition >= items.count
        case let .load(op, _, limit):
            if let limit, measuredIssued >= limit { return true }
            if op == .delete { return deleteCursor >= znodes }
            return false
        }
    }

    /// Closed loop: tops the pipeline up to `depth`.
    private func fill(_ out: inout ByteBuffer, now: UInt64) {
        while !stopping, inflight.count < depth, issueOne(&out, start: now) {}
    }

    /// Open loop: issues every request whose scheduled time has come, timed from that schedule.
    private func issueScheduled(interval: UInt64) {
        guard let context, !stopping else { return }
        let now = SystemClock.monotonicNanos()
        var out = context.channel.allocator.buffer(capacity: 1024)
        let due = (now &- openLoopStart) / interval
        var sentNow = 0
        while openLoopIssued < due, inflight.count < 100_000 {
            let intended = openLoopStart &+ openLoopIssued &* interval
            guard issueOne(&out, start: intended) else { break }
            openLoopIssued += 1
            sentNow += 1
        }
        if sentNow > 0 { context.writeAndFlush(wrapOutboundOut(out), promise: nil) }
        finishIfDrained()
    }

    /// Writes the next request, if the plan has one.
    private func issueOne(_ out: inout ByteBuffer, start: UInt64) -> Bool {
        guard !exhausted else { return false }
        let xid = nextXid
        nextXid = nextXid == Int32.max ? 1 : nextXid + 1
        let op: BenchOp
        switch plan {
        case .script(let items):
            let (itemOp, path) = items[scriptPosition]
            scriptPosition += 1
            op = itemOp
            write(op, path: path, xid: xid, into: &out)
        case let .load(loadOp, readPercent, _):
            op = loadOp == .mixed ? (random.next(below: 100) < readPercent ? .get : .set) : loadOp
            let path: [UInt8]
            switch op {
            case .create:
                path = Array("\(writer.root)/s\(index)-\(createCounter)".utf8)
                createCounter += 1
                createdPaths.append(path)
            case .delete:
                path = writer.keyPath(deleteCursor)
                deleteCursor += sessionCount
            default:
                path = writer.keyPath(random.next(below: znodes))
            }
            write(op, path: path, xid: xid, into: &out)
            if measuring { measuredIssued += 1 }
        }
        inflight.append((xid, op, start, measuring || !isLoad))
        stats.sent += 1
        issued += 1
        return true
    }

    private func write(_ op: BenchOp, path: [UInt8], xid: Int32, into out: inout ByteBuffer) {
        switch op {
        case .create:
            if case .script = plan, path.count <= writer.root.utf8.count { writer.createEmpty(&out, xid: xid, path: path) }
            else { writer.create(&out, xid: xid, path: path) }
        case .set: writer.setData(&out, xid: xid, path: path)
        case .get, .mixed: writer.getData(&out, xid: xid, path: path)
        case .exists: writer.exists(&out, xid: xid, path: path)
        case .delete: writer.delete(&out, xid: xid, path: path)
        }
    }
}
