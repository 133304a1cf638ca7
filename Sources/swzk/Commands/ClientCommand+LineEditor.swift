import CReadline
import Foundation
import ZKCore

/// GNU readline's callback interface driven from a dedicated thread.
///
/// `readLine(prompt:)` asks the thread for one line; the thread installs the prompt, then
/// polls stdin and a wake-up pipe. Keys go to `rl_callback_read_char`; wake-ups bring events
/// (printed above the line with the line redrawn), Ctrl-C (clears the line, unless the owner
/// handles SIGINT itself) and `cancel()`. Tab asks `complete` for candidates (the client's
/// command names, options and live znode paths; cluster-local's commands and member ids).
/// History is kept in a file across runs. readline's globals are touched by this thread only.
final class LineEditor: @unchecked Sendable {
    static let wakeEvents: UInt8 = 0x65     // "e"
    static let wakeInterrupt: UInt8 = 0x69  // "i"
    static let wakeStop: UInt8 = 0x73       // "s"

    /// `~/.swzk_history`.
    static var defaultHistoryFile: String {
        (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.swzk_history"
    }

    let output: StandardOutput
    let historyFile: String
    /// Completion candidates for the word being typed, given the line before it.
    let complete: @Sendable (_ before: String, _ word: String) -> [String]
    private let requests = DispatchSemaphore(value: 0)
    private let request = LockedBox<(prompt: String, reply: CheckedContinuation<String?, Never>)?>(nil)
    private let stopping = LockedBox(false)
    private let cancelled = LockedBox(false)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private var thread: Thread?

    /// `handlesInterrupt: false` leaves SIGINT to the owner (cluster-local tears down on Ctrl-C).
    init(output: StandardOutput, historyFile: String, handlesInterrupt: Bool = true,
         complete: @escaping @Sendable (_ before: String, _ word: String) -> [String]) {
        self.output = output
        self.historyFile = historyFile
        self.complete = complete
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        LineEditorGlobals.wakeFD = wakeWrite
        LineEditorGlobals.editor = self
        if handlesInterrupt {
            signal(SIGINT) { _ in
                var byte = LineEditor.wakeInterrupt
                _ = write(LineEditorGlobals.wakeFD, &byte, 1)
            }
        }
        let thread = Thread { [self] in self.loop() }
        thread.name = "swzk-readline"
        self.thread = thread
        thread.start()
    }

    /// One line from the user, or nil at end of input (Ctrl-D on an empty line).
    func readLine(prompt: String) async -> String? {
        await withCheckedContinuation { continuation in
            request.value = (prompt, continuation)
            requests.signal()
        }
    }

    /// Ends the editor thread (call when no `readLine` is pending).
    func stop() {
        stopping.value = true
        requests.signal()
        if LineEditorGlobals.editor === self { signal(SIGINT, SIG_DFL) }
    }

    /// Ends input: the pending `readLine`, and every later one, returns nil.
    func cancel() {
        cancelled.value = true
        wake(Self.wakeStop)
    }

    func wake(_ byte: UInt8) {
        var byte = byte
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: - The readline thread

    private func loop() {
        swzk_rl_setup(lineEditorComplete)
        using_history()
        if !FileManager.default.fileExists(atPath: historyFile) {
            _ = FileManager.default.createFile(atPath: historyFile, contents: nil)
        }
        read_history(historyFile)
        while true {
            requests.wait()
            if stopping.value { break }
            guard let (prompt, reply) = request.update({ pending in defer { pending = nil }; return pending }) else { continue }
            reply.resume(returning: edit(prompt: prompt))
        }
        history_truncate_file(historyFile, 1000)
    }

    /// Edits one line under `prompt` and returns it (nil at end of input).
    private func edit(prompt: String) -> String? {
        drainWakeups()
        if cancelled.value { return nil }
        LineEditorGlobals.result = nil
        output.editing(self)
        rl_callback_handler_install(prompt, lineEditorLineDone)
        for (text, toStderr) in output.takePending() { swzk_rl_print_above(text, toStderr ? 1 : 0) }
        while LineEditorGlobals.result == nil {
            var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, -1) >= 0 else {
                if errno == EINTR { continue }
                LineEditorGlobals.result = .some(nil)
                break
            }
            if fds[1].revents != 0 {
                let bytes = drainWakeups()
                for byte in bytes where byte == Self.wakeInterrupt { swzk_rl_interrupt() }
                for (text, toStderr) in output.takePending() { swzk_rl_print_above(text, toStderr ? 1 : 0) }
                if cancelled.value {
                    rl_callback_handler_remove()
                    LineEditorGlobals.result = .some(nil)
                    break
                }
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { rl_callback_read_char() }
        }
        output.editing(nil)
        let line = LineEditorGlobals.result ?? nil
        if line == nil { FileHandle.standardOutput.write(Data("\n".utf8)) }
        if let line, !line.trimmingCharacters(in: .whitespaces).isEmpty {
            add_history(line)
            append_history(1, historyFile)
        }
        return line
    }

    @discardableResult
    private func drainWakeups() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(wakeRead, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    /// Completion candidates for `word`, given the line before it.
    fileprivate func candidates(before: String, word: String) -> [String] {
        complete(before, word)
    }
}

/// State readline's C callbacks reach; used by the readline thread only (and the SIGINT
/// handler, which only reads the pipe descriptor).
enum LineEditorGlobals {
    nonisolated(unsafe) static var wakeFD: Int32 = -1
    nonisolated(unsafe) static var editor: LineEditor?
    /// nil while editing; `.some(line)` once a line (or `.some(nil)`, end of input) arrived.
    nonisolated(unsafe) static var result: String??
    nonisolated(unsafe) static var matches: [String] = []
}

/// readline's line handler: keeps the line and leaves callback mode.
private func lineEditorLineDone(_ line: UnsafeMutablePointer<CChar>?) {
    LineEditorGlobals.result = .some(line.map { String(cString: $0) })
    free(line)
    rl_callback_handler_remove()
}

/// readline's completion hook: computes the candidates, then lets readline pick from them.
private func lineEditorComplete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    let word = text.map { String(cString: $0) } ?? ""
    let line = Array(String(cString: swzk_rl_line_buffer()).utf8)
    let before = String(decoding: line.prefix(Int(start)), as: UTF8.self)
    let isPath = word.hasPrefix("/")
    swzk_rl_completion_options(isPath ? 0 : 32)
    LineEditorGlobals.matches = LineEditorGlobals.editor?.candidates(before: before, word: word) ?? []
    guard let text else { return nil }
    return rl_completion_matches(text, lineEditorNextMatch)
}

/// readline's match generator: hands out the candidates one by one, each a malloc'd copy.
private func lineEditorNextMatch(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    let index = Int(state)
    guard index < LineEditorGlobals.matches.count else { return nil }
    return strdup(LineEditorGlobals.matches[index])
}
