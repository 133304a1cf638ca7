import NIOConcurrencyHelpers

/// Where the shell writes: command output, error lines, and asynchronous watch events (which
/// may arrive while the user is typing, so an interactive front end redraws its line around them).
public protocol ShellOutput: Sendable {
    func out(_ text: String)
    func err(_ text: String)
    func event(_ text: String)
}

/// How `swzk client` was started.
public struct ShellSettings: Sendable {
    /// Connect string, `host:port[,host:port…][/chroot]`.
    public var server = "localhost:2181"
    public var timeoutMs = 30_000
    /// Accept a read-only server.
    public var readOnly = false
    /// Credentials added right after connecting, as `(scheme, credentials)`.
    public var auth: [Credential] = []
    /// Print structured results as one line of JSON.
    public var json = false
    /// Print watch and connection events (off in one-shot mode, where only the result is printed).
    public var printWatches = true
    /// The text `version` prints.
    public var version = "swzk"

    public struct Credential: Hashable, Sendable {
        public var scheme: String
        public var credentials: String
        public init(scheme: String, credentials: String) { self.scheme = scheme; self.credentials = credentials }
    }

    public init() {}
}

/// A failed command with its message and exit status (see `ShellExit`).
public struct ShellFailure: Error, Hashable, Sendable {
    public var message: String
    public var code: Int32
    public init(_ message: String, code: Int32 = ShellExit.failure) { self.message = message; self.code = code }
}

/// The command interpreter behind `swzk client`: ZooKeeper's `ZooKeeperMain` without the
/// terminal. It owns the session, the command counter and history, and runs one command line
/// at a time; the front end (one-shot, script or readline) feeds it lines and shows `prompt`.
///
/// Not thread-safe: one task drives it. Watch events are printed by tasks of their own through
/// `ShellOutput.event`.
public final class Shell {
    public let settings: ShellSettings
    let output: any ShellOutput
    /// The session, nil before the first successful connect.
    public private(set) var client: ZooKeeperClient?
    /// The connect string of the current (or last) session.
    public private(set) var connectString: String
    /// Commands run so far; the number shown in the prompt.
    public private(set) var commandCount = 0
    var history: [Int: String] = [:]
    let printWatches: NIOLockedValueBox<Bool>
    var eventTasks: [Task<Void, Never>] = []
    /// Set by `quit`: the front end should stop reading.
    public internal(set) var quitRequested = false

    public init(settings: ShellSettings, output: any ShellOutput) {
        self.settings = settings
        self.output = output
        self.connectString = settings.server
        self.printWatches = NIOLockedValueBox(settings.printWatches)
    }

    /// The prompt zkCli shows: `[zk: <connect string>(<STATE>) <n>] `.
    public var prompt: String { "[zk: \(connectString)(\(stateName)) \(commandCount)] " }

    /// zkCli's name for the connection state (`ZooKeeper.States`).
    public var stateName: String {
        guard let client else { return "NOT_CONNECTED" }
        switch client.state {
        case .connecting: return "CONNECTING"
        case .connected: return "CONNECTED"
        case .connectedReadOnly: return "CONNECTEDREADONLY"
        case .authFailed: return "AUTH_FAILED"
        case .closing, .closed, .expired: return "CLOSED"
        }
    }

    /// Opens a session to `server` (closing any current one) and adds the configured credentials.
    /// Returns 0, or the exit status after printing why it failed.
    @discardableResult
    public func connect(_ server: String? = nil) async -> Int32 {
        if let client { await client.close() }
        client = nil
        if let server { connectString = server }
        do {
            let client = try await ZooKeeperClient.connect(
                connectString, sessionTimeout: .milliseconds(Int64(settings.timeoutMs)),
                canBeReadOnly: settings.readOnly,
                auth: settings.auth.map { ($0.scheme, Array($0.credentials.utf8)) })
            self.client = client
            watchConnection(client)
            return ShellExit.success
        } catch let error as ZooKeeperError {
            output.err("Unable to connect to \(connectString): \(error)\n")
            return ShellFormat.exitCode(for: error)
        } catch let error as ConnectStringError {
            output.err("Invalid connect string \(connectString): \(error)\n")
            return ShellExit.usage
        } catch {
            output.err("Unable to connect to \(connectString): \(error)\n")
            return ShellExit.connectionLoss
        }
    }

    /// Runs one line typed by the user or read from a script: it is numbered and kept in the
    /// history (blank lines are ignored). Returns the exit status of the command.
    public func execute(line: String) async -> Int32 {
        let tokens = ShellTokenizer.tokenize(line)
        guard !tokens.isEmpty else { return ShellExit.success }
        history[commandCount] = line
        defer { commandCount += 1 }
        if tokens[0] == "redo" { return await redo(tokens) }
        return await execute(tokens: tokens)
    }

    /// Runs one command given as separate arguments (one-shot mode); not kept in the history.
    public func execute(tokens: [String]) async -> Int32 {
        guard let name = tokens.first else { return ShellExit.success }
        guard ShellCommandTable.spec(name) != nil else {
            output.err(ShellCommandTable.usageList + "\nCommand not found: Command not found \(name)\n")
            return ShellExit.usage
        }
        do {
            let invocation = try ShellCommandTable.parse(tokens)
            try await run(invocation)
            return ShellExit.success
        } catch let error as ShellUsageError {
            output.err(error.message + "\n")
            return ShellExit.usage
        } catch let error as ShellFailure {
            output.err(error.message + "\n")
            return error.code
        } catch let error as ZooKeeperError {
            output.err(ShellFormat.message(for: error) + "\n")
            return ShellFormat.exitCode(for: error)
        } catch {
            output.err("\(error)\n")
            return ShellExit.failure
        }
    }

    /// Closes the session and waits until every pending watch event has been printed.
    public func shutdown() async {
        if let client { await client.close() }
        for task in eventTasks { await task.value }
        eventTasks.removeAll()
    }

    /// Children of `parent` for Tab completion; empty when there is no session or on any error.
    public func children(of parent: String) async -> [String] {
        guard let client, client.state == .connected || client.state == .connectedReadOnly else { return [] }
        return (try? await client.getChildren(parent)) ?? []
    }

    // MARK: - Events

    /// Prints the events of one watch registration until it ends.
    func printEvents(of stream: WatchStream) {
        let output = output, enabled = printWatches, json = settings.json
        eventTasks.append(Task {
            for await event in stream where enabled.withLockedValue({ $0 }) {
                output.event(ShellFormat.eventText(state: "SyncConnected", type: event.type, path: event.path, json: json))
            }
        })
    }

    /// Prints the connection state changes of `client`, as zkCli's default watcher does.
    func watchConnection(_ client: ZooKeeperClient) {
        let output = output, enabled = printWatches, json = settings.json
        eventTasks.append(Task {
            for await event in client.events where enabled.withLockedValue({ $0 }) {
                let state: String
                switch event {
                case .connected: state = "SyncConnected"
                case .connectedReadOnly: state = "ConnectedReadOnly"
                case .disconnected: state = "Disconnected"
                case .expired: state = "Expired"
                case .authFailed: state = "AuthFailed"
                case .closed: state = "Closed"
                }
                output.event(ShellFormat.eventText(state: state, type: .none, path: nil, json: json))
            }
        })
    }

    // MARK: - Local commands

    /// `redo n`: runs history entry n again, recorded under the current number.
    func redo(_ tokens: [String]) async -> Int32 {
        guard tokens.count == 2, let index = Int(tokens[1]) else {
            output.err("redo cmdno\n")
            return ShellExit.usage
        }
        guard index >= 0, index < commandCount, let line = history[index] else {
            output.err("Command index out of range\n")
            return ShellExit.usage
        }
        let again = ShellTokenizer.tokenize(line)
        if again.first == "redo" {
            output.err("No redoing redos\n")
            return ShellExit.usage
        }
        history[commandCount] = line
        return await execute(tokens: again)
    }

    /// The session for a command that needs one, or "Not connected".
    func session() throws -> ZooKeeperClient {
        guard let client, client.state == .connected || client.state == .connectedReadOnly
                || client.state == .connecting else {
            throw ShellFailure("Not connected", code: ShellExit.connectionLoss)
        }
        return client
    }

    func emit(_ json: JSONValue) { output.out(json.rendered + "\n") }
}
