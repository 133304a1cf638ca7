import Foundation
import Testing
import ZKCore

/// The deterministic simulation of whole ensembles (issue 10): many seeds, each a different
/// ensemble, workload and fault schedule, every safety property checked after every event.
///
/// `SWZK_SIM_SEEDS=N` runs N seeds (default 1000), `SWZK_SIM_FIRST=S` starts at seed S,
/// `SWZK_SIM_SEED=S` runs only seed S and prints its trace. A failing seed prints the command
/// that replays it.
@Suite struct SimulationTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    @Test func seeds() {
        if let one = Self.environment["SWZK_SIM_SEED"].flatMap(UInt64.init) {
            var scenario = SimScenario(seed: one, trace: true)
            let failures = scenario.run()
            for line in scenario.cluster.trace { print(line) }
            #expect(failures.isEmpty, "seed \(one): \(failures.joined(separator: "\n"))")
            return
        }
        let count = Self.environment["SWZK_SIM_SEEDS"].flatMap(UInt64.init) ?? 1000
        let first = Self.environment["SWZK_SIM_FIRST"].flatMap(UInt64.init) ?? 1
        var failed: [UInt64] = []
        var acked = 0
        var applied = 0
        // Each seed's number goes to stderr before it runs, so that a seed that traps (a broken
        // invariant is a precondition) still names itself in the output.
        FileHandle.standardError.write("simulation seeds:".data(using: .utf8)!)
        defer { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        for seed in first..<(first + count) {
            FileHandle.standardError.write(" \(seed)".data(using: .utf8)!)
            var scenario = SimScenario(seed: seed)
            let failures = scenario.run()
            acked += scenario.cluster.checker.acknowledged.count
            applied += scenario.cluster.checker.applied.count
            if !failures.isEmpty {
                failed.append(seed)
                Issue.record("""
                    simulation seed \(seed) failed:
                    \(failures.joined(separator: "\n"))
                    replay: SWZK_SIM_SEED=\(seed) swift test --filter SimulationTests
                    """)
                if failed.count >= 5 { break }
            }
        }
        print("simulation: \(count) seeds from \(first), \(failed.count) failed, \(acked) acknowledged writes, \(applied) txns")
    }

    /// The same seed twice gives the same run, event for event.
    @Test func deterministic() {
        var a = SimScenario(seed: 42, trace: true)
        var b = SimScenario(seed: 42, trace: true)
        _ = a.run()
        _ = b.run()
        #expect(a.cluster.trace == b.cluster.trace)
        #expect(a.cluster.checker.acknowledged.count == b.cluster.checker.acknowledged.count)
        #expect(!a.cluster.trace.isEmpty)
    }
}
