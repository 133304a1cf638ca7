import CSpawn
import Foundation
import NIOConcurrencyHelpers

/// How a child process ended, as `waitpid` reported it.
public enum ChildExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let sig): "killed by signal \(sig) (\(ChildExit.signalName(sig)))"
        }
    }

    /// The usual name of a signal (`SIGKILL`), or `signal N` for the rare ones.
    public static func signalName(_ sig: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV",
            SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGUSR1: "SIGUSR1", SIGUSR2: "SIGUSR2",
        ]
        return names[sig] ?? "signal \(sig)"
    }
}

/// Why a child could not be started.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A child process that dies with its parent, with its stdout and stderr read line by line.
///
/// Started by `swzk_spawn_child` (fork + exec in C, with `PR_SET_PDEATHSIG`): even a SIGKILLed
/// parent leaves no child behind. One thread reads the child's output and one waits for its
/// exit; `onLine` and `onExit` are called on those threads.
public final class ChildProcess: Sendable {
    public let pid: Int32
    private let ended = NIOLockedValueBox<ChildExit?>(nil)
    private let exitWaiters = NIOLockedValueBox<[CheckedContinuation<ChildExit, Never>]>([])

    private init(pid: Int32) { self.pid = pid }

    /// Starts `executable` with `arguments` (not including argv[0]) in `directory`.
    public static func spawn(
        executable: String, arguments: [String], environment: [String: String], directory: String,
        onLine: @escaping @Sendable (String) -> Void, onExit: @escaping @Sendable (ChildExit) -> Void
    ) throws(ChildProcessError) -> ChildProcess {
        var fds: [Int32] = [-1, -1]
        guard swzk_pipe_cloexec(&fds) == 0 else {
            throw ChildProcessError(description: "pipe: \(String(cString: strerror(errno)))")
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let argv = [executable] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let (pid, error) = SpawnThread.shared.run {
            Self.forkExec(executable, argv: argv, envp: envp, output: writeEnd, directory: directory)
        }
        close(writeEnd)
        guard pid > 0 else {
            close(readEnd)
            throw ChildProcessError(description: "cannot start \(executable): \(String(cString: strerror(error)))")
        }
        let child = ChildProcess(pid: pid)
        startThread(name: "swzk-child-output") { readLines(fd: readEnd, onLine: onLine) }
        startThread(name: "swzk-child-wait") {
            let exit = waitForExit(pid: pid)
            let waiters = child.ended.withLockedValue { ended in
                ended = exit
                return child.exitWaiters.withLockedValue { waiting in defer { waiting = [] }; return waiting }
            }
            onExit(exit)
            for waiter in waiters { waiter.resume(returning: exit) }
        }
        return child
    }

    /// How the child ended; nil while it runs (or is stopped).
    public var exit: ChildExit? { ended.withLockedValue { $0 } }

    /// Sends `sig` unless the child has already been reaped (its pid may belong to another process by now).
    public func send(_ sig: Int32) {
        ended.withLockedValue { ended in
            if ended == nil { _ = kill(pid, sig) }
        }
    }

    /// Waits until the child has ended.
    public func waitForExit() async -> ChildExit {
        await withCheckedContinuation { continuation in
            let done: ChildExit? = ended.withLockedValue { ended in
                if ended == nil { exitWaiters.withLockedValue { $0.append(continuation) } }
                return ended
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Waits at most `seconds` for the child to end; true when it has.
    public func waitForExit(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while exit == nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exit != nil
    }

    private static func forkExec(_ path: String, argv: [String], envp: [String], output: Int32,
                                 directory: String) -> (Int32, Int32) {
        var cArgv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnvp: [UnsafeMutablePointer<CChar>?] = envp.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnvp.forEach { free($0) }
        }
        let pid = swzk_spawn_child(path, &cArgv, &cEnvp, output, directory)
        return (pid, pid > 0 ? 0 : errno)
    }

    private static func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    /// Reads `fd` to its end, handing over each line without its newline; closes `fd`.
    private static func readLines(fd: Int32, onLine: (String) -> Void) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending += buffer[0..<count]
            while let newline = pending.firstIndex(of: 10) {
                onLine(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
        close(fd)
    }

    private static func waitForExit(pid: Int32) -> ChildExit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(-1) }
        }
        let code = swzk_wait_exit_code(status)
        return code >= 0 ? .exited(code) : .signaled(swzk_wait_term_signal(status))
    }
}

/// The one thread that forks every child. `PR_SET_PDEATHSIG` fires when the thread that forked a
/// child ends, not the process; a pool thread may end when idle, so the forks happen on a thread
/// that never does.
private final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "swzk-spawner"
        thread.start()
    }

    /// Runs `body` on the spawner thread and returns its result (blocks the caller briefly).
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let result = NIOLockedValueBox<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        condition.lock()
        jobs.append {
            let value = body()
            result.withLockedValue { $0 = value }
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        return result.withLockedValue { $0! }
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
