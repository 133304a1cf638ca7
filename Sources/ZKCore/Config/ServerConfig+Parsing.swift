extension ServerConfig {
    /// Builds a configuration from a parsed zoo.cfg and `-D` overrides (which win), given the
    /// server's `myid` if known. Pure: `load(path:overrides:)` is the variant that reads the files.
    ///
    /// Unknown keys are not errors; each yields a warning naming file:line and key. Invalid values,
    /// a missing `dataDir` and malformed `server.N` lines throw a one-line `ConfigError`.
    public static func parse(
        _ file: ConfigFile, overrides: [ConfigOverride] = [], myid: ServerID? = nil
    ) throws(ConfigError) -> ParsedServerConfig {
        try parse(file, overrides: overrides, myid: myid, ensembleChecks: true)
    }

    /// `parse(_:overrides:myid:)`, optionally without the ensemble rules (for `load`'s first
    /// pass, which only looks for the data directory holding `myid`).
    static func parse(
        _ file: ConfigFile, overrides: [ConfigOverride], myid: ServerID?, ensembleChecks: Bool
    ) throws(ConfigError) -> ParsedServerConfig {
        var base = ServerConfig(dataDir: "")
        base.serverID = myid
        var builder = ServerConfigBuilder(base: base, source: .file(file.name))
        builder.ensembleChecks = ensembleChecks
        for entry in file.entries {
            try builder.apply(ConfigSetting(
                rawKey: entry.key, key: ConfigKeys.canonical(entry.key, fromArgument: false), value: entry.value,
                origin: .line(file: file.name, line: entry.line)))
        }
        return try finish(&builder, overrides: overrides, source: file.name)
    }

    /// Parses zoo.cfg text; `file` names it in messages.
    public static func parse(
        text: String, file: String, overrides: [ConfigOverride] = [], myid: ServerID? = nil
    ) throws(ConfigError) -> ParsedServerConfig {
        try parse(ConfigFile(parsing: text, name: file), overrides: overrides, myid: myid)
    }

    /// This configuration with `-D` overrides applied and checked again, e.g. on top of
    /// `embeddedDefault(dataDir:)` when no zoo.cfg is given.
    public func applying(_ overrides: [ConfigOverride], myid: ServerID? = nil) throws(ConfigError) -> ParsedServerConfig {
        var base = self
        if let myid { base.serverID = myid }
        var builder = ServerConfigBuilder(base: base, source: .embeddedDefault)
        return try ServerConfig.finish(&builder, overrides: overrides, source: "\(ConfigOrigin.embeddedDefault)")
    }

    /// Reads the server id from the text of `<dataDir>/myid`: the first line, a decimal number
    /// (ZooKeeper's `QuorumPeerConfig.setupMyId`; swzk also tolerates surrounding blanks).
    public static func parseMyid(_ text: String, file: String) throws(ConfigError) -> ServerID {
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let value = ConfigFile.trimmed(String(firstLine))
        guard let id = Int64(value), id >= 0 else {
            throw ConfigError(origin: .line(file: file, line: 1), key: nil, problem: "'\(value)' is not a valid server id")
        }
        return ServerID(id)
    }

    private static func finish(
        _ builder: inout ServerConfigBuilder, overrides: [ConfigOverride], source: String
    ) throws(ConfigError) -> ParsedServerConfig {
        for override in overrides {
            try builder.apply(ConfigSetting(
                rawKey: override.key, key: ConfigKeys.canonical(override.key, fromArgument: true),
                value: override.value, origin: .argument(override.flag)))
        }
        let config = try builder.finish()
        return ParsedServerConfig(config: config, warnings: builder.warnings, source: source)
    }
}
