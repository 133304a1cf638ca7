import ArgumentParser
import Foundation

/// The `swzk` command: Apache ZooKeeper rebuilt in Swift, one binary with one subcommand per tool.
@main
struct Swzk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swzk",
        abstract: "Apache ZooKeeper, rebuilt in Swift: server and tools in one binary.",
        discussion: """
            swzk speaks the Apache ZooKeeper 3.8/3.9 client protocol, so existing clients \
            (the Java client and zkCli, the C client, kazoo, Curator) work against it unchanged.
            """,
        version: SwzkVersion.string,
        subcommands: [ServerCommand.self, BenchCommand.self, LogDumpCommand.self, SnapshotDumpCommand.self,
                      PurgeCommand.self, ClientCommand.self, ClusterLocalCommand.self]
    )

    /// Runs the chosen subcommand as ArgumentParser's own `main` does, except that bad arguments
    /// exit with status 2 (ArgumentParser's default is 64), the status every swzk command uses
    /// for usage errors so scripts can tell them from failures (status 1).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

/// The version of this build.
enum SwzkVersion {
    static let string = "0.1.0"
}
