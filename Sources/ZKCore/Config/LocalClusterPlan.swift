/// A bad `swzk cluster-local` request: one line for the user, exit status 2.
public struct LocalClusterError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The members of a `swzk cluster-local` ensemble and the zoo.cfg each one runs with.
///
/// Pure: ports, directories and settings come in, zoo.cfg text goes out. Member i (1-based) lives
/// in `root/n<i>` with `zoo.cfg` and `data/myid`; voters come first, then observers.
public struct LocalClusterPlan: Sendable, Equatable {
    /// One member: its id (the N of `server.N` and of `myid`), role and ports.
    public struct Member: Sendable, Equatable {
        public var id: Int
        public var observer: Bool
        public var clientPort: Int
        public var quorumPort: Int
        public var electionPort: Int
        public var directory: String

        public init(id: Int, observer: Bool, clientPort: Int, quorumPort: Int, electionPort: Int, directory: String) {
            self.id = id
            self.observer = observer
            self.clientPort = clientPort
            self.quorumPort = quorumPort
            self.electionPort = electionPort
            self.directory = directory
        }

        /// `n1`, `n2`…: the prefix of its log lines.
        public var name: String { "n\(id)" }
        public var configPath: String { directory + "/zoo.cfg" }
        public var dataDir: String { directory + "/data" }
        public var myidPath: String { dataDir + "/myid" }
        public var ports: [Int] { [clientPort, quorumPort, electionPort] }
    }

    public var root: String
    public var members: [Member]
    /// zoo.cfg keys besides the per-member ones, in file order (defaults, then `-D`).
    public var settings: [(key: String, value: String)]
    /// The `-D` settings as given, to check them with their own names in messages.
    public var overrides: [ConfigOverride]

    public static func == (a: LocalClusterPlan, b: LocalClusterPlan) -> Bool {
        a.root == b.root && a.members == b.members && a.overrides == b.overrides
            && a.settings.map { "\($0.key)=\($0.value)" } == b.settings.map { "\($0.key)=\($0.value)" }
    }

    /// A fresh plan. `ports` holds 3 × (voters + observers) ports: first every client port, then
    /// every quorum port, then every election port (so `--base-port P` gives client ports P, P+1…).
    public init(root: String, voters: Int, observers: Int, ports: [Int], tickTimeMs: Int,
                overrides: [ConfigOverride]) {
        let count = voters + observers
        precondition(ports.count == 3 * count, "three ports per member")
        self.root = root
        members = (0..<count).map { i in
            Member(id: i + 1, observer: i >= voters, clientPort: ports[i], quorumPort: ports[count + i],
                   electionPort: ports[2 * count + i], directory: root + "/n\(i + 1)")
        }
        var settings: [(key: String, value: String)] = [
            ("tickTime", String(tickTimeMs)), ("initLimit", "10"), ("syncLimit", "5"),
            ("4lw.commands.whitelist", "*"),
        ]
        // One voter would run standalone (srvr: "Mode: standalone", no observers allowed); a
        // one-member quorum elects itself leader like any ensemble.
        if voters == 1 { settings.append(("standaloneEnabled", "false")) }
        for override in overrides {
            let key = ConfigKeys.canonical(override.key, fromArgument: true)
            if let index = settings.firstIndex(where: { $0.key == key }) {
                settings[index].value = override.value
            } else {
                settings.append((key, override.value))
            }
        }
        self.settings = settings
        self.overrides = overrides
    }

    /// A plan for members whose zoo.cfg files already exist (a second run on the same `--dir`).
    public init(root: String, existing members: [Member]) {
        self.root = root
        self.members = members
        settings = []
        overrides = []
    }

    /// The ports of `--base-port P`, in the order `init` takes them.
    public static func basePorts(_ base: Int, members: Int) -> [Int] {
        Array(base..<(base + 3 * members))
    }

    /// Checks the member counts: 1...9 voters, observers not negative, at most 16 members.
    public static func checkCounts(voters: Int, observers: Int) throws(LocalClusterError) {
        guard voters >= 1 && voters <= Limits.localClusterVotersMax else {
            throw LocalClusterError("N: \(voters) voters; give 1 to \(Limits.localClusterVotersMax)")
        }
        guard observers >= 0 else { throw LocalClusterError("--observers: \(observers) must not be negative") }
        guard voters + observers <= Limits.localClusterMembersMax else {
            throw LocalClusterError("--observers: \(voters) voters and \(observers) observers are more than "
                                    + "\(Limits.localClusterMembersMax) members")
        }
    }

    /// The zoo.cfg keys cluster-local writes per member, which `-D` must not change.
    static let ownKeys: Set<String> = [
        "dataDir", "dataLogDir", "clientPort", "clientPortAddress", "secureClientPort",
        "secureClientPortAddress", "peerType", "standaloneEnabled", "dynamicConfigFile", "reconfigEnabled",
    ]

    /// Checks each `-D key=value`: a key swzk's config parser knows, not one cluster-local sets
    /// per member; values are checked by `checkSettings`.
    public static func checkOverrides(_ overrides: [ConfigOverride]) throws(LocalClusterError) {
        for override in overrides {
            let key = ConfigKeys.canonical(override.key, fromArgument: true)
            if ownKeys.contains(key) || key.hasPrefix("server.") {
                throw LocalClusterError("-D \(override.key): set by cluster-local for each member")
            }
            guard ConfigKeys.isKnown(key) else {
                throw LocalClusterError("-D \(override.key): unknown zoo.cfg key")
            }
        }
    }

    /// Parses every member's configuration as `swzk server` will, `-D` values named as such in
    /// errors; returns member 1's, which holds the timing every member shares.
    public func checkSettings() throws(ConfigError) -> ServerConfig {
        var first: ServerConfig?
        for member in members {
            let parsed = try ServerConfig.parse(text: zooCfg(for: member, withOverrides: false), file: member.configPath,
                                                overrides: overrides, myid: ServerID(Int64(member.id)))
            if first == nil { first = parsed.config }
        }
        return first!
    }

    /// How long a fresh start may take before it is an error: initLimit × tickTime plus a margin.
    public static func startupDeadlineMs(_ config: ServerConfig) -> Int {
        Int(ConfigKeys.milliseconds(config.tickTime)) * (config.initLimit ?? 10) + Limits.localClusterStartMarginMs
    }

    /// The zoo.cfg of `member`.
    public func zooCfg(for member: Member) -> String {
        zooCfg(for: member, withOverrides: true)
    }

    private func zooCfg(for member: Member, withOverrides: Bool) -> String {
        let voters = members.filter { !$0.observer }.count
        var lines = ["# swzk cluster-local: member \(member.id) of \(voters) voters and "
                     + "\(members.count - voters) observers"]
        let own = Set(overrides.map { ConfigKeys.canonical($0.key, fromArgument: true) })
        for (key, value) in settings where withOverrides || !own.contains(key) {
            lines.append("\(key)=\(value)")
        }
        lines += ["dataDir=\(member.dataDir)", "clientPort=\(member.clientPort)", "clientPortAddress=127.0.0.1"]
        if member.observer { lines.append("peerType=observer") }
        for other in members {
            lines.append("server.\(other.id)=127.0.0.1:\(other.quorumPort):\(other.electionPort)"
                         + (other.observer ? ":observer" : ""))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `127.0.0.1:p1,127.0.0.1:p2,…`: every member's client port, for `swzk client -server`.
    public var connectString: String {
        members.map { "127.0.0.1:\($0.clientPort)" }.joined(separator: ",")
    }

    /// Member `id`, if there is one.
    public func member(_ id: Int) -> Member? { members.first { $0.id == id } }
}
