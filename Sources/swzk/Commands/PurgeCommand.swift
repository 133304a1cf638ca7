import ArgumentParser
import Foundation
import ZKCore

/// `swzk purge`: removes old snapshots and txn logs as ZooKeeper's `zkCleanup.sh`
/// (`PurgeTxnLog`) does, through the same `Purge` the server's autopurge uses.
struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete old snapshots and the txn logs no kept snapshot needs.",
        discussion: """
            Keeps the N newest complete snapshots in DATADIR/version-2, and in \
            DATALOGDIR/version-2 (DATADIR when not given) the newest txn log that starts at or \
            before the oldest kept snapshot plus every later log. Older log.* and snapshot.* files \
            are deleted, each announced as ZooKeeper's PurgeTxnLog announces it. Before deleting \
            anything every kept snapshot is read end to end; if one fails its checksum nothing is \
            deleted.

            Note the order: DATADIR (snapshots) comes first, as in zoo.cfg; Apache's PurgeTxnLog \
            takes the log directory first.

            Examples:
              swzk purge /var/lib/zookeeper -n 3
              swzk purge /var/lib/zookeeper /var/log/zookeeper -n 5
              swzk purge /var/lib/zookeeper -n 3 --dry-run
            """
    )

    @Argument(help: ArgumentHelp("The server's dataDir (holding version-2/ with the snapshots).", valueName: "datadir"))
    var dataDir: String

    @Argument(help: ArgumentHelp("The server's dataLogDir, when txn logs live apart from the snapshots.",
                                 valueName: "datalogdir"))
    var dataLogDir: String?

    @Option(name: .customShort("n"),
            help: ArgumentHelp("How many of the newest snapshots to keep; at least 3.", valueName: "count"))
    var count: Int

    @Flag(name: .long, help: "Print what would be kept and removed, and remove nothing.")
    var dryRun = false

    func validate() throws {
        guard count >= Purge.retainMin else {
            throw ValidationError("-n must be at least \(Purge.retainMin) (got \(count))")
        }
    }

    func run() throws {
        let snapDir = try versionDirectory(of: dataDir)
        let logDir = try dataLogDir.map(versionDirectory(of:)) ?? snapDir
        try refuseSwappedArguments(snapDir: snapDir, logDir: logDir)
        let plan: PurgePlan
        do {
            plan = try Purge.plan(snapDir: snapDir, logDir: logDir, retain: count)
        } catch {
            fail(error.description, status: 1)
        }
        if dryRun {
            if plan.keptSnapshots.isEmpty { print("No valid snapshot found: nothing would be removed.") }
            for file in plan.keptSnapshots { print("Keeping snapshot:\t\(file.path)") }
            for file in plan.retainedLogs { print("Keeping txn log:\t\(file.path)") }
            for file in plan.removals { print("Would remove:\t\(file.path)") }
            return
        }
        let result = Purge.execute(plan) { print(Purge.removalLine($0)) }
        for failure in result.failures {
            FileHandle.standardError.write(Data("Failed to remove \(failure.file.path): \(failure.reason)\n".utf8))
        }
        if !result.failures.isEmpty { Foundation.exit(1) }
    }

    /// `<dir>/version-2`, which must exist: a purge never creates directories.
    private func versionDirectory(of directory: String) throws -> String {
        let versioned = SnapshotFormat.versionDirectory(of: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: versioned, isDirectory: &isDirectory), isDirectory.boolValue else {
            fail("\(directory): no version-2 directory inside (give the dataDir, not version-2 itself)", status: 2)
        }
        return versioned
    }

    /// Arguments in PurgeTxnLog's order (log directory first) would find no snapshots in the
    /// first directory but some in the second: say so rather than purge nothing.
    private func refuseSwappedArguments(snapDir: String, logDir: String) throws {
        guard snapDir != logDir,
              (try? SnapshotDirectory(path: snapDir).snapshots().isEmpty) == true,
              (try? SnapshotDirectory(path: logDir).snapshots().isEmpty) == false else { return }
        fail("\(snapDir) has no snapshots but \(logDir) has: the data directory comes first", status: 2)
    }

    private func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data(("swzk purge: " + message + "\n").utf8))
        Foundation.exit(status)
    }
}
