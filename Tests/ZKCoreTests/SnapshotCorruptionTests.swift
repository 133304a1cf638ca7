import Foundation
import Testing
@testable import ZKCore

/// Damaged snapshots: every failure names file and offset, and restore falls back to an older file.
@Suite("Snapshot corruption and newest-valid fallback")
struct SnapshotCorruptionTests {
    private let fixture = "standalone/version-2/snapshot.23"

    private func decodeError(_ bytes: [UInt8]) -> SnapshotError? {
        do {
            _ = try SnapshotReader.decode(bytes, name: "snap", zxid: Zxid(0x23))
            return nil
        } catch {
            return error
        }
    }

    @Test("A flipped data byte fails seal #1 at its offset")
    func flippedDataByte() throws {
        var bytes = try snapshotFixtureBytes(fixture)
        // /a's data "zz" sits after its path (@170: 4 + 2 bytes) and the data length (4 bytes).
        #expect(bytes[180] == UInt8(ascii: "z"))
        bytes[180] ^= 0x01
        let error = try #require(decodeError(bytes))
        #expect(error == .checksumMismatch(file: "snap", offset: 1031, stored: 478_377_096,
                                           computed: error.computedChecksum ?? 0))
        #expect(error.description.hasPrefix("snap: checksum mismatch at offset 1031: stored 478377096"))
    }

    @Test("A flipped digest byte fails seal #2 at its offset")
    func flippedDigestByte() throws {
        var bytes = try snapshotFixtureBytes(fixture)
        bytes[1050] ^= 0x80
        guard case .checksumMismatch(_, let offset, _, _)? = decodeError(bytes) else {
            Issue.record("expected a checksum mismatch")
            return
        }
        #expect(offset == 1064)
    }

    @Test("A flipped length prefix is reported where it was read")
    func flippedLength() throws {
        var bytes = try snapshotFixtureBytes(fixture)
        bytes[176] = 0x7F  // the high byte of /a's data length
        let error = try #require(decodeError(bytes))
        #expect(error == .corrupt(file: "snap", offset: 176, reason: "unreasonable length \(0x7F00_0002)"))
    }

    @Test("Truncation, a wrong magic and an orphan node are errors with offsets")
    func structuralDamage() throws {
        let bytes = try snapshotFixtureBytes(fixture)
        // Cut inside the path of /s/q-0000000003 (its length prefix is at 491).
        #expect(decodeError(Array(bytes[..<500])) == .corrupt(
            file: "snap", offset: 495, reason: "truncated: needed 15 bytes, 5 left"))
        var magic = bytes
        magic[0] = 0x41
        #expect(decodeError(magic) == .badMagic(file: "snap", found: 0x414B_534E))
        #expect(SnapshotError.badMagic(file: "f", found: 0x414B_534E).description.contains("offset 0"))

        // Build a file whose second node has no parent in the file.
        var w = JuteWriter()
        w.write(FileHeader.snapshot)
        w.writeInt(0); w.writeInt(0)
        w.writeString(""); w.writeBuffer([]); w.writeLong(-1); w.write(StatPersisted())
        let orphanOffset = w.count
        w.writeString("/x/y"); w.writeBuffer([]); w.writeLong(-1); w.write(StatPersisted())
        w.writeString("/")
        #expect(decodeError(w.bytes) == .corrupt(file: "snap", offset: orphanOffset,
                                                 reason: "node /x/y comes before its parent /x"))
    }

    @Test("Tolerant reading records the first bad seal instead of throwing")
    func tolerant() throws {
        var bytes = try snapshotFixtureBytes(fixture)
        bytes[180] ^= 0x01
        let snapshot = try SnapshotReader.decode(bytes, zxid: Zxid(0x23),
                                                 options: SnapshotReadOptions(toleratesChecksumMismatch: true))
        #expect(!snapshot.checksumValid)
        guard case .checksumMismatch(_, 1031, _, _)? = snapshot.checksumError else {
            Issue.record("expected seal #1 to be reported")
            return
        }
        #expect(snapshot.tree.node(at: "/a")?.data == Array("{z".utf8))
        #expect(snapshot.digestCheck == .mismatch(computed: snapshot.tree.digest))
    }

    @Test("A 3.9 file with the lastProcessedZxid section reads, with its own seal checked")
    func lastProcessedZxidTrailer() throws {
        var bytes = try snapshotFixtureBytes(fixture)
        var w = JuteWriter()
        w.writeLong(0x23)
        bytes += w.bytes
        var sum = SnapshotChecksum()
        sum.update(bytes)
        var seal = JuteWriter()
        seal.writeLong(Int64(sum.value)); seal.writeString("/")
        let good = bytes + seal.bytes
        let snapshot = try SnapshotReader.decode(good, zxid: Zxid(0x23))
        #expect(snapshot.lastProcessedZxid == Zxid(0x23))
        #expect(snapshot.digestValid)
        var bad = good
        bad[bad.count - 6] ^= 1  // low byte of the stored checksum
        #expect(decodeError(bad) == .checksumMismatch(file: "snap", offset: 1077 + 8,
                                                      stored: Int64(sum.value ^ 1), computed: Int64(sum.value)))
    }

    @Test("Snappy files are refused with a clear error")
    func snappyUnsupported() throws {
        let dir = try makeSnapshotTempDir("snappy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/snapshot.5.snappy"
        try Data(SnapshotFormat.snappyMagic + [0, 0, 0, 1]).write(to: URL(fileURLWithPath: path))
        #expect(SnapshotReader.looksComplete(file: path))
        #expect(throws: SnapshotError.unsupportedCompression(file: path, method: "snappy")) {
            try SnapshotReader.read(file: path)
        }
        #expect(SnapshotError.unsupportedCompression(file: path, method: "snappy").description.contains("not supported"))
    }

    @Test("newestValid falls back past a corrupt and an incomplete newer snapshot, and says why")
    func newestValidFallback() throws {
        let dir = try makeSnapshotTempDir("fallback")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try snapshotFixtureBytes(fixture)
        try Data(good).write(to: URL(fileURLWithPath: dir + "/snapshot.23"))
        var corrupt = good
        corrupt[180] ^= 0x01
        try Data(corrupt).write(to: URL(fileURLWithPath: dir + "/snapshot.30"))
        try Data(good.prefix(600)).write(to: URL(fileURLWithPath: dir + "/snapshot.40"))
        try Data(good).write(to: URL(fileURLWithPath: dir + "/snapshot.50.tmp"))
        try Data(good).write(to: URL(fileURLWithPath: dir + "/snapshot.zz"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/log.1"))

        let directory = SnapshotDirectory(path: dir)
        #expect(try directory.snapshots().map(\.name) == ["snapshot.40", "snapshot.30", "snapshot.23"])
        let recovery = try directory.newestValid()
        #expect(recovery.file?.name == "snapshot.23")
        #expect(recovery.snapshot?.zxid == Zxid(0x23))
        #expect(recovery.snapshot?.digestValid == true)
        #expect(recovery.skipped.map(\.file.name) == ["snapshot.40", "snapshot.30"])
        #expect(recovery.skipped[0].reason.contains("incomplete"))
        #expect(recovery.skipped[1].reason.contains("snapshot.30: checksum mismatch at offset 1031"))

        try FileManager.default.removeItem(atPath: dir + "/snapshot.23")
        #expect(throws: SnapshotError.self) { try directory.newestValid() }
        do {
            _ = try directory.newestValid()
        } catch {
            #expect(error.description.contains("no readable snapshot"))
            #expect(error.description.contains("snapshot.30"))
        }
        let empty = try makeSnapshotTempDir("empty")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let none = try SnapshotDirectory(path: empty).newestValid()
        #expect(none.snapshot == nil && none.skipped.isEmpty)
        #expect(throws: SnapshotError.self) { try SnapshotDirectory(path: empty + "/nope").snapshots() }
    }

    @Test("File names: zxid parsing, compression suffixes and new names follow ZooKeeper")
    func fileNames() {
        #expect(DataFileName.zxid(of: "snapshot.1a", prefix: "snapshot") == Zxid(0x1A))
        #expect(DataFileName.zxid(of: "snapshot.100000001.gz", prefix: "snapshot") == Zxid(0x1_0000_0001))
        #expect(DataFileName.zxid(of: "snapshot", prefix: "snapshot") == nil)
        #expect(DataFileName.zxid(of: "snapshot.xyz", prefix: "snapshot") == nil)
        #expect(DataFileName.zxid(of: "log.5", prefix: "snapshot") == nil)
        #expect(SnapshotCompression(fileName: "snapshot.5.gz") == .gz)
        #expect(SnapshotCompression(fileName: "snapshot.5.SNAPPY") == .snappy)
        #expect(SnapshotCompression(fileName: "snapshot.5") == .none)
        #expect(DataFileName.snapshot(zxid: Zxid(0x1_0000_000c), compression: .gz) == "snapshot.10000000c.gz")
        #expect(SnapshotFormat.versionDirectory(of: "/var/zk") == "/var/zk/version-2")
    }
}

extension SnapshotError {
    /// The computed value of a checksum mismatch (tests compare the rest of the case).
    var computedChecksum: Int64? {
        if case .checksumMismatch(_, _, _, let computed) = self { return computed }
        return nil
    }
}
