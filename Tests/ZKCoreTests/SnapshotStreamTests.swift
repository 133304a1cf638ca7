import Testing
@testable import ZKCore

/// The SNAP stream a leader writes for `tree`, cut wherever `maxNodes` cuts it.
private func wireBytes(_ tree: DataTree, sessions: [(id: SessionID, timeoutMs: Int32)], maxNodes: Int = 3) -> [UInt8] {
    var writer = SnapshotWriter(tree: tree, sessions: sessions, format: .wire)
    var out: [UInt8] = []
    while let chunk = writer.nextChunk(maxNodes: maxNodes) { out += chunk }
    #expect(writer.isFinished)
    return out
}

/// Feeds `bytes` in pieces of `size`; returns the result and the bytes of the last piece left over.
private func decodeInPieces(_ bytes: [UInt8], size: Int, maxBufferLength: Int = Limits.juteMaxBufferDefault)
    throws -> (SnapshotStreamDecoder.Result, [UInt8])? {
    var decoder = SnapshotStreamDecoder(maxBufferLength: maxBufferLength)
    var at = 0
    while at < bytes.count {
        let piece = Array(bytes[at..<min(at + size, bytes.count)])
        at += piece.count
        if let result = try decoder.feed(piece) {
            #expect(decoder.isFinished)
            return (result, Array(piece[result.consumed...]) + Array(bytes[at...]))
        }
    }
    return nil
}

/// The Jute encoding of a string.
private func juteString(_ text: String) -> [UInt8] {
    var w = JuteWriter()
    w.writeString(text)
    return w.bytes
}

/// A big tree: many children under one parent, one node of 600 KB, many sessions and ACL lists.
private func bigTree() -> (SnapshotTestTreeDriver, [(id: SessionID, timeoutMs: Int32)]) {
    let d = sampleSnapshotDriver()
    d.create("/many")
    for i in 0..<2_500 { d.create("/many/child-\(i)", "v\(i)", owner: i % 10 == 0 ? 0x2_0000_0000 + Int64(i % 7) : 0) }
    d.create("/big", String(repeating: "0123456789abcdef", count: 600_000 / 16))
    for i in 0..<40 {
        d.create("/acl\(i)", "a", acl: [ACL(perms: .read, id: Id(scheme: "ip", id: "10.0.0.\(i)")), ACL(perms: .all, id: .anyone)])
    }
    let sessions = (0..<150).map { (id: SessionID(0x2_0000_0000 + Int64($0)), timeoutMs: Int32(4_000 + $0)) }
    return (d, sessions)
}

@Suite("SnapshotStream: the SNAP body over the wire")
struct SnapshotStreamTests {
    let sessions: [(id: SessionID, timeoutMs: Int32)] = [(SessionID(0x1_0000_0abc), 30_000), (SessionID(0x1_0000_0def), 4_000)]

    @Test("Wire layout: the file's body without header, seal or digest, then \"BenWasHere\"")
    func layout() throws {
        let live = sampleSnapshotDriver().tree
        let wire = wireBytes(live, sessions: sessions)
        let file = SnapshotFile.bytes(tree: live, sessions: sessions)
        let signature = juteString("BenWasHere")
        #expect(Array(wire.suffix(signature.count)) == signature)
        let body = Array(wire.dropLast(signature.count))
        // The file is header (16 bytes) + body + seal + digest section + seal.
        #expect(Array(file[16..<(16 + body.count)]) == body)
        #expect(Array(body.suffix(5)) == [0, 0, 0, 1, 0x2F])
        #expect(Array(wire.prefix(4)) == [0, 0, 0, 2])  // session count, not the ZKSN magic
        // Chunking never changes the bytes.
        for maxNodes in [1, 2, 100_000] { #expect(wireBytes(live, sessions: sessions, maxNodes: maxNodes) == wire) }
    }

    @Test("Fed in pieces of every size from 1 byte to the whole stream, it decodes to the same tree")
    func everyPieceSize() throws {
        let live = sampleSnapshotDriver().tree
        let wire = wireBytes(live, sessions: sessions)
        for size in 1...wire.count {
            let (result, rest) = try #require(try decodeInPieces(wire, size: size), "piece size \(size)")
            #expect(rest.isEmpty)
            #expect(result.byteCount == wire.count)
            #expect(result.tree.digest == live.digest, "piece size \(size)")
            #expect(result.tree.nodes.count == live.nodes.count)
        }
        let (result, _) = try #require(try decodeInPieces(wire, size: 1))
        expectSameTree(live, result.tree)
        #expect(result.sessions.map(\.id) == sessions.map(\.id))
        #expect(result.sessions.map(\.timeoutMs) == [30_000, 4_000])
        #expect(result.tree.ephemeralPaths(of: SessionID(0x1_0000_0abc)) == ["/app/eph"])
        #expect(result.tree.containers == ["/ctr"])
        #expect(result.tree.ttls == ["/ttl"])
        #expect(result.tree.node(at: "/app/a")?.data == nil)
        #expect(result.tree.node(at: "/app/b")?.data == [])
        #expect(result.tree.node(at: "/zookeeper/quota/app/zookeeper_stats")?.data
                == live.node(at: "/zookeeper/quota/app/zookeeper_stats")?.data)
        result.tree.checkInvariants()
    }

    @Test("A large tree (2,500 children, 600 KB of data, 150 sessions) decodes in pieces of any size",
          arguments: [1, 3, 7, 1_000, 65_536, Int.max])
    func largeTree(_ size: Int) throws {
        let (driver, sessions) = bigTree()
        let wire = wireBytes(driver.tree, sessions: sessions, maxNodes: 500)
        let (result, rest) = try #require(try decodeInPieces(wire, size: min(size, wire.count)))
        #expect(rest.isEmpty)
        expectSameTree(driver.tree, result.tree)
        #expect(result.sessions.count == 150)
        #expect(result.tree.ephemeralPaths(of: SessionID(0x2_0000_0000)).contains("/many/child-0"))
        let state = result.recoveredState(zxid: driver.tree.lastProcessedZxid)
        #expect(state.tree.lastProcessedZxid == driver.tree.lastProcessedZxid)
        #expect(state.sessions[SessionID(0x2_0000_0005)] == 4_005)
        #expect(state.tree.digest == driver.tree.digest)
    }

    @Test("Fuzzy SNAP: the leader's tree changes between chunks; the learner's tree plus the txns after the SNAP zxid converges")
    func fuzzy() throws {
        let driver = sampleSnapshotDriver()
        for i in 0..<40 { driver.create("/bulk\(i)", "v\(i)") }
        let tree = driver.tree
        let startLog = driver.log.count
        var writer = SnapshotWriter(tree: tree, sessions: sessions, format: .wire)
        var decoder = SnapshotStreamDecoder()
        var result: SnapshotStreamDecoder.Result?
        var step = 0
        while let chunk = writer.nextChunk(maxNodes: 2) {
            #expect(result == nil)
            result = try decoder.feed(chunk)
            step += 1
            switch step % 4 {
            case 0: driver.delete("/bulk\(39 - step)")
            case 1: driver.create("/late\(step)", "new")
            case 2: driver.setData("/bulk\(step)", "changed\(step)")
            default: driver.create("/bulk\(step)/child", "c")
            }
        }
        #expect(step > 10)
        let state = try #require(result).recoveredState(zxid: writer.zxid)
        // The learner then gets PROPOSAL + COMMIT for every txn after the SNAP zxid.
        for txn in driver.log[startLog...] { txn.apply(to: state.tree) }
        expectSameTree(tree, state.tree)
    }

    @Test("Bytes after the signature are reported unconsumed: they start the next QuorumPacket",
          arguments: [1, 2, 5, 13, 64, 100_000])
    func trailingBytes(_ size: Int) throws {
        let live = sampleSnapshotDriver().tree
        let wire = wireBytes(live, sessions: sessions)
        let next: [UInt8] = [0, 0, 0, 10, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xFF]
        let (result, rest) = try #require(try decodeInPieces(wire + next, size: size))
        #expect(rest == next)
        #expect(result.byteCount == wire.count)
        #expect(result.tree.digest == live.digest)
    }

    @Test("A stream cut anywhere asks for more and never errors")
    func truncated() throws {
        let wire = wireBytes(sampleSnapshotDriver().tree, sessions: sessions)
        for cut in stride(from: 0, to: wire.count, by: 7) {
            var decoder = SnapshotStreamDecoder()
            #expect(try decoder.feed(Array(wire[..<cut])) == nil)
            #expect(!decoder.isFinished)
            // When the connection ends there, the truncated snapshot is an error.
            #expect(throws: SnapshotError.self) { try decoder.endOfStream() }
        }
        var decoder = SnapshotStreamDecoder()
        #expect(try decoder.feed(Array(wire.dropLast())) == nil)
        #expect(try decoder.feed([wire.last!]) != nil)
        try decoder.endOfStream()
        // Feeding after the end is refused.
        #expect(throws: SnapshotError.self) { try decoder.feed([0]) }
    }

    @Test("A wrong or missing signature is an error (the learner drops the leader)")
    func wrongSignature() throws {
        let live = sampleSnapshotDriver().tree
        let wire = wireBytes(live, sessions: sessions)
        let body = Array(wire.dropLast(14))
        for tail in [juteString("BenWasHerf"), juteString("benwashere"), juteString(""), [0xFF, 0xFF, 0xFF, 0xFF],
                     juteString("BenWasHere!"), juteString("/")] {
            var decoder = SnapshotStreamDecoder()
            #expect(throws: SnapshotError.self) { _ = try decoder.feed(body + tail) }
        }
        // A file (with its FileHeader) is never taken for a stream: its magic reads as a session
        // count of 1.5 billion, so the decoder waits for sessions (or fails), never finishes.
        var decoder = SnapshotStreamDecoder()
        #expect((try? decoder.feed(SnapshotFile.bytes(tree: live, sessions: sessions))) ?? nil == nil)
        #expect(!decoder.isFinished)
    }

    @Test("Lengths above jute.maxbuffer, negative lengths and orphan nodes are errors, not crashes")
    func badRecords() throws {
        let (driver, sessions) = bigTree()
        let wire = wireBytes(driver.tree, sessions: sessions)
        // The 600 KB node is over a 64 KiB limit (128 KiB with the extra allowance).
        #expect(throws: SnapshotError.self) { _ = try decodeInPieces(wire, size: 4096, maxBufferLength: 65_536) }

        var w = JuteWriter()
        w.writeInt(0)  // sessions
        w.writeInt(0)  // ACL lists
        w.writeString("")
        w.writeBuffer(nil)
        w.writeLong(-1)
        w.write(StatPersisted())
        let root = w.bytes
        var orphan = JuteWriter()
        orphan.writeString("/a/b")
        orphan.writeBuffer([1])
        orphan.writeLong(-1)
        orphan.write(StatPersisted())
        for bad in [root + orphan.bytes, root + [0xFF, 0xFF, 0xFF, 0xFE], root + [0x7F, 0, 0, 0],
                    [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xF0]] {
            var decoder = SnapshotStreamDecoder()
            #expect(throws: SnapshotError.self) { _ = try decoder.feed(bad) }
        }
        // A stream with no root node at all.
        var rootless = SnapshotStreamDecoder()
        #expect(throws: SnapshotError.self) { _ = try rootless.feed([0, 0, 0, 0, 0, 0, 0, 0] + juteString("/") + juteString("BenWasHere")) }
        // A null path is an error too.
        var decoder = SnapshotStreamDecoder()
        #expect(throws: SnapshotError.self) { _ = try decoder.feed(root + [0xFF, 0xFF, 0xFF, 0xFF]) }
    }

    @Test("Random damage either decodes or throws; it never crashes")
    func garbage() throws {
        let wire = wireBytes(sampleSnapshotDriver().tree, sessions: sessions)
        var seed: UInt64 = 0x5EED
        func random(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        var errors = 0
        for _ in 0..<2_000 {
            var damaged = wire
            for _ in 0...random(4) { damaged[random(damaged.count)] = UInt8(random(256)) }
            var decoder = SnapshotStreamDecoder(maxBufferLength: 4096)
            do {
                var at = 0
                while at < damaged.count {
                    let piece = Array(damaged[at..<min(at + 1 + random(300), damaged.count)])
                    at += piece.count
                    if try decoder.feed(piece) != nil { break }
                }
            } catch {
                errors += 1
            }
        }
        #expect(errors > 0)
        // Pure garbage: whatever it decodes to, it returns or throws.
        for _ in 0..<200 {
            var decoder = SnapshotStreamDecoder()
            _ = try? decoder.feed((0..<2_000).map { _ in UInt8(random(256)) })
        }
    }
}
