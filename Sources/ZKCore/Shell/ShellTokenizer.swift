// Shell/ is the command layer of `swzk client` (a new folder beside Client/): it turns a line
// into tokens, tokens into a checked command, runs the command through `ZooKeeperClient`, and
// renders results the way Apache's zkCli prints them. No terminal handling lives here; the
// readline glue is in the swzk target.

/// Splits a command line into arguments as zkCli does (`ZooKeeperMain.MyCommandOptions.parseCommand`).
///
/// Arguments are separated by whitespace. An argument that starts with `"` or `'` and has a
/// matching closing quote later on the line is one argument with the quotes removed, spaces
/// included. An unmatched quote is an ordinary character. Quotes inside a word (`a"b`) are kept.
public enum ShellTokenizer {
    /// The arguments of `line`, in order; empty for a blank line.
    public static func tokenize(_ line: String) -> [String] {
        let chars = Array(line)
        var tokens: [String] = []
        var i = 0
        while i < chars.count {
            if chars[i].isWhitespace { i += 1; continue }
            let quote = chars[i]
            if quote == "\"" || quote == "'", let close = chars[(i + 1)...].firstIndex(of: quote) {
                tokens.append(String(chars[(i + 1)..<close]))
                i = close + 1
                continue
            }
            var end = i
            while end < chars.count && !chars[end].isWhitespace { end += 1 }
            tokens.append(String(chars[i..<end]))
            i = end
        }
        return tokens
    }
}
