/// A four-letter-word command: a client connects and, instead of a length-prefixed ConnectRequest,
/// sends four ASCII bytes; the server answers in plain text and closes (spec §14).
///
/// The cases are exactly the words a 3.8 server knows (ZooKeeper's `FourLetterCommands`), so the
/// first four bytes of a connection decide between a 4lw and a session with `init?(code:)`. The raw
/// value is the name the whitelist uses; for the telnet close sequence that is `telnet close`.
public enum FourLetterWord: String, CaseIterable, Sendable {
    case conf, cons, crst, dirs, dump, envi, gtmk, ruok, stmk, srst, srvr, stat
    case wchc, wchp, wchs, mntr, isro, hash
    /// The bytes a telnet client sends when it is interrupted (`IAC IP IAC DO`, 0xFFF4FFFD). ZooKeeper
    /// lists it as a known command so that it is not mistaken for a frame length; when it is
    /// allowed, the server closes the connection without writing anything.
    case telnetClose = "telnet close"

    /// The telnet close sequence read as a big-endian `Int32`.
    public static let telnetCloseCode = Int32(bitPattern: 0xFFF4_FFFD)

    /// Bytes `stmk` reads after the word: the new trace mask as a big-endian `Int64`.
    public static let traceMaskArgumentBytes = 8

    /// Recognises the first four bytes of a connection, read as a big-endian `Int32` (the frame
    /// length position); nil when they are not a known word, i.e. a normal session follows.
    public init?(code: Int32) {
        if code == Self.telnetCloseCode {
            self = .telnetClose
            return
        }
        let bits = UInt32(bitPattern: code)
        let bytes = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: bits >> UInt32($0)) }
        guard bytes.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return nil }
        self.init(rawValue: String(decoding: bytes, as: UTF8.self))
    }

    /// The word's four bytes as the big-endian `Int32` a server sees in the length position.
    public var code: Int32 {
        if self == .telnetClose { return Self.telnetCloseCode }
        let value = rawValue.utf8.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Int32(bitPattern: value)
    }

    /// True for the telnet close sequence: once allowed, the connection is simply closed.
    public var isTelnetClose: Bool { self == .telnetClose }

    /// True when the word reads an argument after its four bytes (`stmk`, see
    /// `traceMaskArgumentBytes`).
    public var readsArgument: Bool { self == .stmk }

    /// Whether the word runs under `whitelist` (names as in `4lw.commands.whitelist`).
    ///
    /// `*` enables every word; `srvr` is always enabled because ZooKeeper adds it unconditionally
    /// (`zkServer.sh status` depends on it). ZooKeeper's `FourLetterCommands.isEnabled`.
    public func isEnabled(by whitelist: Set<String>) -> Bool {
        self == .srvr || whitelist.contains("*") || whitelist.contains(rawValue)
    }

    /// The set of enabled words for a `4lw.commands.whitelist` value, as ZooKeeper builds it:
    /// comma-separated names with surrounding whitespace trimmed, empty names ignored, `*` meaning
    /// every known word; `srvr` always, and `isro` too when read-only mode is enabled.
    ///
    /// Unknown names are kept (they match nothing), as ZooKeeper keeps them.
    public static func whitelist(fromProperty value: String?, readOnlyModeEnabled: Bool) -> Set<String> {
        var enabled: Set<String> = ["srvr"]
        if readOnlyModeEnabled { enabled.insert("isro") }
        guard let value else { return enabled }
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            let name = javaTrimmed(item)
            if name == "*" {
                enabled.formUnion(allCases.map(\.rawValue))
                break
            }
            if !name.isEmpty { enabled.insert(name) }
        }
        return enabled
    }

    /// Java's `String.trim()`: strips every character at or below U+0020 from both ends.
    private static func javaTrimmed(_ text: Substring) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }),
              let last = scalars.lastIndex(where: { $0.value > 0x20 })
        else { return "" }
        return String(scalars[first...last])
    }
}
