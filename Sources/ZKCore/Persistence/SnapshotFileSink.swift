#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the chunks of a `SnapshotWriter` to `snapshot.<hex zxid>[.gz]` safely.
///
/// Bytes go to `<final name>.tmp`; `finish` flushes the compressor, fsyncs the file, renames it
/// to the final name and fsyncs the directory. A crash at any point leaves either no final file
/// or a complete one, which is what ZooKeeper's `AtomicFileOutputStream` gives when snapshot
/// sync is on. Readers ignore `.tmp` files, and restore also checks every seal, so a torn file
/// is never trusted. `abort` deletes the temporary file.
///
/// Where the file system allows it, the bytes bypass the page cache (`O_DIRECT`): they are staged
/// in an aligned buffer and written a megabyte at a time, and only the unaligned tail goes through
/// the cache. A snapshot is written once and read only at the next start, so caching it buys
/// nothing, while copying gigabytes of snapshots into the cache costs the server CPU and, once
/// the cache is full, makes every later write (the log's too) reclaim pages first.
///
/// Used by one thread at a time (the disk writer): the runtime may create it on one thread and
/// hand it to another, hence `@unchecked Sendable`.
public final class SnapshotFileSink: @unchecked Sendable {
    /// Where the snapshot ends up.
    public let finalPath: String
    /// Where bytes are written until `finish`.
    public let temporaryPath: String
    private let directory: String
    private var file: SnapshotPosixFile?
    private let encoder: SnapshotGzipEncoder?
    /// Uncompressed bytes written so far.
    public private(set) var byteCount = 0
    /// Whether the file is being written around the page cache (false: the file system refused
    /// `O_DIRECT`, or a direct write failed and the rest went through the cache).
    public private(set) var directIO: Bool
    /// The aligned staging buffer of direct writes, and how much of it is filled.
    private var staging: UnsafeMutableRawBufferPointer?
    private var staged = 0
    static let stagingSize = 1 << 20
    /// Tests: the next direct write fails with this errno instead of being made.
    var injectedDirectWriteFailure: Int32?

    /// Creates `<directory>/snapshot.<hex zxid><suffix>.tmp`. `directory` is the `version-2`
    /// directory and must exist. Snappy cannot be written: pick `.none` or `.gz`.
    public init(directory: String, zxid: Zxid, compression: SnapshotCompression) throws(SnapshotError) {
        let name = DataFileName.snapshot(zxid: zxid, compression: compression)
        self.directory = directory
        finalPath = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        temporaryPath = finalPath + SnapshotFormat.temporarySuffix
        switch compression {
        case .none: encoder = nil
        case .gz: encoder = SnapshotGzipEncoder()
        case .snappy: throw .unsupportedCompression(file: finalPath, method: "snappy")
        }
        let (file, direct) = try SnapshotPosixFile.createDirect(temporaryPath)
        self.file = file
        directIO = direct
        if direct {
            staging = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.stagingSize,
                                                             alignment: SnapshotPosixFile.directAlignment)
        }
    }

    deinit {
        // Dropped without finish or abort: do not leave a partial temporary file behind.
        if file != nil { abort() }
        staging?.deallocate()
    }

    /// Appends one chunk (uncompressed bytes from `SnapshotWriter.nextChunk`).
    public func write(_ chunk: [UInt8]) throws(SnapshotError) {
        guard let file else { preconditionFailure("snapshot sink used after finish or abort") }
        byteCount += chunk.count
        let bytes = encoder?.compress(chunk) ?? chunk
        if !bytes.isEmpty { try put(bytes, to: file) }
    }

    /// Writes `bytes` through the staging buffer (direct) or straight to the file.
    private func put(_ bytes: [UInt8], to file: SnapshotPosixFile) throws(SnapshotError) {
        guard staging != nil else { return try file.write(bytes) }
        let failure: SnapshotError? = bytes.withUnsafeBytes { (source) -> SnapshotError? in
            var offset = 0
            while offset < source.count {
                // A direct write that fell back to the cache drops the staging buffer.
                guard let buffer = self.staging else {
                    do throws(SnapshotError) { try file.write(UnsafeRawBufferPointer(rebasing: source[offset...])) } catch { return error }
                    return nil
                }
                let n = min(source.count - offset, buffer.count - staged)
                (buffer.baseAddress! + staged).copyMemory(from: source.baseAddress! + offset, byteCount: n)
                staged += n
                offset += n
                if staged == buffer.count {
                    do throws(SnapshotError) { try flushStaging(to: file, final: false) } catch { return error }
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Writes the staged bytes: whole blocks directly; with `final`, the unaligned rest through
    /// the cache. Without `final` the buffer is always full (a multiple of the block size).
    private func flushStaging(to file: SnapshotPosixFile, final: Bool) throws(SnapshotError) {
        guard let staging, staged > 0 else { return }
        let aligned = staged & ~(SnapshotPosixFile.directAlignment - 1)
        if aligned > 0 {
            var failure = injectedDirectWriteFailure
            injectedDirectWriteFailure = nil
            if failure == nil { failure = try file.writeOnce(UnsafeRawBufferPointer(rebasing: staging[..<aligned])) }
            if let failure {
                guard failure == EINVAL else { throw .io(file: file.path, operation: "write", errno: failure) }
                // This file system takes O_DIRECT at open but not these writes: use the cache.
                try file.stopDirect()
                try file.write(UnsafeRawBufferPointer(rebasing: staging[..<aligned]))
                try file.write(UnsafeRawBufferPointer(rebasing: staging[aligned..<staged]))
                dropStaging()
                return
            }
        }
        if aligned < staged {
            precondition(final, "a partial staging buffer is written only at the end")
            try file.stopDirect()
            try file.write(UnsafeRawBufferPointer(rebasing: staging[aligned..<staged]))
        }
        staged = 0
    }

    /// Leaves direct I/O: everything after this goes through the cache.
    private func dropStaging() {
        staging?.deallocate()
        staging = nil
        staged = 0
        directIO = false
    }

    /// Completes the file: compressor trailer, fsync (when `sync`), rename to the final name,
    /// directory fsync. Returns the final path.
    @discardableResult
    public func finish(sync: Bool = true) throws(SnapshotError) -> String {
        guard let file else { preconditionFailure("snapshot sink used after finish or abort") }
        do {
            if let encoder { try put(encoder.finish(), to: file) }
            try flushStaging(to: file, final: true)
            if sync {
                try file.sync()
                file.dropCachedPages()  // the cached tail, and anything a fallback put there
            }
            try file.close()
            self.file = nil
            try SnapshotPosixFile.rename(temporaryPath, to: finalPath)
            if sync { try SnapshotPosixFile.syncDirectory(directory) }
        } catch {
            abort()
            throw error
        }
        return finalPath
    }

    /// Gives up: closes and deletes the temporary file.
    public func abort() {
        if let file { try? file.close() }
        file = nil
        try? SnapshotPosixFile.remove(temporaryPath)
    }
}

/// Whole-snapshot conveniences for callers that can afford to write in one go: start-up (before
/// any client is served), tests and tools. A running server drives `SnapshotWriter` and
/// `SnapshotFileSink` chunk by chunk instead.
public enum SnapshotFile {
    /// Writes a complete snapshot of `tree` into `directory` and returns its path.
    @discardableResult
    public static func write(tree: DataTree, sessions: [(id: SessionID, timeoutMs: Int32)],
                             to directory: String, compression: SnapshotCompression = .none,
                             childOrder: SnapshotWriter.ChildOrder = .sorted, digestEnabled: Bool = true,
                             sync: Bool = true) throws(SnapshotError) -> String {
        var writer = SnapshotWriter(tree: tree, sessions: sessions, childOrder: childOrder,
                                    digestEnabled: digestEnabled)
        let sink = try SnapshotFileSink(directory: directory, zxid: writer.zxid, compression: compression)
        do {
            while let chunk = writer.nextChunk(maxNodes: 10_000) { try sink.write(chunk) }
        } catch {
            sink.abort()
            throw error
        }
        return try sink.finish(sync: sync)
    }

    /// The complete uncompressed bytes of a snapshot file of `tree` (tests and tools).
    public static func bytes(tree: DataTree, sessions: [(id: SessionID, timeoutMs: Int32)],
                             childOrder: SnapshotWriter.ChildOrder = .sorted,
                             digestEnabled: Bool = true) -> [UInt8] {
        var writer = SnapshotWriter(tree: tree, sessions: sessions, childOrder: childOrder,
                                    digestEnabled: digestEnabled)
        var out: [UInt8] = []
        while let chunk = writer.nextChunk(maxNodes: 10_000) { out.append(contentsOf: chunk) }
        return out
    }
}
