#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text and JSON views of a restored snapshot for `swzk snapshot-dump`.
///
/// The node listing reproduces ZooKeeper's `SnapshotFormatter` (disk-format.md §12) line for line:
/// `ZNode Details`, one block of Stat fields per node in pre-order, `Session Details`, `Last zxid`.
/// The summary before it and the JSON form are swzk's own.
public enum SnapshotDump {
    /// The headline facts of a snapshot.
    public struct Summary: Sendable {
        public var file: String
        public var compression: SnapshotCompression
        public var byteCount: Int
        public var zxid: Zxid
        /// Distinct nodes (ZooKeeper's count is one more: it counts the root twice).
        public var nodeCount: Int
        public var sessionCount: Int
        public var ephemeralCount: Int
        public var aclCount: Int
        /// Sum of all node data lengths.
        public var dataBytes: Int
        public var checksumError: SnapshotError?
        public var digest: SnapshotDigest?
        public var digestCheck: SnapshotDigestCheck
        public var lastProcessedZxid: Zxid?
    }

    /// Collects the summary of a snapshot read from `file`.
    public static func summary(of snapshot: RestoredSnapshot, file: String) -> Summary {
        let tree = snapshot.tree
        var dataBytes = 0
        for node in tree.nodes.values { dataBytes += node.data?.count ?? 0 }
        return Summary(
            file: file, compression: SnapshotCompression(fileName: SnapshotReader.baseName(file)),
            byteCount: snapshot.byteCount, zxid: snapshot.zxid, nodeCount: tree.nodes.count,
            sessionCount: snapshot.sessions.count,
            ephemeralCount: tree.ephemerals.values.reduce(0) { $0 + $1.count },
            aclCount: snapshot.aclCount, dataBytes: dataBytes, checksumError: snapshot.checksumError,
            digest: snapshot.digest, digestCheck: snapshot.digestCheck, lastProcessedZxid: snapshot.lastProcessedZxid)
    }

    /// The summary as `key = value` lines under a `Snapshot Summary:` heading.
    public static func summaryText(_ s: Summary) -> String {
        var lines = ["Snapshot Summary:"]
        lines.append("  file = \(s.file)")
        lines.append("  compression = \(s.compression == .none ? "none" : s.compression.rawValue)")
        lines.append("  uncompressedBytes = \(s.byteCount)")
        lines.append("  zxid = \(s.zxid)")
        if let last = s.lastProcessedZxid { lines.append("  lastProcessedZxid = \(last)") }
        lines.append("  nodes = \(s.nodeCount)")
        lines.append("  sessions = \(s.sessionCount)")
        lines.append("  ephemerals = \(s.ephemeralCount)")
        lines.append("  aclLists = \(s.aclCount)")
        lines.append("  dataBytes = \(s.dataBytes)")
        lines.append("  checksum = " + (s.checksumError.map { "INVALID (\($0.description))" } ?? "valid"))
        lines.append("  digest = " + digestText(s))
        return lines.joined(separator: "\n") + "\n"
    }

    private static func digestText(_ s: Summary) -> String {
        let stored = s.digest.map { " (zxid \($0.zxid), value \($0.value))" } ?? ""
        switch s.digestCheck {
        case .absent: return "absent"
        case .empty: return "empty marker" + stored
        case .matches: return "valid" + stored
        case .mismatch(let computed): return "INVALID" + stored + ", tree has \(computed)"
        case .deferred(let zxid): return "not comparable before replay to \(zxid)" + stored
        case .stale: return "older than the snapshot, ignored" + stored
        case .unsupportedVersion(let v): return "version \(v) not supported" + stored
        }
    }

    /// ZooKeeper's `SnapshotFormatter` text: node blocks (with base64 data when `includeData`),
    /// sessions with their ephemeral counts, and the last zxid seen. Emitted a node at a time so a
    /// large tree is never held as one string.
    public static func writeFormatterText(_ snapshot: RestoredSnapshot, includeData: Bool,
                                          to emit: (String) -> Void) {
        let tree = snapshot.tree
        emit("ZNode Details (count=\(tree.reportedNodeCount)):\n")
        var lastZxid: Int64 = 0
        walk(snapshot) { path, node in
            let stat = node.stat
            var out = "----\n\(path)\n"
            out += "  cZxid = \(javaHex(stat.czxid))\n"
            out += "  ctime = \(javaDate(stat.ctime))\n"
            out += "  mZxid = \(javaHex(stat.mzxid))\n"
            out += "  mtime = \(javaDate(stat.mtime))\n"
            out += "  pZxid = \(javaHex(stat.pzxid))\n"
            out += "  cversion = \(stat.cversion)\n"
            out += "  dataVersion = \(stat.version)\n"
            out += "  aclVersion = \(stat.aversion)\n"
            out += "  ephemeralOwner = \(javaHex(stat.ephemeralOwner))\n"
            if includeData {
                out += "  data = \(TxnDataFormat.base64(node.data ?? []))\n"
            } else {
                out += "  dataLength = \(node.data?.count ?? 0)\n"
            }
            emit(out)
            lastZxid = max(lastZxid, stat.mzxid, stat.pzxid)
        }
        emit("----\nSession Details (sid, timeout, ephemeralCount):\n")
        for session in snapshot.sessions {
            emit("\(javaHex(session.id.rawValue)), \(session.timeoutMs), \(tree.ephemeralPaths(of: session.id).count)\n")
        }
        let last = max(snapshot.zxid.rawValue, lastZxid)
        emit("----\nLast zxid: 0x\(String(UInt64(bitPattern: last), radix: 16))\n")
    }

    /// `writeFormatterText` into one string.
    public static func formatterText(_ snapshot: RestoredSnapshot, includeData: Bool) -> String {
        var out = ""
        writeFormatterText(snapshot, includeData: includeData) { out += $0 }
        return out
    }

    /// The summary, sessions and every node (unless `includeNodes` is false) as one JSON object:
    /// zxids and ids as `0x…` strings, the digest as a decimal string, data in base64 when
    /// `includeData`. Emitted in pieces.
    public static func writeJSON(_ snapshot: RestoredSnapshot, file: String, includeData: Bool,
                                 includeNodes: Bool = true, to emit: (String) -> Void) {
        let s = summary(of: snapshot, file: file)
        var out = "{"
        out += "\"file\":\(quote(s.file)),\"compression\":\(quote(s.compression == .none ? "none" : s.compression.rawValue)),"
        out += "\"uncompressedBytes\":\(s.byteCount),\"zxid\":\(quote(s.zxid.description)),"
        out += "\"lastProcessedZxid\":\(s.lastProcessedZxid.map { quote($0.description) } ?? "null"),"
        out += "\"nodeCount\":\(s.nodeCount),\"sessionCount\":\(s.sessionCount),\"ephemeralCount\":\(s.ephemeralCount),"
        out += "\"aclCount\":\(s.aclCount),\"dataBytes\":\(s.dataBytes),"
        out += "\"checksumValid\":\(s.checksumError == nil),"
        out += "\"checksumError\":\(s.checksumError.map { quote($0.description) } ?? "null"),"
        if let digest = s.digest {
            out += "\"digest\":{\"zxid\":\(quote(digest.zxid.description)),\"version\":\(digest.version),"
            out += "\"value\":\(quote(String(digest.value))),\"check\":\(quote(checkName(s.digestCheck)))},"
        } else {
            out += "\"digest\":null,"
        }
        out += "\"digestValid\":\(snapshot.digestValid),\"sessions\":["
        out += snapshot.sessions.map { session in
            "{\"id\":\(quote(session.id.description)),\"timeoutMs\":\(session.timeoutMs),"
                + "\"ephemeralCount\":\(snapshot.tree.ephemeralPaths(of: session.id).count)}"
        }.joined(separator: ",")
        guard includeNodes else {
            emit(out + "]}\n")
            return
        }
        out += "],\"nodes\":["
        emit(out)
        var first = true
        walk(snapshot) { path, node in
            let stat = node.stat
            var out = first ? "" : ","
            first = false
            out += "{\"path\":\(quote(path)),\"czxid\":\(quote(Zxid(stat.czxid).description)),"
            out += "\"ctime\":\(stat.ctime),\"mzxid\":\(quote(Zxid(stat.mzxid).description)),\"mtime\":\(stat.mtime),"
            out += "\"pzxid\":\(quote(Zxid(stat.pzxid).description)),\"cversion\":\(stat.cversion),"
            out += "\"dataVersion\":\(stat.version),\"aclVersion\":\(stat.aversion),"
            out += "\"ephemeralOwner\":\(quote(SessionID(stat.ephemeralOwner).description)),"
            out += "\"dataLength\":\(node.data?.count ?? 0),\"numChildren\":\(node.children.count)"
            if includeData { out += ",\"data\":\(node.data.map { quote(TxnDataFormat.base64($0)) } ?? "null")" }
            emit(out + "}")
        }
        emit("]}\n")
    }

    /// `writeJSON` into one string.
    public static func json(_ snapshot: RestoredSnapshot, file: String, includeData: Bool) -> String {
        var out = ""
        writeJSON(snapshot, file: file, includeData: includeData) { out += $0 }
        return out
    }

    // MARK: - Helpers

    /// Visits nodes depth-first from "/", children in the file's order when it was recorded,
    /// else by name.
    private static func walk(_ snapshot: RestoredSnapshot, _ visit: (String, DataNode) -> Void) {
        let tree = snapshot.tree
        var stack = [DataTree.rootPath]
        while let path = stack.popLast() {
            guard let node = tree.node(at: path) else { continue }
            visit(path, node)
            var names = snapshot.childOrder?[path] ?? []
            if names.count != node.children.count { names = node.children.sorted() }
            let prefix = path == DataTree.rootPath ? "" : path
            for name in names.reversed() { stack.append(prefix + "/" + name) }
        }
    }

    private static func checkName(_ check: SnapshotDigestCheck) -> String {
        switch check {
        case .absent: return "absent"
        case .empty: return "empty"
        case .matches: return "matches"
        case .mismatch: return "mismatch"
        case .deferred: return "deferred"
        case .stale: return "stale"
        case .unsupportedVersion: return "unsupportedVersion"
        }
    }

    /// Java's `String.format("%#016x", value)`: `0x` and at least 14 hex digits.
    static func javaHex(_ value: Int64) -> String {
        let digits = String(UInt64(bitPattern: value), radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 14 - digits.count)) + digits
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Java's `new Date(ms).toString()` in the local time zone: `Sun Nov 22 09:36:58 UTC 2026`.
    static func javaDate(_ epochMs: Int64) -> String {
        var seconds = time_t(epochMs >= 0 ? epochMs / 1000 : (epochMs - 999) / 1000)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return String(epochMs) }
        let zone = parts.tm_zone.map { String(cString: $0) } ?? "UTC"
        let two = { (v: Int32) in v < 10 ? "0\(v)" : "\(v)" }
        return "\(weekdays[Int(parts.tm_wday)]) \(months[Int(parts.tm_mon)]) \(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) \(zone) \(parts.tm_year + 1900)"
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String { JSONText.quoted(text) }
}
