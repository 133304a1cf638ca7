#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ServerConfig {
    /// Reads zoo.cfg at `path` and `<dataDir>/myid` (when present), then builds the configuration
    /// with `parse(_:overrides:myid:)`. The only file I/O of the config layer.
    ///
    /// Messages name `path` as given, e.g. `conf/zoo.cfg:3: clientPort: 'abc' is not a valid port number`.
    public static func load(path: String, overrides: [ConfigOverride] = []) throws(ConfigError) -> ParsedServerConfig {
        let file = try ConfigFile(parsing: readText(path), name: path)
        // A first pass finds dataDir (which an override may set); the ensemble rules need myid,
        // so they wait for the second pass.
        let located = try parse(file, overrides: overrides, myid: nil, ensembleChecks: false)
        let myidPath = located.config.myidPath
        guard FileManager.default.fileExists(atPath: myidPath) else { return try parse(file, overrides: overrides) }
        let myid = try parseMyid(readText(myidPath), file: myidPath)
        return try parse(file, overrides: overrides, myid: myid)
    }

    /// The file's text as UTF-8 (Latin-1 when it is not valid UTF-8, Java's `Properties.load` charset).
    private static func readText(_ path: String) throws(ConfigError) -> String {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory else {
            throw ConfigError(origin: .file(path), key: nil, problem: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(origin: .file(path), key: nil, problem: "cannot be read")
        }
        if let text = String(data: data, encoding: .utf8) { return text }
        return String(decoding: data.map { UInt16($0) }, as: UTF16.self)
    }
}
