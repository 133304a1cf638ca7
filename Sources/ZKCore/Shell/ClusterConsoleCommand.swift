/// One line typed at the `swzk cluster-local` console.
public enum ClusterConsoleCommand: Sendable, Equatable {
    case nothing
    case status
    case leader
    case help
    case quit
    case kill(Int)
    case stop(Int)
    case start(Int)
    case restart(Int)
    case pause(Int)
    case resume(Int)

    /// Command names with what they do, in the order `help` lists them.
    public static let descriptions: [(name: String, takesID: Bool, text: String)] = [
        ("status", false, "members with role, last zxid and connections (from srvr)"),
        ("leader", false, "the current leader's id"),
        ("kill", true, "SIGKILL a member"),
        ("stop", true, "SIGTERM a member (SIGKILL after 5 s)"),
        ("start", true, "start a member that is down"),
        ("restart", true, "stop, then start a member"),
        ("pause", true, "SIGSTOP a member"),
        ("resume", true, "SIGCONT a paused member"),
        ("help", false, "this list"),
        ("quit", false, "stop every member and leave (also Ctrl-C, Ctrl-D, end of input)"),
    ]

    /// `help`'s text.
    public static var helpText: String {
        descriptions.map { entry in
            let usage = entry.name + (entry.takesID ? " ID" : "")
            return usage + String(repeating: " ", count: max(1, 12 - usage.count)) + entry.text
        }.joined(separator: "\n") + "\n"
    }

    /// Parses `line`; `ids` are the members' ids (`3` and `n3` both name member 3). The error is
    /// one line for the user.
    public static func parse(_ line: String, ids: [Int]) -> Result<ClusterConsoleCommand, LocalClusterError> {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let name = words.first else { return .success(.nothing) }
        guard let entry = descriptions.first(where: { $0.name == name }) ?? (name == "exit" ? descriptions.last : nil) else {
            return .failure(LocalClusterError("unknown command '\(name)'; try help"))
        }
        guard entry.takesID else {
            guard words.count == 1 else { return .failure(LocalClusterError("\(entry.name) takes no argument")) }
            switch entry.name {
            case "status": return .success(.status)
            case "leader": return .success(.leader)
            case "help": return .success(.help)
            default: return .success(.quit)
            }
        }
        guard words.count == 2 else { return .failure(LocalClusterError("usage: \(entry.name) ID")) }
        let text = words[1].hasPrefix("n") ? String(words[1].dropFirst()) : words[1]
        guard let id = Int(text), ids.contains(id) else {
            let known = ids.map(String.init).joined(separator: ", ")
            return .failure(LocalClusterError("\(entry.name): no member '\(words[1])' (members: \(known))"))
        }
        switch entry.name {
        case "kill": return .success(.kill(id))
        case "stop": return .success(.stop(id))
        case "start": return .success(.start(id))
        case "restart": return .success(.restart(id))
        case "pause": return .success(.pause(id))
        default: return .success(.resume(id))
        }
    }

    /// Tab completion: command names for the first word, member ids after a command that takes one.
    public static func completions(before: String, word: String, ids: [Int]) -> [String] {
        let earlier = before.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let candidates: [String]
        switch earlier.count {
        case 0: candidates = descriptions.map(\.name)
        case 1 where descriptions.contains(where: { $0.name == earlier[0] && $0.takesID }):
            candidates = ids.map(String.init)
        default: candidates = []
        }
        return candidates.filter { $0.hasPrefix(word) }
    }
}
