/// One authentication scheme: how a connection proves an id, and how ACL ids of the scheme match.
///
/// ZooKeeper's `AuthenticationProvider`. Providers are pure: the connection's remote address is passed
/// in, and the ids they grant are returned for the caller to add to the connection.
public protocol AuthenticationProvider: Sendable {
    /// The scheme name used in `Id.scheme` and in AuthPackets (`digest`, `ip`, …).
    var scheme: String { get }
    /// Whether ids of this scheme identify a user, so that an `auth` ACL entry expands to them.
    var isAuthenticated: Bool { get }
    /// Whether `id` is well-formed as the id of an ACL entry of this scheme (create/setACL check it).
    func isValid(_ id: String) -> Bool
    /// Whether a connection id of this scheme satisfies the ACL id `aclExpr`.
    func matches(id: String, aclExpr: String) -> Bool
    /// Handles an AuthPacket's bytes: the ids to add to the connection, or nil for AuthFailed.
    func authenticate(authData: [UInt8], remoteAddress: String) -> [Id]?
    /// The user name whoAmI reports for a connection id of this scheme.
    func userName(_ id: String) -> String
}

extension AuthenticationProvider {
    /// By default the whole id is the user name (ZooKeeper's `AuthenticationProvider.getUserName`).
    public func userName(_ id: String) -> String { id }
}

/// The providers a server knows, by scheme (ZooKeeper's `ProviderRegistry`).
///
/// ZooKeeper keeps this as process-wide static state configured through system properties; here it
/// is a value built from the server configuration. The default set is `ip` plus `digest` (unless
/// disabled); `sasl`, `x509` and custom schemes are registered when configured. `world`, `auth` and
/// `super` have no provider, which is what makes `world:someone` and `super:…` ACL ids invalid.
public struct AuthProviderRegistry: Sendable {
    private var providers: [String: any AuthenticationProvider] = [:]

    /// Builds the default registry.
    /// - Parameters:
    ///   - digestEnabled: `zookeeper.DigestAuthenticationProvider.enabled` (default true).
    ///   - superDigest: `zookeeper.DigestAuthenticationProvider.superDigest`, `super:<base64 sha1>`.
    ///   - ipv6Enabled: accept IPv6 ip ACLs as 3.9.4+ does; false gives 3.8's IPv4-only parsing.
    ///   - additional: further providers (`zookeeper.authProvider.N`), replacing same-named ones.
    public init(digestEnabled: Bool = true, superDigest: String? = nil, ipv6Enabled: Bool = true,
                additional: [any AuthenticationProvider] = []) {
        register(IPAuthenticationProvider(ipv6Enabled: ipv6Enabled))
        if digestEnabled { register(DigestAuthenticationProvider(superDigest: superDigest)) }
        for provider in additional { register(provider) }
    }

    /// Adds `provider`, replacing any provider of the same scheme.
    public mutating func register(_ provider: any AuthenticationProvider) {
        providers[provider.scheme] = provider
    }

    /// The provider for `scheme`, if one is registered.
    public func provider(for scheme: String) -> (any AuthenticationProvider)? { providers[scheme] }

    /// Registered scheme names, sorted.
    public var schemes: [String] { providers.keys.sorted() }

    /// Handles an AuthPacket (op 100): the ids to add to the connection, or nil when the scheme is
    /// unknown or the provider rejects the credentials (reply AuthFailed, then close).
    public func authenticate(scheme: String, authData: [UInt8], remoteAddress: String) -> [Id]? {
        provider(for: scheme)?.authenticate(authData: authData, remoteAddress: remoteAddress)
    }
}
