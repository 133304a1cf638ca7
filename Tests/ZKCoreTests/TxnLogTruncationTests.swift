import Foundation
import Testing
@testable import ZKCore

/// Writes `entries` with a roll before each zxid in `rollBefore`, with a 64 KiB zero fill.
private func writeLogs(_ dir: String, _ entries: [TxnLogEntry], rollBefore: Set<Int64>) throws {
    let writer = try TxnLogWriter(directory: dir, preAllocSize: 64 * 1024)
    for entry in entries {
        if rollBefore.contains(entry.header.zxid) { try writer.roll() }
        try writer.append(entry)
    }
    try writer.close()
}

/// Zxids the directory's logs hold, in read order.
private func loggedZxids(_ dir: String) throws -> [Int64] {
    try TxnLogReader(directory: dir).readAll().map(\.entry.header.zxid)
}

private func logNames(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("log.") }.sorted()
}

/// Empty files named like snapshots (truncation only looks at names).
private func touchSnapshots(_ dir: String, _ names: [String]) throws {
    for name in names { try writeBytes([], to: dir + "/" + name) }
}

@Suite("TxnLogTruncation: TRUNC on disk")
struct TxnLogTruncationTests {
    /// Txns 1...30 in log.1 (1-10), log.b (11-20), log.15 (21-30).
    let entries = sampleEntries(count: 30)
    let rolls: Set<Int64> = [11, 21]

    @Test("Inside a file: later files go, the file holding the zxid ends right after its record")
    func insideAFile() throws {
        let dir = try TempDirectory("trunc")
        defer { dir.remove() }
        try writeLogs(dir.path, entries, rollBefore: rolls)
        #expect(try logNames(dir.path) == ["log.1", "log.15", "log.b"])
        let before = try fileSize(dir.file("log.b"))
        #expect(before >= 64 * 1024)  // zero fill
        try touchSnapshots(dir.path, ["snapshot.5", "snapshot.f", "snapshot.10", "snapshot.14.gz", "snapshot.1e",
                                      "snapshot.20.tmp"])
        let result = try TxnLogTruncation.truncate(logDirectory: dir.path, snapDirectory: dir.path, to: Zxid(15))
        #expect(try loggedZxids(dir.path) == Array(1...15))
        #expect(try logNames(dir.path) == ["log.1", "log.b"])
        let spans = try recordSpans(dir.file("log.b"))
        #expect(try fileSize(dir.file("log.b")) == spans.last!.offset + spans.last!.length)
        #expect(result.cutFile == dir.file("log.b"))
        #expect(result.cutOffset == spans.last!.offset + spans.last!.length)
        #expect(result.lastKeptZxid == Zxid(15))
        #expect(result.deletedLogs == [dir.file("log.15")])
        #expect(result.deletedSnapshots == [dir.file("snapshot.1e"), dir.file("snapshot.14.gz"), dir.file("snapshot.10")])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("snapshot") }.sorted()
        #expect(left == ["snapshot.20.tmp", "snapshot.5", "snapshot.f"])
        // Truncating again to the same zxid changes nothing.
        let again = try TxnLogTruncation.truncate(logDirectory: dir.path, snapDirectory: dir.path, to: Zxid(15))
        #expect(again.deletedLogs.isEmpty && again.deletedSnapshots.isEmpty)
        #expect(try loggedZxids(dir.path) == Array(1...15))
    }

    @Test("At a file boundary: the last record of a file, and the first record of the next",
          arguments: [(Int64(10), ["log.1"]), (Int64(11), ["log.1", "log.b"]), (Int64(20), ["log.1", "log.b"]),
                      (Int64(21), ["log.1", "log.15", "log.b"])])
    func fileBoundary(_ zxid: Int64, _ files: [String]) throws {
        let dir = try TempDirectory("trunc")
        defer { dir.remove() }
        try writeLogs(dir.path, entries, rollBefore: rolls)
        _ = try TxnLogTruncation.truncate(logDirectory: dir.path, snapDirectory: nil, to: Zxid(zxid))
        #expect(try loggedZxids(dir.path) == Array(1...zxid))
        #expect(try logNames(dir.path) == files)
        // No zero fill is left after the cut.
        let cut = files.sorted { TxnLogFormat.zxid(fromFileName: $0)! < TxnLogFormat.zxid(fromFileName: $1)! }.last!
        let spans = try recordSpans(dir.file(cut))
        #expect(try fileSize(dir.file(cut)) == spans.last!.offset + spans.last!.length)
    }

    @Test("Below the first log every file goes; at or above the last record nothing is lost")
    func outsideTheLogs() throws {
        let dir = try TempDirectory("trunc")
        defer { dir.remove() }
        let late = sampleEntries(count: 20, first: 5)
        try writeLogs(dir.path, late, rollBefore: [12])
        try touchSnapshots(dir.path, ["snapshot.3", "snapshot.4"])
        let above = try TxnLogTruncation.truncate(logDirectory: dir.path, snapDirectory: dir.path, to: Zxid(500))
        #expect(above.deletedLogs.isEmpty && above.deletedSnapshots.isEmpty)
        #expect(above.lastKeptZxid == Zxid(24))
        #expect(try loggedZxids(dir.path) == Array(5...24))
        let below = try TxnLogTruncation.truncate(logDirectory: dir.path, snapDirectory: dir.path, to: Zxid(3))
        #expect(try logNames(dir.path).isEmpty)
        #expect(below.deletedLogs == [dir.file("log.c"), dir.file("log.5")])
        #expect(below.deletedSnapshots == [dir.file("snapshot.4")])
        #expect(below.cutFile == nil)
        #expect(try loggedZxids(dir.path).isEmpty)
        // An empty directory truncates to anything.
        let empty = try TxnLogTruncation.truncate(logDirectory: dir.path, snapDirectory: nil, to: .zero)
        #expect(empty.cutFile == nil && empty.deletedLogs.isEmpty)
    }

    @Test("A torn tail after the cut point is cut with the rest; a file with no whole record is removed")
    func tornFiles() throws {
        let dir = try TempDirectory("trunc")
        defer { dir.remove() }
        try writeLogs(dir.path, entries, rollBefore: rolls)
        // Tear the last record of log.15 (zxid 30).
        let spans = try recordSpans(dir.file("log.15"))
        try TxnLogRepair.truncate(file: dir.file("log.15"), at: spans.last!.offset + 5)
        _ = try TxnLogTruncation.truncate(logDirectory: dir.path, snapDirectory: nil, to: Zxid(25))
        #expect(try loggedZxids(dir.path) == Array(1...25))
        // log.1a holding only a header: a crash right after creating the file.
        let next = try TxnLogWriter(directory: dir.path, preAllocSize: 0)
        try next.append(sampleEntries(count: 1, first: 26)[0])
        try next.close()
        try TxnLogRepair.truncate(file: dir.file("log.1a"), at: TxnLogFormat.headerSize)
        let result = try TxnLogTruncation.truncate(logDirectory: dir.path, snapDirectory: nil, to: Zxid(27))
        #expect(result.deletedLogs == [dir.file("log.1a")])
        #expect(try loggedZxids(dir.path) == Array(1...25))
    }

    @Test("With the FileLogStore open: queued appends land first, then the cut, then appends go on in a new file")
    func openStore() throws {
        let dir = try TempDirectory("trunc")
        defer { dir.remove() }
        let store = try FileLogStore(directory: dir.path, preAllocSize: 64 * 1024)
        #expect(try appendAndWait(store, loggedTxns(entries[0..<10])).get() == Zxid(10))
        store.roll()
        #expect(try appendAndWait(store, loggedTxns(entries[10..<20])).get() == Zxid(20))
        // Queued without waiting: the truncation comes after them in order.
        let queued = Locked<Result<Zxid, any Error>?>(nil)
        store.append(loggedTxns(entries[20..<30])) { r in queued.withLock { $0 = r } }
        try touchSnapshots(dir.path, ["snapshot.14", "snapshot.c"])
        let result = try store.truncate(to: Zxid(17), snapDirectory: dir.path)
        #expect(try queued.current!.get() == Zxid(30))
        #expect(result.deletedSnapshots == [dir.file("snapshot.14")])
        #expect(result.lastKeptZxid == Zxid(17))
        #expect(try loggedZxids(dir.path) == Array(1...17))
        // A different history from 18 on, as the new leader sends it.
        let replacement = sampleEntries(count: 8, first: 18, session: 0x0200_0000_0000_0000)
        #expect(try appendAndWait(store, loggedTxns(replacement)).get() == Zxid(25))
        #expect(try appendAndWait(store, loggedTxns(sampleEntries(count: 1, first: 26))).get() == Zxid(26))
        store.close()
        #expect(try logNames(dir.path) == ["log.1", "log.12", "log.b"])
        let records = try TxnLogReader(directory: dir.path).readAll()
        #expect(records.map(\.entry.header.zxid) == Array(1...26))
        #expect(records[17].entry == replacement[0])
        #expect(records[16].entry == entries[16])
    }

    @Test("After a TRUNC the reload starts from the newest snapshot at or below the zxid and stops at it")
    func reloadAfterTruncation() throws {
        let dir = try TempDirectory("trunc")
        defer { dir.remove() }
        let config = ServerConfig(dataDir: dir.path + "/data")
        let directory = DataDirectory(dataDir: config.dataDir, dataLogDir: config.dataLogDir)
        _ = try directory.prepare()
        try writeLogs(directory.logDir, entries, rollBefore: rolls)
        for zxid in [Int64(10), 25] {
            let tree = DataTree()
            tree.lastProcessedZxid = Zxid(zxid)
            _ = try SnapshotFile.write(tree: tree, sessions: [], to: directory.snapDir, sync: false)
        }
        let (_, before) = try DatabaseLoader.load(directory, config: config)
        #expect(before.snapshotZxid == Zxid(25) && before.lastZxid == Zxid(30))
        let result = try TxnLogTruncation.truncate(logDirectory: directory.logDir, snapDirectory: directory.snapDir, to: Zxid(17))
        #expect(result.deletedSnapshots == [directory.snapDir + "/snapshot.19"])
        let (state, after) = try DatabaseLoader.load(directory, config: config)
        #expect(after.snapshotZxid == Zxid(10))
        #expect(after.lastZxid == Zxid(17) && state.tree.lastProcessedZxid == Zxid(17))
        #expect(after.history.map(\.header.zxid) == Array(11...17))
        #expect(after.tailsCut.isEmpty)
    }

    @Test("A truncation after the store failed or closed reports the failure")
    func closedStore() throws {
        let dir = try TempDirectory("trunc")
        defer { dir.remove() }
        let store = try FileLogStore(directory: dir.path, preAllocSize: 0)
        store.close()
        #expect(throws: LogError.closed) { _ = try store.truncate(to: .zero, snapDirectory: nil) }
    }
}
