/// `java.util.Random`, bit for bit: the 48-bit linear congruential generator of the Java platform.
///
/// ZooKeeper derives session passwords from it, and every member of an ensemble must compute the same
/// password for a session to accept its reconnects, so the sequence has to match Java exactly. It is
/// deterministic from its seed and so allowed in pure code; it is not a source of real randomness.
public struct JavaRandom: Sendable {
    private static let multiplier: UInt64 = 0x5_DEEC_E66D
    private static let addend: UInt64 = 0xB
    private static let mask: UInt64 = (1 << 48) - 1

    /// The 48-bit generator state.
    private var state: UInt64

    /// Seeds the generator as `new Random(seed)` does (the seed is scrambled with the multiplier).
    public init(seed: Int64) {
        state = (UInt64(bitPattern: seed) ^ Self.multiplier) & Self.mask
    }

    /// Re-seeds, as `setSeed`.
    public mutating func setSeed(_ seed: Int64) {
        state = (UInt64(bitPattern: seed) ^ Self.multiplier) & Self.mask
    }

    /// Advances the state and returns its top `bits` bits (1...32) as a signed 32-bit value (`next(bits)`).
    public mutating func next(bits: Int) -> Int32 {
        precondition((1...32).contains(bits), "next(bits:) takes 1...32 bits")
        state = (state &* Self.multiplier &+ Self.addend) & Self.mask
        return Int32(truncatingIfNeeded: state >> UInt64(48 - bits))
    }

    /// A uniformly distributed `Int32` (`nextInt()`).
    public mutating func nextInt() -> Int32 { next(bits: 32) }

    /// A value in `0..<bound` (`nextInt(int bound)`), with Java's rejection of the biased tail.
    public mutating func nextInt(bound: Int32) -> Int32 {
        precondition(bound > 0, "bound must be positive")
        var r = next(bits: 31)
        let m = bound - 1
        if bound & m == 0 {
            // A power of two: take the high bits, which are the better ones in an LCG.
            return Int32(truncatingIfNeeded: (Int64(bound) * Int64(r)) >> 31)
        }
        var u = r
        while true {
            r = u % bound
            // Reject draws from the final, incomplete run of `bound` values (the sum overflows).
            if u &- r &+ m >= 0 { return r }
            u = next(bits: 31)
        }
    }

    /// A uniformly distributed `Int64` from two 32-bit draws (`nextLong()`).
    public mutating func nextLong() -> Int64 {
        let high = Int64(next(bits: 32)) << 32
        return high &+ Int64(next(bits: 32))
    }

    /// `count` random bytes (`nextBytes`): each 32-bit draw fills up to four bytes, low byte first.
    public mutating func nextBytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            var word = UInt32(bitPattern: nextInt())
            for _ in 0..<min(4, count - out.count) {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return out
    }
}

/// Session passwords: a pure function of the session id, so any server can check a reconnect.
///
/// ZooKeeper's `ZooKeeperServer.generatePasswd` / `checkPasswd` (spec `client-protocol.md` §2.2).
public enum SessionCredentials {
    /// The constant mixed into the seed (`ZooKeeperServer.superSecret`).
    public static let passwordSecret: Int64 = 0xB341_5C00
    /// Length of a session password in bytes.
    public static let passwordByteCount = 16

    /// The 16-byte password of `session`: `java.util.Random(id ^ 0xB3415C00).nextBytes(16)`.
    public static func sessionPassword(for session: SessionID) -> [UInt8] {
        var random = JavaRandom(seed: session.rawValue ^ passwordSecret)
        return random.nextBytes(passwordByteCount)
    }

    /// Whether a reconnect's `password` is right for `session`; session 0 never has one.
    ///
    /// Compares every byte regardless of where the first difference is.
    public static func isValidPassword(_ password: [UInt8], for session: SessionID) -> Bool {
        guard session.rawValue != 0 else { return false }
        let expected = sessionPassword(for: session)
        guard password.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(password, expected) { difference |= a ^ b }
        return difference == 0
    }
}

/// The first session id a server hands out; later sessions take the following values.
///
/// ZooKeeper's `SessionTrackerImpl.initializeNextSessionId` (spec `client-protocol.md` §2.1).
public enum SessionIDGenerator {
    /// `((ms << 24) >>> 8) | (serverId << 56)`: the server id in the top byte, the low 40 bits of the
    /// monotonic clock in bits 16–55, and a zero 16-bit counter; bumped by one if it would equal the
    /// container owner marker `0x8000000000000000`.
    ///
    /// - Parameter monotonicMillis: milliseconds of a monotonic clock (Java's `nanoTime() / 1e6`),
    ///   read once by the runtime when the session tracker starts.
    public static func initialBase(serverId: ServerID, monotonicMillis: Int64) -> SessionID {
        let clockBits = (UInt64(bitPattern: monotonicMillis) << 24) >> 8
        var id = Int64(bitPattern: clockBits | UInt64(bitPattern: serverId.rawValue) << 56)
        if id == EphemeralOwner.container { id += 1 }
        return SessionID(id)
    }
}
