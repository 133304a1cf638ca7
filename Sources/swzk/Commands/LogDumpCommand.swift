import ArgumentParser
import Foundation
import ZKCore

/// `swzk log-dump`: prints, verifies or repairs ZooKeeper transaction logs (Apache's
/// `zkTxnLogToolkit.sh`, with filters, JSON and checks added).
struct LogDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log-dump",
        abstract: "Print, verify or repair ZooKeeper transaction logs.",
        discussion: """
            Reads the log.* files Apache ZooKeeper and swzk write. Given a \
            directory (a dataLogDir, or its version-2 subdirectory) it reads every log file in \
            zxid order. The default output is the line format of Apache's zkTxnLogToolkit.sh: \
            time (UTC), session, cxid, zxid, type and details. Node data is shown as text when \
            it is valid UTF-8 and as 0x-prefixed hex otherwise, unless --data says otherwise.

            Reading stops cleanly at the zero fill that preallocation leaves after the last \
            record. A record cut short by a crash, a checksum mismatch or an undecodable record \
            is reported on stderr with its file and offset, and makes the exit status 1.

            Zxids and session ids are hex with a 0x prefix (0x100000001), hex without it when \
            they contain a letter (1f), and decimal otherwise (31).

            Exit status: 0 when the log is sound, 1 when a problem was found or a file could not \
            be read, 2 for bad arguments.

            Examples:
              swzk log-dump /var/lib/zookeeper/version-2/log.1
              swzk log-dump /var/lib/zookeeper --zxid 0x100000001:0x100000fff
              swzk log-dump data --session 0x10000798bea0000 --type create
              swzk log-dump data --type delete --type deleteContainer --path /app/
              swzk log-dump data --since 2026-11-22T09:00Z --until 2026-11-22T10:00Z
              swzk log-dump data/version-2/log.1 --json --data base64 | jq .txn.path
              swzk log-dump data --verify
              swzk log-dump data/version-2/log.1 --repair /tmp/log.1.repaired
            """
    )

    @Argument(help: ArgumentHelp("A log.* file, or a directory holding them (or holding version-2/).",
                                 valueName: "file-or-dir"))
    var path: String

    @Option(help: ArgumentHelp("Only txns with a zxid in this range, both ends included; FROM alone or FROM: "
                                   + "reads to the end, :TO from the start.",
                               valueName: "from[:to]"))
    var zxid: String?

    @Option(help: ArgumentHelp("Only txns of this session id (e.g. 0x10000798bea0000).", valueName: "id"))
    var session: String?

    @Option(name: .customLong("path"),
            help: ArgumentHelp("Only txns touching a node whose path starts with this text (/app matches /app, "
                                   + "/app/x and /apple; use /app/ for children only). A multi matches through any "
                                   + "of its operations; a closeSession through the ephemerals it deletes.",
                               valueName: "prefix"))
    var pathPrefix: String?

    @Option(name: .customLong("type"),
            help: ArgumentHelp("Only txns of this type; repeat for several. Types: "
                                   + TxnLogFilter.typeNames.joined(separator: ", ")
                                   + ". A multi matches when one of its operations has the type.",
                               valueName: "type"))
    var types: [String] = []

    @Option(help: ArgumentHelp("Only txns at or after this time: epoch milliseconds, or ISO-8601 such as "
                                   + "2026-11-22T09:36:58Z (no offset means UTC).",
                               valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only txns at or before this time, in the same forms as --since.", valueName: "time"))
    var until: String?

    @Flag(help: ArgumentHelp("Print one JSON object per txn instead of toolkit lines; ids are hex strings, data "
                                 + "comes with its encoding."))
    var json = false

    @Option(help: ArgumentHelp("How to show node data: auto (text if valid UTF-8, else hex), text (UTF-8 with "
                                   + "bad bytes replaced, as Apache's tool prints it), hex or base64.",
                               valueName: "format"))
    var data: String = "auto"

    @Flag(help: ArgumentHelp("Check every checksum, that every record decodes and that zxids follow each other; "
                                 + "print each problem with its file and offset, then a summary."))
    var verify = false

    @Option(help: ArgumentHelp("Write a copy that ends before the first bad record to this new path (a directory "
                                   + "when reading a directory); the original is never changed.",
                               valueName: "out"))
    var repair: String?

    func validate() throws {
        if verify && repair != nil { throw ValidationError("--verify and --repair cannot be combined") }
        if verify || repair != nil {
            let mode = verify ? "--verify" : "--repair"
            if json || zxid != nil || session != nil || pathPrefix != nil || !types.isEmpty || since != nil || until != nil {
                throw ValidationError("\(mode) reads the whole log; it takes no filters and no --json")
            }
        }
        _ = try makeFilter()
        _ = try dataFormat()
    }

    func run() throws {
        let output: (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
        let problem: (String) -> Void = { FileHandle.standardError.write(Data(("swzk log-dump: " + $0 + "\n").utf8)) }
        let status: Int32
        if verify {
            status = TxnLogDump.verify(path, output: output, problem: problem)
        } else if let repair {
            status = TxnLogDump.repair(path, to: repair, output: output, problem: problem)
        } else {
            var buffered = BufferedOutput()
            status = TxnLogDump.dump(path, filter: try makeFilter(), format: json ? .json : .text,
                                     data: try dataFormat(), output: { buffered.write($0) }, problem: { line in
                                         buffered.flush()
                                         problem(line)
                                     })
            buffered.flush()
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func makeFilter() throws -> TxnLogFilter {
        var filter = TxnLogFilter()
        if let zxid {
            guard let range = TxnLogFilter.parseZxidRange(zxid) else {
                throw ValidationError("--zxid \(zxid): expected FROM, FROM:TO, FROM: or :TO (0x1f, 1f or 31)")
            }
            filter.fromZxid = range.from
            filter.toZxid = range.to
        }
        if let session {
            guard let id = TxnLogFilter.parseNumber(session) else {
                throw ValidationError("--session \(session): expected a session id such as 0x10000798bea0000")
            }
            filter.session = SessionID(id)
        }
        filter.pathPrefix = pathPrefix
        for name in types {
            guard let type = TxnLogFilter.parseType(name) else {
                throw ValidationError("--type \(name): unknown type; use one of \(TxnLogFilter.typeNames.joined(separator: ", "))")
            }
            filter.types.insert(type)
        }
        if let since {
            guard let ms = TxnLogFilter.parseTime(since) else {
                throw ValidationError("--since \(since): expected epoch milliseconds or an ISO-8601 time such as 2026-11-22T09:36:58Z")
            }
            filter.since = ms
        }
        if let until {
            guard let ms = TxnLogFilter.parseTime(until) else {
                throw ValidationError("--until \(until): expected epoch milliseconds or an ISO-8601 time such as 2026-11-22T09:36:58Z")
            }
            filter.until = ms
        }
        return filter
    }

    private func dataFormat() throws -> TxnDataFormat {
        guard let format = TxnDataFormat(rawValue: data) else {
            throw ValidationError("--data \(data): expected auto, text, hex or base64")
        }
        return format
    }
}

/// Collects stdout text and writes it in large pieces: a dump can be millions of lines.
private struct BufferedOutput {
    private var pending: [UInt8] = []

    mutating func write(_ text: String) {
        pending.append(contentsOf: text.utf8)
        if pending.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !pending.isEmpty else { return }
        FileHandle.standardOutput.write(Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}
