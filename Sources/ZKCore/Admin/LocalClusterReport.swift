/// What `srvr` says about a member: the lines `swzk cluster-local` shows.
public struct SrvrSummary: Sendable, Equatable {
    /// `leader`, `follower`, `observer` or `standalone`; nil when the answer has no `Mode:` line
    /// (a member without a leader answers "not currently serving requests").
    public var mode: String?
    /// The `Zxid:` value as printed, e.g. `0x100000002`.
    public var zxid: String?
    public var connections: Int?

    public init(mode: String? = nil, zxid: String? = nil, connections: Int? = nil) {
        self.mode = mode
        self.zxid = zxid
        self.connections = connections
    }

    /// Reads the `Mode:`, `Zxid:` and `Connections:` lines of a `srvr` answer.
    public init(parsing text: String) {
        self.init()
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingPrefix(" ")
            switch line[..<colon] {
            case "Mode": mode = String(value)
            case "Zxid": zxid = String(value)
            case "Connections": connections = Int(value)
            default: break
            }
        }
    }
}

/// One line of the member table.
public struct LocalClusterRow: Sendable, Equatable {
    public var id: Int
    /// The srvr mode, or `down` (no process), `paused` (stopped by SIGSTOP), `starting` (running,
    /// not serving yet).
    public var role: String
    public var clientPort: Int
    public var pid: Int32?
    public var zxid: String?
    public var connections: Int?
    public var dataDir: String

    public init(id: Int, role: String, clientPort: Int, pid: Int32?, zxid: String? = nil, connections: Int? = nil,
                dataDir: String) {
        self.id = id
        self.role = role
        self.clientPort = clientPort
        self.pid = pid
        self.zxid = zxid
        self.connections = connections
        self.dataDir = dataDir
    }

    /// The role a member has given its process state and its srvr answer.
    public static func role(running: Bool, paused: Bool, srvr: SrvrSummary?) -> String {
        guard running else { return "down" }
        if paused { return "paused" }
        return srvr?.mode ?? "starting"
    }
}

/// Renders `swzk cluster-local`'s member table, as aligned text or as one JSON line.
public enum LocalClusterReport {
    /// The table; `live` adds the zxid and connection columns of `status`.
    public static func table(_ rows: [LocalClusterRow], live: Bool) -> String {
        var lines: [[String]] = [live ? ["ID", "ROLE", "CLIENT", "PID", "ZXID", "CONNS", "DATA"]
                                      : ["ID", "ROLE", "CLIENT", "PID", "DATA"]]
        for row in rows {
            let pid = row.pid.map { String($0) } ?? "-"
            lines.append(live
                ? [String(row.id), row.role, String(row.clientPort), pid, row.zxid ?? "-",
                   row.connections.map { String($0) } ?? "-", row.dataDir]
                : [String(row.id), row.role, String(row.clientPort), pid, row.dataDir])
        }
        var widths = [Int](repeating: 0, count: lines[0].count)
        for line in lines {
            for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        return lines.map { line in
            line.enumerated().map { i, cell in
                i == line.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }

    /// `{"connect":…,"dir":…,"leader":…,"members":[…]}` on one line.
    public static func json(connect: String, dir: String, rows: [LocalClusterRow]) -> String {
        let leader = rows.first { $0.role == "leader" }.map { String($0.id) } ?? "null"
        let members = rows.map { row in
            var fields = ["\"id\":\(row.id)", "\"role\":" + JSONText.quoted(row.role), "\"clientPort\":\(row.clientPort)",
                          "\"pid\":" + (row.pid.map { String($0) } ?? "null")]
            fields.append("\"zxid\":" + (row.zxid.map(JSONText.quoted) ?? "null"))
            fields.append("\"connections\":" + (row.connections.map { String($0) } ?? "null"))
            fields.append("\"dataDir\":" + JSONText.quoted(row.dataDir))
            return "{" + fields.joined(separator: ",") + "}"
        }
        return "{\"connect\":" + JSONText.quoted(connect) + ",\"dir\":" + JSONText.quoted(dir)
            + ",\"leader\":\(leader),\"members\":[" + members.joined(separator: ",") + "]}\n"
    }
}
