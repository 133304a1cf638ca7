/// Applies settings one by one to a `ServerConfig`, then checks the cross-key rules.
///
/// Counterpart of ZooKeeper's `QuorumPeerConfig.parseProperties` + `setupQuorumPeerConfig`, with
/// the keys ZooKeeper exports as `zookeeper.*` system properties handled here as typed fields.
struct ServerConfigBuilder {
    /// Sets the field(s) of one canonical key from a setting, or throws a located error.
    typealias Handler = @Sendable (inout ServerConfigBuilder, ConfigSetting) throws(ConfigError) -> Void

    var config: ServerConfig
    var warnings: [String] = []
    /// Names the config's source for problems not tied to a line (a missing required key).
    let source: ConfigOrigin
    /// The last setting applied for each canonical key, to locate cross-key errors.
    var applied: [String: ConfigSetting] = [:]
    /// When each canonical key was last applied (a counter), to name the latest of clashing keys.
    var appliedOrder: [String: Int] = [:]
    private var appliedCount = 0
    /// `4lw.commands.whitelist`, expanded in `finish` once `readonlymode.enabled` is known.
    var whitelist: ConfigSetting?
    var servers: [ServerID: QuorumServer]
    var serverSettings: [ServerID: ConfigSetting] = [:]
    /// `group.N` lines by group id, members in the order written.
    var groups: [Int64: [ServerID]]
    var groupSettings: [Int64: ConfigSetting] = [:]
    /// False only while `load` looks for `myid`: then an ensemble without one is not yet an error.
    var ensembleChecks = true
    /// Group ids in the order their lines were first applied, so errors name the later line.
    var groupOrder: [Int64] = []
    /// `weight.N` lines by server id.
    var weights: [ServerID: Int64]
    var weightSettings: [ServerID: ConfigSetting] = [:]

    init(base: ServerConfig, source: ConfigOrigin) {
        config = base
        self.source = source
        servers = Dictionary(base.servers.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        groups = base.groups
        weights = base.weights
        groupOrder = base.groups.keys.sorted()
    }

    /// Applies one setting; unknown keys only add a warning.
    mutating func apply(_ setting: ConfigSetting) throws(ConfigError) {
        if let handler = ConfigKeys.handlers[setting.key] {
            try handler(&self, setting)
            applied[setting.key] = setting
            appliedCount += 1
            appliedOrder[setting.key] = appliedCount
        } else if setting.key.hasPrefix("server.") {
            try applyServer(setting)
        } else if setting.key.hasPrefix("group.") {
            try applyGroup(setting)
        } else if setting.key.hasPrefix("weight.") {
            try applyWeight(setting)
        } else if setting.key.hasPrefix("metricsProvider.") {
            // swzk has its own metrics (mntr); ZooKeeper's metrics provider settings are accepted silently.
        } else if setting.key == "dynamicConfigFile" {
            throw setting.error("dynamic configuration files are not supported yet")
        } else if ConfigKeys.isUnsupported(setting.key) {
            warnings.append(setting.warning("not supported by swzk yet, ignored"))
        } else {
            warnings.append(setting.warning("unknown key, ignored"))
        }
    }

    /// `server.N=…`: one ensemble member.
    private mutating func applyServer(_ setting: ConfigSetting) throws(ConfigError) {
        let idText = setting.key.dropFirst("server.".count)
        guard let raw = Int64(idText), raw >= 0 else {
            throw setting.error("'\(idText)' is not a valid server id")
        }
        let id = ServerID(raw)
        if let earlier = serverSettings[id], case .line = earlier.origin, case .line = setting.origin {
            throw setting.error("server id \(raw) is already defined at \(earlier.origin)")
        }
        do {
            servers[id] = try QuorumServer.parse(id: id, value: setting.value)
        } catch {
            throw setting.error(error.problem)
        }
        serverSettings[id] = setting
    }

    /// Runs the checks that involve several keys and returns the finished configuration.
    mutating func finish() throws(ConfigError) -> ServerConfig {
        config.servers = servers.values.sorted { $0.id < $1.id }
        try checkDirectories()
        try checkClientPorts()
        try checkSessionTimeouts()
        config.groups = groups
        config.weights = weights
        try checkServers()
        try checkHierarchy()
        try checkEnsemble()
        try checkServerID()
        finishWhitelist()
        return config
    }

    private func checkDirectories() throws(ConfigError) {
        guard config.dataDir.isEmpty else { return }
        if let logDir = applied["dataLogDir"] { throw logDir.error("dataLogDir is set but dataDir is not") }
        throw ConfigError(origin: source, key: "dataDir", problem: "missing; ZooKeeper requires a data directory")
    }

    private func checkClientPorts() throws(ConfigError) {
        if config.clientPort == nil, let address = applied["clientPortAddress"] {
            throw address.error("clientPortAddress is set but clientPort is not")
        }
        if config.secureClientPort == nil, let address = applied["secureClientPortAddress"] {
            throw address.error("secureClientPortAddress is set but secureClientPort is not")
        }
        let serverClientPort = config.servers.contains { $0.clientAddress != nil || $0.secureClientAddress != nil }
        if config.clientPort == nil && config.secureClientPort == nil && !serverClientPort {
            throw ConfigError(
                origin: source, key: "clientPort",
                problem: "missing; set clientPort (or a client port in this server's server.N line)")
        }
    }

    /// ZooKeeper compares the effective values, so a large minimum can clash with the derived maximum.
    private func checkSessionTimeouts() throws(ConfigError) {
        let minimum = config.sessionTimeoutMin
        let maximum = config.sessionTimeoutMax
        guard minimum > maximum else { return }
        let culprit = ["minSessionTimeout", "maxSessionTimeout", "tickTime"]
            .compactMap { key in appliedOrder[key].map { (key, $0) } }
            .max { $0.1 < $1.1 }
            .flatMap { applied[$0.0] }
        let problem = "minSessionTimeout (\(ConfigKeys.milliseconds(minimum)) ms) is larger than "
            + "maxSessionTimeout (\(ConfigKeys.milliseconds(maximum)) ms)"
        throw culprit?.error(problem) ?? ConfigError(origin: source, key: "minSessionTimeout", problem: problem)
    }

    /// The member-count rules of `QuorumPeerConfig.parseDynamicConfig`.
    private mutating func checkServers() throws(ConfigError) {
        guard let first = config.servers.first else { return }
        let participants = config.servers.filter { $0.role == .participant }.count
        let observers = config.servers.count - participants
        let firstSetting = serverSettings[first.id]
        func fail(_ problem: String) -> ConfigError {
            firstSetting?.error(problem) ?? ConfigError(origin: source, key: "server.\(first.id)", problem: problem)
        }
        if participants == 0 { throw fail("observers without participants") }
        if participants == 1 && observers > 0 && config.standaloneEnabled {
            throw fail("observers without a quorum: one participant runs standalone")
        }
        // As in `QuorumPeerConfig.setupPeerType`, the server list decides this server's role.
        if let own = config.servers.first(where: { $0.id == config.serverID }), own.role != config.peerType {
            if let peerType = applied["peerType"] {
                warnings.append(peerType.warning(
                    "'\(peerType.value)' disagrees with server.\(own.id); using \(own.role.rawValue)"))
            }
            config.peerType = own.role
        }
    }

    /// With extended types the server id must leave the top session-id byte below 0xFF (client-protocol.md §2.1).
    private func checkServerID() throws(ConfigError) {
        guard config.extendedTypesEnabled, let id = config.serverID, id.rawValue > 254 else { return }
        let setting = applied["extendedTypesEnabled"]
        let problem = "server id \(id) is above 254, the largest allowed with extended types"
        throw setting?.error(problem) ?? ConfigError(origin: source, key: "myid", problem: problem)
    }

    /// Expands the whitelist as ZooKeeper's `FourLetterCommands.isEnabled` does: comma list, `*` = all,
    /// `srvr` always, `isro` when read-only mode is on.
    private mutating func finishWhitelist() {
        if let whitelist {
            var words: Set<String> = []
            for item in whitelist.value.split(separator: ",") {
                let word = ConfigFile.trimmed(String(item))
                if word == "*" {
                    words = ServerConfig.fourLetterWordsAll
                    break
                }
                guard !word.isEmpty else { continue }
                if ServerConfig.fourLetterWordsAll.contains(word) {
                    words.insert(word)
                } else {
                    warnings.append(whitelist.warning("unknown four-letter word '\(word)', ignored"))
                }
            }
            words.insert("srvr")
            config.fourLetterWordWhitelist = words
        }
        if config.readOnlyModeEnabled { config.fourLetterWordWhitelist.insert("isro") }
    }
}
