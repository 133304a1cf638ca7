/// Checks that zxids follow each other as ZooKeeper issues them: within an epoch each zxid is the
/// previous one plus one, and a new epoch starts at counter 1 (the rule ZooKeeper's `LogChopper`
/// warns about as "intra-epoch" and "inter-epoch" gaps).
///
/// A gap is not always damage: a follower that was brought up to date with a snapshot (SNAP)
/// logs from wherever the snapshot left off. It is reported so a person can tell.
public struct TxnLogContinuity: Sendable {
    /// The last zxid seen.
    public private(set) var last: Zxid?

    public init() {}

    /// Records `zxid`; returns the gap it makes with the previous one, if any.
    public mutating func check(_ zxid: Zxid, file: String, offset: Int) -> LogError? {
        defer { last = zxid }
        guard let previous = last else { return nil }
        if zxid.epoch == previous.epoch {
            return zxid == previous.next() ? nil : .zxidGap(file: file, offset: offset, previous: previous, next: zxid)
        }
        if zxid.epoch > previous.epoch && zxid.counter == 1 { return nil }
        return .zxidGap(file: file, offset: offset, previous: previous, next: zxid)
    }
}

/// Something wrong found in a log: an error, or a torn end a crash left.
public enum TxnLogProblem: Hashable, Sendable, CustomStringConvertible {
    case error(LogError)
    case tail(TxnLogTail)

    public var description: String {
        switch self {
        case .error(let error): return error.description
        case .tail(let tail): return tail.description
        }
    }
}

/// The outcome of checking every record of a log.
public struct TxnLogVerification: Sendable {
    /// The files read, oldest first.
    public var files: [String] = []
    /// Records whose checksum was checked.
    public var records = 0
    public var firstZxid: Zxid?
    public var lastZxid: Zxid?
    /// Every problem, in file order.
    public var problems: [TxnLogProblem] = []

    /// True when nothing is wrong.
    public var isClean: Bool { problems.isEmpty }

    /// Reads every record of `files` (oldest first), checking each checksum, that each payload
    /// decodes, and zxid continuity; goes on past bad records whose framing is intact.
    public static func verify(files: [String], juteMaxBuffer: Int = Limits.juteMaxBufferDefault) -> TxnLogVerification {
        var result = TxnLogVerification()
        let reader = TxnLogReader(files: files, from: nil, juteMaxBuffer: juteMaxBuffer)
        reader.fileOpened = { path, _ in result.files.append(path) }
        var continuity = TxnLogContinuity()
        var tailsSeen = 0
        while true {
            do {
                guard let record = try reader.next() else { break }
                result.records += 1
                if result.firstZxid == nil { result.firstZxid = record.zxid }
                result.lastZxid = record.zxid
                result.addTails(reader.tails, seen: &tailsSeen)
                if let gap = continuity.check(record.zxid, file: record.file, offset: record.offset) {
                    result.problems.append(.error(gap))
                }
            } catch {
                result.addTails(reader.tails, seen: &tailsSeen)
                result.problems.append(.error(error))
                if reader.isFinished { break }
            }
        }
        result.addTails(reader.tails, seen: &tailsSeen)
        return result
    }

    private mutating func addTails(_ tails: [TxnLogTail], seen: inout Int) {
        while seen < tails.count {
            problems.append(.tail(tails[seen]))
            seen += 1
        }
    }
}

extension TxnLogReader {
    /// True once the reader has stopped: at the end of the log, or after an error that broke
    /// the framing. After other errors it can go on to the next record.
    public var isFinished: Bool { isStopped }
}
