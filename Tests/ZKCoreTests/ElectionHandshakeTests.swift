import Foundation
import Testing
@testable import ZKCore

/// Lines of an ensemble `.hex` capture: (direction, bytes, preceding `#` comment).
func loadEnsembleHex(_ name: String) throws -> [(direction: String, bytes: [UInt8], comment: String)] {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/ensemble/\(name)"))
    let text = try String(contentsOf: url, encoding: .utf8)
    var out: [(String, [UInt8], String)] = []
    var comment = ""
    for line in text.split(separator: "\n") {
        if line.hasPrefix("# ") { comment = String(line.dropFirst(2)); continue }
        if line.hasPrefix("#") { continue }
        let parts = line.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { continue }
        out.append((String(parts[0]), hexBytes(String(parts[1])), comment))
    }
    return out
}

@Suite struct ElectionHandshakeTests {
    @Test func fixtureHandshakesDecodeAndReencodeByteExactly() throws {
        let handshakes = try loadEnsembleHex("election-port.hex").filter { $0.comment.hasPrefix("handshake:") }
        #expect(handshakes.count == 9)
        for frame in handshakes {
            guard case let .done(header, consumed) = ElectionHandshake.decode(frame.bytes) else {
                Issue.record("not decoded: \(frame.comment)"); continue
            }
            #expect(consumed == frame.bytes.count)
            #expect(header.protocolVersion == ElectionHandshake.protocolVersionV1)
            #expect(frame.comment.contains("sid=\(header.sid.rawValue) "))
            #expect(header.address == HostPort(host: "127.0.0.1", port: 25850 + Int(header.sid.rawValue)))
            #expect(header.encoded() == frame.bytes)
        }
    }

    @Test func everyPrefixNeedsMoreBytesAndTrailingMessagesAreLeft() throws {
        let stream = try loadEnsembleHex("election-port.hex")
        let handshake = stream[0].bytes
        for cut in 0..<handshake.count {
            #expect(ElectionHandshake.decode(handshake[0..<cut]) == .needMoreBytes)
        }
        let withMessage = handshake + stream[1].bytes
        guard case let .done(_, consumed) = ElectionHandshake.decode(withMessage) else {
            Issue.record("not decoded"); return
        }
        #expect(consumed == handshake.count)
    }

    @Test func legacyFormIsTheSidAlone() {
        let bytes = written { $0.writeLong(7); $0.writeLong(99) }
        #expect(ElectionHandshake.decode(bytes) == .done(ElectionHandshake(protocolVersion: nil, sid: ServerID(7), addresses: []), consumed: 8))
        #expect(ElectionHandshake(protocolVersion: nil, sid: ServerID(7), addresses: []).encoded() == Array(bytes[0..<8]))
    }

    @Test func v2TakesEveryAddressAndDialsTheFirst() {
        let header = ElectionHandshake(protocolVersion: ElectionHandshake.protocolVersionV2, sid: ServerID(2),
                                       addresses: [HostPort(host: "127.0.0.2", port: 3888), HostPort(host: "::1", port: 3889)])
        let bytes = header.encoded()
        #expect(String(decoding: bytes[20...], as: UTF8.self) == "127.0.0.2:3888|[::1]:3889")
        #expect(ElectionHandshake.decode(bytes) == .done(header, consumed: bytes.count))
        #expect(header.address == HostPort(host: "127.0.0.2", port: 3888))
    }

    @Test func wildcardAddressesAreLeftOut() {
        let bytes = written { w in
            w.writeLong(ElectionHandshake.protocolVersionV1); w.writeLong(3); w.writeString("0.0.0.0:3888")
        }
        #expect(ElectionHandshake.decode(bytes) == .done(ElectionHandshake(sid: ServerID(3), addresses: []), consumed: bytes.count))
    }

    private func header(version: Int64 = ElectionHandshake.protocolVersionV1, length: Int32, address: String = "") -> [UInt8] {
        written { w in
            w.writeLong(version); w.writeLong(1); w.writeInt(length); w.writeRaw(Array(address.utf8))
        }
    }

    @Test func badHeadersFailWithATypedError() {
        #expect(ElectionHandshake.decode(header(version: -5, length: 3)) == .failed(.unknownProtocolVersion(-5)))
        #expect(ElectionHandshake.decode(header(length: 0)) == .failed(.unreasonableAddressLength(0)))
        #expect(ElectionHandshake.decode(header(length: -1)) == .failed(.unreasonableAddressLength(-1)))
        #expect(ElectionHandshake.decode(header(length: 2049)) == .failed(.unreasonableAddressLength(2049)))
        #expect(ElectionHandshake.decode(header(length: 4, address: "host")) == .failed(.badAddress("host")))
        #expect(ElectionHandshake.decode(header(length: 5, address: "h:1:2")) == .failed(.badAddress("h:1:2")))
        #expect(ElectionHandshake.decode(header(length: 6, address: "h:port")) == .failed(.badPort("port")))
        #expect(ElectionHandshake.decode(header(length: 7, address: "h:99999")) == .failed(.badPort("99999")))
        #expect(ElectionHandshake.decode(header(length: 5, address: "[::1]")) == .failed(.badAddress("[::1]")))
        #expect(ElectionHandshake.decode(header(length: 6, address: "[::1:5")) == .failed(.badAddress("[::1:5")))
        // A 2048-byte field is still accepted, and waited for.
        #expect(ElectionHandshake.decode(header(length: 2048, address: "x")) == .needMoreBytes)
    }

    @Test func garbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = ElectionHandshake.decode(bytes)
        }
    }
}
