import Dispatch
import Foundation
import ZKCore

/// The running side of `swzk cluster-local`: starts the members, waits for the ensemble, then
/// reads console commands until quit, end of input or a signal, and tears everything down.
///
/// Everything that can end the run arrives as one `Event` on one stream, so start-up, commands
/// and signals are handled in one place and in order.
final class ClusterConsole: @unchecked Sendable {
    enum Event: Sendable {
        case started([LocalClusterRow])
        case failed(String)
        /// A console line; `done` (interactive only) lets the reader show the next prompt.
        case line(String, done: CheckedContinuation<Void, Never>?)
        case endOfInput
        case signal(Int32)
    }

    let setup: ClusterLocalCommand.Setup
    let json: Bool
    let output = StandardOutput()
    let supervisor: LocalClusterSupervisor
    private let events: AsyncStream<Event>
    private let post: AsyncStream<Event>.Continuation
    private var editor: LineEditor?

    init(setup: ClusterLocalCommand.Setup, json: Bool) {
        self.setup = setup
        self.json = json
        let output = output
        supervisor = LocalClusterSupervisor(
            plan: setup.plan, executable: setup.executable, environment: ProcessInfo.processInfo.environment,
            colour: isatty(2) == 1, emit: { output.errorEvent($0) })
        (events, post) = AsyncStream.makeStream(of: Event.self)
    }

    /// Runs until the end; returns the exit status.
    func run() async -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let signals = watchSignals()
        let plan = setup.plan
        let counts = "\(plan.members.filter { !$0.observer }.count) voters and \(plan.members.filter(\.observer).count) observers"
        clusterWarn("starting \(counts) in \(plan.root)")
        var status: Int32 = 0
        let startup = Task { [self] in
            for member in plan.members {
                do {
                    let pid = try supervisor.start(member.id)
                    output.errorEvent("cluster-local: \(member.name) started (pid \(pid))\n")
                } catch {
                    post.yield(.failed("cannot start \(member.name): \(error)"))
                    return
                }
            }
            do {
                post.yield(.started(try await supervisor.waitUntilServing(deadlineMs: setup.deadlineMs)))
            } catch {
                post.yield(.failed("\(error)"))
            }
        }
        loop: for await event in events {
            switch event {
            case .started(let rows):
                printTable(rows)
                startReading()
            case .failed(let message):
                clusterWarn(message)
                status = 1
                break loop
            case .line(let line, let done):
                let quit = await execute(line)
                done?.resume()
                if quit { break loop }
            case .endOfInput, .signal:
                break loop
            }
        }
        startup.cancel()
        editor?.cancel()
        await supervisor.stopAll()
        if setup.removeAtExit {
            try? FileManager.default.removeItem(atPath: plan.root)
        } else {
            clusterWarn("kept \(plan.root)")
        }
        editor?.stop()
        withExtendedLifetime(signals) {}
        return status
    }

    /// SIGINT and SIGTERM end the run (through the event stream, so teardown happens once).
    private func watchSignals() -> [any DispatchSourceSignal] {
        let queue = DispatchQueue(label: "swzk.cluster-local.signals")
        return [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [post] in post.yield(.signal(sig)) }
            source.resume()
            return source
        }
    }

    /// Starts reading commands: readline with a prompt on a terminal, plain lines otherwise.
    private func startReading() {
        let post = post
        guard isatty(0) == 1 else {
            let thread = Thread {
                while let line = readLine(strippingNewline: true) { post.yield(.line(line, done: nil)) }
                post.yield(.endOfInput)
            }
            thread.name = "swzk-console-input"
            thread.start()
            return
        }
        let ids = setup.plan.members.map(\.id)
        let history = (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.swzk_cluster_history"
        let editor = LineEditor(output: output, historyFile: history, handlesInterrupt: false) { before, word in
            ClusterConsoleCommand.completions(before: before, word: word, ids: ids)
        }
        self.editor = editor
        output.out(ClusterConsoleCommand.helpText)
        Task {
            while let line = await editor.readLine(prompt: "cluster> ") {
                await withCheckedContinuation { done in post.yield(.line(line, done: done)) }
            }
            post.yield(.endOfInput)
        }
    }

    /// Carries out one console line; true when it asks to quit.
    private func execute(_ line: String) async -> Bool {
        let command: ClusterConsoleCommand
        switch ClusterConsoleCommand.parse(line, ids: setup.plan.members.map(\.id)) {
        case .success(let parsed): command = parsed
        case .failure(let error):
            output.err("cluster-local: \(error)\n")
            return false
        }
        switch command {
        case .nothing: break
        case .quit: return true
        case .help: output.out(ClusterConsoleCommand.helpText)
        case .status:
            let rows = await supervisor.rows()
            output.out(json ? LocalClusterReport.json(connect: setup.plan.connectString, dir: setup.plan.root, rows: rows)
                            : LocalClusterReport.table(rows, live: true))
        case .leader:
            let leader = await supervisor.leader()
            if json {
                output.out("{\"leader\":\(leader.map(String.init) ?? "null")}\n")
            } else if let leader {
                output.out("\(leader)\n")
            } else {
                output.err("cluster-local: no leader right now\n")
            }
        case .kill(let id), .stop(let id), .pause(let id), .resume(let id):
            guard let pid = supervisor.pid(id) else {
                output.err("cluster-local: n\(id) is not running\n")
                return false
            }
            switch command {
            case .kill:
                await supervisor.kill(id)
                output.out("n\(id): killed (pid \(pid))\n")
            case .stop:
                await supervisor.stop(id)
                output.out("n\(id): stopped (pid \(pid))\n")
            case .pause:
                supervisor.pause(id, true)
                output.out("n\(id): paused (pid \(pid))\n")
            default:
                supervisor.pause(id, false)
                output.out("n\(id): resumed (pid \(pid))\n")
            }
        case .start(let id), .restart(let id):
            if case .restart = command {
                await supervisor.stop(id)
            } else if let pid = supervisor.pid(id) {
                output.err("cluster-local: n\(id) is already running (pid \(pid))\n")
                return false
            }
            do {
                let pid = try supervisor.start(id)
                output.out("n\(id): started (pid \(pid))\n")
            } catch {
                output.err("cluster-local: \(error)\n")
            }
        }
        return false
    }

    /// The connect string and the member table after start-up (or one JSON line).
    private func printTable(_ rows: [LocalClusterRow]) {
        let plan = setup.plan
        if json {
            output.out(LocalClusterReport.json(connect: plan.connectString, dir: plan.root, rows: rows))
        } else {
            output.out("connect: \(plan.connectString)\n" + LocalClusterReport.table(rows, live: false))
        }
    }
}
