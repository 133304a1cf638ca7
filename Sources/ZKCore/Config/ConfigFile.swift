/// A configuration file read as `java.util.Properties` text, the format of ZooKeeper's zoo.cfg.
///
/// Pure: it takes the text and a name for messages, never touches the disk. Follows the rules of
/// `Properties.load`, then trims keys and values as ZooKeeper's `QuorumPeerConfig.parseProperties` does:
/// - a logical line is `key=value`, `key:value` or `key value` (the key ends at the first unescaped
///   `=`, `:` or blank; blanks around the separator are skipped);
/// - lines whose first non-blank character is `#` or `!` are comments; blank lines are skipped;
/// - a line ending in an odd number of backslashes continues on the next line, whose leading
///   blanks are dropped;
/// - escapes `\t \n \r \f \uXXXX` are decoded and any other `\x` stands for `x`;
/// - a later occurrence of a key replaces an earlier one.
public struct ConfigFile: Sendable, Equatable {
    /// One effective `key = value` setting and the 1-based line where its logical line starts.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int

        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// The name used in messages (normally the path the user gave).
    public var name: String
    /// Effective entries in line order; for a key given twice only the later line is kept.
    public private(set) var entries: [Entry]

    /// Parses properties text. Throws only for a malformed `\uXXXX` escape, which Java also rejects.
    public init(parsing text: String, name: String) throws(ConfigError) {
        self.name = name
        self.entries = []
        var indexByKey: [String: Int] = [:]
        for logical in ConfigFile.logicalLines(Array(text.unicodeScalars)) {
            let entry = try ConfigFile.entry(from: logical.text, line: logical.line, file: name)
            if let old = indexByKey[entry.key] {
                entries.remove(at: old)
                for (key, index) in indexByKey where index > old { indexByKey[key] = index - 1 }
            }
            indexByKey[entry.key] = entries.count
            entries.append(entry)
        }
    }

    /// The effective entry for `key`, compared exactly (keys are case-sensitive, as in Java).
    public subscript(key: String) -> Entry? {
        entries.last { $0.key == key }
    }

    // MARK: - Lines

    private typealias Scalars = [Unicode.Scalar]

    private static func isBlank(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\u{0C}"
    }

    /// Splits text at `\n`, `\r` or `\r\n`, numbering lines from 1.
    private static func naturalLines(_ text: Scalars) -> [(text: Scalars, line: Int)] {
        var lines: [(text: Scalars, line: Int)] = []
        var current: Scalars = []
        var index = 0
        while index < text.count {
            let c = text[index]
            if c == "\n" || c == "\r" {
                lines.append((current, lines.count + 1))
                current = []
                if c == "\r", index + 1 < text.count, text[index + 1] == "\n" { index += 1 }
            } else {
                current.append(c)
            }
            index += 1
        }
        if !current.isEmpty { lines.append((current, lines.count + 1)) }
        return lines
    }

    /// Joins continued lines and drops comments and blank lines.
    private static func logicalLines(_ text: Scalars) -> [(text: Scalars, line: Int)] {
        let natural = naturalLines(text)
        var result: [(text: Scalars, line: Int)] = []
        var index = 0
        while index < natural.count {
            var logical = Scalars(natural[index].text.drop(while: isBlank))
            let start = natural[index].line
            index += 1
            if logical.isEmpty || logical[0] == "#" || logical[0] == "!" { continue }
            while endsInContinuation(logical) {
                logical.removeLast()
                guard index < natural.count else { break }
                logical += natural[index].text.drop(while: isBlank)
                index += 1
            }
            result.append((logical, start))
        }
        return result
    }

    /// True when the line ends in an odd number of backslashes.
    private static func endsInContinuation(_ line: Scalars) -> Bool {
        var count = 0
        for c in line.reversed() {
            guard c == "\\" else { break }
            count += 1
        }
        return count % 2 == 1
    }

    // MARK: - Key and value

    /// Splits a logical line into key and value as `Properties.load` does, then decodes and trims both.
    private static func entry(from line: Scalars, line number: Int, file: String) throws(ConfigError) -> Entry {
        var keyEnd = 0
        var valueStart = line.count
        var hasSeparator = false
        var escaped = false
        while keyEnd < line.count {
            let c = line[keyEnd]
            if !escaped && (c == "=" || c == ":") {
                valueStart = keyEnd + 1
                hasSeparator = true
                break
            }
            if !escaped && isBlank(c) {
                valueStart = keyEnd + 1
                break
            }
            escaped = c == "\\" ? !escaped : false
            keyEnd += 1
        }
        while valueStart < line.count {
            let c = line[valueStart]
            if !isBlank(c) {
                guard !hasSeparator && (c == "=" || c == ":") else { break }
                hasSeparator = true
            }
            valueStart += 1
        }
        let origin = ConfigOrigin.line(file: file, line: number)
        let key = try unescape(line[0..<keyEnd], origin: origin)
        let value = try unescape(line[valueStart...], origin: origin)
        return Entry(key: trimmed(key), value: trimmed(value), line: number)
    }

    /// Decodes backslash escapes, collecting UTF-16 units so `\uD83D\uDE00` pairs form one character.
    private static func unescape(_ text: ArraySlice<Unicode.Scalar>, origin: ConfigOrigin) throws(ConfigError) -> String {
        var units: [UInt16] = []
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            index += 1
            guard c == "\\", index < text.endIndex else {
                appendUTF16(c, to: &units)
                continue
            }
            let next = text[index]
            index += 1
            switch next {
            case "t": units.append(0x09)
            case "n": units.append(0x0A)
            case "r": units.append(0x0D)
            case "f": units.append(0x0C)
            case "u":
                guard index + 4 <= text.endIndex else {
                    throw ConfigError(origin: origin, key: nil, problem: "malformed \\uxxxx escape")
                }
                var unit: UInt16 = 0
                for digit in text[index..<index + 4] {
                    guard digit.isASCII, let value = Character(digit).hexDigitValue else {
                        throw ConfigError(origin: origin, key: nil, problem: "malformed \\uxxxx escape")
                    }
                    unit = unit << 4 | UInt16(value)
                }
                units.append(unit)
                index += 4
            default:
                appendUTF16(next, to: &units)
            }
        }
        return String(decoding: units, as: UTF16.self)
    }

    private static func appendUTF16(_ scalar: Unicode.Scalar, to units: inout [UInt16]) {
        UTF16.encode(scalar) { units.append($0) }
    }

    /// Drops leading and trailing characters up to U+0020, like Java's `String.trim`.
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }),
              let last = scalars.lastIndex(where: { $0.value > 0x20 })
        else { return "" }
        return String(scalars[first...last])
    }
}
