import ArgumentParser
import Foundation
import ZKCore

/// `swzk bench`: a load generator for any ZooKeeper-compatible ensemble.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and latency of a ZooKeeper-compatible ensemble.",
        discussion: """
            Closed loop by default: each session keeps --depth requests in flight. With --rate the \
            load is open loop at that many ops/s in total, and latencies are measured from each \
            request's scheduled time, so a stalled server cannot hide its queueing (coordinated \
            omission). The key space lives under /swzk-bench/run-<id> and is removed afterwards.

            --latency runs the classic zk-latencies test instead: one session, synchronous create, \
            set, get and delete of --count znodes, with per-phase averages and percentiles.

            Examples:
              swzk bench --server 127.0.0.1:2181 --op mixed --read-pct 90 --duration 30s --warmup 30s
              swzk bench --server 127.0.0.1:2181 --op set --sessions 4 --depth 100 --value-size 1024
              swzk bench --server 127.0.0.1:2181 --op get --rate 20000 --duration 60s --json
              swzk bench --server 127.0.0.1:2181 --latency --count 10000
            """
    )

    @Option(name: .long, help: ArgumentHelp("Servers to load, host:port[,host:port...]; sessions are spread over them.",
                                            valueName: "hosts"))
    var server: String = "127.0.0.1:2181"

    @Option(name: .long, help: "Concurrent sessions (one connection each).")
    var sessions: Int = 4

    @Option(name: .long, help: "Requests each session keeps in flight (closed loop).")
    var depth: Int = 100

    @Option(name: .long, help: ArgumentHelp("Operation: create, set, get, exists, delete or mixed.", valueName: "op"))
    var op: String = "mixed"

    @Option(name: .customLong("read-pct"), help: "Percentage of reads (getData) in the mixed workload; the rest are setData.")
    var readPercent: Int = 90

    @Option(name: .customLong("value-size"), help: "Bytes of data per znode written.")
    var valueSize: Int = 1024

    @Option(name: .long, help: "Znodes in the key space get, set, exists, delete and mixed address.")
    var znodes: Int = 1000

    @Option(name: .long, help: ArgumentHelp("Measured time, e.g. 30s, 500ms, 2m (ignored with --count).", valueName: "time"))
    var duration: String = "10s"

    @Option(name: .long, help: "Measured operations in total instead of a duration (with --latency: znodes per phase).")
    var count: Int?

    @Option(name: .long, help: ArgumentHelp("Unmeasured load before measuring, e.g. 30s.", valueName: "time"))
    var warmup: String = "0s"

    @Option(name: .long, help: ArgumentHelp("Open-loop target rate in ops/s for all sessions together.", valueName: "ops"))
    var rate: Double?

    @Flag(name: .long, help: "Run the latency test: one session, synchronous create/set/get/delete of --count znodes.")
    var latency = false

    @Flag(name: .long, help: "Print the whole result as one JSON object.")
    var json = false

    func validate() throws {
        guard BenchOp(rawValue: op) != nil else {
            throw ValidationError("--op: '\(op)' is not one of create, set, get, exists, delete, mixed")
        }
        guard sessions > 0 else { throw ValidationError("--sessions: must be at least 1") }
        guard depth > 0 else { throw ValidationError("--depth: must be at least 1") }
        guard (0...100).contains(readPercent) else { throw ValidationError("--read-pct: must be 0...100") }
        guard valueSize >= 0 else { throw ValidationError("--value-size: must not be negative") }
        guard znodes > 0 else { throw ValidationError("--znodes: must be at least 1") }
        if let count, count <= 0 { throw ValidationError("--count: must be at least 1") }
        if let rate, rate <= 0 { throw ValidationError("--rate: must be positive") }
        _ = try parseServers(server)
        _ = try parseDuration(duration, flag: "--duration")
        _ = try parseDuration(warmup, flag: "--warmup")
    }

    func run() async throws {
        var config = BenchConfig(servers: try parseServers(server))
        config.sessions = sessions
        config.depth = depth
        config.op = BenchOp(rawValue: op)!
        config.readPercent = readPercent
        config.valueSize = valueSize
        config.znodes = znodes
        config.duration = try parseDuration(duration, flag: "--duration")
        config.count = count
        config.warmup = try parseDuration(warmup, flag: "--warmup")
        config.rate = rate
        let runner = BenchRunner(config: config)
        do {
            if latency {
                let phases = try await runner.runLatency(count: count ?? 10_000)
                print(json ? BenchReport.json(phases) : BenchReport.text(phases), terminator: json ? "\n" : "")
            } else {
                let interactive = isatty(2) == 1
                var progress: BenchRunner.Progress?
                if interactive {
                    progress = { done, elapsed in
                        let line = "\r\(done) ops, \(elapsed.components.seconds) s   "
                        FileHandle.standardError.write(Data(line.utf8))
                    }
                }
                let result = try await runner.run(progress: progress)
                if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
                print(json ? BenchReport.json(result) : BenchReport.text(result), terminator: json ? "\n" : "")
                if !result.stats.errors.isEmpty { throw ExitCode(1) }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("swzk bench: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `host:port[,host:port...]` into pairs; a port is required.
func parseServers(_ text: String) throws -> [(host: String, port: Int)] {
    try text.split(separator: ",").map { part in
        guard let colon = part.lastIndex(of: ":"), let port = Int(part[part.index(after: colon)...]),
              (1...65535).contains(port), colon != part.startIndex else {
            throw ValidationError("--server: '\(part)' is not host:port")
        }
        var host = String(part[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

/// `30s`, `500ms`, `2m`, `1h` or plain seconds.
func parseDuration(_ text: String, flag: String) throws -> Duration {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        if let value = Double(text.dropLast(suffix.count)), value >= 0 {
            return .milliseconds(Int64(value * scale * 1000))
        }
    }
    if let value = Double(text), value >= 0 { return .milliseconds(Int64(value * 1000)) }
    throw ValidationError("\(flag): '\(text)' is not a duration like 30s, 500ms or 2m")
}
