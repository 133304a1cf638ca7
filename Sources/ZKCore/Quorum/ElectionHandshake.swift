// The header an election-port initiator sends before its first notification (quorum-protocol.md §4.1).

/// The connection header a server sends when it dials another member's election port.
///
/// ZooKeeper's `QuorumCnxManager.InitialMessage` plus the version check of `handleConnection`:
/// `long protocolVersion` (-65536 for V1, -65535 for V2), `long sid`, `int length` (1...2048) and
/// that many bytes of UTF-8 `host:port` (V2: several joined by `|`). A first long >= 0 is the legacy
/// form: that long is the sid and nothing follows. It is pure bytes-in, header-out so that the NIO
/// transport and the simulator share it.
public struct ElectionHandshake: Sendable, Hashable {
    /// `PROTOCOL_VERSION_V1`, sent unless multi-address is enabled.
    public static let protocolVersionV1: Int64 = -65536
    /// `PROTOCOL_VERSION_V2`, whose address field may list several addresses.
    public static let protocolVersionV2: Int64 = -65535
    /// `QuorumCnxManager.maxBuffer`: the largest address field accepted.
    public static let maxAddressBytes = 2048

    /// The version read (V1, V2), or nil for the legacy sid-only form.
    public var protocolVersion: Int64?
    /// The initiator's server id.
    public var sid: ServerID
    /// The initiator's election addresses, wildcard addresses left out (as Apache does); empty for legacy.
    public var addresses: [HostPort]

    /// Creates a header.
    public init(protocolVersion: Int64? = ElectionHandshake.protocolVersionV1, sid: ServerID, addresses: [HostPort]) {
        self.protocolVersion = protocolVersion
        self.sid = sid
        self.addresses = addresses
    }

    /// The address to dial back: the first one announced, as a V1 reader would see it.
    public var address: HostPort? { addresses.first }

    /// What `decode` made of the bytes so far.
    public enum DecodeResult: Sendable, Hashable {
        /// The header is not complete yet; call again with more bytes.
        case needMoreBytes
        /// A whole header, and how many bytes it took (messages follow on the same stream).
        case done(ElectionHandshake, consumed: Int)
        /// The bytes can never become a valid header; the connection must be closed.
        case failed(ElectionHandshakeError)
    }

    /// Encodes the header `QuorumCnxManager.startConnection` writes: version, sid, `|`-joined addresses.
    public func encoded() -> [UInt8] {
        var writer = JuteWriter(capacity: 24 + 64)
        guard let protocolVersion else {
            writer.writeLong(sid.rawValue)
            return writer.bytes
        }
        writer.writeLong(protocolVersion)
        writer.writeLong(sid.rawValue)
        let text = addresses.map(\.description).joined(separator: "|")
        let utf8 = Array(text.utf8)
        writer.writeInt(Int32(utf8.count))
        writer.writeRaw(utf8)
        return writer.bytes
    }

    /// Decodes a header from the start of `bytes`, which may hold only part of it or more than it.
    ///
    /// Stateless, so callers just retry with a longer prefix: a header is at most 2068 bytes. The
    /// checks are `InitialMessage.parse`'s, in its order, so a bad length fails before its bytes come.
    public static func decode<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> DecodeResult where Bytes.Element == UInt8 {
        var cursor = Cursor(bytes: Array(bytes.prefix(8 + 8 + 4 + maxAddressBytes)))
        guard let first = cursor.long() else { return .needMoreBytes }
        if first >= 0 {
            return .done(ElectionHandshake(protocolVersion: nil, sid: ServerID(first), addresses: []), consumed: 8)
        }
        guard first == protocolVersionV1 || first == protocolVersionV2 else {
            return .failed(.unknownProtocolVersion(first))
        }
        guard let sid = cursor.long(), let length = cursor.int() else { return .needMoreBytes }
        guard length > 0, Int(length) <= maxAddressBytes else { return .failed(.unreasonableAddressLength(length)) }
        guard let field = cursor.take(Int(length)) else { return .needMoreBytes }
        let text = String(decoding: field, as: UTF8.self)
        var addresses: [HostPort] = []
        for part in text.split(separator: "|", omittingEmptySubsequences: false) {
            switch parseAddress(String(part)) {
            case .success(let address):
                if !isWildcard(address.host) { addresses.append(address) }
            case .failure(let error):
                return .failed(error)
            }
        }
        return .done(ElectionHandshake(protocolVersion: first, sid: ServerID(sid), addresses: addresses),
                     consumed: cursor.offset)
    }

    /// Splits `host:port` or `[v6]:port` as `ConfigUtils.getHostAndPort` does, then checks the port.
    static func parseAddress(_ text: String) -> Result<HostPort, ElectionHandshakeError> {
        let host: Substring
        let rest: [Substring]
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.badAddress(text)) }
            host = text[text.index(after: text.startIndex)..<close]
            let tail = text[text.index(after: close)...]
            guard tail.hasPrefix(":"), tail.count > 1 else { return .failure(.badAddress(text)) }
            rest = tail.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard let head = parts.first else { return .failure(.badAddress(text)) }
            host = head
            rest = Array(parts.dropFirst())
        }
        guard rest.count == 1, !host.isEmpty else { return .failure(.badAddress(text)) }
        guard let port = Int(rest[0]), (0...65535).contains(port) else { return .failure(.badPort(String(rest[0]))) }
        return .success(HostPort(host: String(host), port: port))
    }

    private static func isWildcard(_ host: String) -> Bool {
        host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0"
    }

    /// Big-endian reads over a prefix that may end early.
    private struct Cursor {
        let bytes: [UInt8]
        var offset = 0

        mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard bytes.count - offset >= n else { return nil }
            defer { offset += n }
            return bytes[offset..<offset + n]
        }

        mutating func long() -> Int64? {
            take(8).map { Int64(bitPattern: $0.reduce(0) { $0 << 8 | UInt64($1) }) }
        }

        mutating func int() -> Int32? {
            take(4).map { Int32(bitPattern: $0.reduce(0) { $0 << 8 | UInt32($1) }) }
        }
    }
}

/// Why an election-port header was refused; the connection is closed (`InitialMessageException`).
public enum ElectionHandshakeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A negative first long that is neither V1 nor V2.
    case unknownProtocolVersion(Int64)
    /// The address length is <= 0 or above 2048.
    case unreasonableAddressLength(Int32)
    /// An address that is not `host:port` or `[v6]:port`.
    case badAddress(String)
    /// A port that is not a number in 0...65535.
    case badPort(String)

    public var description: String {
        switch self {
        case .unknownProtocolVersion(let v): return "unrecognized protocol version \(v)"
        case .unreasonableAddressLength(let n): return "unreasonable address length \(n)"
        case .badAddress(let a): return "badly formed address '\(a)'"
        case .badPort(let p): return "bad port number '\(p)'"
        }
    }
}
