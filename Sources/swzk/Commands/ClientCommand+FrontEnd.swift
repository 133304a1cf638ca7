import CReadline
import Foundation
import ZKCore

// The three ways `swzk client` reads commands (one-shot, script, interactive) and the terminal
// side of the interactive shell: GNU readline in callback mode on a thread of its own, so that
// watch events can be printed above the line being edited without breaking it.

/// Runs a `Shell` in one of the three modes and returns the exit status.
enum ClientFrontEnd {
    /// One command from the command line; only its own output is printed.
    static func oneShot(settings: ShellSettings, command: [String]) async -> Int32 {
        let shell = Shell(settings: settings, output: StandardOutput())
        var status = await shell.connect()
        if status == ShellExit.success { status = await shell.execute(tokens: command) }
        await shell.shutdown()
        return status
    }

    /// Commands read from a non-terminal stdin: no prompt; stops at the first failure unless
    /// `keepGoing`; the status is that of the first failing command.
    static func script(settings: ShellSettings, keepGoing: Bool) async -> Int32 {
        let shell = Shell(settings: settings, output: StandardOutput())
        var first = await shell.connect()
        if first == ShellExit.success || keepGoing {
            while !shell.quitRequested, let line = readLine(strippingNewline: true) {
                let status = await shell.execute(line: line)
                guard status != ShellExit.success else { continue }
                if first == ShellExit.success { first = status }
                if !keepGoing { break }
            }
        }
        await shell.shutdown()
        return first
    }

    /// The interactive shell on a terminal.
    static func interactive(settings: ShellSettings) async -> Int32 {
        let output = StandardOutput()
        let shell = Shell(settings: settings, output: output)
        let current = LockedBox<ZooKeeperClient?>(nil)
        let editor = LineEditor(output: output, historyFile: LineEditor.defaultHistoryFile) { before, word in
            completions(before: before, word: word) { parent in
                guard let client = current.value else { return [] }
                return (try? await client.getChildren(parent)) ?? []
            }
        }
        await shell.connect()
        while true {
            current.value = shell.client
            guard let line = await editor.readLine(prompt: shell.prompt) else { break }
            _ = await shell.execute(line: line)
            if shell.quitRequested { break }
        }
        editor.stop()
        await shell.shutdown()
        return ShellExit.success
    }
}

/// Completion candidates for `word`, given the line before it: command names and options, or
/// znode paths listed from the server through `children`, waiting at most two seconds.
private func completions(before: String, word: String,
                         children: @escaping @Sendable (String) async -> [String]) -> [String] {
    switch ShellCompletion.kind(before: before, word: word) {
    case .none: return []
    case .names(let names): return names
    case .path(let parent, _):
        let found = LockedBox<[String]>([])
        let done = DispatchSemaphore(value: 0)
        Task {
            found.value = await children(parent)
            done.signal()
        }
        guard done.wait(timeout: .now() + 2) == .success else { return [] }
        return ShellCompletion.pathMatches(word: word, children: found.value)
    }
}

/// A value behind a lock, shared between the shell task and the readline thread.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
    func update<R>(_ body: (inout Value) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&stored) }
}

/// Writes the shell's output to the standard streams. While the line editor shows a prompt,
/// events are queued and handed to it, so it can print them above the line being typed.
final class StandardOutput: ShellOutput, @unchecked Sendable {
    private let lock = NSLock()
    private var editor: LineEditor?
    private var pending: [(text: String, toStderr: Bool)] = []

    func out(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
    func err(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    func event(_ text: String) { event(text, toStderr: false) }

    /// An event for stderr (cluster-local's member logs and exit reports).
    func errorEvent(_ text: String) { event(text, toStderr: true) }

    private func event(_ text: String, toStderr: Bool) {
        lock.lock()
        if let editor {
            pending.append((text, toStderr))
            lock.unlock()
            editor.wake(LineEditor.wakeEvents)
        } else {
            lock.unlock()
            toStderr ? err(text) : out(text)
        }
    }

    /// Routes events to `editor` while it edits a line (nil: print them at once).
    func editing(_ editor: LineEditor?) {
        lock.lock()
        self.editor = editor
        let flushed = editor == nil ? pending : []
        if editor == nil { pending.removeAll() }
        lock.unlock()
        for (text, toStderr) in flushed { toStderr ? err(text) : out(text) }
    }

    /// The events queued since the last call.
    func takePending() -> [(text: String, toStderr: Bool)] {
        lock.lock(); defer { lock.unlock() }
        let taken = pending
        pending.removeAll()
        return taken
    }
}
