/// How `swzk client` renders results: zkCli's text forms (`StatPrinter`, `Id.toString`,
/// `java.util.List.toString`, the `CliWrapperException` messages) and the `--json` forms.
public enum ShellFormat {
    /// The Stat block zkCli prints (`StatPrinter.print`): eleven `name = value` lines, zxids and
    /// the owner in `Long.toHexString` form, times as `java.util.Date.toString` in the local zone.
    public static func statBlock(_ stat: Stat) -> String {
        [
            "cZxid = 0x\(hex(stat.czxid))",
            "ctime = \(SnapshotDump.javaDate(stat.ctime))",
            "mZxid = 0x\(hex(stat.mzxid))",
            "mtime = \(SnapshotDump.javaDate(stat.mtime))",
            "pZxid = 0x\(hex(stat.pzxid))",
            "cversion = \(stat.cversion)",
            "dataVersion = \(stat.version)",
            "aclVersion = \(stat.aversion)",
            "ephemeralOwner = 0x\(hex(stat.ephemeralOwner))",
            "dataLength = \(stat.dataLength)",
            "numChildren = \(stat.numChildren)",
        ].joined(separator: "\n") + "\n"
    }

    /// `Long.toHexString`: two's complement, lowercase, no padding.
    public static func hex(_ value: Int64) -> String { String(UInt64(bitPattern: value), radix: 16) }

    /// `java.util.List.toString`: `[a, b, c]`.
    public static func javaList(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// Sorts as Java's `String.compareTo` does (UTF-16 code units), which `ls` uses.
    public static func javaSorted(_ items: [String]) -> [String] {
        items.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
    }

    /// Permission letters in zkCli's order (`ZKUtil.getPermString`): c, d, r, w, a.
    public static func permString(_ perms: Perms) -> String {
        var text = ""
        if perms.contains(.create) { text += "c" }
        if perms.contains(.delete) { text += "d" }
        if perms.contains(.read) { text += "r" }
        if perms.contains(.write) { text += "w" }
        if perms.contains(.admin) { text += "a" }
        return text
    }

    /// One getAcl entry as zkCli prints it: the Jute text of the Id (`'scheme,'id` and a newline),
    /// then `: ` and the permissions.
    public static func aclEntry(_ acl: ACL) -> String {
        "'\(acl.id.scheme),'\(acl.id.id)\n: \(permString(acl.perms))\n"
    }

    /// Parses an ACL argument as zkCli's `AclParser`: comma-separated `scheme:id:perms`, split at
    /// the first and last colon. Bad entries and unknown permission letters are reported through
    /// `warn` (zkCli prints them on stderr) and skipped.
    public static func parseACL(_ text: String, warn: (String) -> Void) -> [ACL] {
        var result: [ACL] = []
        for segment in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard let first = segment.firstIndex(of: ":"), let last = segment.lastIndex(of: ":"), first != last else {
                warn("\(segment) does not have the form scheme:id:perm")
                continue
            }
            var perms = Perms()
            for letter in segment[segment.index(after: last)...] {
                switch letter {
                case "r": perms.insert(.read)
                case "w": perms.insert(.write)
                case "c": perms.insert(.create)
                case "d": perms.insert(.delete)
                case "a": perms.insert(.admin)
                default: warn("Unknown perm type: \(letter)")
                }
            }
            let id = Id(scheme: String(segment[..<first]), id: String(segment[segment.index(after: first)..<last]))
            result.append(ACL(perms: perms, id: id))
        }
        return result
    }

    /// The line zkCli prints for a failed operation (`CliWrapperException`), or for client-side
    /// path errors the validation message.
    public static func message(for error: ZooKeeperError) -> String {
        let path = error.path ?? ""
        switch error.code {
        case .noNode: return "Node does not exist: \(path)"
        case .noChildrenForEphemerals: return "Ephemerals cannot have children: \(path)"
        case .nodeExists: return "Node already exists: \(path)"
        case .notEmpty: return "Node not empty: \(path)"
        case .notReadOnly: return "Not a read-only call: \(path)"
        case .invalidACL: return "Acl is not valid : \(path)"
        case .noAuth: return "Insufficient permission : \(path)"
        case .badVersion: return "version No is not valid : \(path)"
        case .quotaExceeded: return "Quota has exceeded : \(path)"
        case .reconfigInProgress:
            return "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)"
        case .badArguments:
            if let detail = error.detail { return detail }
            return "Arguments are not valid : \(path)"
        default:
            return "KeeperErrorCode = \(error.code.text)" + (error.path.map { " for \($0)" } ?? "")
        }
    }

    /// The exit status for a failed operation (see `ShellExit`).
    public static func exitCode(for error: ZooKeeperError) -> Int32 {
        switch error.code {
        case .noNode: return ShellExit.noNode
        case .nodeExists: return ShellExit.nodeExists
        case .badVersion: return ShellExit.badVersion
        case .noAuth, .authFailed: return ShellExit.noAuth
        case .notEmpty: return ShellExit.notEmpty
        case .connectionLoss, .operationTimeout, .sessionExpired, .sessionMoved, .requestTimeout:
            return ShellExit.connectionLoss
        case .badArguments where error.detail != nil: return ShellExit.usage
        default: return ShellExit.failure
        }
    }

    /// The JSON form of a Stat, keyed by zkCli's labels; times in epoch milliseconds.
    public static func statJSON(_ stat: Stat) -> JSONValue {
        .object([
            ("cZxid", .int(stat.czxid)), ("ctime", .int(stat.ctime)),
            ("mZxid", .int(stat.mzxid)), ("mtime", .int(stat.mtime)),
            ("pZxid", .int(stat.pzxid)), ("cversion", .int(Int64(stat.cversion))),
            ("dataVersion", .int(Int64(stat.version))), ("aclVersion", .int(Int64(stat.aversion))),
            ("ephemeralOwner", .int(stat.ephemeralOwner)), ("dataLength", .int(Int64(stat.dataLength))),
            ("numChildren", .int(Int64(stat.numChildren))),
        ])
    }

    /// One ACL entry as JSON: scheme, id and the permission letters.
    public static func aclJSON(_ acl: ACL) -> JSONValue {
        .object([("scheme", .string(acl.id.scheme)), ("id", .string(acl.id.id)),
                 ("perms", .string(permString(acl.perms)))])
    }

    /// A watch or connection event as printed between commands: zkCli's blank line, `WATCHER::`,
    /// blank line and event line; with `json` one object `{"state", "type", "path"}` instead.
    public static func eventText(state: String, type: EventType, path: String?, json: Bool) -> String {
        if json {
            return JSONValue.object([("state", .string(state)), ("type", .string(type.name)),
                                     ("path", path.map(JSONValue.string) ?? .null)]).rendered + "\n"
        }
        return "\nWATCHER::\n\n" + watchedEvent(state: state, type: type, path: path) + "\n"
    }

    /// The watch event line of zkCli 3.8 (`WatchedEvent.toString`).
    public static func watchedEvent(state: String, type: EventType, path: String?) -> String {
        "WatchedEvent state:\(state) type:\(type.name) path:\(path ?? "null")"
    }
}

/// Exit statuses of `swzk client`, for one-shot and script mode.
public enum ShellExit {
    public static let success: Int32 = 0
    /// Any other failed command (InvalidACL, NoWatcher, a failed sync…).
    public static let failure: Int32 = 1
    /// Bad arguments: unknown command or option, missing argument, invalid path.
    public static let usage: Int32 = 2
    public static let noNode: Int32 = 3
    public static let nodeExists: Int32 = 4
    public static let badVersion: Int32 = 5
    /// NoAuth, or credentials rejected (AuthFailed).
    public static let noAuth: Int32 = 6
    public static let notEmpty: Int32 = 7
    /// Not connected, ConnectionLoss, OperationTimeout or session expired.
    public static let connectionLoss: Int32 = 8
}

/// A JSON value with ordered object keys, rendered compactly on one line.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered == rhs.rendered }
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered) }

    /// Compact JSON text (RFC 8259), keys in the order given.
    public var rendered: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .string(let value): return Self.quote(value)
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .object(let pairs): return "{" + pairs.map { Self.quote($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal, escaping quotes, backslashes and control characters.
    static func quote(_ text: String) -> String { JSONText.quoted(text) }
}
