#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a data directory cannot be used; the message is one line for the operator.
public struct DataDirectoryError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The snapshot and log directories of a server (`<dataDir>/version-2`, `<dataLogDir>/version-2`)
/// and the start-up checks ZooKeeper makes on them (`FileTxnSnapLog`'s constructor).
public struct DataDirectory: Sendable, Equatable {
    public let dataDir: String
    public let dataLogDir: String
    /// Where snapshots live.
    public var snapDir: String { dataDir + "/version-2" }
    /// Where txn logs live.
    public var logDir: String { dataLogDir + "/version-2" }

    public init(dataDir: String, dataLogDir: String) {
        self.dataDir = Self.trimmed(dataDir)
        self.dataLogDir = Self.trimmed(dataLogDir)
    }

    private static func trimmed(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// Creates missing directories, refuses mixed-up ones, and consumes the `initialize` marker.
    /// Returns whether the marker was present (an empty database is then trusted).
    public func prepare(autocreate: Bool = true) throws -> Bool {
        for dir in [dataDir, snapDir, dataLogDir, logDir] where !Self.isDirectory(dir) {
            guard autocreate else { throw DataDirectoryError("\(dir): missing and zookeeper.datadir.autocreate is false") }
            try Self.makeDirectory(dir)
        }
        if snapDir != logDir {
            if let stray = Self.names(in: logDir).first(where: { $0.hasPrefix("snapshot.") }) {
                throw DataDirectoryError("\(logDir)/\(stray): a snapshot in the transaction log directory; "
                    + "dataDir and dataLogDir must not be mixed up")
            }
            if let stray = Self.names(in: snapDir).first(where: { $0.hasPrefix("log.") }) {
                throw DataDirectoryError("\(snapDir)/\(stray): a transaction log in the snapshot directory; "
                    + "dataDir and dataLogDir must not be mixed up")
            }
        }
        let marker = dataLogDir + "/initialize"
        if access(marker, F_OK) == 0 {
            guard unlink(marker) == 0 else { throw DataDirectoryError("\(marker): cannot remove the initialize marker") }
            return true
        }
        return false
    }

    /// Directory entry names (no `.`/`..`), or [] if it cannot be read.
    static func names(in path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + part
            if !isDirectory(prefix) && mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw DataDirectoryError("\(prefix): cannot create directory: \(String(cString: strerror(errno)))")
            }
        }
    }
}
