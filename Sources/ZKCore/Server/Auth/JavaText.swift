/// The few `java.lang.String` and `Integer` behaviours the auth providers depend on.
///
/// ZooKeeper's providers decide validity with `String.split` and `Integer.parseInt`, whose corner
/// cases (trailing empty parts dropped, a leading `+` accepted) change which ids are valid, so
/// they are reproduced exactly rather than approximated with Swift's own splitting and parsing.
enum JavaText {
    /// Java's `s.split(separator, limit)` for a literal separator.
    ///
    /// `limit > 0`: at most `limit` parts, the last holding the rest. `limit == 0`: every part, then
    /// trailing empty parts removed (so `"::"` gives none). `limit < 0`: every part. A string without
    /// the separator always gives itself as the single part, even when empty.
    static func split(_ s: String, separator: String, limit: Int = 0) -> [String] {
        let text = Array(s.unicodeScalars)
        let sep = Array(separator.unicodeScalars)
        precondition(!sep.isEmpty, "empty separator")
        var parts: [String] = []
        var partStart = 0
        var i = 0
        while i + sep.count <= text.count {
            if limit > 0 && parts.count == limit - 1 { break }
            if text[i..<(i + sep.count)].elementsEqual(sep) {
                parts.append(string(text[partStart..<i]))
                i += sep.count
                partStart = i
            } else {
                i += 1
            }
        }
        if parts.isEmpty { return [s] }
        parts.append(string(text[partStart...]))
        if limit == 0 {
            while let last = parts.last, last.isEmpty { parts.removeLast() }
        }
        return parts
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    /// Java's `Integer.parseInt(s, radix)`: an optional `+` or `-`, then at least one digit, within
    /// the range of `Int32`; nil where Java throws `NumberFormatException`.
    ///
    /// Only ASCII digits and letters are accepted; Java's `Character.digit` would also take other
    /// Unicode digits, which no address or bit count written by a real client contains.
    static func parseInt(_ s: String, radix: Int = 10) -> Int32? {
        var scalars = s.unicodeScalars[...]
        var negative = false
        if let first = scalars.first, first == "+" || first == "-" {
            negative = first == "-"
            scalars = scalars.dropFirst()
        }
        guard !scalars.isEmpty else { return nil }
        var value: Int64 = 0
        for scalar in scalars {
            guard let digit = digitValue(scalar), digit < radix else { return nil }
            value = value * Int64(radix) + Int64(digit)
            guard value <= Int64(Int32.max) + 1 else { return nil }
        }
        if negative { value = -value }
        guard let result = Int32(exactly: value) else { return nil }
        return result
    }

    private static func digitValue(_ c: Unicode.Scalar) -> Int? {
        switch c.value {
        case 0x30...0x39: return Int(c.value - 0x30)
        case 0x41...0x5A: return Int(c.value - 0x41 + 10)
        case 0x61...0x7A: return Int(c.value - 0x61 + 10)
        default: return nil
        }
    }
}
