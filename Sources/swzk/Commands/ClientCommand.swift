import ArgumentParser
import Foundation
import Logging
import ZKCore

/// `swzk client`: a ZooKeeper shell with zkCli's commands and output, for one command, a
/// script on stdin, or an interactive session with line editing.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "A ZooKeeper shell with zkCli's commands: one command, a script on stdin, or interactive.",
        discussion: """
            With a command after the options, runs it and exits: `swzk client -server h:2181 get /a` \
            prints exactly the node's data. Without one, reads commands from stdin: a script when \
            stdin is not a terminal (no prompt; stops at the first failing command unless \
            --keep-going), otherwise an interactive shell with GNU readline (history in \
            ~/.swzk_history, Tab completes commands, options and znode paths, Ctrl-C clears the \
            line, Ctrl-D leaves).

            Commands: ls [-s] [-w] [-R], get [-s] [-w], set [-s] [-v], create [-s] [-e] [-c] [-t ttl], \
            delete [-v], deleteall [-b], stat [-w], getAcl [-s], setAcl [-s] [-v] [-R], addauth, sync, \
            addWatch [-m], removewatches, getEphemerals, getAllChildrenNumber, whoami, config, tree, \
            history, redo, printwatches, connect, close, version, quit. Output and error messages are \
            zkCli's; --json prints ls, get, stat, getAcl, getEphemerals, whoami and tree as JSON.

            Exit status: 0 success; 1 other failure; 2 usage error (unknown command or option, \
            missing argument, invalid path); 3 node does not exist; 4 node already exists; \
            5 bad version; 6 no permission or authentication failed; 7 node not empty; \
            8 not connected, connection loss, timeout or session expired. A script exits with the \
            status of the first failing command.
            """
    )

    @Option(name: [.customLong("server", withSingleDash: true), .long],
            help: ArgumentHelp("Servers, host:port[,host:port...][/chroot].", valueName: "hosts"))
    var server = "localhost:2181"

    @Option(name: [.customLong("timeout", withSingleDash: true), .long], help: "Session timeout requested, in ms.")
    var timeout = 30_000

    @Flag(name: .customShort("r"), help: "Accept a read-only server.")
    var readOnly = false

    @Option(name: .long, help: ArgumentHelp("Credentials added after connecting (repeatable).",
                                            valueName: "scheme:credentials"))
    var auth: [String] = []

    @Flag(name: .long, help: "Print structured results as JSON, one line each.")
    var json = false

    @Flag(name: .customShort("v"), help: "Log to stderr.")
    var verbose = false

    @Flag(name: .customLong("keep-going"), help: "In a script, go on after a failing command.")
    var keepGoing = false

    @Argument(parsing: .captureForPassthrough, help: "A command and its arguments to run, then exit.")
    var command: [String] = []

    func validate() throws {
        // The passthrough argument would swallow --help: answer it as every other command does.
        if let first = command.first, first == "--help" || first == "-h" || first == "-help" {
            throw CleanExit.helpRequest(self)
        }
        guard timeout > 0 else { throw ValidationError("--timeout: must be positive") }
        for credential in auth where !credential.contains(":") {
            throw ValidationError("--auth: '\(credential)' is not scheme:credentials")
        }
    }

    func run() async throws {
        let verbose = verbose
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .error
            return handler
        }
        var settings = ShellSettings()
        settings.server = server
        settings.timeoutMs = timeout
        settings.readOnly = readOnly
        settings.json = json
        settings.version = "swzk \(SwzkVersion.string)"
        settings.auth = auth.map { text in
            let colon = text.firstIndex(of: ":")!
            return .init(scheme: String(text[..<colon]), credentials: String(text[text.index(after: colon)...]))
        }
        let status: Int32
        if !command.isEmpty {
            settings.printWatches = false
            status = await ClientFrontEnd.oneShot(settings: settings, command: command)
        } else if isatty(0) == 1 {
            status = await ClientFrontEnd.interactive(settings: settings)
        } else {
            status = await ClientFrontEnd.script(settings: settings, keepGoing: keepGoing)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
