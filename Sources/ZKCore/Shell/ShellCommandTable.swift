/// One command of the shell: its name, the option string zkCli's usage prints, and which
/// options it takes (`ZooKeeperMain`'s `CommandFactory` table and each `CliCommand`'s `Options`).
public struct ShellCommandSpec: Hashable, Sendable {
    public var name: String
    /// The arguments as the usage list prints them after the name.
    public var usage: String
    /// Single-letter options without a value.
    public var flags: Set<Character>
    /// Single-letter options that take a value (the next argument).
    public var valued: Set<Character>
    /// Positional arguments required and allowed (nil: no upper bound).
    public var minArgs: Int
    public var maxArgs: Int?
    /// False for commands that work without a session (history, printwatches, connect, quit…).
    public var needsSession: Bool

    public init(_ name: String, _ usage: String, flags: String = "", valued: String = "", args: ClosedRange<Int>,
                unbounded: Bool = false, needsSession: Bool = true) {
        self.name = name; self.usage = usage
        self.flags = Set(flags); self.valued = Set(valued)
        self.minArgs = args.lowerBound; self.maxArgs = unbounded ? nil : args.upperBound
        self.needsSession = needsSession
    }

    /// Every option letter the command knows, for completion.
    public var optionNames: [String] { (flags.union(valued)).sorted().map { "-\($0)" } }

    /// `name usage`, as zkCli prints it for a mis-invoked command.
    public var usageLine: String { usage.isEmpty ? name : "\(name) \(usage)" }
}

/// A command line checked against its spec: options found, their values, positional arguments.
public struct ShellInvocation: Hashable, Sendable {
    public var spec: ShellCommandSpec
    public var flags: Set<Character>
    public var values: [Character: String]
    public var args: [String]

    public var name: String { spec.name }
    public func has(_ flag: Character) -> Bool { flags.contains(flag) || values[flag] != nil }
    public func value(_ option: Character) -> String? { values[option] }
}

/// A mistake in how a command was typed: the message goes to stderr and the status is 2.
public struct ShellUsageError: Error, Hashable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// The commands `swzk client` understands.
public enum ShellCommandTable {
    public static let commands: [ShellCommandSpec] = [
        .init("addWatch", "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE",
              valued: "m", args: 1...1),
        .init("addauth", "scheme auth", args: 1...2),
        .init("close", "", args: 0...0, needsSession: false),
        .init("config", "[-c] [-w] [-s]", flags: "cws", args: 0...0),
        .init("connect", "host:port", args: 0...1, needsSession: false),
        .init("create", "[-s] [-e] [-c] [-t ttl] path [data] [acl]", flags: "sec", valued: "t", args: 1...3),
        .init("delete", "[-v version] path", valued: "v", args: 1...2),
        .init("deleteall", "path [-b batch size]", valued: "b", args: 1...1),
        .init("getAcl", "[-s] path", flags: "s", args: 1...1),
        .init("getAllChildrenNumber", "path", args: 1...1),
        .init("getEphemerals", "path", args: 0...1),
        .init("get", "[-s] [-w] path", flags: "sw", args: 1...1),
        .init("history", "", args: 0...0, needsSession: false),
        .init("ls", "[-s] [-w] [-R] path", flags: "swR", args: 1...2),
        .init("printwatches", "on|off", args: 0...1, needsSession: false),
        .init("quit", "", args: 0...0, needsSession: false),
        .init("redo", "cmdno", args: 1...1, needsSession: false),
        .init("removewatches", "path [-c|-d|-a] [-l]", flags: "cdapr" + "l", args: 1...1),
        .init("setAcl", "[-s] [-v version] [-R] path acl", flags: "sR", valued: "v", args: 2...2),
        .init("set", "[-s] [-v version] path data", flags: "s", valued: "v", args: 2...2),
        .init("stat", "[-w] path", flags: "w", args: 1...1),
        .init("sync", "path", args: 1...1),
        .init("tree", "[path]", args: 0...1),
        .init("version", "", args: 0...0, needsSession: false),
        .init("whoami", "", args: 0...0),
    ]

    /// The spec named `name`, if any (names are case-sensitive, as in zkCli).
    public static func spec(_ name: String) -> ShellCommandSpec? { commands.first { $0.name == name } }

    /// The command names, sorted as the usage list prints them.
    public static var names: [String] { commands.map(\.name).sorted() }

    /// The usage list zkCli prints for an unknown command.
    public static var usageList: String {
        (["ZooKeeper -server host:port cmd args"] + commands.sorted { $0.name < $1.name }.map { "\t\($0.usageLine)" })
            .joined(separator: "\n")
    }

    /// Checks `tokens` (the command name first) against the table.
    ///
    /// Options may come before or after positional arguments (Apache Commons CLI's `DefaultParser`);
    /// flags may be bundled (`-es`); `-5` is an argument, not an option.
    public static func parse(_ tokens: [String]) throws(ShellUsageError) -> ShellInvocation {
        guard let name = tokens.first else { throw ShellUsageError("no command") }
        guard let spec = spec(name) else {
            throw ShellUsageError("Command not found: Command not found \(name)")
        }
        var flags = Set<Character>(), values: [Character: String] = [:], args: [String] = []
        var i = 1
        while i < tokens.count {
            let token = tokens[i]
            i += 1
            guard token.count > 1, token.first == "-", Int64(token) == nil else { args.append(token); continue }
            let letters = Array(token.dropFirst())
            if letters.count == 1, spec.valued.contains(letters[0]) {
                guard i < tokens.count else { throw ShellUsageError("Missing argument for option: \(letters[0])") }
                values[letters[0]] = tokens[i]
                i += 1
            } else if letters.allSatisfy({ spec.flags.contains($0) }) {
                flags.formUnion(letters)
            } else {
                throw ShellUsageError("Unrecognized option: \(token)\n\(spec.usageLine)")
            }
        }
        guard args.count >= spec.minArgs, args.count <= (spec.maxArgs ?? Int.max) else {
            throw ShellUsageError(spec.usageLine)
        }
        return ShellInvocation(spec: spec, flags: flags, values: values, args: args)
    }
}
