/// One `snapshot.*` file of a directory.
public struct SnapshotFileInfo: Hashable, Sendable {
    /// Full path.
    public var path: String
    /// File name.
    public var name: String
    /// The zxid in the name.
    public var zxid: Zxid
    /// The codec its name implies.
    public var compression: SnapshotCompression
}

/// A snapshot passed over during recovery, and why.
public struct SkippedSnapshot: Hashable, Sendable, CustomStringConvertible {
    public var file: SnapshotFileInfo
    /// One line naming the file and the problem.
    public var reason: String
    public var description: String { reason }
}

/// What `SnapshotDirectory.newestValid` found: the snapshot to start from (nil when the
/// directory has none at all) and every newer one it had to pass over.
public struct SnapshotRecovery {
    public var snapshot: RestoredSnapshot?
    public var file: SnapshotFileInfo?
    public var skipped: [SkippedSnapshot]
}

/// The snapshots of one `version-2` directory (ZooKeeper's `FileSnap` listing rules).
public struct SnapshotDirectory: Sendable {
    /// How many of the newest snapshots restore tries before giving up (`FileSnap.deserialize`).
    public static let candidatesMax = 100

    /// The `version-2` directory.
    public let path: String

    public init(path: String) { self.path = path }

    /// The directory for a configured `dataDir`: `<dataDir>/version-2`.
    public init(dataDir: String) { path = SnapshotFormat.versionDirectory(of: dataDir) }

    /// Every `snapshot.<hex>[.*]` file, newest (highest zxid) first. Names without a zxid and
    /// `.tmp` files of snapshots still being written are left out.
    public func snapshots() throws(SnapshotError) -> [SnapshotFileInfo] {
        var found: [SnapshotFileInfo] = []
        for name in try SnapshotPosixFile.listDirectory(path) {
            guard !name.hasSuffix(SnapshotFormat.temporarySuffix),
                  let zxid = DataFileName.zxid(of: name, prefix: SnapshotFormat.fileNamePrefix) else { continue }
            found.append(SnapshotFileInfo(path: join(name), name: name, zxid: zxid,
                                          compression: SnapshotCompression(fileName: name)))
        }
        // Ties (snapshot.5 and snapshot.5.gz) go to the name, so the order is stable.
        return found.sorted { $0.zxid != $1.zxid ? $0.zxid > $1.zxid : $0.name < $1.name }
    }

    /// The newest snapshot that reads cleanly, with every seal matching.
    ///
    /// Follows `FileSnap.deserialize`: the newest `candidatesMax` files that pass the cheap
    /// completeness check are read newest first, and the first that decodes wins. Files passed
    /// over are reported with the reason. No snapshot at all gives a nil `snapshot`; snapshots
    /// that all fail give `SnapshotError.noValidSnapshot`.
    public func newestValid(options: SnapshotReadOptions = .init()) throws(SnapshotError) -> SnapshotRecovery {
        var skipped: [SkippedSnapshot] = []
        var tried = 0
        for file in try snapshots() {
            guard tried < Self.candidatesMax else { break }
            guard SnapshotReader.looksComplete(file: file.path) else {
                skipped.append(SkippedSnapshot(file: file, reason: "\(file.path): incomplete (no end marker, or no compression magic)"))
                continue
            }
            tried += 1
            do {
                let snapshot = try SnapshotReader.read(file: file.path, options: options)
                return SnapshotRecovery(snapshot: snapshot, file: file, skipped: skipped)
            } catch {
                skipped.append(SkippedSnapshot(file: file, reason: error.description))
            }
        }
        if skipped.isEmpty { return SnapshotRecovery(snapshot: nil, file: nil, skipped: []) }
        throw .noValidSnapshot(directory: path, failures: skipped.map(\.description))
    }

    private func join(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }
}
