/// Server-wide counters for `srvr`, `stat` and `mntr` (ZooKeeper's `ServerStats` plus the few
/// `ServerMetrics` counters swzk keeps).
public struct ServerStatistics: Sendable, Equatable {
    public var packetsReceived: Int64 = 0
    public var packetsSent: Int64 = 0
    public var minLatencyMs: Int64 = Int64.max
    public var maxLatencyMs: Int64 = 0
    public var totalLatencyMs: Int64 = 0
    public var latencyCount: Int64 = 0
    public var connectionRejected: Int64 = 0
    public var authFailedCount: Int64 = 0
    public var throttledOps: Int64 = 0
    public var sessionlessConnectionsExpired: Int64 = 0
    /// Applied txns whose recorded tree digest differed from the tree's (`digest_mismatches_count`).
    public var digestMismatches: Int64 = 0

    public init() {}

    mutating func recordLatency(_ ms: Int64) {
        minLatencyMs = min(minLatencyMs, ms)
        maxLatencyMs = max(maxLatencyMs, ms)
        totalLatencyMs += ms
        latencyCount += 1
    }

    /// `srst`: clears latency and packet counters.
    public mutating func reset() {
        packetsReceived = 0
        packetsSent = 0
        minLatencyMs = Int64.max
        maxLatencyMs = 0
        totalLatencyMs = 0
        latencyCount = 0
    }

    /// Minimum latency as reported (0 before any request).
    public var reportedMinLatency: Int64 { latencyCount == 0 ? 0 : minLatencyMs }
    /// Average latency as a double.
    public var averageLatency: Double { latencyCount == 0 ? 0 : Double(totalLatencyMs) / Double(latencyCount) }
}
