import Foundation
import Testing
@testable import ZKCore

/// Purge plans on prepared directories (disk-format.md §10, ZooKeeper's `PurgeTxnLog`).
@Suite("Purge")
struct PurgeTests {
    /// Writes valid snapshots (copies of a fixture) and dummy logs with the given hex zxids.
    private func prepare(_ dir: String, snapshots: [String], logs: [String], logDir: String? = nil) throws {
        let good = try snapshotFixtureBytes("standalone/version-2/snapshot.23")
        for zxid in snapshots { try Data(good).write(to: URL(fileURLWithPath: "\(dir)/snapshot.\(zxid)")) }
        for zxid in logs { try Data([1]).write(to: URL(fileURLWithPath: "\(logDir ?? dir)/log.\(zxid)")) }
    }

    private func names(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    @Test("N=3 keeps the three newest snapshots and the logs the oldest of them needs")
    func keepsThreeNewest() throws {
        let dir = try makeSnapshotTempDir("purge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try prepare(dir, snapshots: ["1", "5", "9", "23"], logs: ["1", "4", "8", "20"])
        let plan = try Purge.plan(snapDir: dir, logDir: dir, retain: 3)
        #expect(plan.keptSnapshots.map(\.name) == ["snapshot.23", "snapshot.9", "snapshot.5"])
        #expect(plan.leastRetainedZxid == Zxid(5))
        // log.4 starts before snapshot.5 and holds the txns after it: it stays.
        #expect(plan.retainedLogs.map(\.name) == ["log.4", "log.8", "log.20"])
        #expect(plan.removals.map(\.name) == ["log.1", "snapshot.1"])
        #expect(try names(dir).count == 8, "planning deletes nothing")

        let result = Purge.execute(plan)
        #expect(result.failures.isEmpty)
        #expect(result.removed.map(\.name) == ["log.1", "snapshot.1"])
        #expect(try names(dir) == ["log.20", "log.4", "log.8", "snapshot.23", "snapshot.5", "snapshot.9"])
    }

    @Test("A log starting exactly at the oldest kept snapshot is the first one kept")
    func logAtSnapshotZxid() throws {
        let dir = try makeSnapshotTempDir("purge-exact")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try prepare(dir, snapshots: ["2", "10", "20", "30"], logs: ["1", "9", "10", "1f"])
        let plan = try Purge.plan(snapDir: dir, logDir: dir, retain: 3)
        #expect(plan.leastRetainedZxid == Zxid(0x10))
        #expect(plan.retainedLogs.map(\.name) == ["log.10", "log.1f"])
        #expect(plan.removals.map(\.name) == ["log.1", "log.9", "snapshot.2"])
    }

    @Test("Separate log directory, fewer snapshots than N, and stray names")
    func separateLogDirectory() throws {
        let snaps = try makeSnapshotTempDir("purge-snap")
        let logs = try makeSnapshotTempDir("purge-log")
        defer {
            try? FileManager.default.removeItem(atPath: snaps)
            try? FileManager.default.removeItem(atPath: logs)
        }
        try prepare(snaps, snapshots: ["100000005", "100000009"], logs: ["1", "100000001", "100000008"], logDir: logs)
        var plan = try Purge.plan(snapDir: snaps, logDir: logs, retain: 5)
        #expect(plan.keptSnapshots.count == 2)
        #expect(plan.leastRetainedZxid == Zxid(0x1_0000_0005))
        #expect(plan.retainedLogs.map(\.name) == ["log.100000001", "log.100000008"])
        #expect(plan.removals.map(\.path) == [logs + "/log.1"])

        // ZooKeeper removes log.*/snapshot.* names without a zxid too (they count as -1), and
        // older .tmp leftovers; other files are never touched.
        try Data([1]).write(to: URL(fileURLWithPath: logs + "/log.garbage"))
        try Data([1]).write(to: URL(fileURLWithPath: snaps + "/snapshot.3.tmp"))
        try Data([1]).write(to: URL(fileURLWithPath: snaps + "/myid"))
        plan = try Purge.plan(snapDir: snaps, logDir: logs, retain: 3)
        #expect(plan.removals.map(\.name) == ["log.garbage", "log.1", "snapshot.3.tmp"])
    }

    @Test("Incomplete snapshots are not counted among the kept ones")
    func incompleteNotCounted() throws {
        let dir = try makeSnapshotTempDir("purge-incomplete")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try prepare(dir, snapshots: ["1", "2", "3", "4"], logs: [])
        try Data([0x5A, 0x4B]).write(to: URL(fileURLWithPath: dir + "/snapshot.5"))
        let plan = try Purge.plan(snapDir: dir, logDir: dir, retain: 3)
        #expect(plan.keptSnapshots.map(\.name) == ["snapshot.4", "snapshot.3", "snapshot.2"])
        #expect(plan.removals.map(\.name) == ["snapshot.1"])
    }

    @Test("Refuses N < 3, a kept snapshot that fails verification, and a missing directory")
    func refusals() throws {
        let dir = try makeSnapshotTempDir("purge-refuse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try prepare(dir, snapshots: ["1", "2", "3", "4"], logs: ["1"])
        #expect(throws: PurgeError.retainTooSmall(2)) { try Purge.plan(snapDir: dir, logDir: dir, retain: 2) }
        #expect(PurgeError.retainTooSmall(2).description == "snapshot count to keep must be at least 3, got 2")

        var bytes = try snapshotFixtureBytes("standalone/version-2/snapshot.23")
        bytes[180] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/snapshot.3"))
        do {
            _ = try Purge.plan(snapDir: dir, logDir: dir, retain: 3)
            Issue.record("a corrupt kept snapshot must stop the purge")
        } catch {
            guard case .keptSnapshotInvalid(.checksumMismatch(let file, 1031, _, _)) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file == dir + "/snapshot.3")
        }
        // Without verification the plan goes ahead as ZooKeeper's would.
        #expect(try Purge.plan(snapDir: dir, logDir: dir, retain: 3, verifySnapshots: false).removals.map(\.name)
                == ["snapshot.1"])
        #expect(throws: PurgeError.self) { try Purge.plan(snapDir: dir + "/nope", logDir: dir, retain: 3) }
        #expect(try names(dir).count == 5)
    }

    @Test("Autopurge raises a count below 3, logs each removal, and logs a refusal")
    func autopurge() throws {
        let dir = try makeSnapshotTempDir("autopurge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try prepare(dir, snapshots: ["1", "2", "3", "4"], logs: ["1", "2", "3"])
        var lines: [String] = []
        let result = Purge.autopurge(snapDir: dir, logDir: dir, configuredRetain: 1) { lines.append($0) }
        #expect(result?.removed.map(\.name) == ["log.1", "snapshot.1"])
        #expect(lines.count == 3)
        #expect(lines[0] == "autopurge.snapRetainCount 1 is below 3; using 3")
        #expect(lines[1].hasPrefix("Removing file: ") && lines[1].hasSuffix("\t\(dir)/log.1"))

        var bytes = try snapshotFixtureBytes("standalone/version-2/snapshot.23")
        bytes[180] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/snapshot.2"))
        lines = []
        #expect(Purge.autopurge(snapDir: dir, logDir: dir, configuredRetain: 3) { lines.append($0) } == nil)
        #expect(lines.count == 1 && lines[0].hasPrefix("purge skipped: refusing to purge"))
    }

    @Test("No snapshot at all: nothing is removed")
    func noSnapshots() throws {
        let dir = try makeSnapshotTempDir("purge-none")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try prepare(dir, snapshots: [], logs: ["1", "2"])
        let plan = try Purge.plan(snapDir: dir, logDir: dir, retain: 3)
        #expect(plan.keptSnapshots.isEmpty && plan.removals.isEmpty && plan.leastRetainedZxid == nil)
    }

    @Test("The removal line is ZooKeeper's: date in Java's medium format, a tab, the path")
    func removalLine() {
        setenv("TZ", "UTC", 1)
        tzset()
        let file = PurgeFile(path: "/d/version-2/log.1", name: "log.1", zxid: Zxid(1), modifiedMs: 1_709_647_629_000)
        #expect(Purge.removalLine(file) == "Removing file: Mar 5, 2024, 2:07:09 PM\t/d/version-2/log.1")
        #expect(Purge.javaMediumDateTime(epochMs: 1_795_305_600_000) == "Nov 22, 2026, 12:00:00 AM")
    }
}
