import Foundation

/// The files of a `swzk cluster-local` ensemble: `root/n<I>/zoo.cfg` and `root/n<I>/data/myid`.
public enum LocalClusterFiles {
    /// The plan of an ensemble already laid out under `root` (a second run on one `--dir`), read
    /// from its zoo.cfg and myid files; nil when `root/n1/zoo.cfg` does not exist. The counts
    /// asked for must match what is there.
    public static func existingPlan(root: String, voters: Int, observers: Int) throws -> LocalClusterPlan? {
        let first = root + "/n1/zoo.cfg"
        guard FileManager.default.fileExists(atPath: first) else { return nil }
        let servers = try ServerConfig.load(path: first).config.servers
        let foundVoters = servers.filter { $0.role == .participant }.count
        guard foundVoters == voters, servers.count - foundVoters == observers else {
            throw LocalClusterError("\(root) holds an ensemble of \(foundVoters) voters and "
                                    + "\(servers.count - foundVoters) observers, not \(voters) and \(observers)")
        }
        var members: [LocalClusterPlan.Member] = []
        for server in servers {
            let id = Int(server.id.rawValue)
            let directory = root + "/n\(id)"
            let config = try ServerConfig.load(path: directory + "/zoo.cfg").config
            guard config.serverID == server.id else {
                throw LocalClusterError("\(directory)/data/myid does not hold \(id)")
            }
            guard let clientPort = config.clientPort else {
                throw LocalClusterError("\(directory)/zoo.cfg has no clientPort")
            }
            // A member's own ports come from its own zoo.cfg: the others' files may name it at
            // other addresses (the fault harness puts a proxy between every pair of members).
            let own = config.servers.first { $0.id == server.id } ?? server
            members.append(LocalClusterPlan.Member(
                id: id, observer: server.role == .observer, clientPort: clientPort, quorumPort: own.quorumPort,
                electionPort: own.electionPort, directory: directory))
        }
        return LocalClusterPlan(root: root, existing: members)
    }

    /// Checks each member's configuration as `swzk server` will read it: from the plan for a new
    /// ensemble, from its zoo.cfg for an existing one. Returns member 1's.
    public static func checkSettings(_ plan: LocalClusterPlan) throws -> ServerConfig {
        guard plan.settings.isEmpty else { return try plan.checkSettings() }
        var first: ServerConfig?
        for member in plan.members {
            let config = try ServerConfig.load(path: member.configPath).config
            if first == nil { first = config }
        }
        return first!
    }

    /// Writes each member's zoo.cfg and myid, leaving files that already exist as they are.
    public static func write(_ plan: LocalClusterPlan) throws {
        let manager = FileManager.default
        for member in plan.members {
            try manager.createDirectory(atPath: member.dataDir, withIntermediateDirectories: true)
            if !manager.fileExists(atPath: member.configPath) {
                try plan.zooCfg(for: member).write(toFile: member.configPath, atomically: true, encoding: .utf8)
            }
            if !manager.fileExists(atPath: member.myidPath) {
                try "\(member.id)\n".write(toFile: member.myidPath, atomically: true, encoding: .utf8)
            }
        }
    }
}
