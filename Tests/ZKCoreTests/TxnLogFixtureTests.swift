import Foundation
import Testing
@testable import ZKCore

/// One record of a txn log file: its stored checksum and its payload.
struct LogRecord {
    var offset: Int
    var checksum: Int64
    var payload: [UInt8]
}

/// Adler-32 as `java.util.zip.Adler32` computes it; test-side check of the stored checksums.
func adler32(_ bytes: [UInt8]) -> Int64 {
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in bytes {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    return Int64(b << 16 | a)
}

/// Splits a txn log fixture (disk-format.md §3) into its header and records with `splitTxnLog`.
func readTxnLog(_ name: String) throws -> (FileHeader, [LogRecord]) {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/\(name)"))
    return try splitTxnLog([UInt8](try Data(contentsOf: url)))
}

/// Splits txn log bytes into header and records, stopping at a zero length or at the end of the
/// bytes, and checks each record's end marker. Independent of the library's reader on purpose.
func splitTxnLog(_ bytes: [UInt8]) throws -> (FileHeader, [LogRecord]) {
    var r = JuteReader(bytes)
    let header = try FileHeader(from: &r)
    var records: [LogRecord] = []
    while r.remaining >= 12 {
        let offset = r.offset
        let checksum = try r.readLong()
        let length = try r.readInt()
        if length == 0 { break }
        let payload = try r.readRaw(Int(length))
        #expect(try r.readByte() == 0x42, "end-of-record marker at \(offset)")
        records.append(LogRecord(offset: offset, checksum: checksum, payload: payload))
    }
    return (header, records)
}

/// Decodes every payload as a `TxnLogEntry`, checking exact consumption, the checksum and that
/// re-encoding gives the stored bytes back.
func decodeTxnLog(_ name: String) throws -> [TxnLogEntry] {
    let (header, records) = try readTxnLog(name)
    #expect(header == FileHeader.txnLog)
    #expect(header.juteBytes == hexBytes("5a4b4c47 00000002 0000000000000000"))
    var entries: [TxnLogEntry] = []
    for record in records {
        #expect(record.checksum == adler32(record.payload), "checksum at \(record.offset)")
        var r = JuteReader(record.payload)
        let entry = try TxnLogEntry(from: &r)
        #expect(r.isAtEnd, "\(r.remaining) bytes left in the record at \(record.offset)")
        #expect(entry.juteBytes == record.payload, "re-encoding the record at \(record.offset)")
        entries.append(entry)
    }
    return entries
}

@Suite struct TxnLogFixtureTests {
    @Test func standaloneLogRoundTrips() throws {
        let entries = try decodeTxnLog("standalone/version-2/log.1")
        #expect(entries.count == 35)
        #expect(entries.map(\.header.zxid) == Array(1...35))

        let first = entries[0]
        #expect(first.header.type == .createSession)
        #expect(first.header.clientId == 0x0100_0079_8bea_0000)
        #expect(first.body == .createSession(CreateSessionTxn(timeOut: 30000)))
        #expect(first.digest == TxnDigest(treeDigest: 1_371_985_504))

        #expect(entries[1].header.type == .create)
        #expect(entries[1].body == .create(CreateTxn(path: "/a", data: Array("hello".utf8), acl: ACL.openUnsafe,
                                                     ephemeral: false, parentCVersion: 1)))
        #expect(entries[2].header.type == .create2)
        #expect(entries[3].header.type == .error)
        #expect(entries[3].body == .error(ErrorTxn(err: .badVersion)))
        #expect(entries[3].digest == nil)
        #expect(entries[4].body == .setData(SetDataTxn(path: "/a", data: Array("new".utf8), version: 1)))

        guard case .multi(let failed) = entries[6].body else { Issue.record("zxid 7 is not a multi"); return }
        #expect(failed.map(\.type) == [.create, .error, .error])
        #expect(failed.dropFirst().map(\.body) == [.error(ErrorTxn(err: .badVersion)),
                                                   .error(ErrorTxn(err: .runtimeInconsistency))])
        guard case .multi(let ok) = entries[7].body else { Issue.record("zxid 8 is not a multi"); return }
        #expect(ok.map(\.type) == [.create, .create, .check, .setData, .delete])
        #expect(ok[2].body == .check(CheckVersionTxn(path: "/a", version: 2)))

        #expect(entries[16].body == .closeSession(CloseSessionTxn(paths2Delete: ["/e"])))
        let types = entries.map(\.header.type)
        #expect(types.filter { $0 == .createSession }.count == 8)
        #expect(types.filter { $0 == .closeSession }.count == 8)
        #expect(types.filter { $0 == .error }.count == 4)
    }

    @Test func ttlContainerLogRoundTrips() throws {
        let entries = try decodeTxnLog("ttl-container/version-2/log.1")
        #expect(entries.count == 16)
        #expect(entries[1].header.type == .createTTL)
        guard case .createTTL(let ttl) = entries[1].body else { Issue.record("zxid 2 is not createTTL"); return }
        #expect(ttl.path == "/ttl")
        #expect(ttl.ttl == 600_000)
        guard case .createContainer(let ctr) = entries[2].body else { Issue.record("zxid 3 is not a container"); return }
        #expect(ctr.path == "/ctr")

        guard case .multi(let subs) = entries[12].body else { Issue.record("zxid 0xd is not a multi"); return }
        #expect(subs.map(\.type) == [.createContainer, .createTTL, .create])
        guard case .createTTL(let sub) = subs[1].body else { Issue.record("sub-txn 2 is not createTTL"); return }
        #expect(sub.ttl == 1000)

        let reaped = entries.filter { $0.header.type == .deleteContainer }
        #expect(reaped.map(\.body) == [.delete(DeleteTxn(path: "/ttlseq-0000000002")), .delete(DeleteTxn(path: "/mt"))])
        #expect(reaped.allSatisfy { $0.header.clientId == 0 && $0.header.cxid == 0 })
    }
}
