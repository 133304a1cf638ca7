/// What Tab completes in `swzk client`: the pure part of completion, without readline.
public enum ShellCompletion {
    /// What the word under the cursor can become.
    public enum Kind: Hashable, Sendable {
        case none
        /// Fixed candidates (command names or a command's options), already filtered by prefix.
        case names([String])
        /// A znode path: list `parent`'s children and keep those starting with `prefix`.
        case path(parent: String, prefix: String)
    }

    /// Classifies `word` given the text before it on the line: the first word is a command
    /// name, a word starting with `-` one of the command's options, and one starting with `/`
    /// a znode path.
    public static func kind(before: String, word: String) -> Kind {
        let previous = ShellTokenizer.tokenize(before)
        guard let command = previous.first else {
            return .names(ShellCommandTable.names.filter { $0.hasPrefix(word) })
        }
        if word.hasPrefix("-") {
            guard let spec = ShellCommandTable.spec(command) else { return .none }
            return .names(spec.optionNames.filter { $0.hasPrefix(word) })
        }
        if word.hasPrefix("/") {
            let slash = word.lastIndex(of: "/")!
            let parent = slash == word.startIndex ? "/" : String(word[..<slash])
            return .path(parent: parent, prefix: String(word[word.index(after: slash)...]))
        }
        return .none
    }

    /// Full paths of `children` (of the word's parent) that complete `word`, sorted.
    public static func pathMatches(word: String, children: [String]) -> [String] {
        guard case .path(let parent, let prefix) = kind(before: "x ", word: word) else { return [] }
        return ShellFormat.javaSorted(children.filter { $0.hasPrefix(prefix) }).map {
            parent == "/" ? "/" + $0 : parent + "/" + $0
        }
    }
}
