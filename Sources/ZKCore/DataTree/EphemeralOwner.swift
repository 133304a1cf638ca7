/// What kind of node a `StatPersisted.ephemeralOwner` value describes.
///
/// ZooKeeper's `EphemeralType` (VOID, NORMAL, CONTAINER, TTL) with the payload each kind carries.
public enum NodeKind: Hashable, Sendable {
    /// A plain node (owner 0).
    case persistent
    /// An ephemeral node owned by this session.
    case ephemeral(SessionID)
    /// A container node, deleted by the reaper once its last child goes.
    case container
    /// A TTL node with this time-to-live in milliseconds (1 ... `Limits.ttlMax`).
    case ttl(Int64)

    /// Decodes a stored owner; nil for an extended-type owner with an unknown type id.
    ///
    /// With extended types disabled (ZooKeeper's default, `zookeeper.extendedTypesEnabled=false`)
    /// a value with the top byte 0xFF is an ordinary session id, as `EphemeralType.get` treats it.
    /// Where ZooKeeper throws for an unknown extended type, this returns nil.
    public init?(ephemeralOwner owner: Int64, extendedTypesEnabled: Bool = true) {
        let bits = UInt64(bitPattern: owner)
        if extendedTypesEnabled && bits & EphemeralOwner.extendedMask == EphemeralOwner.extendedMask {
            let typeId = (bits & EphemeralOwner.extendedTypeMask) >> 40
            guard typeId == EphemeralOwner.extendedTypeTTL else { return nil }
            self = .ttl(Int64(bits & EphemeralOwner.extendedValueMask))
        } else if owner == EphemeralOwner.container {
            self = .container
        } else if owner == 0 {
            self = .persistent
        } else {
            self = .ephemeral(SessionID(owner))
        }
    }

    /// The value stored in `StatPersisted.ephemeralOwner` for this kind.
    ///
    /// A TTL outside 1 ... `Limits.ttlMax` is a caller bug: requests are checked with
    /// `EphemeralOwner.isValidTTL` first and answered BadArguments.
    public var ephemeralOwner: Int64 {
        switch self {
        case .persistent: return 0
        case .ephemeral(let session): return session.rawValue
        case .container: return EphemeralOwner.container
        case .ttl(let ttl):
            precondition(EphemeralOwner.isValidTTL(ttl), "TTL \(ttl) outside 1...\(Limits.ttlMax)")
            return Int64(bitPattern: EphemeralOwner.extendedMask | EphemeralOwner.extendedTypeTTL << 40 | UInt64(ttl))
        }
    }

    /// Whether the node belongs to a session (and so may have no children and dies with it).
    public var isEphemeral: Bool {
        switch self {
        case .ephemeral: return true
        case .persistent, .container, .ttl: return false
        }
    }
}

/// Encodings of `StatPersisted.ephemeralOwner` (spec `client-protocol.md` §7, ZooKeeper's `EphemeralType`).
///
/// TODO: the 3.5.3 TTL layout (`zookeeper.emulate353TTLNodes`) is not decoded; only data written by
/// that one release uses it, and swzk targets 3.8/3.9 data directories.
public enum EphemeralOwner {
    /// The owner marking a container node (`Long.MIN_VALUE`, `EphemeralType.CONTAINER_EPHEMERAL_OWNER`).
    public static let container: Int64 = .min
    /// Top byte 0xFF: the owner is an extended type, not a session.
    static let extendedMask: UInt64 = 0xFF00_0000_0000_0000
    /// Bits 40–55: which extended type.
    static let extendedTypeMask: UInt64 = 0x00FF_FF00_0000_0000
    /// Low 40 bits: the extended type's value (the TTL).
    static let extendedValueMask: UInt64 = 0x0000_00FF_FFFF_FFFF
    /// Extended type id of TTL nodes, the only one defined.
    static let extendedTypeTTL: UInt64 = 0
    /// Highest server id allowed when extended types are on: 0xFF in a session id's top byte would read as a TTL.
    public static let extendedServerIDMax: Int64 = 0xFE

    /// Whether `ttl` is a TTL a node may carry (1 ... 0xFFFFFFFFFF ms); others make create BadArguments.
    public static func isValidTTL(_ ttl: Int64) -> Bool { (1...Limits.ttlMax).contains(ttl) }

    /// The owner stored for a TTL node, or nil when `ttl` is out of range.
    public static func ttlOwner(_ ttl: Int64) -> Int64? {
        isValidTTL(ttl) ? NodeKind.ttl(ttl).ephemeralOwner : nil
    }

    /// The owner shown to clients in `Stat`: the session for ephemerals, 0 for every other kind.
    ///
    /// ZooKeeper's `DataTree.copyStat` hides the container and TTL markers. An undecodable extended
    /// owner (where ZooKeeper would throw) is shown as 0 too.
    public static func clientVisibleOwner(_ owner: Int64, extendedTypesEnabled: Bool = true) -> Int64 {
        switch NodeKind(ephemeralOwner: owner, extendedTypesEnabled: extendedTypesEnabled) {
        case .ephemeral(let session): return session.rawValue
        case .persistent, .container, .ttl, nil: return 0
        }
    }
}
