import Testing
@testable import ZKCore

@Suite struct Adler32Tests {
    @Test func knownVectors() {
        // Values from RFC 1950's definition, as zlib.adler32 and java.util.zip.Adler32 give them.
        #expect(Adler32.checksum([UInt8]()) == 1)
        #expect(Adler32.checksum(Array("a".utf8)) == 0x0062_0062)
        #expect(Adler32.checksum(Array("abc".utf8)) == 0x024d_0127)
        #expect(Adler32.checksum(Array("message digest".utf8)) == 0x2975_0586)
        #expect(Adler32.checksum(Array("abcdefghijklmnopqrstuvwxyz".utf8)) == 0x9086_0b20)
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11e6_0398)
        #expect(Adler32.checksum([UInt8](repeating: 0, count: 1 << 20)) == 0x00f0_0001)
    }

    @Test func matchesTheDefinitionOnLongInputs() {
        // 0xff bytes make the sums grow fastest: the deferred reduction must still be exact.
        for count in [1, 7, 8, 9, 5551, 5552, 5553, 65_536, 1_000_003] {
            let ones = [UInt8](repeating: 0xff, count: count)
            #expect(UInt32(adler32(ones)) == Adler32.checksum(ones), "\(count) bytes of 0xff")
            let mixed = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
            #expect(UInt32(adler32(mixed)) == Adler32.checksum(mixed), "\(count) mixed bytes")
        }
    }

    @Test func updatesInPiecesEqualOneUpdate() {
        let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        var adler = Adler32()
        var at = 0
        for piece in [1, 2, 5551, 3, 9000, 4000] {
            adler.update(bytes[at..<min(at + piece, bytes.count)])
            at += piece
        }
        adler.update(bytes[at...])
        #expect(adler.value == Adler32.checksum(bytes))
    }
}

@Suite struct TxnLogFormatTests {
    @Test func recordIsChecksumLengthPayloadAndMarker() {
        let payload: [UInt8] = Array("abc".utf8)
        #expect(TxnLogFormat.record(payload: payload) == hexBytes("00000000024d0127 00000003 616263 42"))
    }

    @Test func framesAreRecognized() {
        let record = TxnLogFormat.record(payload: [1, 2, 3, 4])
        func frame(_ bytes: [UInt8], max: Int = 100) -> TxnLogFormat.Frame {
            bytes.withUnsafeBytes { TxnLogFormat.frame(in: $0, at: 0, maxPayloadBytes: max) }
        }
        #expect(frame(record) == .record(storedChecksum: Int64(Adler32.checksum([1, 2, 3, 4])), payload: 12..<16, end: 17))
        #expect(frame(Array(record.prefix(11))) == .short(needed: 12))
        #expect(frame(Array(record.prefix(16))) == .short(needed: 17))
        #expect(frame([UInt8](repeating: 0, count: 40)) == .zeroLength)
        var noMarker = record
        noMarker[16] = 0
        #expect(frame(noMarker) == .missingMarker(at: 16, found: 0))
        #expect(frame(record, max: 3) == .badLength(4))
        var negative = record
        negative[8] = 0xff
        #expect(frame(negative) == .badLength(Int32(bitPattern: 0xff00_0004)))
    }

    @Test func fileNamesAreLowercaseUnpaddedHex() {
        #expect(TxnLogFormat.fileName(startingAt: Zxid(1)) == "log.1")
        #expect(TxnLogFormat.fileName(startingAt: Zxid(0x1_0000_0001)) == "log.100000001")
        #expect(TxnLogFormat.fileName(startingAt: Zxid(0xabc)) == "log.abc")
        #expect(TxnLogFormat.fileName(startingAt: .zero) == "log.0")
    }

    @Test func fileNamesParseAsZooKeeperDoes() {
        #expect(TxnLogFormat.zxid(fromFileName: "log.1") == Zxid(1))
        #expect(TxnLogFormat.zxid(fromFileName: "log.100000001") == Zxid(0x1_0000_0001))
        #expect(TxnLogFormat.zxid(fromFileName: "log.ABC") == Zxid(0xabc))
        // Util.getZxidFromName only looks at the part between the first two dots.
        #expect(TxnLogFormat.zxid(fromFileName: "log.1f.bak") == Zxid(0x1f))
        for bad in ["log", "log.", "log.xyz", "log.-1", "logs.1", "snapshot.1", "LOG.1", "log.8000000000000000",
                    "log.12345678901234567", ".log.1", "log.1 "] {
            #expect(TxnLogFormat.zxid(fromFileName: bad) == nil, "\(bad)")
        }
    }

    @Test func logFileSelectionFollowsGetLogFiles() {
        let names = ["log.10", "snapshot.3", "log.1", "junk", "log.zz", "log.5", "log.5.tmp2", "snapshot.12"]
        func select(_ zxid: Int64) -> [String] { TxnLogFormat.logFiles(names, after: Zxid(zxid)).map(\.name) }
        // log.5.tmp2 parses as zxid 5, as in ZooKeeper; ties keep name order.
        #expect(select(0) == ["log.1", "log.5", "log.5.tmp2", "log.10"])
        #expect(select(1) == ["log.1", "log.5", "log.5.tmp2", "log.10"])
        #expect(select(4) == ["log.1", "log.5", "log.5.tmp2", "log.10"])
        #expect(select(7) == ["log.5", "log.5.tmp2", "log.10"])
        #expect(select(0x10) == ["log.10"])
        #expect(select(0x1000) == ["log.10"])
        #expect(TxnLogFormat.logFiles(["log.20", "log.30"], after: Zxid(5)).map(\.name) == ["log.20", "log.30"])
        #expect(TxnLogFormat.logFiles(["snapshot.0"], after: .zero).isEmpty)
    }
}
