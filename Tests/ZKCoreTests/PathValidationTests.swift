import Testing
@testable import ZKCore

@Suite struct PathValidationTests {
    @Test(arguments: ["/", "/a", "/a/b/c", "/zookeeper/quota", "/...", "/a/.b", "/a/b.", "/a..b", "/..a", "/a/...",
                      "/with space", "/é", "/\u{A0}", "/\u{F900}", "/\u{FFEF}", "/a-b_c:d@e"])
    func validPaths(path: String) {
        #expect(PathValidation.validate(path))
    }

    @Test func emptyAndRelative() {
        #expect(throws: PathError.empty) { try PathValidation.check("") }
        #expect(throws: PathError.notAbsolute) { try PathValidation.check("a") }
        #expect(throws: PathError.notAbsolute) { try PathValidation.check("a/b") }
        #expect(throws: PathError.notAbsolute) { try PathValidation.check(" /a") }
    }

    @Test func trailingSlash() {
        #expect(throws: PathError.trailingSlash) { try PathValidation.check("/a/") }
        #expect(throws: PathError.trailingSlash) { try PathValidation.check("//") }
        #expect(PathValidation.validate("/"))
    }

    @Test func emptySegments() {
        #expect(throws: PathError.emptySegment(at: 3)) { try PathValidation.check("/a//b") }
        #expect(throws: PathError.emptySegment(at: 1)) { try PathValidation.check("//a") }
    }

    @Test func dotSegments() {
        #expect(throws: PathError.relativeSegment(at: 1)) { try PathValidation.check("/.") }
        #expect(throws: PathError.relativeSegment(at: 2)) { try PathValidation.check("/..") }
        #expect(throws: PathError.relativeSegment(at: 3)) { try PathValidation.check("/a/.") }
        #expect(throws: PathError.relativeSegment(at: 4)) { try PathValidation.check("/a/../b") }
        #expect(throws: PathError.relativeSegment(at: 1)) { try PathValidation.check("/./a") }
    }

    @Test func forbiddenCharacters() {
        #expect(throws: PathError.nullCharacter(at: 2)) { try PathValidation.check("/a\u{0}b") }
        for scalar in [0x01, 0x1F, 0x7F, 0x9F, 0xE000, 0xF8FF, 0xFFF0, 0xFFFD, 0xFFFF] {
            let path = "/a" + String(Unicode.Scalar(UInt32(scalar))!)
            #expect(throws: PathError.invalidCharacter(at: 2), "U+\(String(scalar, radix: 16))") {
                try PathValidation.check(path)
            }
        }
        // Characters outside the BMP are a surrogate pair in Java, and surrogates are refused.
        #expect(throws: PathError.invalidCharacter(at: 1)) { try PathValidation.check("/😀") }
        #expect(PathValidation.validate("/\u{20}\u{7E}\u{A0}"))
    }

    @Test func invalidUTF8DecodesToReplacementAndIsRefused() {
        let path = String(decoding: [0x2F, 0x61, 0xFF], as: UTF8.self)
        #expect(!PathValidation.validate(path))
    }

    @Test func messages() {
        #expect(PathError.empty.message(for: "") == "Path length must be > 0")
        #expect(PathError.emptySegment(at: 3).message(for: "/a//b")
            == "Invalid path string \"/a//b\" caused by empty node name specified @3")
    }

    @Test func parentAndName() {
        #expect(PathValidation.parent(of: "/a") == "/")
        #expect(PathValidation.parent(of: "/a/b") == "/a")
        #expect(PathValidation.parent(of: "/a/b/c") == "/a/b")
        #expect(PathValidation.parent(of: "/") == "/")
        #expect(PathValidation.parent(of: "a") == nil)
        #expect(PathValidation.parent(of: "") == nil)
        #expect(PathValidation.parent(of: "/a\u{0}/b") == nil)
        #expect(PathValidation.lastComponent(of: "/a/bc") == "bc")
        #expect(PathValidation.lastComponent(of: "/a") == "a")
        #expect(PathValidation.lastComponent(of: "/") == "")
        #expect(PathValidation.lastComponent(of: "abc") == nil)
    }

    @Test func specialNodes() {
        for path in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
            #expect(PathValidation.isUndeletable(path))
        }
        #expect(!PathValidation.isUndeletable("/zookeeper/quota/x"))
        #expect(!PathValidation.isUndeletable(""))
    }

    // Expected strings are Java's String.format("%010d", n).
    @Test func sequentialSuffix() {
        #expect(PathValidation.sequentialSuffix(0) == "0000000000")
        #expect(PathValidation.sequentialSuffix(5) == "0000000005")
        #expect(PathValidation.sequentialSuffix(1234567890) == "1234567890")
        #expect(PathValidation.sequentialSuffix(.max) == "2147483647")
        #expect(PathValidation.sequentialSuffix(-1) == "-000000001")
        #expect(PathValidation.sequentialSuffix(-123456789) == "-123456789")
        #expect(PathValidation.sequentialSuffix(.min) == "-2147483648")
    }
}

@Suite struct EphemeralOwnerTests {
    @Test func liveTTLOwners() {
        #expect(EphemeralOwner.ttlOwner(600_000) == Int64(bitPattern: 0xff00_0000_0009_27c0))
        #expect(EphemeralOwner.ttlOwner(0xFF_FFFF_FFFF) == Int64(bitPattern: 0xff00_00ff_ffff_ffff))
        #expect(NodeKind(ephemeralOwner: Int64(bitPattern: 0xff00_0000_0009_27c0)) == .ttl(600_000))
        #expect(NodeKind(ephemeralOwner: Int64(bitPattern: 0xff00_00ff_ffff_ffff)) == .ttl(0xFF_FFFF_FFFF))
    }

    @Test func ttlRange() {
        #expect(EphemeralOwner.ttlOwner(0) == nil)
        #expect(EphemeralOwner.ttlOwner(-1) == nil)
        #expect(EphemeralOwner.ttlOwner(1 << 40) == nil)
        #expect(EphemeralOwner.isValidTTL(1))
        #expect(EphemeralOwner.isValidTTL(Limits.ttlMax))
    }

    @Test func roundTrips() {
        let kinds: [NodeKind] = [.persistent, .ephemeral(SessionID(0x0100_0076_44d0_0001)), .container, .ttl(1), .ttl(1000)]
        for kind in kinds {
            #expect(NodeKind(ephemeralOwner: kind.ephemeralOwner) == kind)
        }
        #expect(NodeKind.container.ephemeralOwner == Int64(bitPattern: 0x8000_0000_0000_0000))
        #expect(NodeKind.persistent.ephemeralOwner == 0)
    }

    @Test func unknownExtendedTypeAndDisabledExtendedTypes() {
        let odd = Int64(bitPattern: 0xff01_0000_0000_0001)
        #expect(NodeKind(ephemeralOwner: odd) == nil)
        #expect(NodeKind(ephemeralOwner: odd, extendedTypesEnabled: false) == .ephemeral(SessionID(odd)))
        let ttl = EphemeralOwner.ttlOwner(600_000)!
        #expect(NodeKind(ephemeralOwner: ttl, extendedTypesEnabled: false) == .ephemeral(SessionID(ttl)))
        #expect(NodeKind(ephemeralOwner: .min, extendedTypesEnabled: false) == .container)
    }

    @Test func clientVisibleOwner() {
        let session: Int64 = 0x0100_0079_8bea_0000
        #expect(EphemeralOwner.clientVisibleOwner(session) == session)
        #expect(EphemeralOwner.clientVisibleOwner(0) == 0)
        #expect(EphemeralOwner.clientVisibleOwner(.min) == 0)
        #expect(EphemeralOwner.clientVisibleOwner(EphemeralOwner.ttlOwner(600_000)!) == 0)
        #expect(NodeKind.ephemeral(SessionID(session)).isEphemeral)
        #expect(!NodeKind.ttl(5).isEphemeral)
    }
}
