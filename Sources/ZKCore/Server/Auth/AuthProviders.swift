/// The `digest` scheme: a user proves `user:password`; ACL ids are `user:BASE64(SHA1(user:password))`.
///
/// ZooKeeper's `DigestAuthenticationProvider` with the default SHA-1 algorithm. A successful auth adds
/// `digest:<generated id>`, preceded by `super:` (empty id) when the generated id equals the
/// configured super digest.
public struct DigestAuthenticationProvider: AuthenticationProvider {
    public let scheme = "digest"
    public var isAuthenticated: Bool { true }
    /// `super:<base64>` from `zookeeper.DigestAuthenticationProvider.superDigest`, or nil for none.
    public var superDigest: String?

    /// Creates the provider, optionally with a super-user digest.
    public init(superDigest: String? = nil) { self.superDigest = superDigest }

    /// The ACL id for `user:password` credentials: the text before the first `:`, a `:`, and the
    /// Base64 SHA-1 of the whole UTF-8 string (`DigestAuthenticationProvider.generateDigest`).
    ///
    /// Without a `:` the whole input is taken as the user and still hashed whole.
    public static func generateDigest(_ idPassword: String) -> String {
        let user = JavaText.split(idPassword, separator: ":", limit: 2)[0]
        return user + ":" + Base64.encode(SHA1.hash(idPassword.utf8))
    }

    /// Whether `idPassword` credentials make the connection a super user.
    public func isSuper(_ idPassword: String) -> Bool {
        guard let superDigest else { return false }
        return Self.generateDigest(idPassword) == superDigest
    }

    /// Always succeeds: any credentials yield their digest id (they simply match no ACL if wrong).
    ///
    /// The bytes are decoded as UTF-8 with replacement characters, as a Java server with a UTF-8
    /// default charset does.
    public func authenticate(authData: [UInt8], remoteAddress: String) -> [Id]? {
        let idPassword = String(decoding: authData, as: UTF8.self)
        let digest = Self.generateDigest(idPassword)
        var ids: [Id] = []
        if let superDigest, digest == superDigest { ids.append(Id(scheme: "super", id: "")) }
        ids.append(Id(scheme: scheme, id: digest))
        return ids
    }

    /// Valid iff Java's `id.split(":")` gives exactly two parts (trailing empty parts are dropped,
    /// so `a:b:` is valid and `a:` is not).
    public func isValid(_ id: String) -> Bool { JavaText.split(id, separator: ":").count == 2 }

    /// Digest ids match by plain string equality.
    public func matches(id: String, aclExpr: String) -> Bool { id == aclExpr }

    /// The part before the first `:`.
    public func userName(_ id: String) -> String { JavaText.split(id, separator: ":").first ?? "" }
}

/// The `ip` scheme: every connection implicitly holds `ip:<remote address>`; ACL ids are an address
/// with an optional `/bits` prefix length.
///
/// ZooKeeper's `IPAuthenticationProvider`. 3.8 parses IPv4 only; 3.9.4+ also parses IPv6 (full or
/// `::`-compressed hex segments, no embedded IPv4). An IPv4 id never matches an IPv6 ACL or the reverse.
public struct IPAuthenticationProvider: AuthenticationProvider {
    public let scheme = "ip"
    public var isAuthenticated: Bool { false }
    /// Whether IPv6 forms are understood (3.9.4+ behaviour).
    public var ipv6Enabled: Bool

    /// Creates the provider; `ipv6Enabled: false` reproduces 3.8.
    public init(ipv6Enabled: Bool = true) { self.ipv6Enabled = ipv6Enabled }

    /// An AuthPacket with scheme `ip` just re-adds the connection's own address.
    public func authenticate(authData: [UInt8], remoteAddress: String) -> [Id]? {
        [Id(scheme: scheme, id: remoteAddress)]
    }

    /// Valid iff the address parses and any `/bits` is an integer within the address width.
    public func isValid(_ id: String) -> Bool { parseExpression(id) != nil }

    /// Masks both addresses to the ACL's prefix length and compares them byte for byte.
    public func matches(id: String, aclExpr: String) -> Bool {
        guard let (network, bits) = parseExpression(aclExpr), let remote = addressBytes(id) else { return false }
        guard remote.count == network.count else { return false }
        return Self.masked(remote, bits: bits) == network
    }

    /// The ACL address, already masked, and its prefix length (the full width when none is given).
    private func parseExpression(_ expr: String) -> ([UInt8], Int)? {
        let parts = JavaText.split(expr, separator: "/", limit: 2)
        guard let address = addressBytes(parts[0]) else { return nil }
        var bits = address.count * 8
        if parts.count == 2 {
            guard let parsed = JavaText.parseInt(parts[1]), (0...address.count * 8).contains(Int(parsed)) else {
                return nil
            }
            bits = Int(parsed)
        }
        return (Self.masked(address, bits: bits), bits)
    }

    /// Clears every bit after the first `bits` bits.
    static func masked(_ bytes: [UInt8], bits: Int) -> [UInt8] {
        var out = bytes
        let whole = bits / 8
        guard whole < out.count else { return out }
        out[whole] &= ~UInt8(truncatingIfNeeded: (1 << (8 - bits % 8)) - 1)
        for i in (whole + 1)..<out.count { out[i] = 0 }
        return out
    }

    /// 4 bytes for dotted IPv4, 16 for IPv6 (when enabled); nil for anything else.
    func addressBytes(_ address: String) -> [UInt8]? {
        guard ipv6Enabled else { return Self.ipv4Bytes(address) }
        if address.contains(":") { return Self.ipv6Bytes(address) }
        if address.contains(".") { return Self.ipv4Bytes(address) }
        return nil
    }

    /// Exactly four decimal parts, each 0...255 (Java's `parseInt` rules, so `+1` is accepted).
    static func ipv4Bytes(_ address: String) -> [UInt8]? {
        let parts = JavaText.split(address, separator: ".", limit: -1)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard let value = JavaText.parseInt(part), (0...255).contains(value) else { return nil }
            out.append(UInt8(value))
        }
        return out
    }

    /// Eight hex groups, or fewer around one `::` that stands for at least one zero group.
    static func ipv6Bytes(_ address: String) -> [UInt8]? {
        let halves = JavaText.split(address, separator: "::", limit: -1)
        var head: [String] = []
        var tail: [String] = []
        switch halves.count {
        case 1:
            head = JavaText.split(halves[0], separator: ":", limit: -1)
            guard head.count == 8 else { return nil }
        case 2:
            if !halves[0].isEmpty { head = JavaText.split(halves[0], separator: ":", limit: -1) }
            if !halves[1].isEmpty { tail = JavaText.split(halves[1], separator: ":", limit: -1) }
            guard head.count + tail.count < 8 else { return nil }
        default:
            return nil
        }
        guard let headBytes = groupBytes(head), let tailBytes = groupBytes(tail) else { return nil }
        return headBytes + [UInt8](repeating: 0, count: 16 - headBytes.count - tailBytes.count) + tailBytes
    }

    /// Each group: 1–4 characters parsed as a (Java-signed) hex integer, written as two bytes.
    private static func groupBytes(_ groups: [String]) -> [UInt8]? {
        var out: [UInt8] = []
        for group in groups {
            guard !group.isEmpty, group.utf16.count <= 4, let value = JavaText.parseInt(group, radix: 16) else {
                return nil
            }
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value))
        }
        return out
    }
}
