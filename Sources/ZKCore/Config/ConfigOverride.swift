/// A `key=value` setting given on the command line (`-D zookeeper.jute.maxbuffer=4194304`), applied
/// after zoo.cfg so it wins, like a JVM `-D` system property does in ZooKeeper.
///
/// The `zookeeper.` prefix is optional for every key, so `-D jute.maxbuffer=…`,
/// `-D zookeeper.jute.maxbuffer=…`, `-D clientPort=…` and `-D server.1=…` all work.
public struct ConfigOverride: Sendable, Equatable {
    /// The key as the user typed it.
    public var key: String
    public var value: String
    /// The flag named in messages, e.g. `-D`.
    public var flag: String

    public init(key: String, value: String, flag: String = "-D") {
        self.key = key
        self.value = value
        self.flag = flag
    }

    /// Splits one `key=value` argument at its first `=`, trimming both sides.
    public init(argument: String, flag: String = "-D") throws(ConfigError) {
        guard let equals = argument.firstIndex(of: "=") else {
            throw ConfigError(origin: .argument(flag), key: argument, problem: "expected key=value")
        }
        let key = ConfigFile.trimmed(String(argument[..<equals]))
        guard !key.isEmpty else {
            throw ConfigError(origin: .argument(flag), key: argument, problem: "expected key=value")
        }
        self.init(key: key, value: ConfigFile.trimmed(String(argument[argument.index(after: equals)...])), flag: flag)
    }
}

/// A parsed server configuration together with the warnings found on the way and the name of its source.
public struct ParsedServerConfig: Sendable, Equatable {
    public var config: ServerConfig
    /// One line per ignored key or adjusted value, each naming file:line (or flag) and key.
    public var warnings: [String]
    /// The file name, or the description of the embedded default.
    public var source: String

    public init(config: ServerConfig, warnings: [String], source: String) {
        self.config = config
        self.warnings = warnings
        self.source = source
    }

    public var mode: DeploymentMode { config.mode }

}
