#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The work behind `swzk log-dump`: print, verify or repair a txn log file or directory.
///
/// Kept in the library so the command stays a thin parser and the behaviour can be tested without
/// a process. Output goes through two sinks: `output` for data (stdout) and `problem` for
/// one-line diagnostics (stderr). Each function returns the exit status: 0 when all is well, 1 when
/// a problem was found or a file could not be read.
public enum TxnLogDump {
    /// How transactions are printed.
    public enum Format: Sendable {
        /// Apache `TxnLogToolkit` lines, with its header and "EOF reached" lines.
        case text
        /// One JSON object per line (`TxnLogJSON`).
        case json
    }

    /// The log files `path` stands for, oldest first.
    ///
    /// A file stands for itself. A directory stands for its `log.*` files holding transactions
    /// from `zxid` on, or those of its `version-2` subdirectory when it has one.
    public static func files(at path: String, from zxid: Zxid = .zero) throws(LogError) -> [String] {
        guard PosixFile.exists(path) else { throw .io(file: path, operation: "open", errno: ENOENT) }
        guard PosixFile.isDirectory(path) else { return [path] }
        // A dataDir or dataLogDir keeps its logs in version-2/, where ZooKeeper looks.
        let versioned = PosixFile.join(path, "version-2")
        let directory = PosixFile.isDirectory(versioned) ? versioned : path
        let selected = TxnLogFormat.logFiles(try PosixFile.listDirectory(directory), after: zxid)
        if selected.isEmpty { throw .badHeader(file: path, reason: "no log.* files in this directory") }
        return selected.map { PosixFile.join(directory, $0.name) }
    }

    /// Prints the transactions of `path` that pass `filter`.
    ///
    /// Bad records whose framing is intact are reported and skipped; the dump goes on. Torn ends
    /// are reported after the dump.
    public static func dump(_ path: String, filter: TxnLogFilter = TxnLogFilter(), format: Format = .text,
                            data: TxnDataFormat = .auto, juteMaxBuffer: Int = Limits.juteMaxBufferDefault,
                            output: (String) -> Void, problem: (String) -> Void) -> Int32 {
        let files: [String]
        do {
            files = try self.files(at: path, from: filter.fromZxid ?? .zero)
        } catch {
            problem(error.description)
            return 1
        }
        let reader = TxnLogReader(files: files, from: nil, juteMaxBuffer: juteMaxBuffer)
        return withoutActuallyEscaping(output) { output in
            if format == .text {
                reader.fileOpened = { _, header in output(TxnLogText.headerLine(header) + "\n") }
            }
            defer { reader.fileOpened = nil }
            return dumpRecords(reader, filter: filter, format: format, data: data, output: output, problem: problem)
        }
    }

    private static func dumpRecords(_ reader: TxnLogReader, filter: TxnLogFilter, format: Format, data: TxnDataFormat,
                                    output: (String) -> Void, problem: (String) -> Void) -> Int32 {
        var count = 0
        var status: Int32 = 0
        while true {
            do {
                guard let record = try reader.next() else { break }
                count += 1
                if let to = filter.toZxid, record.zxid > to { break }
                guard filter.matches(record.entry) else { continue }
                switch format {
                case .text: output(TxnLogText.line(record.entry, data: data))
                case .json: output(TxnLogJSON.object(record, data: data) + "\n")
                }
            } catch {
                problem(error.description)
                status = 1
                if reader.isFinished { break }
            }
        }
        if format == .text { output(TxnLogText.endLine(count: count) + "\n") }
        for tail in reader.tails {
            problem(tail.description)
            status = 1
        }
        return status
    }

    /// Checks every checksum, every payload and zxid continuity; prints each problem and a summary.
    public static func verify(_ path: String, juteMaxBuffer: Int = Limits.juteMaxBufferDefault,
                              output: (String) -> Void, problem: (String) -> Void) -> Int32 {
        let files: [String]
        do {
            files = try self.files(at: path)
        } catch {
            problem(error.description)
            return 1
        }
        let result = TxnLogVerification.verify(files: files, juteMaxBuffer: juteMaxBuffer)
        for item in result.problems { output(item.description + "\n") }
        var summary = "checked \(result.records) txns in \(result.files.count) file\(result.files.count == 1 ? "" : "s")"
        if let first = result.firstZxid, let last = result.lastZxid { summary += " (zxid \(first) to \(last))" }
        let count = result.problems.count
        summary += count == 0 ? ": no problems" : ": \(count) problem\(count == 1 ? "" : "s")"
        output(summary + "\n")
        return result.isClean ? 0 : 1
    }

    /// Writes a copy of `path` to `destination` that ends before the first bad record.
    public static func repair(_ path: String, to destination: String, juteMaxBuffer: Int = Limits.juteMaxBufferDefault,
                              output: (String) -> Void, problem: (String) -> Void) -> Int32 {
        let result: TxnLogRepair.Result
        do {
            _ = try files(at: path)
            result = try TxnLogRepair.copyGoodPrefix(from: path, to: destination, juteMaxBuffer: juteMaxBuffer)
        } catch {
            problem(error.description)
            return 1
        }
        var line = "wrote \(destination): \(result.records) txns"
        if let first = result.firstZxid, let last = result.lastZxid { line += " (zxid \(first) to \(last))" }
        output(line + "\n")
        if let stop = result.stop {
            output("left out from here on: \(stop)\n")
        } else {
            output("no bad record found: the copy holds every txn\n")
        }
        var stopTail: TxnLogTail?
        if case .tail(let tail)? = result.stop { stopTail = tail }
        for tail in result.tails where tail != stopTail { output("left out torn end: \(tail)\n") }
        for file in result.dropped { output("not copied (after the bad record): \(file)\n") }
        return 0
    }
}

