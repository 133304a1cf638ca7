/// The operation a benchmark session issues.
public enum BenchOp: String, CaseIterable, Sendable, Codable {
    case create, set, get, exists, delete, mixed

    /// The opcodes a result table reports (mixed splits into get and set).
    var reportedOps: [BenchOp] { self == .mixed ? [.get, .set] : [self] }
}

/// Everything a `swzk bench` run needs, validated by the command line.
public struct BenchConfig: Sendable {
    /// `host:port` pairs; sessions are spread over them round-robin.
    public var servers: [(host: String, port: Int)]
    /// Concurrent sessions (one TCP connection each).
    public var sessions = 4
    /// Requests each session keeps in flight in closed-loop mode.
    public var depth = 100
    public var op: BenchOp = .mixed
    /// Share of reads in the mixed workload, 0...100.
    public var readPercent = 90
    /// Bytes of data per znode written.
    public var valueSize = 1024
    /// Size of the key space the get/set/exists/delete/mixed workloads address.
    public var znodes = 1000
    /// Measured time, unless `count` is set.
    public var duration: Duration = .seconds(10)
    /// Measured operations in total (across sessions) instead of a duration.
    public var count: Int?
    /// Unmeasured load before measuring.
    public var warmup: Duration = .seconds(0)
    /// Open-loop target rate in ops/s (all sessions together); nil = closed loop.
    public var rate: Double?
    /// Session timeout requested.
    public var sessionTimeoutMs: Int32 = 30_000
    /// Seed of the key and op choices.
    public var seed: UInt64 = 1

    public init(servers: [(host: String, port: Int)]) { self.servers = servers }
}

/// A small, fast, seeded random source (SplitMix64) so runs are repeatable.
struct BenchRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<bound.
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}
