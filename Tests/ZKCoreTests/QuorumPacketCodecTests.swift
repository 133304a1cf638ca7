import NIOCore
import Testing
@testable import ZKCore

@Suite struct QuorumPacketCodecTests {
    private static let maxBuffer = 1024 * 1024 + 1024

    private func packets(_ direction: String) throws -> [[UInt8]] {
        try loadEnsembleHex("quorum-port.hex").filter { $0.direction == direction }.map(\.bytes)
    }

    private func drain(_ decoder: inout QuorumStreamDecoder) throws -> [QuorumStreamItem] {
        var out: [QuorumStreamItem] = []
        while let item = try decoder.next() { out.append(item) }
        return out
    }

    private func buffer(_ bytes: some Sequence<UInt8>) -> ByteBuffer { ByteBuffer(bytes: Array(bytes)) }

    private func encoded(_ packet: QuorumPacket) -> [UInt8] {
        var out = ByteBuffer()
        encodeQuorumPacket(packet, into: &out)
        return Array(out.readableBytesView)
    }

    @Test func fixturePacketsDecodeAtEveryByteSplitAndReencodeExactly() throws {
        let all = try packets("F>L") + packets("L>F")
        #expect(all.count == 109)
        for bytes in all {
            for cut in 0...bytes.count {
                var decoder = QuorumStreamDecoder(maxBufferBytes: Self.maxBuffer)
                decoder.feed(buffer(bytes[0..<cut]))
                let first = try drain(&decoder)
                decoder.feed(buffer(bytes[cut...]))
                let items = first + (try drain(&decoder))
                guard items.count == 1, case .packet(let packet) = items[0] else {
                    Issue.record("cut \(cut): \(items)"); return
                }
                #expect(encoded(packet) == bytes)
                #expect(decoder.bufferedBytes == 0)
            }
        }
    }

    @Test func backToBackStreamOneByteAtATime() throws {
        for direction in ["F>L", "L>F"] {
            let all = try packets(direction)
            var decoder = QuorumStreamDecoder(maxBufferBytes: Self.maxBuffer)
            var decoded: [[UInt8]] = []
            for byte in all.joined() {
                decoder.feed(buffer([byte]))
                for case .packet(let packet) in try drain(&decoder) { decoded.append(encoded(packet)) }
            }
            #expect(decoded == all)
        }
    }

    @Test func nullEmptyAndAuthinfoSurvive() throws {
        let samples = [
            QuorumPacket(type: 5, zxid: 1 << 32, data: nil),
            QuorumPacket(type: 5, zxid: 1 << 32, data: []),
            QuorumPacket(type: 1, zxid: -1, data: [1, 2, 3], authinfo: [Id(scheme: "ip", id: "127.0.0.1"), Id(scheme: "x", id: "")]),
        ]
        var decoder = QuorumStreamDecoder(maxBufferBytes: Self.maxBuffer)
        decoder.feed(buffer(samples.flatMap(encoded)))
        #expect(try drain(&decoder) == samples.map { .packet($0) })
    }

    @Test func oversizedOrNegativeLengthsAreErrors() throws {
        func header(dataLength: Int32) -> [UInt8] {
            written { $0.writeInt(2); $0.writeLong(7); $0.writeInt(dataLength) }
        }
        var big = QuorumStreamDecoder(maxBufferBytes: 100)
        big.feed(buffer(header(dataLength: 101)))
        #expect(throws: QuorumStreamError.unreasonableLength(offset: 12, length: 101)) { _ = try big.next() }
        var exact = QuorumStreamDecoder(maxBufferBytes: 100)
        exact.feed(buffer(header(dataLength: 100)))
        #expect(try exact.next() == nil)
        var negative = QuorumStreamDecoder(maxBufferBytes: 100)
        negative.feed(buffer(header(dataLength: -2)))
        #expect(throws: QuorumStreamError.unreasonableLength(offset: 12, length: -2)) { _ = try negative.next() }
        var badCount = QuorumStreamDecoder(maxBufferBytes: 100)
        badCount.feed(buffer(header(dataLength: -1) + written { $0.writeInt(-3) }))
        #expect(throws: QuorumStreamError.badVectorCount(-3)) { _ = try badCount.next() }
        var badId = QuorumStreamDecoder(maxBufferBytes: 100)
        badId.feed(buffer(header(dataLength: -1) + written { $0.writeInt(1); $0.writeInt(500) }))
        #expect(throws: QuorumStreamError.unreasonableLength(offset: 20, length: 500)) { _ = try badId.next() }
    }

    @Test func snapHoldsTheStreamRawChunksOnRequestThenPacketsResumeWithTheLeftover() throws {
        let snap = QuorumPacket(type: 15, zxid: 9)
        let after = QuorumPacket(type: 12, zxid: -1)
        let ping = QuorumPacket(type: 5, zxid: 9)
        let raw: [UInt8] = Array(repeating: 0xAB, count: 250)
        var decoder = QuorumStreamDecoder(maxBufferBytes: Self.maxBuffer, holdAfterTypes: [15])
        decoder.feed(buffer(encoded(snap) + raw[0..<100]))
        #expect(try drain(&decoder) == [.packet(snap)])
        #expect(decoder.mode == .held)
        decoder.feed(buffer(raw[100..<200]))
        #expect(try drain(&decoder).isEmpty)
        decoder.requestRaw()
        #expect(try drain(&decoder) == [.raw(buffer(raw[0..<200]))])
        #expect(decoder.mode == .held)
        // The raw stream ends at byte 250; the packet after it arrives in the same read.
        decoder.feed(buffer(raw[200..<250] + encoded(after)))
        #expect(try drain(&decoder).isEmpty)
        decoder.requestRaw()
        guard case .raw(var chunk)? = try decoder.next() else { Issue.record("no chunk"); return }
        #expect(chunk.readableBytes == 50 + encoded(after).count)
        decoder.feed(buffer(encoded(ping)))
        #expect(try drain(&decoder).isEmpty)
        chunk.moveReaderIndex(forwardBy: 50)
        decoder.resumePackets(leftover: chunk)
        #expect(decoder.mode == .packets)
        #expect(try drain(&decoder) == [.packet(after), .packet(ping)])
        #expect(decoder.bufferedBytes == 0)
    }

    @Test func requestRawIsIgnoredWhileDecodingPackets() throws {
        var decoder = QuorumStreamDecoder(maxBufferBytes: Self.maxBuffer)
        decoder.requestRaw()
        let ping = QuorumPacket(type: 5, zxid: 1)
        decoder.feed(buffer(encoded(ping)))
        #expect(try drain(&decoder) == [.packet(ping)])
    }

    @Test func garbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var decoder = QuorumStreamDecoder(maxBufferBytes: 64)
            decoder.feed(ByteBuffer(bytes: bytes))
            _ = try? drain(&decoder)
        }
    }
}
