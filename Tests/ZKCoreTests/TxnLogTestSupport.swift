import Foundation
import Testing
@testable import ZKCore

/// A fresh directory under the system temp directory, removed by `remove()`.
struct TempDirectory {
    let path: String

    init(_ label: String = "txnlog") throws {
        var template = Array((NSTemporaryDirectory() + "swzk-\(label)-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: try #require(made))
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The path of a file under Tests/ZKCoreTests/Fixtures.
func fixturePath(_ name: String) throws -> String {
    try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/\(name)")).path
}

func readBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

func writeBytes(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

/// The type of the file system holding `path` (the longest mount point above it in
/// /proc/mounts), or nil where that cannot be read.
func fileSystemType(_ path: String) -> String? {
    guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return nil }
    let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    var best: (point: String, type: String)?
    for line in mounts.split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard fields.count >= 3 else { continue }
        let point = String(fields[1]), type = String(fields[2])
        let covers = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
        if covers, point.count >= (best?.point.count ?? -1) { best = (point, type) }
    }
    return best?.type
}

/// Whether `path` is on a disk file system whose page cache a test can watch (not tmpfs).
func onDiskFileSystem(_ path: String) -> Bool {
    ["ext4", "xfs", "btrfs"].contains(fileSystemType(path) ?? "")
}

/// How many of a file's pages are in the page cache (mincore over a read-only mapping, which
/// faults nothing in).
func residentPages(_ path: String) throws -> Int {
    let size = try fileSize(path)
    guard size > 0 else { return 0 }
    let fd = open(path, O_RDONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
    try #require(map != MAP_FAILED)
    defer { munmap(map, size) }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    var flags = [UInt8](repeating: 0, count: (size + page - 1) / page)
    try #require(mincore(map, size, &flags) == 0)
    return flags.filter { $0 & 1 != 0 }.count
}

func fileSize(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
}

/// Varied transactions with zxids `first...first+count-1`: sessions, creates with data of many
/// sizes, setData, deletes, errors and multis, so records of many shapes and lengths are written.
func sampleEntries(count: Int, first: Int64 = 1, session: Int64 = 0x0100_0079_8bea_0000) -> [TxnLogEntry] {
    (0..<count).map { i in
        let zxid = first + Int64(i)
        let data = [UInt8]((0..<(i * 37 % 700)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) })
        let kind = i % 7
        let type: OpCode
        let body: TxnBody
        switch kind {
        case 0: type = .createSession; body = .createSession(CreateSessionTxn(timeOut: 30000))
        case 1: type = .create; body = .create(CreateTxn(path: "/n\(i)", data: data, acl: ACL.openUnsafe,
                                                          ephemeral: i % 2 == 0, parentCVersion: Int32(i)))
        case 2: type = .setData; body = .setData(SetDataTxn(path: "/n\(i - 1)", data: data, version: 1))
        case 3: type = .error; body = .error(ErrorTxn(err: .noNode))
        case 4: type = .delete; body = .delete(DeleteTxn(path: "/n\(i - 3)"))
        case 5:
            type = .multi
            body = .multi([SubTxn(type: .create, body: .create(CreateTxn(path: "/m\(i)", data: nil, acl: ACL.openUnsafe,
                                                                         ephemeral: false, parentCVersion: 1))),
                           SubTxn(type: .check, body: .check(CheckVersionTxn(path: "/m\(i)", version: 1))),
                           SubTxn(type: .setData, body: .setData(SetDataTxn(path: "/m\(i)", data: data, version: 1)))])
        default: type = .closeSession; body = .closeSession(CloseSessionTxn(paths2Delete: ["/e\(i)"]))
        }
        let header = TxnHeader(clientId: session + Int64(i % 3), cxid: Int32(i), zxid: zxid,
                               time: 1_795_340_218_000 + Int64(i) * 250, type: type)
        return TxnLogEntry(header: header, body: body, digest: type == .error ? nil : TxnDigest(treeDigest: Int64(i) * 1_000_003))
    }
}

/// The records of a log file as framed bytes: offsets and lengths, from our reader.
func recordSpans(_ path: String) throws -> [(offset: Int, length: Int)] {
    try TxnLogReader(file: path).readAll().map { ($0.offset, $0.endOffset - $0.offset) }
}

/// A lock-protected value for callbacks that arrive on other threads.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
    var current: Value { withLock { $0 } }
}
