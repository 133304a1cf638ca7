import Foundation
import Testing
@testable import ZKCore

/// A fresh empty directory under the system temp dir, removed by the caller.
func makeSnapshotTempDir(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "swzk-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// One applied change, kept so a test can replay it on a restored tree as log replay would.
enum SnapshotTestTxn {
    case create(path: String, data: [UInt8]?, acl: [ACL], owner: Int64, parentCVersion: Int32, zxid: Zxid, time: Int64)
    case delete(path: String, zxid: Zxid)
    case setData(path: String, data: [UInt8]?, version: Int32, zxid: Zxid, time: Int64)
    case setACL(path: String, acl: [ACL], version: Int32, zxid: Zxid)

    /// Applies the change, ignoring NoNode/NodeExists as replay does (disk-format.md §4.2).
    func apply(to tree: DataTree) {
        var triggers: [WatchTrigger] = []
        switch self {
        case let .create(path, data, acl, owner, parentCVersion, zxid, time):
            _ = try? tree.createNode(path: path, data: data, acl: acl, ephemeralOwner: owner,
                                     parentCVersion: parentCVersion, zxid: zxid, time: time, triggers: &triggers)
            tree.lastProcessedZxid = zxid
        case let .delete(path, zxid):
            try? tree.deleteNode(path: path, zxid: zxid, triggers: &triggers)
            tree.lastProcessedZxid = zxid
        case let .setData(path, data, version, zxid, time):
            _ = try? tree.setData(path: path, data: data, version: version, zxid: zxid, time: time, triggers: &triggers)
            tree.lastProcessedZxid = zxid
        case let .setACL(path, acl, version, zxid):
            _ = try? tree.setACL(path: path, acl: acl, version: version)
            tree.lastProcessedZxid = zxid
        }
    }
}

/// Drives a live tree the way the core's apply step does, recording every txn.
final class SnapshotTestTreeDriver {
    let tree = DataTree()
    private(set) var log: [SnapshotTestTxn] = []
    private var zxid: Int64 = 0

    private func nextZxid() -> Zxid {
        zxid += 1
        return Zxid(zxid)
    }

    func create(_ path: String, _ data: String? = "", acl: [ACL] = ACL.openUnsafe, owner: Int64 = 0) {
        guard let parent = tree.node(at: DataTree.parentPath(path)), tree.node(at: path) == nil else { return }
        let txn = SnapshotTestTxn.create(path: path, data: data.map { Array($0.utf8) }, acl: acl, owner: owner,
                                         parentCVersion: parent.stat.cversion + 1, zxid: nextZxid(), time: 1_000 + zxid)
        txn.apply(to: tree)
        log.append(txn)
    }

    func delete(_ path: String) {
        guard let node = tree.node(at: path), node.children.isEmpty else { return }
        let txn = SnapshotTestTxn.delete(path: path, zxid: nextZxid())
        txn.apply(to: tree)
        log.append(txn)
    }

    func setData(_ path: String, _ data: String) {
        guard let node = tree.node(at: path) else { return }
        let txn = SnapshotTestTxn.setData(path: path, data: Array(data.utf8), version: node.stat.version + 1,
                                          zxid: nextZxid(), time: 5_000 + zxid)
        txn.apply(to: tree)
        log.append(txn)
    }

    func setACL(_ path: String, _ acl: [ACL]) {
        guard let node = tree.node(at: path) else { return }
        let txn = SnapshotTestTxn.setACL(path: path, acl: acl, version: node.stat.aversion + 1, zxid: nextZxid())
        txn.apply(to: tree)
        log.append(txn)
    }
}

/// Asserts two trees hold the same nodes with the same data, stats, ACL lists and children.
func expectSameTree(_ a: DataTree, _ b: DataTree, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Set(a.nodes.keys) == Set(b.nodes.keys), sourceLocation: sourceLocation)
    for (path, node) in a.nodes {
        guard let other = b.node(at: path) else { continue }
        #expect(node.data == other.data, "data of \(path)", sourceLocation: sourceLocation)
        #expect(node.stat == other.stat, "stat of \(path)", sourceLocation: sourceLocation)
        #expect(a.acl(of: node) == b.acl(of: other), "ACL of \(path)", sourceLocation: sourceLocation)
        #expect(node.children == other.children, "children of \(path)", sourceLocation: sourceLocation)
    }
    #expect(a.digest == b.digest, sourceLocation: sourceLocation)
}

private let digestUser = [ACL(perms: .all, id: Id(scheme: "digest", id: "u:hash"))]
private let ipRead = [ACL(perms: .read, id: Id(scheme: "ip", id: "127.0.0.1")), ACL(perms: .all, id: .anyone)]

/// A tree with every kind of node: persistent, ephemeral, container, TTL, null and empty data,
/// several ACL lists, quotas.
func sampleSnapshotDriver() -> SnapshotTestTreeDriver {
    let d = SnapshotTestTreeDriver()
    d.create("/app", "config")
    d.create("/app/a", nil)
    d.create("/app/b", "", acl: digestUser)
    d.create("/app/c", String(repeating: "x", count: 3000), acl: ipRead)
    d.create("/app/eph", "e", owner: 0x1_0000_0abc)
    d.create("/app/eph2", "e", owner: 0x1_0000_0def)
    d.create("/ctr", "", owner: EphemeralOwner.container)
    d.create("/ctr/kid", "k")
    d.create("/ttl", "t", owner: NodeKind.ttl(60_000).ephemeralOwner)
    d.create("/ünïcödé", "ok")
    d.create("/zookeeper/quota/app", "")
    d.create("/zookeeper/quota/app/zookeeper_limits", "count=10,bytes=-1")
    d.create("/zookeeper/quota/app/zookeeper_stats", "count=0,bytes=0")
    d.setData("/app", "config-2")
    d.setACL("/app/a", digestUser)
    return d
}

@Suite("SnapshotWriter: our snapshots read back")
struct SnapshotWriterTests {
    let sessions: [(id: SessionID, timeoutMs: Int32)] = [(SessionID(0x1_0000_0abc), 30_000), (SessionID(0x1_0000_0def), 4_000)]

    @Test("A snapshot of a varied tree reads back to an equal tree, sessions and digest")
    func roundTrip() throws {
        let live = sampleSnapshotDriver().tree
        let bytes = SnapshotFile.bytes(tree: live, sessions: sessions)
        let restored = try SnapshotReader.decode(bytes, zxid: live.lastProcessedZxid)
        expectSameTree(live, restored.tree)
        #expect(restored.sessions.map(\.id) == sessions.map(\.id))
        #expect(restored.sessions.map(\.timeoutMs) == [30_000, 4_000])
        #expect(restored.digestCheck == .matches)
        #expect(restored.digest == SnapshotDigest(zxid: live.lastProcessedZxid, value: live.digest))
        #expect(restored.tree.ephemeralPaths(of: SessionID(0x1_0000_0abc)) == ["/app/eph"])
        #expect(restored.tree.containers == ["/ctr"])
        #expect(restored.tree.ttls == ["/ttl"])
        #expect(restored.tree.node(at: "/app/a")?.data == nil)
        #expect(restored.tree.node(at: "/app/b")?.data == [])
        #expect(restored.tree.aclCache.count == live.aclCache.count)
        // The quota stats node is recomputed after load: /app and its four children.
        #expect(restored.tree.node(at: "/zookeeper/quota/app/zookeeper_stats")?.data
                == live.node(at: "/zookeeper/quota/app/zookeeper_stats")?.data)
        restored.tree.checkInvariants()
        // Writing the restored tree again gives the same bytes: output is deterministic.
        #expect(SnapshotFile.bytes(tree: restored.tree, sessions: restored.sessions) == bytes)
    }

    @Test("Chunk size changes only where the bytes are cut, never the bytes", arguments: [1, 2, 7, 100_000])
    func chunkSizes(_ maxNodes: Int) throws {
        let live = sampleSnapshotDriver().tree
        let whole = SnapshotFile.bytes(tree: live, sessions: sessions)
        var writer = SnapshotWriter(tree: live, sessions: sessions)
        var pieces: [[UInt8]] = []
        while let chunk = writer.nextChunk(maxNodes: maxNodes) { pieces.append(chunk) }
        #expect(pieces.flatMap { $0 } == whole)
        #expect(writer.byteCount == whole.count)
        #expect(writer.nodeCount == live.nodes.count)
        // Prologue, node chunks, epilogue: no chunk holds more than maxNodes nodes.
        #expect(pieces.count >= 2 + (live.nodes.count - 1 + maxNodes - 1) / maxNodes)
    }

    @Test("No digest section when digests are disabled; the file still reads")
    func digestDisabled() throws {
        let live = sampleSnapshotDriver().tree
        let bytes = SnapshotFile.bytes(tree: live, sessions: [], digestEnabled: false)
        let restored = try SnapshotReader.decode(bytes, zxid: live.lastProcessedZxid)
        #expect(restored.digest == nil)
        #expect(restored.digestCheck == .absent)
        #expect(Array(bytes.suffix(5)) == [0, 0, 0, 1, 0x2F])
    }

    @Test("A fresh tree writes ZooKeeper's empty digest marker, like snapshot.0")
    func freshTreeEmptyDigest() throws {
        let bytes = SnapshotFile.bytes(tree: DataTree(), sessions: [])
        let restored = try SnapshotReader.decode(bytes, zxid: .zero)
        #expect(restored.digest == .empty)
        #expect(restored.tree.nodes.count == 4)
    }

    @Test("Fuzzy: the tree changes between chunks; the snapshot reads and log replay converges")
    func fuzzyChunks() throws {
        let driver = sampleSnapshotDriver()
        for i in 0..<40 { driver.create("/bulk\(i)", "v\(i)") }
        for i in 0..<10 { driver.create("/app/a\(i)", "w") }
        let tree = driver.tree
        let startZxid = tree.lastProcessedZxid
        let startLog = driver.log.count
        let startPaths = Set(tree.nodes.keys)
        var writer = SnapshotWriter(tree: tree, sessions: sessions)
        #expect(writer.zxid == startZxid)
        var bytes: [UInt8] = []
        var step = 0
        var deleted: Set<String> = []
        while let chunk = writer.nextChunk(maxNodes: 3) {
            bytes += chunk
            step += 1
            // Changes of every kind, before and after the walk reaches them.
            switch step % 6 {
            case 0: driver.delete("/bulk\(39 - step / 2)"); deleted.insert("/bulk\(39 - step / 2)")
            case 1: driver.create("/late\(step)", "new")
            case 2: driver.create("/app/late\(step)", "new")
            case 3: driver.setData("/bulk\(step)", "changed\(step)")
            case 4: driver.setACL("/bulk\(38 - step)", [ACL(perms: .read, id: Id(scheme: "ip", id: "10.0.0.\(step)"))])
            default: driver.create("/bulk\(step)/child", "c")
            }
        }
        #expect(step > 10)
        let restored = try SnapshotReader.decode(bytes, zxid: writer.zxid)
        let snap = restored.tree
        snap.checkInvariants()
        #expect(restored.zxid == startZxid)
        #expect(restored.sessions.map(\.id) == sessions.map(\.id))
        // Replay-independent facts: nothing created after the start is in the file, every node
        // in it existed at the start, and nodes nobody deleted are all there.
        for (path, node) in snap.nodes {
            #expect(node.stat.czxid <= startZxid.rawValue, "\(path) created after the start")
            #expect(startPaths.contains(path))
        }
        for path in startPaths.subtracting(deleted) { #expect(snap.node(at: path) != nil, "\(path) missing") }
        // The digest section was taken at the end, for the last zxid applied by then.
        let digest = try #require(restored.digest)
        #expect(digest.zxid > startZxid)
        #expect(restored.digestCheck == .deferred(until: digest.zxid))
        // Replaying every txn after the start zxid makes the restored tree equal the live one.
        for txn in driver.log[startLog...] { txn.apply(to: snap) }
        expectSameTree(tree, snap)
        #expect(snap.digest == tree.digest)
    }

    @Test("Fuzzy with a child set too large to sort: walked unsorted while it changes, replay converges")
    func fuzzyBulkChildren() throws {
        let driver = sampleSnapshotDriver()
        driver.create("/wide", "")
        let width = SnapshotWriter.bulkChildren + 500
        for i in 0..<width { driver.create("/wide/c\(i)", "v") }
        let tree = driver.tree
        let startLog = driver.log.count
        let startPaths = Set(tree.nodes.keys)
        var writer = SnapshotWriter(tree: tree, sessions: sessions)
        var bytes: [UInt8] = []
        var step = 0
        var deleted: Set<String> = []
        while let chunk = writer.nextChunk(maxNodes: 500) {
            bytes += chunk
            step += 1
            // The set being walked changes under the walk: deletes, creates, data changes.
            driver.delete("/wide/c\(step * 7)"); deleted.insert("/wide/c\(step * 7)")
            driver.create("/wide/late\(step)", "new")
            driver.setData("/wide/c\(step * 7 + 1)", "changed")
        }
        #expect(step > 20)
        let restored = try SnapshotReader.decode(bytes, zxid: writer.zxid)
        let snap = restored.tree
        snap.checkInvariants()
        for (path, node) in snap.nodes {
            #expect(node.stat.czxid <= writer.zxid.rawValue, "\(path) created after the start")
            #expect(startPaths.contains(path))
        }
        let missing = startPaths.subtracting(deleted).filter { snap.node(at: $0) == nil }
        #expect(missing.isEmpty, "\(missing.count) nodes missing, e.g. \(missing.first ?? "")")
        for txn in driver.log[startLog...] { txn.apply(to: snap) }
        expectSameTree(tree, snap)
        #expect(snap.digest == tree.digest)
    }

    @Test("gz: the file is gzip, named .gz, smaller, and reads back equal")
    func gzipRoundTrip() throws {
        let dir = try makeSnapshotTempDir("gz")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let live = sampleSnapshotDriver().tree
        let path = try SnapshotFile.write(tree: live, sessions: sessions, to: dir, compression: .gz)
        #expect(path == dir + "/snapshot.\(live.lastProcessedZxid.hex).gz")
        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(raw.prefix(2)) == [0x1F, 0x8B])
        #expect(raw.count < SnapshotFile.bytes(tree: live, sessions: sessions).count)
        #expect(SnapshotReader.looksComplete(file: path))
        let restored = try SnapshotReader.read(file: path)
        expectSameTree(live, restored.tree)
        #expect(restored.digestValid)
        #expect(try SnapshotReader.verify(file: path) == SnapshotFile.bytes(tree: live, sessions: sessions).count)
        // A plain file written beside it reads the same.
        let plain = try SnapshotFile.write(tree: live, sessions: sessions, to: dir)
        expectSameTree(try SnapshotReader.read(file: plain).tree, restored.tree)
        let listed = try SnapshotDirectory(path: dir).snapshots().map(\.name)
        #expect(listed == ["snapshot.\(live.lastProcessedZxid.hex)", "snapshot.\(live.lastProcessedZxid.hex).gz"])
    }

    @Test("gz files of several members read as one stream, as GZIPInputStream does")
    func gzipMultiMember() throws {
        let dir = try makeSnapshotTempDir("gzmulti")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let live = sampleSnapshotDriver().tree
        let bytes = SnapshotFile.bytes(tree: live, sessions: sessions)
        var compressed: [UInt8] = []
        for part in [bytes[..<100], bytes[100...]] {
            let encoder = SnapshotGzipEncoder()
            compressed += encoder.compress(Array(part)) + encoder.finish()
        }
        let path = dir + "/snapshot.\(live.lastProcessedZxid.hex).gz"
        try Data(compressed).write(to: URL(fileURLWithPath: path))
        expectSameTree(live, try SnapshotReader.read(file: path).tree)
        // Cut inside the second member: a clear error, not a crash.
        try Data(compressed.dropLast(10)).write(to: URL(fileURLWithPath: path))
        #expect(throws: SnapshotError.self) { try SnapshotReader.read(file: path) }
    }

    @Test("The sink writes a .tmp file and renames it on finish; abort leaves nothing")
    func sinkTemporaryFile() throws {
        let dir = try makeSnapshotTempDir("sink")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let live = sampleSnapshotDriver().tree
        var writer = SnapshotWriter(tree: live, sessions: [])
        let sink = try SnapshotFileSink(directory: dir, zxid: writer.zxid, compression: .none)
        #expect(sink.temporaryPath == sink.finalPath + ".tmp")
        while let chunk = writer.nextChunk(maxNodes: 2) {
            try sink.write(chunk)
            #expect(FileManager.default.fileExists(atPath: sink.temporaryPath))
            #expect(!FileManager.default.fileExists(atPath: sink.finalPath))
            #expect(try SnapshotDirectory(path: dir).snapshots().isEmpty, "a .tmp file is never a snapshot")
        }
        try sink.finish()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["snapshot.\(writer.zxid.hex)"])
        #expect(sink.byteCount == writer.byteCount)

        let aborted = try SnapshotFileSink(directory: dir, zxid: Zxid(0x99), compression: .gz)
        try aborted.write([1, 2, 3])
        aborted.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["snapshot.\(writer.zxid.hex)"])
        #expect(throws: SnapshotError.self) { try SnapshotFileSink(directory: dir, zxid: .zero, compression: .snappy) }
        #expect(throws: SnapshotError.self) { try SnapshotFileSink(directory: dir + "/missing", zxid: .zero, compression: .none) }
    }

    /// Odd-sized chunks that cross the sink's staging buffer several times, and end unaligned.
    private func patternChunks() -> [[UInt8]] {
        var seed: UInt32 = 12345
        return [1, 4095, 4097, 700_000, SnapshotFileSink.stagingSize, 3, 1_000_001, 17].map { size in
            (0..<size).map { _ in
                seed = seed &* 1_103_515_245 &+ 12345
                return UInt8(truncatingIfNeeded: seed >> 16)
            }
        }
    }

    @Test("The sink writes every byte around the page cache where the file system allows it")
    func sinkDirectWrites() throws {
        let dir = try makeSnapshotTempDir("sink-direct")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chunks = patternChunks()
        let sink = try SnapshotFileSink(directory: dir, zxid: Zxid(0x42), compression: .none)
        // ext4, xfs and btrfs take O_DIRECT: the test machine's temp dir must use it there.
        if onDiskFileSystem(dir) { #expect(sink.directIO) }
        for chunk in chunks { try sink.write(chunk) }
        let path = try sink.finish()
        // Nothing of it stays in the page cache (the direct part never went there, the tail left).
        if onDiskFileSystem(dir) { #expect(try residentPages(path) == 0) }
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written.count == chunks.reduce(0) { $0 + $1.count })
        #expect(written == chunks.flatMap { $0 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["snapshot.42"])
    }

    @Test("A gz snapshot larger than the staging buffer reads back through the direct-write sink")
    func sinkDirectWritesGzip() throws {
        let dir = try makeSnapshotTempDir("sink-direct-gz")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let driver = sampleSnapshotDriver()
        // Incompressible data so the compressed file spans several staging buffers.
        var seed: UInt64 = 7
        for index in 0..<1000 {
            let data = String(decoding: (0..<4000).map { _ -> UInt8 in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return 33 + UInt8(truncatingIfNeeded: (seed >> 33) % 94)
            }, as: UTF8.self)
            driver.create("/big\(index)", data)
        }
        let path = try SnapshotFile.write(tree: driver.tree, sessions: [], to: dir, compression: .gz)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int > 2 * SnapshotFileSink.stagingSize)
        expectSameTree(driver.tree, try SnapshotReader.read(file: path).tree)
    }

    @Test("A direct write the file system refuses (EINVAL) is made through the cache, and the rest too")
    func sinkDirectWriteFallback() throws {
        let dir = try makeSnapshotTempDir("sink-fallback")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chunks = patternChunks()
        let sink = try SnapshotFileSink(directory: dir, zxid: Zxid(0x43), compression: .none)
        try sink.write(chunks[0] + chunks[1] + chunks[2] + chunks[3])  // under one staging buffer
        sink.injectedDirectWriteFailure = EINVAL
        for chunk in chunks[4...] { try sink.write(chunk) }
        #expect(!sink.directIO)
        let path = try sink.finish()
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == chunks.flatMap { $0 })
    }

    @Test("Any other failed direct write is an error naming the file; nothing is left behind")
    func sinkDirectWriteError() throws {
        let dir = try makeSnapshotTempDir("sink-eio")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sink = try SnapshotFileSink(directory: dir, zxid: Zxid(0x44), compression: .none)
        guard sink.directIO else { return }  // no direct I/O on this file system: no direct write to fail
        sink.injectedDirectWriteFailure = EIO
        do {
            try sink.write([UInt8](repeating: 7, count: SnapshotFileSink.stagingSize))
            Issue.record("the injected EIO was not reported")
        } catch {
            #expect("\(error)".contains(sink.temporaryPath))
        }
        sink.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}
