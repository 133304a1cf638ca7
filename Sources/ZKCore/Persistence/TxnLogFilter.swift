/// Which transactions `swzk log-dump` shows; every condition set must hold.
public struct TxnLogFilter: Sendable, Equatable {
    /// Lowest zxid shown.
    public var fromZxid: Zxid?
    /// Highest zxid shown.
    public var toZxid: Zxid?
    /// Only this session's transactions.
    public var session: SessionID?
    /// Only transactions touching a path that starts with this text.
    public var pathPrefix: String?
    /// Only these types (empty: all); a multi also matches through its operations' types.
    public var types: Set<OpCode> = []
    /// Earliest transaction time, ms since the epoch.
    public var since: Int64?
    /// Latest transaction time, ms since the epoch.
    public var until: Int64?

    public init() {}

    /// True when no condition is set.
    public var isEmpty: Bool { self == TxnLogFilter() }

    /// True when `entry` passes every condition.
    public func matches(_ entry: TxnLogEntry) -> Bool {
        let h = entry.header
        let zxid = Zxid(h.zxid)
        if let fromZxid, zxid < fromZxid { return false }
        if let toZxid, zxid > toZxid { return false }
        if let session, h.clientId != session.rawValue { return false }
        if let since, h.time < since { return false }
        if let until, h.time > until { return false }
        if !types.isEmpty && !types.contains(h.type) {
            guard case .multi(let subs) = entry.body, subs.contains(where: { types.contains($0.type) }) else { return false }
        }
        if let pathPrefix, !entry.body.paths.contains(where: { $0.hasPrefix(pathPrefix) }) { return false }
        return true
    }

    // MARK: - Parsing command-line values

    /// A zxid or session id: `0x1f` and `1f` are hex; digits alone are decimal. Nil if malformed.
    ///
    /// Hex without `0x` is recognized only by its letters, so `log.100000001`'s zxid must be
    /// written `0x100000001`.
    public static func parseNumber(_ text: String) -> Int64? {
        var digits = Substring(text)
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
        } else if digits.contains(where: { $0.isLetter }) {
            radix = 16
        }
        guard !digits.isEmpty, digits.allSatisfy({ radix == 16 ? $0.isHexDigit : $0.isWholeNumber }),
              let value = UInt64(digits, radix: radix), value <= UInt64(Int64.max) else {
            // Session ids with the top bit set (server ids above 127) are written as 16 hex digits.
            if radix == 16, digits.count == 16, let value = UInt64(digits, radix: 16) { return Int64(bitPattern: value) }
            return nil
        }
        return Int64(value)
    }

    /// `FROM`, `FROM:TO`, `FROM:` or `:TO`; nil if malformed or empty.
    public static func parseZxidRange(_ text: String) -> (from: Zxid?, to: Zxid?)? {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        func bound(_ part: Substring) -> Zxid?? {
            if part.isEmpty { return .some(nil) }
            guard let value = parseNumber(String(part)) else { return nil }
            return .some(Zxid(value))
        }
        guard let from = bound(parts[0]) else { return nil }
        let to: Zxid?
        if parts.count == 2 {
            guard let parsed = bound(parts[1]) else { return nil }
            to = parsed
        } else {
            to = nil
        }
        if from == nil && to == nil { return nil }
        return (from, to)
    }

    /// A transaction type by its `Request.op2String` name (any case; `createTTL` too) or number.
    public static func parseType(_ text: String) -> OpCode? {
        if let number = Int32(text) { return OpCode(number) }
        let wanted = text.lowercased()
        for code in Int32(-11)...Int32(107) {
            let op = OpCode(code)
            if !op.name.hasPrefix("unknown"), op.name.lowercased() == wanted { return op }
        }
        return nil
    }

    /// The names `parseType` knows for logged transactions, for help and error messages.
    public static let typeNames = ["createSession", "closeSession", "create", "create2", "createContainer", "createTtl",
                                   "delete", "deleteContainer", "setData", "setACL", "reconfig", "check", "multi", "error"]

    /// Epoch milliseconds (digits only) or an ISO-8601 date or date-time: `2026-11-22`,
    /// `2026-11-22T09:36`, `2026-11-22T09:36:58.250+01:00`; a space may replace the `T`, and a
    /// time without an offset is UTC. Nil if malformed.
    public static func parseTime(_ text: String) -> Int64? {
        if let ms = Int64(text) { return ms }
        let chars = Array(text.utf8)
        var i = 0
        func number(_ count: Int) -> Int64? {
            guard i + count <= chars.count else { return nil }
            var value: Int64 = 0
            for c in chars[i..<i + count] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                value = value * 10 + Int64(c - 0x30)
            }
            i += count
            return value
        }
        func expect(_ c: Character) -> Bool {
            guard i < chars.count, chars[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var ms: Int64 = 0
        if i < chars.count && (chars[i] == UInt8(ascii: "T") || chars[i] == UInt8(ascii: " ")) {
            i += 1
            guard let hour = number(2), expect(":"), let minute = number(2), hour < 24, minute < 60 else { return nil }
            ms = (hour * 3600 + minute * 60) * 1000
            if expect(":") {
                guard let second = number(2), second < 61 else { return nil }
                ms += second * 1000
                if expect(".") || expect(",") {
                    var scale: Int64 = 100
                    var digits = 0
                    while i < chars.count, chars[i] >= 0x30, chars[i] <= 0x39 {
                        ms += Int64(chars[i] - 0x30) * scale
                        scale /= 10
                        digits += 1
                        i += 1
                    }
                    if digits == 0 { return nil }
                }
            }
            if i < chars.count {
                if expect("Z") || expect("z") {
                    // UTC
                } else if chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-") {
                    let sign: Int64 = chars[i] == UInt8(ascii: "+") ? 1 : -1
                    i += 1
                    guard let offsetHours = number(2), offsetHours < 24 else { return nil }
                    var offsetMinutes: Int64 = 0
                    if i < chars.count {
                        _ = expect(":")
                        guard let m = number(2), m < 60 else { return nil }
                        offsetMinutes = m
                    }
                    ms -= sign * (offsetHours * 60 + offsetMinutes) * 60_000
                } else {
                    return nil
                }
            }
        }
        guard i == chars.count else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400_000 + ms
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (the inverse of `JavaFormat.civilDate`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension TxnBody {
    /// Every node path the transaction names (a multi's from all its operations).
    public var paths: [String] {
        switch self {
        case .createSession, .error: return []
        case .closeSession(let t): return t?.paths2Delete ?? []
        case .create(let t): return [t.path]
        case .createV0(let t): return [t.path]
        case .createContainer(let t): return [t.path]
        case .createTTL(let t): return [t.path]
        case .delete(let t): return [t.path]
        case .setData(let t): return [t.path]
        case .setACL(let t): return [t.path]
        case .check(let t): return [t.path]
        case .multi(let subs): return subs.flatMap(\.body.paths)
        }
    }
}
