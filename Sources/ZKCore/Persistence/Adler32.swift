/// The Adler-32 checksum with the exact results of `java.util.zip.Adler32`.
///
/// ZooKeeper seals every txn log record with Adler-32 of its payload (disk-format.md §3) and
/// every snapshot with Adler-32 of all bytes written so far (§5), so the value must match Java's
/// bit for bit. The two sums are reduced modulo 65521 only once per block of 5552 bytes, the
/// largest count for which `b` cannot overflow 32 bits (zlib's NMAX), which keeps the inner loop
/// to two additions per byte.
public struct Adler32: Hashable, Sendable {
    private var a: UInt32 = 1
    private var b: UInt32 = 0

    /// The largest prime below 2^16.
    private static let modulus: UInt32 = 65521
    /// Bytes that can be summed before `b` might overflow 32 bits.
    private static let blockMax = 5552

    /// A checksum of no bytes (value 1).
    public init() {}

    /// Adds `bytes` to the running checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var left = bytes.count
        var a = self.a, b = self.b
        while left > 0 {
            let block = min(left, Self.blockMax)
            left -= block
            var n = block
            while n >= 8 {
                a &+= UInt32(pointer[0]); b &+= a
                a &+= UInt32(pointer[1]); b &+= a
                a &+= UInt32(pointer[2]); b &+= a
                a &+= UInt32(pointer[3]); b &+= a
                a &+= UInt32(pointer[4]); b &+= a
                a &+= UInt32(pointer[5]); b &+= a
                a &+= UInt32(pointer[6]); b &+= a
                a &+= UInt32(pointer[7]); b &+= a
                pointer += 8
                n -= 8
            }
            while n > 0 {
                a &+= UInt32(pointer.pointee); b &+= a
                pointer += 1
                n -= 1
            }
            a %= Self.modulus
            b %= Self.modulus
        }
        self.a = a
        self.b = b
    }

    /// Adds `bytes` to the running checksum.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { update($0) }
        }
    }

    /// The checksum of everything added so far, 0...2^32-1 (Java's `getValue()`).
    public var value: UInt32 { b << 16 | a }

    /// The checksum of `bytes` alone.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var adler = Adler32()
        adler.update(bytes)
        return adler.value
    }
}
