/// Why a Jute record could not be decoded.
///
/// Mirrors the `IOException`s of ZooKeeper's `BinaryInputArchive`: a short read and an
/// unreasonable length prefix are the two ways bytes from a peer can be wrong at this layer.
public enum JuteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer bytes remained than the next field needs.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A buffer or string length is negative (other than -1 for null) or above the limit.
    case unreasonableLength(offset: Int, length: Int32)
    /// A value is structurally wrong for its record (an unknown multi op type, for instance).
    case invalidValue(offset: Int, reason: String)

    public var description: String {
        switch self {
        case let .truncated(offset, needed, available):
            return "truncated record at offset \(offset): needed \(needed) bytes, \(available) left"
        case let .unreasonableLength(offset, length):
            return "unreasonable length \(length) at offset \(offset)"
        case let .invalidValue(offset, reason):
            return "invalid value at offset \(offset): \(reason)"
        }
    }
}
