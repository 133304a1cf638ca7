import ArgumentParser
import Foundation
import ZKCore

/// `swzk snapshot-dump`: prints a snapshot file as ZooKeeper's `zkSnapShotToolkit.sh` does, after
/// a summary of what the file holds and whether its checksums and digest hold up.
struct SnapshotDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot-dump",
        abstract: "Print the contents of a snapshot file.",
        discussion: """
            Reads a snapshot written by swzk or by Apache ZooKeeper 3.8/3.9 (plain or .gz) and \
            prints a summary (zxid, node, session and ACL counts, data size, whether the Adler-32 \
            seals and the tree digest are valid), then every node with its Stat fields in the layout \
            of ZooKeeper's SnapshotFormatter (zkSnapShotToolkit.sh), then the sessions and the last \
            zxid. Children are listed in the order the file stores them.

            Given a directory, the newest snapshot in it is read (in DIR/version-2 when DIR has one).

            Exit status: 0 when the file is sound, 1 when it cannot be read or a seal or the digest \
            does not match (the dump is still printed when the damage allows), 2 for a bad argument.

            Examples:
              swzk snapshot-dump /var/lib/zookeeper/version-2/snapshot.1a
              swzk snapshot-dump /var/lib/zookeeper
              swzk snapshot-dump -d snapshot.1a.gz
              swzk snapshot-dump --json --summary-only /var/lib/zookeeper | jq .nodeCount
            """
    )

    @Argument(help: ArgumentHelp("A snapshot file, or a data directory whose newest snapshot to read.",
                                 valueName: "file-or-dir"))
    var path: String

    @Flag(name: [.customShort("d"), .customLong("data")],
          help: "Print each node's data in base64 instead of its length.")
    var includeData = false

    @Flag(name: .long, help: "Print one JSON object (summary, sessions, nodes) instead of text.")
    var json = false

    @Flag(name: .long, help: "Print only the summary, not the nodes and sessions.")
    var summaryOnly = false

    @Option(name: .customLong("jute-maxbuffer"),
            help: ArgumentHelp("Largest node data accepted, as the server's jute.maxbuffer (default 1048575).",
                               valueName: "bytes"))
    var juteMaxBuffer: Int = Limits.juteMaxBufferDefault

    func run() throws {
        let file = try resolveFile()
        let options = SnapshotReadOptions(maxBufferLength: juteMaxBuffer, recordsFileOrder: true,
                                          toleratesChecksumMismatch: true)
        let snapshot: RestoredSnapshot
        do {
            snapshot = try SnapshotReader.read(file: file, options: options)
        } catch {
            fail(error.description, status: 1)
        }
        if json {
            SnapshotDump.writeJSON(snapshot, file: file, includeData: includeData, includeNodes: !summaryOnly) {
                print($0, terminator: "")
            }
        } else {
            print(SnapshotDump.summaryText(SnapshotDump.summary(of: snapshot, file: file)))
            if !summaryOnly {
                SnapshotDump.writeFormatterText(snapshot, includeData: includeData) { print($0, terminator: "") }
            }
        }
        if let error = snapshot.checksumError { fail(error.description, status: 1) }
        if case .mismatch(let computed) = snapshot.digestCheck {
            fail("\(file): stored digest \(snapshot.digest?.value ?? 0) does not match the tree's \(computed)", status: 1)
        }
    }

    /// The file to read: `path` itself, or the newest snapshot of the directory it names.
    private func resolveFile() throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            fail("\(path): no such file or directory", status: 2)
        }
        guard isDirectory.boolValue else { return path }
        let versioned = SnapshotFormat.versionDirectory(of: path)
        var versionedIsDirectory: ObjCBool = false
        let directory = FileManager.default.fileExists(atPath: versioned, isDirectory: &versionedIsDirectory)
            && versionedIsDirectory.boolValue ? versioned : path
        let newest: SnapshotFileInfo?
        do {
            newest = try SnapshotDirectory(path: directory).snapshots().first
        } catch {
            fail(error.description, status: 2)
        }
        guard let newest else { fail("\(directory): no snapshot.* file", status: 2) }
        FileHandle.standardError.write(Data("reading \(newest.path)\n".utf8))
        return newest.path
    }

    private func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data(("swzk snapshot-dump: " + message + "\n").utf8))
        Foundation.exit(status)
    }
}
