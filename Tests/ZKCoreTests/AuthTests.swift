import Testing
@testable import ZKCore

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

@Suite struct SHA1Tests {
    // RFC 3174 §7.3 test vectors.
    @Test func rfc3174Vectors() {
        #expect(hex(SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(SHA1.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
            == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        let block = String(repeating: "0123456701234567012345670123456701234567012345670123456701234567", count: 10)
        #expect(hex(SHA1.hash(Array(block.utf8))) == "dea356a2cddd90c7a7ecedc5ebb563934f460452")
    }

    @Test func emptyAndIncrementalInput() {
        #expect(hex(SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        // Feeding in uneven pieces must give the same digest as one call.
        let message = Array(String(repeating: "The quick brown fox ", count: 13).utf8)
        var h = SHA1()
        var i = 0
        for size in [1, 63, 64, 65, 3, 7] where i < message.count {
            let end = min(i + size, message.count)
            h.update(message[i..<end])
            i = end
        }
        h.update(message[i...])
        #expect(h.finalize() == SHA1.hash(message))
    }
}

@Suite struct Base64Tests {
    // RFC 4648 §10 test vectors.
    @Test func rfc4648Vectors() {
        let pairs = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                     ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in pairs {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test func fullAlphabetAndRejects() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0x00, 0x10, 0x83]
        #expect(Base64.encode(bytes) == "+/+/ABCD")
        #expect(Base64.decode("+/+/ABCD") == bytes)
        for bad in ["Zg=", "Zg=a", "Z===", "=g==", "Zm9v!A==", "Zg==Zg==", "Zm 9"] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
    }
}
