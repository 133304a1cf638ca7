#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few system calls the txn log makes, gathered so tests can make them fail.
///
/// Production code uses `.posix`: `open`, `pwrite`, `fdatasync` (`F_FULLFSYNC` on Darwin) and
/// friends, called directly rather than through Foundation so every error keeps its errno. A
/// test substitutes `write` or `sync` to return ENOSPC or EIO where no small file system can be
/// mounted.
struct LogFileIO: Sendable {
    /// Writes all of `bytes` at `offset`; returns 0 or an errno (a short write is retried).
    var write: @Sendable (_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int32
    /// Flushes the file's data to stable storage; returns 0 or an errno.
    var sync: @Sendable (_ fd: Int32) -> Int32

    /// The real system calls.
    static let posix = LogFileIO(write: { fd, bytes, offset in PosixFile.writeFully(fd, bytes, at: offset) },
                                 sync: { fd in PosixFile.dataSync(fd) })
}

/// Thin wrappers over POSIX file calls that report failures as `LogError.io`.
enum PosixFile {
    /// Opens `path` with `flags`, retrying on EINTR.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(LogError) -> Int32 {
        while true {
            let fd = path.withCString { systemOpen($0, flags | O_CLOEXEC, mode) }
            if fd >= 0 { return fd }
            let code = errno
            if code != EINTR { throw .io(file: path, operation: "open", errno: code) }
        }
    }

    /// Closes `fd`, ignoring errors: data was already synced where it mattered.
    static func close(_ fd: Int32) { _ = systemClose(fd) }

    /// Writes every byte at `offset`; returns 0 or the errno of the failing call.
    static func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            done += n
        }
        return 0
    }

    /// Flushes a file's data (and the metadata needed to read it back) to stable storage.
    static func dataSync(_ fd: Int32) -> Int32 {
        while true {
            #if canImport(Darwin)
            let rc = fcntl(fd, F_FULLFSYNC)
            #else
            let rc = fdatasync(fd)
            #endif
            if rc == 0 { return 0 }
            if errno != EINTR { return errno }
        }
    }

    /// Asks the kernel to drop a file's cached pages (clean pages go at once; a hint, so errors
    /// are ignored). Linux only.
    static func dropCachedPages(_ fd: Int32) {
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        #endif
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns the bytes read (0 at end of file).
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                     path: String) throws(LogError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(file: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// The size of an open file.
    static func size(_ fd: Int32, path: String) throws(LogError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(file: path, operation: "stat", errno: errno) }
        return Int(info.st_size)
    }

    /// True when `path` exists (as anything).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// True when `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and any missing parents, as `mkdir -p` does.
    static func makeDirectories(_ path: String) throws(LogError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .io(file: prefix, operation: "mkdir", errno: errno)
            }
            prefix += "/"
        }
    }

    /// The names in a directory, without `.` and `..`.
    static func listDirectory(_ path: String) throws(LogError) -> [String] {
        guard let dir = opendir(path) else { throw .io(file: path, operation: "opendir", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes a directory's entries (a newly created file's name) durable.
    static func syncDirectory(_ path: String) -> Int32 {
        let fd = path.withCString { systemOpen($0, O_RDONLY | O_CLOEXEC, 0) }
        guard fd >= 0 else { return errno }
        defer { _ = systemClose(fd) }
        return fsync(fd) == 0 ? 0 : errno
    }

    /// Cuts `path` to `length` bytes and syncs it.
    static func truncate(_ path: String, to length: Int) throws(LogError) {
        let fd = try open(path, flags: O_WRONLY)
        defer { close(fd) }
        guard ftruncate(fd, off_t(length)) == 0 else { throw .io(file: path, operation: "truncate", errno: errno) }
        let code = dataSync(fd)
        if code != 0 { throw .io(file: path, operation: "fsync", errno: code) }
    }

    /// Removes a file.
    static func remove(_ path: String) throws(LogError) {
        guard unlink(path) == 0 else { throw .io(file: path, operation: "unlink", errno: errno) }
    }

    /// `directory/name`, without doubling a slash the directory already ends with.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The directory part of a path ("." when there is none).
    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of a path.
    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

// The C functions under names that do not clash with the static methods above.
private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.open(path, flags, mode)
    #else
    return Darwin.open(path, flags, mode)
    #endif
}

private func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
