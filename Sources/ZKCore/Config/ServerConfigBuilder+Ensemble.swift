/// The ensemble part of the builder: `group.N` / `weight.N` lines and the rules that hold only
/// when the configuration describes an ensemble (ZooKeeper's `QuorumHierarchical.parse` and
/// `QuorumPeerConfig.checkValidity`).
extension ServerConfigBuilder {
    /// `group.N=a:b:c`: the servers of one hierarchical group. Membership is checked in `finish`,
    /// once every `server.N` line is known.
    mutating func applyGroup(_ setting: ConfigSetting) throws(ConfigError) {
        let idText = setting.key.dropFirst("group.".count)
        guard let gid = Int64(idText), gid >= 0 else { throw setting.error("'\(idText)' is not a valid group id") }
        if let earlier = groupSettings[gid], case .line = earlier.origin, case .line = setting.origin {
            throw setting.error("group id \(gid) is already defined at \(earlier.origin)")
        }
        var members: [ServerID] = []
        for part in setting.value.split(separator: ":", omittingEmptySubsequences: false) {
            let text = ConfigFile.trimmed(String(part))
            guard let sid = Int64(text), sid >= 0 else {
                throw setting.error("'\(text)' is not a server id (expected id:id:…)")
            }
            members.append(ServerID(sid))
        }
        if groupSettings[gid] == nil { groupOrder.append(gid) }
        groups[gid] = members
        groupSettings[gid] = setting
    }

    /// `weight.N=w`: the voting weight of server N in a hierarchical quorum; 0 takes its vote away.
    mutating func applyWeight(_ setting: ConfigSetting) throws(ConfigError) {
        let idText = setting.key.dropFirst("weight.".count)
        guard let raw = Int64(idText), raw >= 0 else { throw setting.error("'\(idText)' is not a valid server id") }
        let sid = ServerID(raw)
        if let earlier = weightSettings[sid], case .line = earlier.origin, case .line = setting.origin {
            throw setting.error("weight of server \(raw) is already defined at \(earlier.origin)")
        }
        guard let weight = Int64(setting.value), weight >= 0 else {
            throw setting.error("'\(setting.value)' is not a valid weight (a whole number, 0 or more)")
        }
        weights[sid] = weight
        weightSettings[sid] = setting
    }

    /// The rules of a hierarchical quorum, which `group.N` or `weight.N` lines switch on:
    /// - a group names known participants only, and a server is in one group at most (ZooKeeper
    ///   throws "Server N is in multiple groups"; for an unknown server or an observer it fails
    ///   later with a NullPointerException, here it is a located error);
    /// - a weight names a known server (ZooKeeper ignores a stray weight; swzk treats it as the typo
    ///   it almost certainly is);
    /// - every participant is in a group ("Server N is not in a group"); observers need none;
    /// - at least one participant carries weight, or no quorum could ever form.
    mutating func checkHierarchy() throws(ConfigError) {
        guard !groups.isEmpty || !weights.isEmpty else { return }
        var groupOf: [ServerID: Int64] = [:]
        for gid in groupOrder {
            guard let members = groups[gid], let setting = groupSettings[gid] else { continue }
            for sid in members {
                guard let server = servers[sid] else { throw setting.error("server \(sid) has no server.\(sid) line") }
                guard server.role == .participant else {
                    throw setting.error("server \(sid) is an observer; only participants belong to a group")
                }
                if let other = groupOf[sid] {
                    if other == gid { throw setting.error("server \(sid) is listed twice") }
                    let location = groupSettings[other].map { " at \($0.origin)" } ?? ""
                    throw setting.error("server \(sid) is already in group.\(other)\(location); a server belongs to one group")
                }
                groupOf[sid] = gid
            }
        }
        for sid in weights.keys.sorted() where servers[sid] == nil {
            if let setting = weightSettings[sid] { throw setting.error("server \(sid) has no server.\(sid) line") }
        }
        for server in config.servers where server.role == .participant && groupOf[server.id] == nil {
            let problem = "server \(server.id) is in no group; with group.N lines every participant must be in one"
            throw serverSettings[server.id]?.error(problem)
                ?? ConfigError(origin: source, key: "server.\(server.id)", problem: problem)
        }
        if !config.servers.isEmpty && config.quorumVerifier.votingMembers.isEmpty {
            let problem = "no participant carries weight, so no quorum can form"
            throw ConfigError(origin: source, key: weights.isEmpty ? "group" : "weight", problem: problem)
        }
    }

    /// What an ensemble member needs beyond a standalone server (ZooKeeper's
    /// `QuorumPeerConfig.checkValidity`, plus the membership check ZooKeeper makes only when the
    /// peer starts): `initLimit`, `syncLimit`, and a `myid` that names one of the `server.N` lines.
    func checkEnsemble() throws(ConfigError) {
        guard ensembleChecks, config.mode == .ensemble else { return }
        if config.initLimit == nil {
            throw applied["initLimit"]?.error("must be more than 0 in an ensemble")
                ?? ConfigError(origin: source, key: "initLimit", problem: "missing; an ensemble needs it (ticks to connect and sync)")
        }
        if config.syncLimit == nil {
            throw applied["syncLimit"]?.error("must be more than 0 in an ensemble")
                ?? ConfigError(origin: source, key: "syncLimit", problem: "missing; an ensemble needs it (ticks a follower may lag)")
        }
        guard let id = config.serverID else {
            throw ConfigError(
                origin: .file(config.myidPath), key: nil,
                problem: "missing; every ensemble member needs its server id (the N of its server.N line) in this file")
        }
        guard config.servers.contains(where: { $0.id == id }) else {
            let listed = config.servers.map { String($0.id.rawValue) }.joined(separator: ", ")
            throw ConfigError(
                origin: .line(file: config.myidPath, line: 1), key: nil,
                problem: "server id \(id) has no server.\(id) line in \(source) (servers: \(listed))")
        }
    }
}
