import Foundation
import Testing
@testable import ZKCore

@Suite("DatabaseLoader history: the replayed tail for DIFF syncs")
struct LoaderHistoryTests {
    /// A data directory with `snapshot.<snapshotZxid>` of an empty tree and logs holding 1...`last`.
    private func dataDirectory(_ dir: TempDirectory, snapshotZxid: Int64, last: Int64)
        throws -> (DataDirectory, ServerConfig, [TxnLogEntry]) {
        let config = ServerConfig(dataDir: dir.path + "/data")
        let directory = DataDirectory(dataDir: config.dataDir, dataLogDir: config.dataLogDir)
        _ = try directory.prepare()
        let tree = DataTree()
        tree.lastProcessedZxid = Zxid(snapshotZxid)
        _ = try SnapshotFile.write(tree: tree, sessions: [], to: directory.snapDir, sync: false)
        let entries = sampleEntries(count: Int(last))
        let writer = try TxnLogWriter(directory: directory.logDir, preAllocSize: 0, forceSync: false)
        for entry in entries {
            if entry.header.zxid % 400 == 0 { try writer.roll() }
            try writer.append(entry)
        }
        try writer.close()
        return (directory, config, entries)
    }

    @Test("The last N replayed txns, oldest first, as logged")
    func lastN() throws {
        let dir = try TempDirectory("loader")
        defer { dir.remove() }
        let (directory, config, entries) = try dataDirectory(dir, snapshotZxid: 10, last: 1_234)
        let (_, report) = try DatabaseLoader.load(directory, config: config)
        #expect(report.txnsReplayed == 1_224)
        #expect(report.history.map(\.header.zxid) == Array(735...1_234))  // commitLogCount 500 by default
        #expect(report.history.first == LoggedTxn(header: entries[734].header, body: entries[734].body,
                                                   digest: entries[734].digest))
        let (_, small) = try DatabaseLoader.load(directory, config: config, historyCount: 7)
        #expect(small.history.map(\.header.zxid) == Array(1_228...1_234))
        let (_, none) = try DatabaseLoader.load(directory, config: config, historyCount: 0)
        #expect(none.history.isEmpty)
    }

    @Test("Only txns newer than the snapshot: a short replay gives a short history")
    func onlyReplayed() throws {
        let dir = try TempDirectory("loader")
        defer { dir.remove() }
        let (directory, config, _) = try dataDirectory(dir, snapshotZxid: 1_000, last: 1_234)
        let (_, report) = try DatabaseLoader.load(directory, config: config, historyCount: 5_000)
        #expect(report.history.map(\.header.zxid) == Array(1_001...1_234))
        var caughtUp = config
        caughtUp.commitLogCount = 900
        let (_, exact) = try DatabaseLoader.load(directory, config: caughtUp)
        #expect(exact.history.count == 234)
    }

    @Test("The ring keeps the newest txns in order across many wraps")
    func ring() {
        var history = TxnHistory(capacity: 3)
        let txns = loggedTxns(sampleEntries(count: 10))
        #expect(history.elements.isEmpty)
        history.append(txns[0])
        #expect(history.elements.map(\.header.zxid) == [1])
        for txn in txns[1...] { history.append(txn) }
        #expect(history.count == 3)
        #expect(history.elements.map(\.header.zxid) == [8, 9, 10])
        var zero = TxnHistory(capacity: 0)
        zero.append(txns[0])
        #expect(zero.elements.isEmpty)
    }
}
