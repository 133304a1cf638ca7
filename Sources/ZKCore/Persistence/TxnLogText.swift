/// How node data is shown by `swzk log-dump`.
public enum TxnDataFormat: String, CaseIterable, Sendable {
    /// UTF-8 text when the bytes are valid UTF-8, hex otherwise.
    case auto
    /// UTF-8 text, malformed bytes replaced by U+FFFD (what Apache's tool prints).
    case text
    /// Lowercase hex.
    case hex
    /// Standard base64 with padding.
    case base64

    /// The rendering of `bytes` and the encoding actually used (`auto` picks text or hex).
    public func render(_ bytes: [UInt8]) -> (text: String, encoding: TxnDataFormat) {
        switch self {
        case .auto:
            if let text = String(validating: bytes, as: UTF8.self) { return (text, .text) }
            return (Self.hex(bytes), .hex)
        case .text: return (String(decoding: bytes, as: UTF8.self), .text)
        case .hex: return (Self.hex(bytes), .hex)
        case .base64: return (Self.base64(bytes), .base64)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Standard base64 with padding (Java's `Base64.getEncoder()`); log-dump and snapshot-dump share it.
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The text Apache ZooKeeper's `TxnLogToolkit` prints for a transaction (disk-format.md §11),
/// rebuilt so `swzk log-dump` output can be compared with it line for line.
public enum TxnLogText {
    /// The file header line.
    public static func headerLine(_ header: FileHeader) -> String {
        "ZooKeeper Transactional Log File with dbid \(header.dbid) txnlog format version \(header.version)"
    }

    /// The closing line.
    public static func endLine(count: Int) -> String { "EOF reached after \(count) txns." }

    /// One transaction as `TxnLogToolkit.printTxn` prints it, newline included:
    /// `<time> session 0x<id> cxid 0x<cxid> zxid 0x<zxid> <type> <details>`.
    ///
    /// The details may hold a newline of their own (ACL lists and Jute `toString` forms do); as in
    /// Java, no second newline is added after one that ends the text. Node data is shown as
    /// `data` says, hex prefixed with `0x`; with `.auto` valid UTF-8 prints as Apache prints it.
    public static func line(_ entry: TxnLogEntry, data: TxnDataFormat = .auto) -> String {
        let h = entry.header
        var out = javaDateTime(epochMs: h.time)
        out += " session 0x" + javaHex(h.clientId)
        // Java widens the int cxid to a long, so a negative cxid prints 16 digits.
        out += " cxid 0x" + javaHex(Int64(h.cxid))
        out += " zxid 0x" + javaHex(h.zxid)
        out += " " + h.type.name + " " + details(entry.body, data: data)
        if !out.hasSuffix("\n") { out += "\n" }
        return out
    }

    /// `TxnLogToolkit.getFormattedTxnStr` of ZooKeeper 3.8/3.9.
    static func details(_ body: TxnBody, data: TxnDataFormat) -> String {
        switch body {
        case .create(let t):
            return t.path + "," + text(t.data, data) + "," + aclList(t.acl) + "," + String(t.ephemeral) + ","
                + String(t.parentCVersion)
        case .createV0(let v0):
            let t = v0.asCreateTxn
            return t.path + "," + text(t.data, data) + "," + aclList(t.acl) + "," + String(t.ephemeral) + ","
                + String(t.parentCVersion)
        case .setData(let t):
            return t.path + "," + text(t.data, data) + "," + String(t.version)
        case .createContainer(let t):
            return t.path + "," + text(t.data, data) + "," + aclList(t.acl) + "," + String(t.parentCVersion)
        case .createTTL(let t):
            return t.path + "," + text(t.data, data) + "," + aclList(t.acl) + "," + String(t.parentCVersion) + ","
                + String(t.ttl)
        case .multi(let subs):
            // 3.8 and 3.9 print each sub-txn's raw record bytes as UTF-8, binary lengths and all.
            return subs.map { $0.type.name + ":" + String(decoding: $0.body.juteBytes, as: UTF8.self) }
                .joined(separator: ";")
        case .closeSession(nil):
            return ""
        case .closeSession(let t?):
            return "v{" + t.paths2Delete.map(juteString).joined(separator: ",") + "}\n"
        case .createSession(let t):
            return String(t.timeOut) + "\n"
        case .delete(let t):
            return juteString(t.path) + "\n"
        case .setACL(let t):
            return juteString(t.path) + ",v{" + t.acl.map { "s{" + aclFields($0) + "}" }.joined(separator: ",") + "},"
                + String(t.version) + "\n"
        case .check(let t):
            return juteString(t.path) + "," + String(t.version) + "\n"
        case .error(let t):
            return String(t.err.rawValue) + "\n"
        }
    }

    /// Node data as the toolkit's `checkNullToEmpty` shows it, or in the chosen form.
    private static func text(_ bytes: [UInt8]?, _ format: TxnDataFormat) -> String {
        guard let bytes, !bytes.isEmpty else { return "" }
        let (text, encoding) = format.render(bytes)
        return encoding == .hex ? "0x" + text : text
    }

    /// Java's `List<ACL>.toString()`: each ACL's Jute `toString` (newline included), comma-separated.
    static func aclList(_ acls: [ACL]) -> String {
        "[" + acls.map { aclFields($0) + "\n" }.joined(separator: ", ") + "]"
    }

    private static func aclFields(_ acl: ACL) -> String {
        String(acl.perms.rawValue) + ",s{" + juteString(acl.id.scheme) + "," + juteString(acl.id.id) + "}"
    }

    /// A string as Jute's `ToStringOutputArchive` writes it: a quote, then the text with
    /// NUL, LF, CR, comma, right brace and percent escaped as %XX.
    static func juteString(_ s: String) -> String {
        var out = "'"
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\0": out += "%00"
            case "\n": out += "%0A"
            case "\r": out += "%0D"
            case ",": out += "%2C"
            case "}": out += "%7D"
            case "%": out += "%25"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `Long.toHexString`: two's complement, lowercase, no padding.
    static func javaHex(_ value: Int64) -> String { String(UInt64(bitPattern: value), radix: 16) }

    /// Java's `DateFormat.getDateTimeInstance(SHORT, LONG)` for the en-US locale on a UTC JVM:
    /// `M/d/yy, h:mm:ss a z`, e.g. `11/22/26, 9:36:58 AM UTC`.
    public static func javaDateTime(epochMs: Int64) -> String {
        let (date, msOfDay) = splitEpochMs(epochMs)
        let seconds = msOfDay / 1000
        let hour = seconds / 3600, minute = seconds / 60 % 60, second = seconds % 60
        let hour12 = hour % 12 == 0 ? 12 : hour % 12
        let year = ((date.year % 100) + 100) % 100
        return "\(date.month)/\(date.day)/\(twoDigits(year)), \(hour12):\(twoDigits(minute)):\(twoDigits(second)) "
            + (hour < 12 ? "AM" : "PM") + " UTC"
    }

    /// ISO-8601 in UTC with milliseconds, e.g. `2026-11-22T09:36:58.123Z`.
    public static func isoDateTime(epochMs: Int64) -> String {
        let (date, msOfDay) = splitEpochMs(epochMs)
        let seconds = msOfDay / 1000
        let ms = msOfDay % 1000
        let year = date.year < 0 ? "-" + String(-date.year) : String(date.year)
        let msText = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(year)-\(twoDigits(Int64(date.month)))-\(twoDigits(Int64(date.day)))T"
            + "\(twoDigits(seconds / 3600)):\(twoDigits(seconds / 60 % 60)):\(twoDigits(seconds % 60)).\(msText)Z"
    }

    private static func splitEpochMs(_ epochMs: Int64) -> (date: (year: Int64, month: Int, day: Int), msOfDay: Int64) {
        let msPerDay: Int64 = 86_400_000
        var days = epochMs / msPerDay
        var rest = epochMs % msPerDay
        if rest < 0 { rest += msPerDay; days -= 1 }
        return (JavaFormat.civilDate(daysSinceEpoch: days), rest)
    }

    private static func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
