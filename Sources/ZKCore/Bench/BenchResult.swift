import Histogram

/// The outcome of a throughput run.
public struct BenchResult: Sendable {
    public let config: BenchConfig
    public let stats: BenchSessionStats
    public let elapsed: Duration

    /// Completed operations per second over the measured time.
    public var opsPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(stats.completed.values.reduce(0, +)) / seconds : 0
    }
}

/// One phase of the latency test.
public struct BenchPhaseResult: Sendable {
    public let op: BenchOp
    public let stats: BenchSessionStats
    public let elapsed: Duration
}

/// Renders results as a table or JSON.
public enum BenchReport {
    static let percentiles: [(String, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99)]

    private static func ms(_ nanos: UInt64) -> String { format(Double(nanos) / 1e6, decimals: 3) }

    static func format(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let fraction = text[text.index(after: dot)...]
            if fraction.count < decimals { text += String(repeating: "0", count: decimals - fraction.count) }
        } else {
            text += "." + String(repeating: "0", count: decimals)
        }
        return text
    }

    /// The human-readable table.
    public static func text(_ result: BenchResult) -> String {
        var lines: [String] = []
        let c = result.config
        lines.append("workload: \(c.op.rawValue)\(c.op == .mixed ? " (\(c.readPercent)% reads)" : ""), "
            + "\(c.sessions) sessions x \(c.rate == nil ? "\(c.depth) in flight" : "open loop \(format(c.rate!, decimals: 0)) ops/s"), "
            + "value \(c.valueSize) B, \(c.znodes) znodes")
        lines.append("throughput: \(format(result.opsPerSecond, decimals: 1)) ops/s over \(format(seconds(result.elapsed), decimals: 2)) s")
        lines.append(row(["op", "count", "mean", "p50", "p90", "p99", "p99.9", "p99.99", "max (ms)"]))
        for op in BenchOp.allCases {
            guard let h = result.stats.latencies[op] else { continue }
            lines.append(row([op.rawValue, String(result.stats.completed[op] ?? 0), format(h.mean / 1e6, decimals: 3)]
                + percentiles.map { ms(h.valueAtPercentile($0.1)) } + [ms(h.max)]))
        }
        if !result.stats.errors.isEmpty {
            lines.append("errors: " + result.stats.errors.sorted { $0.key > $1.key }
                .map { "\(ErrorCode($0.key).text) (\($0.key)): \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The latency test's table.
    public static func text(_ phases: [BenchPhaseResult]) -> String {
        var lines = [row(["phase", "count", "avg", "p50", "p90", "p99", "max (ms)"])]
        for phase in phases {
            guard let h = phase.stats.latencies[phase.op] else { continue }
            lines.append(row([phase.op.rawValue, String(phase.stats.completed[phase.op] ?? 0), format(h.mean / 1e6, decimals: 3),
                              ms(h.valueAtPercentile(50)), ms(h.valueAtPercentile(90)), ms(h.valueAtPercentile(99)), ms(h.max)]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The whole throughput result as one JSON object.
    public static func json(_ result: BenchResult) -> String {
        let c = result.config
        var ops: [String] = []
        for op in BenchOp.allCases {
            guard let h = result.stats.latencies[op] else { continue }
            var fields = ["\"count\":\(result.stats.completed[op] ?? 0)", "\"mean_ms\":\(format(h.mean / 1e6, decimals: 4))"]
            fields += percentiles.map { "\"\($0.0)_ms\":\(ms(h.valueAtPercentile($0.1)))" }
            fields.append("\"max_ms\":\(ms(h.max))")
            ops.append("\"\(op.rawValue)\":{\(fields.joined(separator: ","))}")
        }
        let errors = result.stats.errors.sorted { $0.key > $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        return "{\"op\":\"\(c.op.rawValue)\",\"sessions\":\(c.sessions),\"depth\":\(c.depth),"
            + "\"read_pct\":\(c.readPercent),\"value_size\":\(c.valueSize),\"znodes\":\(c.znodes),"
            + "\"rate\":\(c.rate.map { format($0, decimals: 1) } ?? "null"),"
            + "\"elapsed_s\":\(format(seconds(result.elapsed), decimals: 3)),"
            + "\"ops_per_sec\":\(format(result.opsPerSecond, decimals: 1)),\"ops\":{\(ops.joined(separator: ","))},"
            + "\"errors\":{\(errors)}}"
    }

    /// The latency test as one JSON object.
    public static func json(_ phases: [BenchPhaseResult]) -> String {
        let parts = phases.compactMap { phase -> String? in
            guard let h = phase.stats.latencies[phase.op] else { return nil }
            return "\"\(phase.op.rawValue)\":{\"count\":\(phase.stats.completed[phase.op] ?? 0),"
                + "\"avg_ms\":\(format(h.mean / 1e6, decimals: 4)),\"p50_ms\":\(ms(h.valueAtPercentile(50))),"
                + "\"p90_ms\":\(ms(h.valueAtPercentile(90))),\"p99_ms\":\(ms(h.valueAtPercentile(99))),\"max_ms\":\(ms(h.max))}"
        }
        return "{\"latency\":{\(parts.joined(separator: ","))}}"
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func row(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in
            i == 0 ? cell + String(repeating: " ", count: max(0, 8 - cell.count))
                   : String(repeating: " ", count: max(0, 10 - cell.count)) + cell
        }.joined()
    }
}
