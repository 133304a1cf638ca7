import Foundation
import Testing
@testable import ZKCore

/// Path of a fixture file inside the test bundle.
func snapshotFixturePath(_ name: String) throws -> String {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/\(name)"))
    return url.path
}

/// The raw bytes of a fixture file.
func snapshotFixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: try snapshotFixturePath(name))))
}

/// The snapshots Apache ZooKeeper 3.8.0 wrote (disk-format.md §5), with facts from their annotated parses.
struct SnapshotFixtureCase: Sendable, CustomStringConvertible {
    var name: String
    var zxid: Int64
    var nodes: Int
    var aclCount: Int
    var digest: SnapshotDigest?
    var check: SnapshotDigestCheck
    var description: String { name }

    static let all: [SnapshotFixtureCase] = [
        .init(name: "standalone/version-2/snapshot.0", zxid: 0, nodes: 4, aclCount: 1,
              digest: .empty, check: .empty),
        .init(name: "standalone/version-2/snapshot.23", zxid: 0x23, nodes: 11, aclCount: 2,
              digest: SnapshotDigest(zxid: Zxid(0x23), value: 16_345_244_475), check: .matches),
        .init(name: "ttl-container/version-2/snapshot.10", zxid: 0x10, nodes: 10, aclCount: 2,
              digest: SnapshotDigest(zxid: Zxid(0x10), value: 15_986_137_225), check: .matches),
        .init(name: "ensemble/zk3-version-2/snapshot.0", zxid: 0, nodes: 4, aclCount: 1,
              digest: .empty, check: .empty),
        .init(name: "ensemble/zk3-version-2/snapshot.10000000c", zxid: 0x1_0000_000c, nodes: 7, aclCount: 2,
              digest: nil, check: .matches),
    ]
}

@Suite("Snapshot fixtures written by Apache ZooKeeper")
struct SnapshotFixtureTests {
    @Test("Adler-32 matches java.util.zip.Adler32 on known inputs and on the fixture's seal")
    func adler32() throws {
        var sum = SnapshotChecksum()
        #expect(sum.value == 1)
        sum.update(Array("Wikipedia".utf8))
        #expect(sum.value == 0x11E6_0398)
        // Long input crosses the deferred-modulo blocks.
        let big = [UInt8](repeating: 0xFF, count: 100_000)
        var blocks = SnapshotChecksum()
        blocks.update(big[0..<7000])
        blocks.update(big[7000...])
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in big {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        #expect(blocks.value == b << 16 | a)
        let bytes = try snapshotFixtureBytes("standalone/version-2/snapshot.23")
        var seal = SnapshotChecksum()
        seal.update(bytes[0..<1031])
        #expect(seal.value == 478_377_096)
    }

    @Test("Each fixture reads with its node count, ACL table, zxid and digest", arguments: SnapshotFixtureCase.all)
    func readsFixture(_ fixture: SnapshotFixtureCase) throws {
        let snapshot = try SnapshotReader.read(file: try snapshotFixturePath(fixture.name))
        #expect(snapshot.zxid == Zxid(fixture.zxid))
        #expect(snapshot.tree.lastProcessedZxid == Zxid(fixture.zxid))
        #expect(snapshot.tree.nodes.count == fixture.nodes)
        #expect(snapshot.tree.reportedNodeCount == fixture.nodes + 1)
        #expect(snapshot.aclCount == fixture.aclCount)
        #expect(snapshot.sessions.isEmpty)
        #expect(snapshot.checksumValid)
        #expect(snapshot.digestCheck == fixture.check)
        if let digest = fixture.digest { #expect(snapshot.digest == digest) }
        if fixture.check == .matches {
            #expect(snapshot.digestValid)
            #expect(snapshot.digest?.value == snapshot.tree.recomputedDigest())
        }
        #expect(snapshot.lastProcessedZxid == nil)
        #expect(snapshot.byteCount == (try snapshotFixtureBytes(fixture.name)).count)
        snapshot.tree.checkInvariants()
    }

    @Test("snapshot.23: node contents, ACL keys and the built-in nodes")
    func standaloneContents() throws {
        let snapshot = try SnapshotReader.read(file: try snapshotFixturePath("standalone/version-2/snapshot.23"))
        let tree = snapshot.tree
        let a = try #require(tree.node(at: "/a"))
        #expect(a.data == Array("zz".utf8))
        #expect(a.stat.czxid == 2 && a.stat.mzxid == 8 && a.stat.version == 2 && a.stat.cversion == 3)
        #expect(a.children == ["b", "m2"])
        #expect(tree.acl(of: a) == ACL.openUnsafe)
        let config = try #require(tree.node(at: "/zookeeper/config"))
        #expect(tree.acl(of: config) == ACL.readUnsafe)
        #expect(config.stat.aversion == -1)
        let root = try #require(tree.node(at: "/"))
        #expect(root.children == ["a", "s", "zookeeper", "nope2"])
        #expect(root.stat.pzxid == 0x23 && root.stat.cversion == 5)
        #expect(try #require(tree.node(at: "/s")).children == ["q-0000000003", "q-0000000000"])
        #expect(tree.digest == 16_345_244_475)
    }

    @Test("ttl-container snapshot.10: containers and TTL nodes are tracked by owner")
    func ttlContainerOwners() throws {
        let snapshot = try SnapshotReader.read(file: try snapshotFixturePath("ttl-container/version-2/snapshot.10"))
        #expect(snapshot.tree.containers == ["/ctr", "/mc"])
        #expect(snapshot.tree.ttls == ["/ttl", "/ttlbad"])
        #expect(snapshot.tree.ephemerals.isEmpty)
        let ttl = try #require(snapshot.tree.node(at: "/ttl"))
        #expect(NodeKind(ephemeralOwner: ttl.stat.ephemeralOwner) == .ttl(600_000))
    }

    @Test("Reading a fixture and writing it back in file order gives the same bytes", arguments: SnapshotFixtureCase.all)
    func byteIdenticalRewrite(_ fixture: SnapshotFixtureCase) throws {
        let original = try snapshotFixtureBytes(fixture.name)
        let snapshot = try SnapshotReader.read(file: try snapshotFixturePath(fixture.name),
                                               options: SnapshotReadOptions(recordsFileOrder: true))
        let order = try #require(snapshot.childOrder)
        for maxNodes in [1, 3, 1000] {
            var writer = SnapshotWriter(tree: snapshot.tree, sessions: snapshot.sessions, childOrder: .given(order))
            var written: [UInt8] = []
            while let chunk = writer.nextChunk(maxNodes: maxNodes) { written += chunk }
            #expect(written == original, "maxNodes \(maxNodes)")
            #expect(writer.nodeCount == fixture.nodes)
            #expect(writer.isFinished)
            #expect(writer.nextChunk(maxNodes: 1) == nil)
        }
    }

    @Test("The SnapshotFormatter text of snapshot.23 matches Apache's, line for line")
    func formatterText() throws {
        setenv("TZ", "UTC", 1)
        tzset()
        let snapshot = try SnapshotReader.read(file: try snapshotFixturePath("standalone/version-2/snapshot.23"),
                                               options: SnapshotReadOptions(recordsFileOrder: true))
        let text = SnapshotDump.formatterText(snapshot, includeData: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "ZNode Details (count=12):")
        #expect(Array(lines[1...13]) == [
            "----", "/", "  cZxid = 0x00000000000000", "  ctime = Thu Jan 01 00:00:00 UTC 1970",
            "  mZxid = 0x00000000000000", "  mtime = Thu Jan 01 00:00:00 UTC 1970",
            "  pZxid = 0x00000000000023", "  cversion = 5", "  dataVersion = 0", "  aclVersion = 0",
            "  ephemeralOwner = 0x00000000000000", "  dataLength = 0", "----",
        ])
        #expect(lines[14] == "/a")
        #expect(lines[16] == "  ctime = Sun Nov 22 09:36:58 UTC 2026")
        #expect(text.hasSuffix("----\nSession Details (sid, timeout, ephemeralCount):\n----\nLast zxid: 0x23\n"))
        let withData = SnapshotDump.formatterText(snapshot, includeData: true)
        #expect(withData.contains("/a\n  cZxid = 0x00000000000002\n") && withData.contains("  data = eno=\n"))
        #expect(SnapshotDump.javaHex(Int64(bitPattern: 0xFF00_00FF_FFFF_FFFF)) == "0xff0000ffffffffff")
    }

    @Test("The JSON dump is one object with the summary, sessions and nodes")
    func jsonDump() throws {
        let path = try snapshotFixturePath("standalone/version-2/snapshot.23")
        let snapshot = try SnapshotReader.read(file: path)
        let json = SnapshotDump.json(snapshot, file: path, includeData: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["zxid"] as? String == "0x23")
        #expect(object["nodeCount"] as? Int == 11)
        #expect(object["checksumValid"] as? Bool == true)
        #expect(object["digestValid"] as? Bool == true)
        let nodes = try #require(object["nodes"] as? [[String: Any]])
        #expect(nodes.count == 11)
        #expect(nodes.first?["path"] as? String == "/")
        #expect(nodes.first { $0["path"] as? String == "/a" }?["data"] as? String == "eno=")
    }
}
