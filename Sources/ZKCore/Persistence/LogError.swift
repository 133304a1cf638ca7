#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the transaction log could not be written or read.
///
/// Every case names the file and, where it applies, the byte offset of the record, so a one-line
/// message is enough for an operator to find the problem (`swzk log-dump --verify` prints these).
/// Offsets are those of the record's checksum field, where the record starts.
public enum LogError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed; `errno` is the C error number (ENOSPC, EIO, …).
    case io(file: String, operation: String, errno: Int32)
    /// The stored Adler-32 does not match the payload (ZooKeeper's "CRC check failed").
    case checksumMismatch(file: String, offset: Int)
    /// A record whose framing or payload cannot be decoded.
    case corruptRecord(file: String, offset: Int, reason: String)
    /// A record of a type no log may hold at the top level.
    ///
    /// Type 13 is the poisoned record Apache ZooKeeper 3.8.0–3.8.4 and 3.9.0–3.9.2 write for a
    /// `check` sent outside a multi (disk-format.md §4); Apache itself cannot restart from it.
    case unsupportedTxn(file: String, offset: Int, zxid: Zxid, type: OpCode)
    /// The file does not start with a txn log header.
    case badHeader(file: String, reason: String)
    /// A zxid that does not follow the previous one (found by `TxnLogContinuity`).
    case zxidGap(file: String, offset: Int, previous: Zxid, next: Zxid)
    /// A target file exists and would be overwritten.
    case fileExists(file: String)
    /// The store was closed before this request.
    case closed

    public var description: String {
        switch self {
        case let .io(file, operation, code):
            return "\(file): \(operation) failed: \(Self.errorText(code))"
        case let .checksumMismatch(file, offset):
            return "\(file): checksum mismatch in the record at offset \(offset)"
        case let .corruptRecord(file, offset, reason):
            return "\(file): corrupt record at offset \(offset): \(reason)"
        case let .unsupportedTxn(file, offset, zxid, type):
            if type == .check {
                return "\(file): record at offset \(offset) (zxid \(zxid)) is a check (type 13) outside a multi, "
                    + "which Apache ZooKeeper 3.8.0-3.8.4 and 3.9.0-3.9.2 wrongly logged; no server can load it "
                    + "(cut the log before it with `swzk log-dump --repair`)"
            }
            return "\(file): record at offset \(offset) (zxid \(zxid)) has unsupported txn type \(type.rawValue)"
        case let .badHeader(file, reason):
            return "\(file): not a transaction log: \(reason)"
        case let .zxidGap(file, offset, previous, next):
            let kind = previous.epoch == next.epoch ? "gap" : "gap across epochs"
            return "\(file): zxid \(kind) at offset \(offset): \(previous) is followed by \(next)"
        case let .fileExists(file):
            return "\(file): already exists; refusing to overwrite it"
        case .closed:
            return "the transaction log is closed"
        }
    }

    /// The file the error is about, if any.
    public var file: String? {
        switch self {
        case let .io(file, _, _), let .checksumMismatch(file, _), let .corruptRecord(file, _, _),
             let .unsupportedTxn(file, _, _, _), let .badHeader(file, _), let .zxidGap(file, _, _, _),
             let .fileExists(file):
            return file
        case .closed:
            return nil
        }
    }

    /// The C library's text for an errno value, e.g. "No space left on device".
    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text) + " (errno \(code))"
    }
}
