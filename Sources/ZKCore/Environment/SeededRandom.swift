/// A small deterministic random source (SplitMix64) for pure machines.
///
/// Machines must not read real randomness, so anything random (the client's host shuffle and
/// reconnect jitter) draws from one of these, seeded by the runtime from the system generator and
/// by tests from a constant. The same seed always yields the same sequence.
public struct SeededRandom: RandomNumberGenerator, Hashable, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator seeded from the system's random source, for runtimes.
    public static func system() -> SeededRandom {
        var system = SystemRandomNumberGenerator()
        return SeededRandom(seed: system.next())
    }

    /// The next 64 random bits (Steele, Lea and Flood's SplitMix64 finaliser).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
