/// Writes the chunks of a `SnapshotWriter` to `snapshot.<hex zxid>[.gz]` safely.
///
/// Bytes go to `<final name>.tmp`; `finish` flushes the compressor, fsyncs the file, renames it
/// to the final name and fsyncs the directory. A crash at any point leaves either no final file
/// or a complete one, which is what ZooKeeper's `AtomicFileOutputStream` gives when snapshot
/// sync is on. Readers ignore `.tmp` files, and restore also checks every seal, so a torn file
/// is never trusted. `abort` deletes the temporary file.
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
        file = try SnapshotPosixFile.create(temporaryPath)
    }

    deinit {
        // Dropped without finish or abort: do not leave a partial temporary file behind.
        if file != nil { abort() }
    }

    /// Appends one chunk (uncompressed bytes from `SnapshotWriter.nextChunk`).
    public func write(_ chunk: [UInt8]) throws(SnapshotError) {
        guard let file else { preconditionFailure("snapshot sink used after finish or abort") }
        byteCount += chunk.count
        let bytes = encoder?.compress(chunk) ?? chunk
        if !bytes.isEmpty { try file.write(bytes) }
    }

    /// Completes the file: compressor trailer, fsync (when `sync`), rename to the final name,
    /// directory fsync. Returns the final path.
    @discardableResult
    public func finish(sync: Bool = true) throws(SnapshotError) -> String {
        guard let file else { preconditionFailure("snapshot sink used after finish or abort") }
        do {
            if let encoder { try file.write(encoder.finish()) }
            if sync { try file.sync() }
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
