#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process and file-system facts the four-letter words report, read when a word is answered.
enum ProcessStatistics {
    /// Fills file-descriptor counts and data directory sizes.
    static func fill(_ report: inout ServerReport, info: ServerInfo) {
        report.openFileDescriptorCount = countEntries(in: "/proc/self/fd")
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            report.maxFileDescriptorCount = Int(clamping: limit.rlim_cur)
        }
        report.dataDirSize = directorySize(info.dataDir)
        report.dataLogSize = directorySize(info.dataLogDir)
    }

    private static func countEntries(in path: String) -> Int {
        guard let dir = opendir(path) else { return 0 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { count += 1 }
        }
        return max(0, count - 1) // the directory stream itself holds one descriptor
    }

    /// Sum of the sizes of the regular files directly in `path` (ZooKeeper sums its version-2 dirs).
    private static func directorySize(_ path: String) -> Int64 {
        guard !path.isEmpty, let dir = opendir(path) else { return 0 }
        defer { closedir(dir) }
        var total: Int64 = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            var st = stat()
            if stat(path + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) }
        }
        return total
    }
}

extension ServerInfo {
    /// The `envi` lines for this process, under the keys ZooKeeper prints (no `java.*` keys:
    /// there is no JVM here).
    public static func processEnvironment() -> [(String, String)] {
        var names = utsname()
        uname(&names)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        func text(_ pointer: UnsafePointer<CChar>?) -> String {
            guard let pointer else { return "" }
            let length = strlen(pointer)
            return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
            }
        }
        func env(_ key: String) -> String { text(getenv(key)) }
        var cwd = [CChar](repeating: 0, count: 4096)
        let dir = getcwd(&cwd, cwd.count) != nil ? cwd.withUnsafeBufferPointer { text($0.baseAddress) } : ""
        let user = getpwuid(geteuid()).map { text($0.pointee.pw_name) } ?? env("USER")
        let arch = field(names.machine) == "x86_64" ? "amd64" : field(names.machine)
        return [
            ("host.name", field(names.nodename)),
            ("os.name", field(names.sysname)),
            ("os.arch", arch),
            ("os.version", field(names.release)),
            ("user.name", user),
            ("user.home", env("HOME")),
            ("user.dir", dir),
        ]
    }
}
