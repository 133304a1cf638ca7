import ArgumentParser

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
        subcommands: [ServerCommand.self, SnapshotDumpCommand.self, PurgeCommand.self]
    )
}

/// The version of this build.
enum SwzkVersion {
    static let string = "0.1.0"
}
