import Testing
@testable import ZKCore

@Suite struct TreeDigestTests {
    /// Bit-at-a-time CRC-32 (reflected 0xEDB88320), the definition the sliced version must match.
    private static func reference(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    @Test func crc32MatchesTheCheckValue() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
        #expect(CRC32().value == 0)
    }

    @Test func crc32MatchesTheBitwiseDefinitionAtEveryLengthAndSplit() {
        var rng = SystemRandomNumberGenerator()
        for length in Array(0...70) + [255, 256, 1024, 4099] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var whole = CRC32()
            whole.update(bytes)
            #expect(whole.value == Self.reference(bytes), "length \(length)")
            // Fed in two pieces at an odd split, as the digest feeds path, data and stat.
            let split = length / 3
            var pieces = CRC32()
            pieces.update(Array(bytes[..<split]))
            pieces.update(Array(bytes[split...]))
            #expect(pieces.value == whole.value, "length \(length) split \(split)")
        }
    }

    @Test func nodeDigestCoversPathDataAndStatButSkipsZookeeperNodes() {
        var stat = StatPersisted()
        stat.czxid = 5; stat.mzxid = 6; stat.version = 2
        let a = TreeDigest.node(path: "/a", data: [1, 2], stat: stat)
        #expect(a != TreeDigest.node(path: "/b", data: [1, 2], stat: stat))
        #expect(a != TreeDigest.node(path: "/a", data: [1, 3], stat: stat))
        stat.version = 3
        #expect(a != TreeDigest.node(path: "/a", data: [1, 2], stat: stat))
        #expect(TreeDigest.node(path: "/zookeeper/quota", data: [1], stat: stat) == 0)
    }
}
