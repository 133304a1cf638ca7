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
    /// for usage errors so scripts can tell them from failures (status 1), and are reported on
    /// one line (`--help` has the rest).
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
                FileHandle.standardError.write(Data((usageErrorLine(fullMessage(for: error)) + "\n").utf8))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

/// The one line a usage error is reported as: ArgumentParser's first line ("Error: The value
/// 'abc' is invalid for '--sessions <sessions>'") without its Help and Usage lines, naming the
/// command so the line stands alone in a script's log.
func usageErrorLine(_ message: String) -> String {
    let first = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
    let text = first.hasPrefix("Error: ") ? String(first.dropFirst("Error: ".count)) : first
    return "swzk: \(text) (see --help)"
}

/// The version of this build.
enum SwzkVersion {
    static let string = "0.1.0"
}
