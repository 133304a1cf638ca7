import Foundation
import NIOConcurrencyHelpers

/// The member processes of a `swzk cluster-local` ensemble: starts each as `swzk server -c
/// zoo.cfg`, prefixes its output lines with its name, reports exits, signals members on request,
/// asks them `srvr`, and tears them all down.
///
/// Every line it emits (children's output, exit reports) goes through `emit` with its newline,
/// so the console can print it above the line being edited.
public final class LocalClusterSupervisor: Sendable {
    public let plan: LocalClusterPlan
    private let executable: String
    private let environment: [String: String]
    private let colour: Bool
    private let emit: @Sendable (String) -> Void
    private let members: NIOLockedValueBox<[Int: MemberState]>

    /// What the supervisor knows of one member's process.
    private struct MemberState {
        var child: ChildProcess?
        var paused = false
        /// The last lines it printed, for error messages.
        var tail: [String] = []
    }

    /// Lines of output kept per member for error messages.
    static let tailLines = 8

    public init(plan: LocalClusterPlan, executable: String, environment: [String: String], colour: Bool,
                emit: @escaping @Sendable (String) -> Void) {
        self.plan = plan
        self.executable = executable
        self.environment = environment
        self.colour = colour
        self.emit = emit
        members = NIOLockedValueBox(Dictionary(uniqueKeysWithValues: plan.members.map { ($0.id, MemberState()) }))
    }

    // MARK: - One member

    /// Starts member `id`; returns its pid. Fails when it is already running.
    @discardableResult
    public func start(_ id: Int) throws(ChildProcessError) -> Int32 {
        guard let member = plan.member(id) else { throw ChildProcessError(description: "no member \(id)") }
        if let pid = pid(id) { throw ChildProcessError(description: "\(member.name) is already running (pid \(pid))") }
        let prefix = linePrefix(member)
        let child = try ChildProcess.spawn(
            executable: executable, arguments: ["server", "-c", member.configPath], environment: environment,
            directory: member.directory,
            onLine: { [self] line in
                members.withLockedValue { states in
                    states[id]?.tail.append(line)
                    if let count = states[id]?.tail.count, count > Self.tailLines { states[id]?.tail.removeFirst() }
                }
                emit(prefix + line + "\n")
            },
            onExit: { [self] _ in exited(id) }
        )
        members.withLockedValue { $0[id] = MemberState(child: child) }
        return child.pid
    }

    /// The pid of member `id` while its process runs (paused or not).
    public func pid(_ id: Int) -> Int32? {
        members.withLockedValue { states in
            guard let child = states[id]?.child, child.exit == nil else { return nil }
            return child.pid
        }
    }

    public func isPaused(_ id: Int) -> Bool { members.withLockedValue { $0[id]?.paused ?? false } }

    /// SIGKILL, then wait until it is reaped.
    public func kill(_ id: Int) async {
        guard let child = runningChild(id) else { return }
        child.send(SIGKILL)
        _ = await child.waitForExit()
    }

    /// SIGTERM (a paused member is resumed so it can act on it), then SIGKILL after the grace period.
    public func stop(_ id: Int) async {
        guard let child = runningChild(id) else { return }
        child.send(SIGTERM)
        child.send(SIGCONT)
        if await child.waitForExit(seconds: Double(Limits.localClusterStopGraceMs) / 1000) { return }
        child.send(SIGKILL)
        _ = await child.waitForExit()
    }

    /// SIGSTOP (`paused: true`) or SIGCONT.
    public func pause(_ id: Int, _ paused: Bool) {
        guard let child = runningChild(id) else { return }
        child.send(paused ? SIGSTOP : SIGCONT)
        members.withLockedValue { $0[id]?.paused = paused }
    }

    private func runningChild(_ id: Int) -> ChildProcess? {
        members.withLockedValue { states in
            guard let child = states[id]?.child, child.exit == nil else { return nil }
            return child
        }
    }

    /// Reports an exit at once, whoever caused it.
    private func exited(_ id: Int) {
        let child = members.withLockedValue { states in
            states[id]?.paused = false
            return states[id]?.child
        }
        guard let child, let exit = child.exit, let member = plan.member(id) else { return }
        emit("cluster-local: \(member.name) (pid \(child.pid)) \(exit)\n")
    }

    // MARK: - The whole ensemble

    /// `srvr` from every running, unpaused member, asked in parallel.
    public func probe() async -> [Int: SrvrSummary] {
        let targets = plan.members.filter { pid($0.id) != nil && !isPaused($0.id) }
        return await withTaskGroup(of: (Int, SrvrSummary?).self) { group in
            for member in targets {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        DispatchQueue.global().async {
                            let answer = FourLetterProbe.ask("srvr", port: member.clientPort, timeoutMs: 1000)
                            continuation.resume(returning: (member.id, answer.map(SrvrSummary.init(parsing:))))
                        }
                    }
                }
            }
            var found: [Int: SrvrSummary] = [:]
            for await (id, summary) in group { if let summary { found[id] = summary } }
            return found
        }
    }

    /// The member table, fresh from `srvr`.
    public func rows() async -> [LocalClusterRow] {
        let answers = await probe()
        return plan.members.map { member in
            let pid = pid(member.id)
            let srvr = answers[member.id]
            return LocalClusterRow(
                id: member.id, role: LocalClusterRow.role(running: pid != nil, paused: isPaused(member.id), srvr: srvr),
                clientPort: member.clientPort, pid: pid, zxid: srvr?.zxid, connections: srvr?.connections,
                dataDir: member.dataDir)
        }
    }

    /// The id of the one member whose srvr says leader, if exactly one does.
    public func leader() async -> Int? {
        let leaders = await probe().filter { $0.value.mode == "leader" }.map(\.key)
        return leaders.count == 1 ? leaders[0] : nil
    }

    /// Polls until one leader is elected and every member serves (srvr shows a Mode); fails at
    /// once when a member exits, or after `deadlineMs`, with the members' last lines.
    public func waitUntilServing(deadlineMs: Int) async throws(LocalClusterError) -> [LocalClusterRow] {
        let deadline = ContinuousClock.now + .milliseconds(deadlineMs)
        while true {
            if Task.isCancelled { throw LocalClusterError("start-up cancelled") }
            for member in plan.members where pid(member.id) == nil {
                throw LocalClusterError("\(member.name) exited while the ensemble started; last lines:\n" + tails())
            }
            let rows = await rows()
            let roles = rows.map(\.role)
            if roles.filter({ $0 == "leader" }).count == 1,
               roles.allSatisfy({ ["leader", "follower", "observer"].contains($0) }) {
                return rows
            }
            if ContinuousClock.now >= deadline {
                let states = rows.map { "n\($0.id) \($0.role)" }.joined(separator: ", ")
                throw LocalClusterError("no serving ensemble after \(deadlineMs) ms (initLimit × tickTime + "
                                        + "\(Limits.localClusterStartMarginMs) ms): \(states); last lines:\n" + tails())
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Each member's last lines, prefixed with its name.
    public func tails() -> String {
        let kept = members.withLockedValue { $0 }
        return plan.members.flatMap { member in
            (kept[member.id]?.tail ?? []).map { "\(member.name) | \($0)" }
        }.joined(separator: "\n")
    }

    /// SIGTERM to every member, SIGKILL to those still there after the grace period; returns
    /// once every one is reaped.
    public func stopAll() async {
        let children = plan.members.compactMap { runningChild($0.id) }
        for child in children {
            child.send(SIGTERM)
            child.send(SIGCONT)
        }
        let deadline = ContinuousClock.now + .milliseconds(Limits.localClusterStopGraceMs)
        while children.contains(where: { $0.exit == nil }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for child in children where child.exit == nil {
            emit("cluster-local: pid \(child.pid) still running after SIGTERM; SIGKILL\n")
            child.send(SIGKILL)
        }
        for child in children { _ = await child.waitForExit() }
    }

    private func linePrefix(_ member: LocalClusterPlan.Member) -> String {
        guard colour else { return "\(member.name) | " }
        let colours = [36, 33, 35, 32, 34, 31]
        return "\u{1B}[\(colours[(member.id - 1) % colours.count])m\(member.name) |\u{1B}[0m "
    }
}
