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

@Suite struct DigestProviderTests {
    let digest = DigestAuthenticationProvider(superDigest: "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")

    // Expected values from python3: user + ":" + base64(sha1(whole string)).
    @Test func generateDigest() {
        #expect(DigestAuthenticationProvider.generateDigest("super:test") == "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")
        #expect(DigestAuthenticationProvider.generateDigest("bob:secret") == "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=")
        #expect(DigestAuthenticationProvider.generateDigest("user:pass:word") == "user:yNMcEO4y6Bgll487yEAxpvnMYoo=")
        #expect(DigestAuthenticationProvider.generateDigest("nocolon") == "nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g=")
    }

    @Test func authenticateAndSuper() {
        let plain = digest.authenticate(authData: Array("bob:secret".utf8), remoteAddress: "127.0.0.1")
        #expect(plain == [Id(scheme: "digest", id: "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=")])
        let root = digest.authenticate(authData: Array("super:test".utf8), remoteAddress: "127.0.0.1")
        #expect(root == [Id(scheme: "super", id: ""), Id(scheme: "digest", id: "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")])
        #expect(digest.isSuper("super:test"))
        #expect(!digest.isSuper("super:wrong"))
        #expect(!DigestAuthenticationProvider().isSuper("super:test"))
    }

    // Java's split(":") drops trailing empty parts.
    @Test func isValid() {
        for id in ["a:b", ":b", "a:b:", "a:b::"] { #expect(digest.isValid(id), "\(id)") }
        for id in ["a", "a:", "a::", "::", "", "a:b:c"] { #expect(!digest.isValid(id), "\(id)") }
    }

    @Test func matchesAndUserName() {
        #expect(digest.matches(id: "bob:abc=", aclExpr: "bob:abc="))
        #expect(!digest.matches(id: "bob:abc=", aclExpr: "bob:abd="))
        #expect(digest.userName("bob:abc=") == "bob")
        #expect(digest.userName(":abc=") == "")
    }
}

@Suite struct IPProviderTests {
    let ip = IPAuthenticationProvider()

    @Test func cidrMatching() {
        #expect(ip.matches(id: "10.1.2.3", aclExpr: "10.1.2.3"))
        #expect(ip.matches(id: "10.1.2.3", aclExpr: "10.1.2.3/32"))
        #expect(!ip.matches(id: "10.1.2.4", aclExpr: "10.1.2.3/32"))
        #expect(ip.matches(id: "10.1.2.200", aclExpr: "10.1.2.0/24"))
        #expect(!ip.matches(id: "10.1.3.1", aclExpr: "10.1.2.0/24"))
        #expect(ip.matches(id: "10.200.0.9", aclExpr: "10.0.0.0/8"))
        #expect(!ip.matches(id: "11.0.0.1", aclExpr: "10.0.0.0/8"))
        #expect(ip.matches(id: "192.168.1.1", aclExpr: "0.0.0.0/0"))
        #expect(ip.matches(id: "192.168.1.1", aclExpr: "1.2.3.4/0"))
        #expect(ip.matches(id: "10.1.2.3", aclExpr: "10.1.2.0/23"))
        #expect(!ip.matches(id: "10.1.4.3", aclExpr: "10.1.2.0/23"))
        #expect(!ip.matches(id: "10.1.2.3", aclExpr: "10.1.2.3/33"))
        #expect(!ip.matches(id: "localhost", aclExpr: "127.0.0.1"))
    }

    // Validity as the 3.8.0 jar's IPAuthenticationProvider.isValid reports it (IPv6 ids aside).
    @Test func validity() {
        for id in ["1.2.3.4", "1.2.3.4/0", "1.2.3.4/32", "+1.2.3.4", "255.255.255.255/8", "::1", "fe80::1/64",
                   "1:2:3:4:5:6:7:8", "::", "1::/128", "1.2.3.4/+8", "-0.0.0.0"] {
            #expect(ip.isValid(id), "\(id)")
        }
        for id in ["1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.-1", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/x", "a.b.c.d",
                   "1..2.3", "host", "", "1:2:3:4:5:6:7", "1::2::3", "1:2:3:4:5:6:7::8", "12345::1", "::1/129",
                   "::ffff:1.2.3.4"] {
            #expect(!ip.isValid(id), "\(id)")
        }
    }

    @Test func ipv6AndFamilies() {
        #expect(ip.matches(id: "0:0:0:0:0:0:0:1", aclExpr: "::1"))
        #expect(ip.matches(id: "fe80:0:0:0:aa:bb:cc:dd", aclExpr: "fe80::/16"))
        #expect(!ip.matches(id: "fe81:0:0:0:0:0:0:1", aclExpr: "fe80::/16"))
        #expect(!ip.matches(id: "127.0.0.1", aclExpr: "::1"))
        #expect(!ip.matches(id: "0:0:0:0:0:0:0:1", aclExpr: "0.0.0.0/0"))
    }

    @Test func ipv4OnlyLike38() {
        let old = IPAuthenticationProvider(ipv6Enabled: false)
        #expect(!old.isValid("::1"))
        #expect(old.isValid("10.0.0.0/8"))
        #expect(!old.matches(id: "0:0:0:0:0:0:0:1", aclExpr: "0.0.0.0/0"))
    }

    @Test func authPacketReaddsAddress() {
        #expect(ip.authenticate(authData: [], remoteAddress: "127.0.0.1") == [Id(scheme: "ip", id: "127.0.0.1")])
        #expect(ip.userName("127.0.0.1") == "127.0.0.1")
    }
}

/// A stand-in for a SASL provider: authenticated, ids compared literally.
private struct StubSASLProvider: AuthenticationProvider {
    let scheme = "sasl"
    var isAuthenticated: Bool { true }
    func isValid(_ id: String) -> Bool { !id.isEmpty }
    func matches(id: String, aclExpr: String) -> Bool { id == aclExpr }
    func authenticate(authData: [UInt8], remoteAddress: String) -> [Id]? { nil }
}

@Suite struct ACLCheckerTests {
    let checker = ACLChecker(registry: AuthProviderRegistry(superDigest: "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
                                                            additional: [StubSASLProvider()]))
    let ipId = Id(scheme: "ip", id: "127.0.0.1")
    let bob = Id(scheme: "digest", id: "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=")
    let alice = Id(scheme: "digest", id: "alice:AAAA")

    @Test func worldAndEmpty() {
        #expect(checker.checkACL(acl: ACL.openUnsafe, wanted: .write, ids: [ipId]))
        #expect(checker.checkACL(acl: ACL.readUnsafe, wanted: .read, ids: []))
        #expect(!checker.checkACL(acl: ACL.readUnsafe, wanted: .write, ids: [ipId]))
        #expect(checker.checkACL(acl: [], wanted: .admin, ids: []))
        #expect(!checker.checkACL(acl: [ACL(perms: .all, id: Id(scheme: "world", id: "someone"))], wanted: .read, ids: [ipId]))
    }

    @Test func digestMatchAndWrongPerms() {
        let acl = [ACL(perms: [.read, .write], id: bob)]
        #expect(checker.checkACL(acl: acl, wanted: .read, ids: [ipId, bob]))
        #expect(!checker.checkACL(acl: acl, wanted: .read, ids: [ipId, alice]))
        #expect(!checker.checkACL(acl: acl, wanted: .delete, ids: [ipId, bob]))
        // getACL asks for READ or ADMIN: either bit is enough.
        #expect(checker.checkACL(acl: acl, wanted: [.read, .admin], ids: [bob]))
        // A connection id is only compared with ACL entries of its own scheme.
        #expect(!checker.checkACL(acl: [ACL(perms: .all, id: Id(scheme: "ip", id: bob.id))], wanted: .read, ids: [bob]))
    }

    @Test func ipEntries() {
        let acl = [ACL(perms: .read, id: Id(scheme: "ip", id: "127.0.0.0/8"))]
        #expect(checker.checkACL(acl: acl, wanted: .read, ids: [ipId]))
        #expect(!checker.checkACL(acl: acl, wanted: .read, ids: [Id(scheme: "ip", id: "10.0.0.1")]))
    }

    @Test func superAndSkip() {
        let acl = [ACL(perms: .read, id: bob)]
        let superIds = checker.registry.authenticate(scheme: "digest", authData: Array("super:test".utf8),
                                                     remoteAddress: "127.0.0.1")!
        #expect(checker.checkACL(acl: acl, wanted: .admin, ids: [ipId] + superIds))
        var skipping = checker
        skipping.skipACL = true
        #expect(skipping.checkACL(acl: acl, wanted: .admin, ids: []))
    }

    @Test func authPacketSchemes() {
        let registry = checker.registry
        #expect(registry.authenticate(scheme: "nope", authData: [], remoteAddress: "1.2.3.4") == nil)
        #expect(registry.authenticate(scheme: "sasl", authData: [], remoteAddress: "1.2.3.4") == nil)
        #expect(AuthProviderRegistry(digestEnabled: false).authenticate(scheme: "digest", authData: Array("a:b".utf8),
                                                                        remoteAddress: "1.2.3.4") == nil)
        #expect(AuthProviderRegistry().schemes == ["digest", "ip"])
    }

    @Test func fixupAuthExpansion() {
        let auth = ACL(perms: [.read, .admin], id: Id(scheme: "auth", id: ""))
        let sasl = Id(scheme: "sasl", id: "zk/host@REALM")
        let superId = Id(scheme: "super", id: "")
        #expect(checker.fixupACL(acl: [auth], authIds: [ipId, bob]) == .success([ACL(perms: [.read, .admin], id: bob)]))
        #expect(checker.fixupACL(acl: [auth], authIds: [ipId, superId, bob, sasl])
            == .success([ACL(perms: [.read, .admin], id: bob), ACL(perms: [.read, .admin], id: sasl)]))
        // ip is not an authenticated scheme and super has no provider.
        #expect(checker.fixupACL(acl: [auth], authIds: [ipId]) == .failure(.invalidACL))
        #expect(checker.fixupACL(acl: [auth], authIds: [ipId, superId]) == .failure(.invalidACL))
        #expect(checker.fixupACL(acl: [auth], authIds: []) == .failure(.invalidACL))
    }

    @Test func fixupDuplicatesAndValidity() {
        let read = ACL(perms: .read, id: .anyone)
        let bobAll = ACL(perms: .all, id: bob)
        #expect(checker.fixupACL(acl: [read, bobAll, read, bobAll], authIds: []) == .success([read, bobAll]))
        // Same id with different perms is not a duplicate.
        let bobRead = ACL(perms: .read, id: bob)
        #expect(checker.fixupACL(acl: [bobAll, bobRead], authIds: []) == .success([bobAll, bobRead]))
        #expect(checker.fixupACL(acl: [], authIds: [bob]) == .failure(.invalidACL))
        #expect(checker.fixupACL(acl: [ACL(perms: .all, id: Id(scheme: "world", id: "someone"))], authIds: [])
            == .failure(.invalidACL))
        #expect(checker.fixupACL(acl: [ACL(perms: .all, id: Id(scheme: "bogus", id: "x"))], authIds: [])
            == .failure(.invalidACL))
        #expect(checker.fixupACL(acl: [ACL(perms: .all, id: Id(scheme: "super", id: ""))], authIds: [])
            == .failure(.invalidACL))
        #expect(checker.fixupACL(acl: [read, ACL(perms: .all, id: Id(scheme: "digest", id: "nocolon"))], authIds: [])
            == .failure(.invalidACL))
        let ipACL = ACL(perms: .read, id: Id(scheme: "ip", id: "10.0.0.0/8"))
        #expect(checker.fixupACL(acl: [ipACL], authIds: []) == .success([ipACL]))
        #expect(checker.fixupACL(acl: [ACL(perms: .read, id: Id(scheme: "ip", id: "10.0.0.0/40"))], authIds: [])
            == .failure(.invalidACL))
    }

    @Test func getACLMasking() {
        let acl = [ACL(perms: .all, id: bob), ACL(perms: .read, id: .anyone),
                   ACL(perms: .read, id: Id(scheme: "ip", id: "10.0.0.0/8")),
                   ACL(perms: .read, id: Id(scheme: "digest", id: "nohash")),
                   ACL(perms: .read, id: Id(scheme: "digest", id: "a:b:c\nd:e"))]
        let masked = ACLChecker.maskedForGetACL(acl: acl)
        #expect(masked.map(\.id.id) == ["bob:x", "anyone", "10.0.0.0/8", "nohash", "a:x\nd:x"])
        #expect(masked.map(\.perms) == acl.map(\.perms))
    }

    @Test func whoAmI() {
        let ids = [ipId, Id(scheme: "super", id: ""), bob, Id(scheme: "sasl", id: "zk@R")]
        #expect(checker.clientInfos(for: ids) == [
            ClientInfo(authScheme: "ip", user: "127.0.0.1"), ClientInfo(authScheme: "super", user: ""),
            ClientInfo(authScheme: "digest", user: "bob"), ClientInfo(authScheme: "sasl", user: "zk@R"),
        ])
        var w = JuteWriter()
        ClientInfo(authScheme: "ip", user: "a").encode(to: &w)
        #expect(w.bytes == [0, 0, 0, 2, 0x69, 0x70, 0, 0, 0, 1, 0x61])
    }
}

@Suite struct JavaTextTests {
    // Expected values printed by a JVM (String.split, Integer.parseInt).
    @Test func split() {
        #expect(JavaText.split("a::", separator: ":").count == 1)
        #expect(JavaText.split("::", separator: ":").count == 0)
        #expect(JavaText.split(":b", separator: ":") == ["", "b"])
        #expect(JavaText.split("a:b:", separator: ":") == ["a", "b"])
        #expect(JavaText.split("", separator: ":") == [""])
        #expect(JavaText.split("a:b:c", separator: ":", limit: 2) == ["a", "b:c"])
        #expect(JavaText.split("1.2.3.", separator: ".", limit: -1) == ["1", "2", "3", ""])
        #expect(JavaText.split(":::", separator: "::", limit: -1) == ["", ":"])
    }

    @Test func parseInt() {
        #expect(JavaText.parseInt("+7") == 7)
        #expect(JavaText.parseInt("-0") == 0)
        #expect(JavaText.parseInt("-f", radix: 16) == -15)
        #expect(JavaText.parseInt("2147483647") == .max)
        #expect(JavaText.parseInt("-2147483648") == .min)
        for bad in ["", "+", "-", "2147483648", "1 ", "1e3", "g"] { #expect(JavaText.parseInt(bad) == nil, "\(bad)") }
    }
}
