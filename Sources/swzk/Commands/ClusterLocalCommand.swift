import ArgumentParser
import Foundation
import ZKCore

/// `swzk cluster-local N`: an ensemble of N `swzk server` processes on 127.0.0.1, with a console.
struct ClusterLocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-local",
        abstract: "Run an ensemble of swzk servers on 127.0.0.1, with a control console.",
        discussion: """
            Starts N voting members (1 to 9) and K observers (N+K at most 16) as child processes \
            (`swzk server -c DIR/nI/zoo.cfg`), each with a client, quorum and election port on \
            127.0.0.1, and prefixes every line they print with their name (n1 | …) on stderr. Once \
            a leader is elected and every member serves (srvr shows a Mode), it prints the \
            connect string and a table of members on stdout (--json: one JSON object on one line). \
            Waiting longer than initLimit x tickTime + 10 s is an error (exit 1).

            Ports: without --base-port, free ports below the kernel's ephemeral range; with \
            --base-port P, member I gets client port P+I-1, quorum port P+M+I-1 and election port \
            P+2M+I-1 (M members). Each zoo.cfg holds tickTime (--tick-time, default 2000), \
            initLimit=10, syncLimit=5, 4lw.commands.whitelist=* and the -D settings; a one-voter \
            cluster gets standaloneEnabled=false, so it is a one-member quorum whose srvr says \
            Mode: leader and which can have observers.

            Directory: without --dir a fresh temporary directory, removed at exit unless --keep. \
            With --dir the data stays; a later run on the same directory reuses its zoo.cfg and \
            myid files as they are and restarts the same ensemble with its data.

            Console (stdin; a readline prompt with Tab completion on a terminal): status, \
            leader, kill ID (SIGKILL), stop ID (SIGTERM), start ID, restart ID, pause ID \
            (SIGSTOP), resume ID (SIGCONT), help, quit. A member that exits is reported on stderr \
            at once. quit, end of input, Ctrl-C or SIGTERM stop every member (SIGTERM, SIGKILL \
            after 5 s) and exit 0. Members die with the parent, even when it is SIGKILLed.

            Exit status: 0 after quit; 1 when the ensemble does not come up; 2 for bad arguments \
            (nothing is started).

            Examples:
              swzk cluster-local 3
              swzk cluster-local 5 --observers 1 --tick-time 200
              swzk cluster-local 3 --dir /tmp/zk3 -D snapCount=1000
            """
    )

    // N is taken as text (with anything else ArgumentParser does not recognise) so that `-1`
    // reaches the range check and its one-line message instead of being read as an option.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Voting members, 1 to 9.", valueName: "N"))
    var count: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Observers besides the voters.", valueName: "K"))
    var observers = 0

    @Option(name: .customLong("base-port"), parsing: .unconditional,
            help: ArgumentHelp("First port of a fixed port range.", valueName: "P"))
    var basePort: Int?

    @Option(help: ArgumentHelp("Keep the members' directories here, and reuse them on a later run.",
                               valueName: "dir"), completion: .directory)
    var dir: String?

    @Flag(help: "Keep the temporary directory at exit.")
    var keep = false

    @Option(name: .customLong("tick-time"), parsing: .unconditional, help: ArgumentHelp("tickTime in ms.", valueName: "ms"))
    var tickTime = 2000

    @Option(name: .customShort("D"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A zoo.cfg setting for every member (repeatable).", valueName: "key=value"))
    var properties: [String] = []

    @Flag(help: "Print the member table (and status, leader) as one JSON line.")
    var json = false

    func run() async throws {
        let setup = prepare()
        let status = await ClusterConsole(setup: setup, json: json).run()
        Foundation.exit(status)
    }

    /// What `prepare` hands to the console: the plan on disk and whether its directory goes at exit.
    struct Setup {
        var plan: LocalClusterPlan
        var deadlineMs: Int
        var removeAtExit: Bool
        var executable: String
    }

    /// Checks every argument, lays out (or finds) the members' directories and files, and checks
    /// their ports; exits 2 with one line on stderr when anything is wrong, before starting anything.
    private func prepare() -> Setup {
        let overrides: [ConfigOverride]
        let voters: Int
        do {
            guard let first = count.first else { throw LocalClusterError("missing N, the number of voters (1 to 9)") }
            if let extra = count.dropFirst().first { throw LocalClusterError("unexpected argument '\(extra)'") }
            guard let number = Int(first) else { throw LocalClusterError("N: '\(first)' is not a number of voters (1 to 9)") }
            voters = number
            try LocalClusterPlan.checkCounts(voters: voters, observers: observers)
            guard tickTime >= 1 else { throw LocalClusterError("--tick-time: \(tickTime) must be at least 1 ms") }
            if let basePort, basePort < 1 || basePort + 3 * (voters + observers) - 1 > 65535 {
                throw LocalClusterError("--base-port: \(basePort) leaves no room for \(3 * (voters + observers)) ports")
            }
            overrides = try properties.map { argument throws(LocalClusterError) in
                do { return try ConfigOverride(argument: argument) } catch { throw LocalClusterError("\(error)") }
            }
            try LocalClusterPlan.checkOverrides(overrides)
        } catch {
            clusterUsageError("\(error)")
        }
        let (root, created) = makeRoot()
        let removeAtExit = dir == nil && !keep
        func failing(_ message: String) -> Never {
            if created { try? FileManager.default.removeItem(atPath: root) }
            clusterUsageError(message)
        }
        do {
            let reused = try LocalClusterFiles.existingPlan(root: root, voters: voters, observers: observers)
            if reused != nil && (basePort != nil || !properties.isEmpty || tickTime != 2000) {
                clusterWarn("\(root) already holds an ensemble: its zoo.cfg files are used as they are; "
                     + "--base-port, --tick-time and -D are ignored")
            }
            let plan: LocalClusterPlan
            if let reused {
                plan = reused
            } else {
                let memberCount = voters + observers
                let ports = basePort.map { LocalClusterPlan.basePorts($0, members: memberCount) }
                    ?? LoopbackPorts.pickFree(3 * memberCount)
                guard let ports else { throw LocalClusterError("no \(3 * memberCount) free ports on 127.0.0.1") }
                plan = LocalClusterPlan(root: root, voters: voters, observers: observers, ports: ports,
                                        tickTimeMs: tickTime, overrides: overrides)
            }
            let config = try LocalClusterFiles.checkSettings(plan)
            for member in plan.members {
                for port in member.ports where !LoopbackPorts.isFree(port) {
                    throw LocalClusterError("port \(port) of \(member.name) on 127.0.0.1 is in use")
                }
            }
            if reused == nil { try LocalClusterFiles.write(plan) }
            return Setup(plan: plan, deadlineMs: LocalClusterPlan.startupDeadlineMs(config),
                         removeAtExit: removeAtExit, executable: Self.executablePath())
        } catch {
            failing("\(error)")
        }
    }

    /// The members' root: `--dir` (created, and checked writable) or a fresh temporary directory.
    /// Returns the absolute path and whether this run created it.
    private func makeRoot() -> (String, Bool) {
        let manager = FileManager.default
        guard let dir else {
            let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("swzk-cluster-XXXXXX")
            var bytes = Array(template.utf8CString)
            guard mkdtemp(&bytes) != nil else {
                clusterWarn("cannot create a temporary directory under \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))")
                Foundation.exit(1)
            }
            return (String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), true)
        }
        let path = dir.hasPrefix("/") ? dir : manager.currentDirectoryPath + "/" + dir
        let existed = manager.fileExists(atPath: path)
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            clusterUsageError("--dir \(dir): cannot create it: \(Self.reason(error))")
        }
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
              access(path, W_OK | X_OK) == 0 else {
            clusterUsageError("--dir \(dir): not a writable directory")
        }
        return ((path as NSString).standardizingPath, !existed)
    }

    /// The running executable, so members run exactly this build.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// One line on stderr, then exit status 2 (DESIGN §9: bad arguments start nothing).
func clusterUsageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("swzk cluster-local: \(message)\n".utf8))
    Foundation.exit(2)
}

/// One line on stderr, with the prefix of the console's other reports.
func clusterWarn(_ message: String) {
    FileHandle.standardError.write(Data("cluster-local: \(message)\n".utf8))
}
