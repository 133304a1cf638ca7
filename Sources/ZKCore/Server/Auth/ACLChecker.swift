/// ACL decisions: the permission check, the create/setACL fix-up, getACL masking and whoAmI names.
///
/// Pure functions over a provider registry (spec `client-protocol.md` §10). The ids passed in are
/// those the connection holds: its implicit `ip:` id plus whatever AuthPackets added (`digest:…`,
/// `super:`).
public struct ACLChecker: Sendable {
    /// The schemes ACL ids and connection ids are interpreted with.
    public var registry: AuthProviderRegistry
    /// `zookeeper.skipACL=yes`: every check passes.
    public var skipACL: Bool

    /// Creates a checker over `registry`.
    public init(registry: AuthProviderRegistry = AuthProviderRegistry(), skipACL: Bool = false) {
        self.registry = registry
        self.skipACL = skipACL
    }

    /// Whether a connection holding `ids` may do something needing any of `wanted` on a node with `acl`.
    ///
    /// ZooKeeper's `ZooKeeperServer.checkACL`: allowed when ACLs are skipped, when the node's ACL is
    /// empty, or when the connection holds a `super` id; otherwise some entry sharing a bit with
    /// `wanted` must be `world:anyone` or match one of the connection's ids of the same scheme through
    /// that scheme's provider. A false result is NoAuth.
    public func checkACL(acl: [ACL], wanted: Perms, ids: [Id]) -> Bool {
        if skipACL || acl.isEmpty { return true }
        if ids.contains(where: { $0.scheme == "super" }) { return true }
        for entry in acl where !entry.perms.intersection(wanted).isEmpty {
            if entry.id == .anyone { return true }
            guard let provider = registry.provider(for: entry.id.scheme) else { continue }
            for id in ids where id.scheme == entry.id.scheme {
                if provider.matches(id: id.id, aclExpr: entry.id.id) { return true }
            }
        }
        return false
    }

    /// The ACL actually stored by create/setACL, or InvalidACL.
    ///
    /// ZooKeeper's `PrepRequestProcessor.fixupACL`: exact duplicates are dropped (first occurrence
    /// kept); an empty list is invalid; `world:anyone` is kept; an `auth` entry becomes one entry with
    /// its perms per connection id whose scheme has a provider that `isAuthenticated` (digest, sasl,
    /// x509 — not ip, and not `super`, which has no provider), and is invalid when there is none; any
    /// other entry needs a provider that accepts its id (so `world:someone` is invalid). The result is
    /// not deduplicated again, as in ZooKeeper.
    public func fixupACL(acl: [ACL], authIds: [Id]) -> Result<[ACL], ErrorCode> {
        var unique: [ACL] = []
        for entry in acl where !unique.contains(entry) { unique.append(entry) }
        if unique.isEmpty { return .failure(.invalidACL) }

        var fixed: [ACL] = []
        for entry in unique {
            if entry.id == .anyone {
                fixed.append(entry)
            } else if entry.id.scheme == "auth" {
                var expanded = false
                for id in authIds where registry.provider(for: id.scheme)?.isAuthenticated == true {
                    fixed.append(ACL(perms: entry.perms, id: id))
                    expanded = true
                }
                if !expanded { return .failure(.invalidACL) }
            } else {
                guard let provider = registry.provider(for: entry.id.scheme), provider.isValid(entry.id.id) else {
                    return .failure(.invalidACL)
                }
                fixed.append(entry)
            }
        }
        return .success(fixed)
    }

    /// The ACL getACL returns to a caller that has READ but not ADMIN: digest ids shown as `user:x`.
    ///
    /// Reproduces the `replaceAll(":.*", ":x")` that `FinalRequestProcessor` applies to digest ids:
    /// from each `:` to the end of its line becomes `:x` (a Java regex `.` stops at line terminators).
    public static func maskedForGetACL(acl: [ACL]) -> [ACL] {
        acl.map { entry in
            guard entry.id.scheme == "digest" else { return entry }
            return ACL(perms: entry.perms, id: Id(scheme: "digest", id: maskDigest(entry.id.id)))
        }
    }

    private static func maskDigest(_ id: String) -> String {
        var out = String.UnicodeScalarView()
        var hiding = false
        for scalar in id.unicodeScalars {
            let endsLine = ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar)
            if endsLine { hiding = false }
            if hiding { continue }
            if scalar == ":" {
                out.append(contentsOf: ":x".unicodeScalars)
                hiding = true
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// whoAmI's answer: one entry per connection id, in order, with the provider's user name
    /// (digest: the part before `:`; ip: the address) or `""` for a scheme without a provider such
    /// as `super` (ZooKeeper's `AuthUtil.getClientInfos`).
    public func clientInfos(for ids: [Id]) -> [ClientInfo] {
        ids.map { id in
            ClientInfo(authScheme: id.scheme, user: registry.provider(for: id.scheme)?.userName(id.id) ?? "")
        }
    }
}
