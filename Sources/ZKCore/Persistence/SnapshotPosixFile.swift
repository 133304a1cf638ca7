#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor with the few POSIX calls snapshots and purge need, each failure turned into a
/// `SnapshotError.io` naming the file.
///
/// Not `Sendable`: one owner uses it from one thread at a time (the disk writer, or a tool).
final class SnapshotPosixFile {
    let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { _ = posixClose(fd) } }

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws(SnapshotError) -> SnapshotPosixFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(file: path, operation: "open", errno: errno) }
        return SnapshotPosixFile(path: path, fd: fd)
    }

    /// Creates (or truncates) a file for writing, mode 0644.
    static func create(_ path: String) throws(SnapshotError) -> SnapshotPosixFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(file: path, operation: "create", errno: errno) }
        return SnapshotPosixFile(path: path, fd: fd)
    }

    /// `O_DIRECT` where this platform's value is known (Glibc does not export it to Swift).
    static let directFlag: Int32? = {
        #if os(Linux) && arch(x86_64)
        return 0o40000
        #elseif os(Linux) && (arch(arm64) || arch(arm))
        return 0o200000
        #else
        return nil
        #endif
    }()

    /// The alignment direct writes keep for buffer address, length and file offset: a page,
    /// which is a multiple of every block size Linux file systems use for direct I/O.
    static let directAlignment = 4096

    /// Creates (or truncates) a file for writing that bypasses the page cache where the file
    /// system allows it (`O_DIRECT`). Returns whether it does; if not, the file is an ordinary
    /// one (tmpfs before Linux 6.6, for one, refuses `O_DIRECT`).
    static func createDirect(_ path: String) throws(SnapshotError) -> (file: SnapshotPosixFile, direct: Bool) {
        if let flag = directFlag {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | flag, 0o644)
            if fd >= 0 { return (SnapshotPosixFile(path: path, fd: fd), true) }
            guard errno == EINVAL else { throw .io(file: path, operation: "create", errno: errno) }
        }
        return (try create(path), false)
    }

    /// Turns direct I/O off for the rest of this descriptor's life (for an unaligned tail).
    func stopDirect() throws(SnapshotError) {
        guard let flag = Self.directFlag else { return }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags & ~flag) == 0 else {
            throw .io(file: path, operation: "fcntl", errno: errno)
        }
    }

    /// Reads up to `count` bytes; an empty result means end of file.
    func read(upTo count: Int) throws(SnapshotError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var got = 0
        while got == 0 {
            let n = result.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress!, count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(file: path, operation: "read", errno: errno)
            }
            got = n
            if n == 0 { break }
        }
        result.removeLast(count - got)
        return result
    }

    /// Reads `count` bytes at `offset` (fewer at end of file).
    func read(at offset: Int64, count: Int) throws(SnapshotError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = result.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + got, count - got, off_t(offset) + off_t(got))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(file: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            got += n
        }
        result.removeLast(count - got)
        return result
    }

    /// Writes every byte.
    func write(_ bytes: [UInt8]) throws(SnapshotError) {
        let failure: SnapshotError? = bytes.withUnsafeBytes { (raw) -> SnapshotError? in
            do throws(SnapshotError) { try write(raw); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    /// Writes every byte of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SnapshotError) {
        var written = 0
        while written < bytes.count {
            let n = posixWrite(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(file: path, operation: "write", errno: errno)
            }
            written += n
        }
    }

    /// One `write` call of `bytes` as they are: the errno on failure, nil on success. A short
    /// write is finished with ordinary writes. For direct I/O, where EINVAL means "not here".
    func writeOnce(_ bytes: UnsafeRawBufferPointer) throws(SnapshotError) -> Int32? {
        var n: Int
        repeat { n = posixWrite(fd, bytes.baseAddress!, bytes.count) } while n < 0 && errno == EINTR
        if n < 0 { return errno }
        if n < bytes.count {
            // The rest may start unaligned: finish it without direct I/O.
            try stopDirect()
            try write(UnsafeRawBufferPointer(rebasing: bytes[n...]))
        }
        return nil
    }

    /// Flushes the file's data and metadata to the device.
    func sync() throws(SnapshotError) {
        guard fsync(fd) == 0 else { throw .io(file: path, operation: "fsync", errno: errno) }
    }

    /// Asks the kernel to drop the file's clean cached pages (a hint: errors are ignored).
    func dropCachedPages() { PosixFile.dropCachedPages(fd) }

    /// The file's size in bytes.
    func size() throws(SnapshotError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(file: path, operation: "stat", errno: errno) }
        return Int64(info.st_size)
    }

    /// Closes the descriptor, reporting a failed close (a late write error on some file systems).
    func close() throws(SnapshotError) {
        guard fd >= 0 else { return }
        let result = posixClose(fd)
        fd = -1
        guard result == 0 else { throw .io(file: path, operation: "close", errno: errno) }
    }

    // MARK: - Path operations

    /// Renames atomically within one directory, replacing `to`.
    static func rename(_ from: String, to: String) throws(SnapshotError) {
        guard posixRename(from, to) == 0 else { throw .io(file: from, operation: "rename to \(to)", errno: errno) }
    }

    /// Deletes a file.
    static func remove(_ path: String) throws(SnapshotError) {
        guard unlink(path) == 0 else { throw .io(file: path, operation: "delete", errno: errno) }
    }

    /// Syncs a directory so a rename or create inside it survives a crash.
    static func syncDirectory(_ path: String) throws(SnapshotError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(file: path, operation: "open directory", errno: errno) }
        defer { _ = posixClose(fd) }
        guard fsync(fd) == 0 else { throw .io(file: path, operation: "fsync directory", errno: errno) }
    }

    /// Names of the regular entries of a directory (not "." or ".."), unsorted.
    static func listDirectory(_ path: String) throws(SnapshotError) -> [String] {
        guard let dir = opendir(path) else { throw .io(file: path, operation: "list directory", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Whether `path` names a directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & S_IFMT == S_IFDIR
    }

    /// Whether anything exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Size and modification time (ms since the epoch) of a path, or nil if it cannot be read.
    static func attributes(_ path: String) -> (size: Int64, modifiedMs: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return (Int64(info.st_size), Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
    }

    /// The system's text for an errno value.
    static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

// The methods above shadow the C functions of the same name; these reach the C ones.
@inline(__always) private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
@inline(__always) private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
@inline(__always) private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
@inline(__always) private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
