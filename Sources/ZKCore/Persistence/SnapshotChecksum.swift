/// The running Adler-32 checksum that seals a snapshot (disk-format.md §5): the value of
/// `java.util.zip.Adler32` over every uncompressed byte written before the seal.
///
/// ZooKeeper wraps its snapshot streams in a `CheckedOutputStream`/`CheckedInputStream` and
/// writes or compares `getChecksum().getValue()` at each seal; this is the same running sum,
/// fed explicitly. It is kept apart from any txn-log checksum type on purpose: both are plain
/// Adler-32, but each file format owns its own helper.
public struct SnapshotChecksum: Sendable, Equatable {
    /// Largest prime below 2^16, Adler-32's modulus.
    private static let modulus: UInt32 = 65521
    /// Bytes that can be summed before `b` may overflow 32 bits (zlib's NMAX).
    private static let blockMax = 5552

    private var a: UInt32 = 1
    private var b: UInt32 = 0

    /// A checksum of no bytes (value 1, as Java's `new Adler32()`).
    public init() {}

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        while index < count {
            let end = min(index + Self.blockMax, count)
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            a %= Self.modulus
            b %= Self.modulus
        }
    }

    /// Feeds a slice of an array.
    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds an array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The checksum of everything fed so far, in 0 ..< 2^32 as Java's `getValue()` returns it.
    public var value: UInt32 { b << 16 | a }
}
