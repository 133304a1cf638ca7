import Testing
@testable import ZKCore

/// Parses a hex string (whitespace allowed) into bytes; test input only.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd hex length")
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// Encodes with a closure and returns the bytes.
func written(_ body: (inout JuteWriter) -> Void) -> [UInt8] {
    var w = JuteWriter()
    body(&w)
    return w.bytes
}

@Suite struct JutePrimitiveTests {
    @Test func integersAreBigEndianTwosComplement() throws {
        #expect(written { $0.writeInt(1) } == [0, 0, 0, 1])
        #expect(written { $0.writeInt(-1) } == [0xff, 0xff, 0xff, 0xff])
        #expect(written { $0.writeLong(0x0100_0079_8bea_0000) } == hexBytes("010000798bea0000"))
        for value: Int32 in [.min, -103, 0, 1, .max] {
            var r = JuteReader(written { $0.writeInt(value) })
            #expect(try r.readInt() == value)
            #expect(r.isAtEnd)
        }
        for value: Int64 in [.min, -1, 0, 0x51c6_d660, .max] {
            var r = JuteReader(written { $0.writeLong(value) })
            #expect(try r.readLong() == value)
        }
    }

    @Test func byteAndBoolean() throws {
        #expect(written { $0.writeBool(true); $0.writeBool(false); $0.writeByte(0xab) } == [1, 0, 0xab])
        var r = JuteReader([0x00, 0x01, 0x7f, 0xab])
        #expect(try r.readBool() == false)
        #expect(try r.readBool() == true)
        #expect(try r.readBool() == true, "any non-zero byte is true, as in Java")
        #expect(try r.readByte() == 0xab)
    }

    @Test func buffersAndStringsRoundTrip() throws {
        let bytes = written { w in
            w.writeBuffer([1, 2, 3]); w.writeBuffer([]); w.writeString("/a"); w.writeString(""); w.writeString("ü")
        }
        #expect(bytes == hexBytes("00000003 010203 00000000 00000002 2f61 00000000 00000002 c3bc"))
        var r = JuteReader(bytes)
        #expect(try r.readBuffer() == [1, 2, 3])
        #expect(try r.readBuffer() == [])
        #expect(try r.readString() == "/a")
        #expect(try r.readString() == "")
        #expect(try r.readString() == "ü")
        #expect(r.isAtEnd)
    }

    @Test func vectorsRoundTrip() throws {
        let acl = ACL.openUnsafe + [ACL(perms: [.read, .admin], id: Id(scheme: "digest", id: "bob:x"))]
        let bytes = written { $0.writeStrings(["b", "m2"]); $0.writeRecords(acl) }
        var r = JuteReader(bytes)
        #expect(try r.readStrings() == ["b", "m2"])
        #expect(try r.readRecords(ACL.self) == acl)
        #expect(r.isAtEnd)
        #expect(written { $0.writeStrings([]) } == [0, 0, 0, 0])
    }

    @Test func nullsAreMinusOne() throws {
        let minusOne: [UInt8] = [0xff, 0xff, 0xff, 0xff]
        #expect(written { $0.writeBuffer(nil) } == minusOne)
        #expect(written { $0.writeString(nil) } == minusOne)
        #expect(written { $0.writeStrings(nil) } == minusOne)
        var r = JuteReader(minusOne + minusOne + minusOne + minusOne)
        #expect(try r.readBuffer() == nil)
        #expect(try r.readString() == nil)
        #expect(try r.readStrings() == nil)
        #expect(try r.readNonNullString() == "")
        #expect(r.isAtEnd)
    }

    @Test func truncatedInputThrows() {
        #expect(throws: JuteError.truncated(offset: 0, needed: 4, available: 2)) {
            var r = JuteReader([0, 1]); _ = try r.readInt()
        }
        #expect(throws: JuteError.truncated(offset: 0, needed: 8, available: 7)) {
            var r = JuteReader([UInt8](repeating: 0, count: 7)); _ = try r.readLong()
        }
        #expect(throws: JuteError.truncated(offset: 4, needed: 5, available: 2)) {
            var r = JuteReader(hexBytes("00000005 6162")); _ = try r.readString()
        }
        #expect(throws: JuteError.truncated(offset: 0, needed: 1, available: 0)) {
            var r = JuteReader([]); _ = try r.readBool()
        }
        // A record cut inside a nested Stat.
        let full = Create2Response(path: "/a", stat: Stat()).juteBytes
        #expect(throws: JuteError.truncated(offset: 66, needed: 8, available: 7)) {
            _ = try Create2Response(juteBytes: Array(full.dropLast()))
        }
    }

    @Test func unreasonableLengthsThrow() {
        #expect(throws: JuteError.unreasonableLength(offset: 0, length: -2)) {
            var r = JuteReader(hexBytes("fffffffe")); _ = try r.readBuffer()
        }
        #expect(throws: JuteError.unreasonableLength(offset: 0, length: Int32.min)) {
            var r = JuteReader(hexBytes("80000000")); _ = try r.readString()
        }
        #expect(throws: JuteError.unreasonableLength(offset: 0, length: -5)) {
            var r = JuteReader(hexBytes("fffffffb")); _ = try r.readStrings()
        }
        // The limit is maxBuffer plus an equal extra allowance of at least 1024 bytes.
        #expect(throws: JuteError.unreasonableLength(offset: 0, length: 1125)) {
            var r = JuteReader(written { $0.writeInt(1125) }, maxBufferLength: 100); _ = try r.readBuffer()
        }
        #expect(throws: JuteError.truncated(offset: 4, needed: 1124, available: 0)) {
            var r = JuteReader(written { $0.writeInt(1124) }, maxBufferLength: 100); _ = try r.readBuffer()
        }
        let big = Int32(Limits.juteMaxBufferDefault * 2 + 1)
        #expect(throws: JuteError.unreasonableLength(offset: 0, length: big)) {
            var r = JuteReader(written { $0.writeInt(big) }); _ = try r.readBuffer()
        }
    }
}

@Suite struct ConnectRecordTests {
    // Both frames from jute.md §5 (live 3.8.0), length prefix removed.
    let requestWithByte = hexBytes("00000000 0000000000000000 00007530 0000000000000000 00000010 00000000000000000000000000000000 00")
    let responseWithByte = hexBytes("00000000 00007530 010000798bea0000 00000010 84e0fd8dc16114cb02d16deb721204e7 00")

    @Test func readOnlyBytePresent() throws {
        let req = try ConnectRequest(juteBytes: requestWithByte)
        #expect(req == ConnectRequest(lastZxidSeen: 0, timeOut: 30000, sessionId: 0,
                                      passwd: [UInt8](repeating: 0, count: 16), readOnly: false))
        #expect(req.juteBytes == requestWithByte)
        let resp = try ConnectResponse(juteBytes: responseWithByte)
        #expect(resp.sessionId == 0x0100_0079_8bea_0000)
        #expect(resp.timeOut == 30000)
        #expect(resp.readOnly == false)
        #expect(resp.juteBytes == responseWithByte)
        var ro = req
        ro.readOnly = true
        #expect(ro.juteBytes.last == 1)
        #expect(try ConnectRequest(juteBytes: ro.juteBytes).readOnly == true)
    }

    @Test func readOnlyByteAbsent() throws {
        let req = try ConnectRequest(juteBytes: Array(requestWithByte.dropLast()))
        #expect(req.readOnly == nil)
        #expect(req.juteBytes.count == 44)
        let resp = try ConnectResponse(juteBytes: Array(responseWithByte.dropLast()))
        #expect(resp.readOnly == nil)
        #expect(resp.juteBytes.count == 36)
        #expect(ConnectResponse.invalid(readOnly: false).juteBytes
                == hexBytes("00000000 00000000 0000000000000000 00000010") + [UInt8](repeating: 0, count: 17))
    }
}

@Suite struct RecordEdgeTests {
    @Test func multiRejectsUnknownOpAndMixing() throws {
        let createRequest = CreateRequest(path: "/x", data: nil, acl: ACL.openUnsafe, flags: 0)
        let create = MultiOp.create(.create, createRequest)
        let read = MultiOp.getData(GetDataRequest(path: "/x"))
        let mixed = MultiOperationRecord(ops: [create, read]).juteBytes
        let secondHeader = 9 + createRequest.juteBytes.count
        #expect(throws: JuteError.invalidValue(offset: secondHeader, reason: "multi mixes read and write ops")) {
            _ = try MultiOperationRecord(juteBytes: mixed)
        }
        let unknown = MultiHeader(type: .exists, done: false, err: ErrorCode(-1)).juteBytes
            + ExistsRequest(path: "/x").juteBytes + MultiHeader.terminator.juteBytes
        #expect(throws: JuteError.invalidValue(offset: 0, reason: "invalid multi op type 3")) {
            _ = try MultiOperationRecord(juteBytes: unknown)
        }
        let reads = MultiOperationRecord(ops: [read, .getChildren(GetChildrenRequest(path: "/"))])
        #expect(reads.isReadOnly && !reads.isWrite)
        #expect(try MultiOperationRecord(juteBytes: reads.juteBytes) == reads)
        let empty = MultiOperationRecord(ops: [])
        #expect(empty.juteBytes == hexBytes("ffffffff 01 ffffffff"))
    }

    @Test func multiResponseRoundTrip() throws {
        let results: [MultiResult] = [
            .create2(Create2Response(path: "/c", stat: Stat())), .delete, .check,
            .getData(GetDataResponse(data: nil, stat: Stat())), .getChildren(GetChildrenResponse(children: ["a"])),
            .error(.noNode),
        ]
        let resp = MultiResponse(results: results)
        #expect(try MultiResponse(juteBytes: resp.juteBytes) == resp)
    }

    @Test func txnBodyTypes() throws {
        #expect(throws: JuteError.self) {
            var r = JuteReader([0, 0, 0, 0]); _ = try TxnBody.decode(type: .getData, from: &r)
        }
        // closeSession without a body, as pre-3.6 logs wrote it.
        var empty = JuteReader([])
        #expect(try TxnBody.decode(type: .closeSession, from: &empty) == .closeSession(nil))
        // A pre-3.3 create, one int short, falls back to CreateTxnV0.
        let v0 = CreateTxnV0(path: "/old", data: [1], acl: ACL.openUnsafe, ephemeral: false)
        var r = JuteReader(v0.juteBytes)
        let body = try TxnBody.decode(type: .create, from: &r)
        #expect(body == .createV0(v0))
        #expect(v0.asCreateTxn.parentCVersion == -1)
        // A multi may not nest a session txn.
        let bad = MultiTxn(txns: [Txn(type: -10, data: CreateSessionTxn(timeOut: 1).juteBytes)]).juteBytes
        #expect(throws: JuteError.self) { var r = JuteReader(bad); _ = try TxnBody.decode(type: .multi, from: &r) }
    }

    @Test func quorumPacketKeepsNullApartFromEmpty() throws {
        let ack = QuorumPacket(type: 3, zxid: 0x1_0000_0001)
        #expect(ack.juteBytes == hexBytes("00000003 0000000100000001 ffffffff ffffffff"))
        let ping = QuorumPacket(type: 5, zxid: 1, data: [], authinfo: [Id(scheme: "ip", id: "127.0.0.1")])
        #expect(try QuorumPacket(juteBytes: ping.juteBytes) == ping)
        #expect(try QuorumPacket(juteBytes: ack.juteBytes) == ack)
        let info = LearnerInfo(serverid: 3, configVersion: 0)
        #expect(info.juteBytes.count == 20)
        #expect(try LearnerInfo(juteBytes: info.juteBytes) == info)
    }
}
