import Foundation
import Testing
@testable import ZKCore

@Suite("TxnLogDiff: proposals for a DIFF from the on-disk logs")
struct TxnLogDiffTests {
    /// Logs of `entries`, a new file before each zxid in `rollBefore`, no zero fill.
    private func writeLogs(_ dir: String, _ entries: [TxnLogEntry], rollBefore: Set<Int64>) throws {
        let writer = try TxnLogWriter(directory: dir, preAllocSize: 0, forceSync: false)
        for entry in entries {
            if rollBefore.contains(entry.header.zxid) { try writer.roll() }
            try writer.append(entry)
        }
        try writer.close()
    }

    private let big = 1 << 40

    @Test("The anchor at the learner's zxid, then every later txn, up to the committed log's start")
    func diffFromLogs() throws {
        let dir = try TempDirectory("diff")
        defer { dir.remove() }
        let entries = sampleEntries(count: 300)
        try writeLogs(dir.path, entries, rollBefore: [101, 201])
        let all = try #require(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), snapshotSize: big, factor: 0.33))
        #expect(all.map(\.header.zxid) == Array(150...300))
        #expect(all[1] == loggedTxns([entries[150]])[0])
        let bounded = try #require(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), through: Zxid(250),
                                                          snapshotSize: big, factor: 0.33))
        #expect(bounded.map(\.header.zxid) == Array(150...250))
        // At a file's first txn, and at the very first txn.
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(201), snapshotSize: big, factor: 1)?.first?.zxid == Zxid(201))
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(1), snapshotSize: big, factor: 1)?.count == 300)
        // A learner already at the end gets just the anchor.
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(300), snapshotSize: big, factor: 1)?.count == 1)
    }

    @Test("SNAP when the logs to scan outweigh snapshotSize × factor; a zero limit checks nothing")
    func sizeLimit() throws {
        let dir = try TempDirectory("diff")
        defer { dir.remove() }
        try writeLogs(dir.path, sampleEntries(count: 300), rollBefore: [101, 201])
        // From 150: log.65 (the newest before it) and log.c9 are scanned, not log.1.
        let scanned = try fileSize(dir.file("log.65")) + fileSize(dir.file("log.c9"))
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), snapshotSize: scanned, factor: 1) != nil)
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), snapshotSize: scanned - 1, factor: 1) == nil)
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), snapshotSize: scanned * 3, factor: 0.33) == nil)
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), snapshotSize: scanned * 4, factor: 0.33) != nil)
        // Negative factor: txn-log sync is off.
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), snapshotSize: big, factor: -1) == nil)
        // ZooKeeper checks the size only when the limit is above 0.
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), snapshotSize: big, factor: 0)?.count == 151)
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(150), snapshotSize: 0, factor: 0.33)?.count == 151)
    }

    @Test("SNAP when the logs start after the learner, end before the committed log, or are missing")
    func snapCases() throws {
        let dir = try TempDirectory("diff")
        defer { dir.remove() }
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(5), snapshotSize: big, factor: 1) == nil)
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path + "/missing", from: Zxid(5), snapshotSize: big, factor: 1) == nil)
        try writeLogs(dir.path, sampleEntries(count: 100, first: 50), rollBefore: [100])
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(20), snapshotSize: big, factor: 1) == nil)
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(49), snapshotSize: big, factor: 1) == nil)
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(50), snapshotSize: big, factor: 1)?.count == 100)
        // The committed log starts at 160 but the logs end at 149: a gap.
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(60), through: Zxid(160), snapshotSize: big, factor: 1) == nil)
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(60), through: Zxid(149), snapshotSize: big, factor: 1)?.count == 90)
        // A damaged record on the way: SNAP, as ZooKeeper falls back on its IOException.
        let spans = try recordSpans(dir.file("log.64"))
        var bytes = try readBytes(dir.file("log.64"))
        bytes[spans[3].offset + 20] ^= 0xFF
        try writeBytes(bytes, to: dir.file("log.64"))
        #expect(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(60), snapshotSize: big, factor: 1) == nil)
    }

    @Test("A learner with txns the leader never logged gets the newest logged txn below it as the anchor")
    func anchorBelowPeer() throws {
        let dir = try TempDirectory("diff")
        defer { dir.remove() }
        let epoch1 = Int64(1) << 32
        let epoch2 = Int64(2) << 32
        try writeLogs(dir.path, sampleEntries(count: 50, first: epoch1 + 1) + sampleEntries(count: 10, first: epoch2 + 1),
                      rollBefore: [epoch2 + 1])
        // The learner logged epoch 1 up to counter 60; the leader only up to 50.
        let txns = try #require(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(epoch1 + 60), snapshotSize: big, factor: 1))
        #expect(txns.first?.zxid == Zxid(epoch1 + 50))
        #expect(txns.dropFirst().map(\.header.zxid) == Array((epoch2 + 1)...(epoch2 + 10)))
        // A learner at a new epoch's zxid (counter 0) is never in the log either.
        let fresh = try #require(TxnLogDiff.txnsForDiff(logDir: dir.path, from: Zxid(epoch2), snapshotSize: big, factor: 1))
        #expect(fresh.first?.zxid == Zxid(epoch1 + 50))
        #expect(fresh.count == 11)
    }
}
