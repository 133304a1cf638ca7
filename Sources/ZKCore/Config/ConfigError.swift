/// Where a configuration value came from: a line of a file, a whole file, or a command-line argument.
///
/// Every configuration error and warning names its origin so the user can find and fix it
/// (DESIGN §6: bad user input is a one-line message naming the file, line or argument).
public enum ConfigOrigin: Sendable, Hashable, CustomStringConvertible {
    /// A line of a configuration file (1-based).
    case line(file: String, line: Int)
    /// A whole file, for problems not tied to one line (a required key that is absent).
    case file(String)
    /// A command-line argument such as `-D`, named by its flag.
    case argument(String)
    /// The built-in default configuration.
    case embeddedDefault

    public var description: String {
        switch self {
        case .line(let file, let line): "\(file):\(line)"
        case .file(let file): file
        case .argument(let flag): flag
        case .embeddedDefault: "embedded default config"
        }
    }
}

/// A configuration problem that stops the server from starting: invalid value, missing key,
/// malformed `server.N` line, unsupported deployment.
///
/// `description` is exactly one line, e.g. `zoo.cfg:3: clientPort: 'abc' is not a valid port number`,
/// or `-D zookeeper.jute.maxbuffer: 'x' is not a valid integer` for a command-line override.
/// Counterpart of ZooKeeper's `QuorumPeerConfig.ConfigException`, with the location added.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Where the offending value was written.
    public var origin: ConfigOrigin
    /// The key as the user spelled it, when the problem belongs to one key.
    public var key: String?
    /// What is wrong, without location.
    public var problem: String

    public init(origin: ConfigOrigin, key: String?, problem: String) {
        self.origin = origin
        self.key = key
        self.problem = problem
    }

    public var description: String {
        ConfigError.format(origin: origin, key: key, text: problem)
    }

    /// Renders `origin: key: text` on one line; arguments read `-D key: text`.
    static func format(origin: ConfigOrigin, key: String?, text: String) -> String {
        let flat = text.replacing("\r\n", with: " ").replacing("\n", with: " ").replacing("\r", with: " ")
        guard let key else { return "\(origin): \(flat)" }
        if case .argument(let flag) = origin {
            return "\(flag) \(key): \(flat)"
        }
        return "\(origin): \(key): \(flat)"
    }
}
