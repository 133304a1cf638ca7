import Foundation
import Testing
@testable import ZKCore

/// Runs a library dump and collects what it prints.
func runDump(_ body: (_ output: (String) -> Void, _ problem: (String) -> Void) -> Int32) -> (status: Int32, out: String, err: [String]) {
    var out = ""
    var err: [String] = []
    let status = body({ out += $0 }, { err.append($0) })
    return (status, out, err)
}

/// The zxids of a JSON dump, one object per line.
func jsonZxids(_ text: String) throws -> [String] {
    try text.split(separator: "\n").map { line in
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return try #require(object["zxid"] as? String)
    }
}

/// Apache's TxnLogToolkit run live when Debian's zookeeper package is installed (CI installs it),
/// called through java directly so a test never triggers a package install.
enum ApacheToolkit {
    static let javaDir = "/usr/share/java"

    static var isInstalled: Bool {
        FileManager.default.fileExists(atPath: javaDir + "/zookeeper.jar")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/java")
    }

    /// The jars apache-zk.sh puts on the class path, those present.
    static var classPath: String {
        let jars = ["zookeeper", "zookeeper-jute", "slf4j-api", "slf4j-simple", "commons-cli", "commons-io", "metrics-core",
                    "snappy-java", "jackson-annotations", "jackson-core", "jackson-databind", "netty-buffer", "netty-common",
                    "netty-handler", "netty-transport", "netty-codec", "netty-resolver"]
        return jars.map { javaDir + "/" + $0 + ".jar" }.filter { FileManager.default.fileExists(atPath: $0) }
            .joined(separator: ":")
    }

    static func dump(_ file: String) throws -> String {
        let result = try runTool("/usr/bin/java", ["-cp", classPath, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                                                   "org.apache.zookeeper.server.persistence.TxnLogToolkit", file])
        #expect(!result.stdout.isEmpty, "TxnLogToolkit printed nothing; stderr: \(result.stderr)")
        return result.stdout
    }
}

/// The package root, found from this file's path.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Runs a program and returns its status and output (collected in temporary files, so a
/// chatty child can never block on a full pipe).
func runTool(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let dir = try TempDirectory("run")
    defer { dir.remove() }
    _ = FileManager.default.createFile(atPath: dir.file("out"), contents: nil)
    _ = FileManager.default.createFile(atPath: dir.file("err"), contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("out")))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("err")))
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus,
            String(decoding: try readBytes(dir.file("out")), as: UTF8.self),
            String(decoding: try readBytes(dir.file("err")), as: UTF8.self))
}

@Suite struct TxnLogDumpTests {
    @Test(arguments: ["standalone", "ttl-container"])
    func textMatchesApacheToolkitOutput(fixture: String) throws {
        let file = try fixturePath("\(fixture)/version-2/log.1")
        let expected = try String(contentsOfFile: try fixturePath("\(fixture)/log.1.toolkit.txt"), encoding: .utf8)
        let dump = runDump { TxnLogDump.dump(file, output: $0, problem: $1) }
        #expect(dump.status == 0)
        #expect(dump.err.isEmpty)
        #expect(dump.out == expected)
        if ApacheToolkit.isInstalled {
            #expect(dump.out == (try ApacheToolkit.dump(file)), "live TxnLogToolkit output")
        }
    }

    @Test func theSameOutputComesFromTheDirectory() throws {
        let file = try fixturePath("standalone/version-2/log.1")
        let dir = PosixFile.directoryName(file)
        let fromFile = runDump { TxnLogDump.dump(file, output: $0, problem: $1) }
        let fromDir = runDump { TxnLogDump.dump(dir, output: $0, problem: $1) }
        let fromDataDir = runDump { TxnLogDump.dump(PosixFile.directoryName(dir), output: $0, problem: $1) }
        #expect(fromDir.out == fromFile.out)
        #expect(fromDataDir.out == fromFile.out)
    }

    @Test func aDirectoryIsDumpedAcrossFilesInZxidOrder() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 4096)
        let entries = sampleEntries(count: 30)
        for (i, entry) in entries.enumerated() {
            try writer.append(entry)
            if i == 9 || i == 19 { try writer.roll() }
        }
        try writer.close()
        let dump = runDump { TxnLogDump.dump(dir.path, output: $0, problem: $1) }
        #expect(dump.status == 0)
        let expected = TxnLogText.headerLine(.txnLog) + "\n" + entries[..<10].map { TxnLogText.line($0) }.joined()
            + TxnLogText.headerLine(.txnLog) + "\n" + entries[10..<20].map { TxnLogText.line($0) }.joined()
            + TxnLogText.headerLine(.txnLog) + "\n" + entries[20...].map { TxnLogText.line($0) }.joined()
            + "EOF reached after 30 txns.\n"
        #expect(dump.out == expected)
        // A zxid range opens only the files that may hold it.
        var filter = TxnLogFilter()
        filter.fromZxid = Zxid(0x16)
        filter.toZxid = Zxid(0x17)
        let ranged = runDump { TxnLogDump.dump(dir.path, filter: filter, format: .json, output: $0, problem: $1) }
        #expect(try jsonZxids(ranged.out) == ["0x16", "0x17"])
    }

    @Test func filtersSelectTxns() throws {
        let file = try fixturePath("standalone/version-2/log.1")
        func zxids(_ configure: (inout TxnLogFilter) -> Void) throws -> [String] {
            var filter = TxnLogFilter()
            configure(&filter)
            let dump = runDump { TxnLogDump.dump(file, filter: filter, format: .json, output: $0, problem: $1) }
            #expect(dump.status == 0)
            return try jsonZxids(dump.out)
        }
        #expect(try zxids { $0.fromZxid = Zxid(7); $0.toZxid = Zxid(8) } == ["0x7", "0x8"])
        #expect(try zxids { $0.fromZxid = Zxid(0x21) } == ["0x21", "0x22", "0x23"])
        #expect(try zxids { $0.session = SessionID(0x0100_0079_8bea_0006) } == ["0x1b", "0x1c", "0x1d", "0x1e", "0x1f"])
        #expect(try zxids { $0.pathPrefix = "/s/" } == ["0xa", "0xb", "0xc", "0xd", "0xe", "0xf"])
        #expect(try zxids { $0.pathPrefix = "/holder" } == ["0x22", "0x23"])
        // Multis match through their operations.
        #expect(try zxids { $0.types = [.create] } == ["0x2", "0x6", "0x7", "0x8", "0x9", "0xa", "0xb", "0xc", "0xf"])
        #expect(try zxids { $0.types = [.delete, .setData] } == ["0x5", "0x8", "0xd", "0xe"])
        #expect(try zxids {
            $0.since = TxnLogFilter.parseTime("2026-11-22T09:37:07Z")
            $0.until = TxnLogFilter.parseTime("2026-11-22T09:37:10.999Z")
        } == ["0x13", "0x14", "0x15", "0x16", "0x17", "0x18"])
        #expect(try zxids { $0.types = [.createSession]; $0.session = SessionID(0x0100_0079_8bea_0007) } == ["0x21"])
    }

    @Test func jsonHasTypedFields() throws {
        let file = try fixturePath("standalone/version-2/log.1")
        let dump = runDump { TxnLogDump.dump(file, format: .json, output: $0, problem: $1) }
        let objects = try dump.out.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 35)
        let create = objects[1]
        #expect(create["zxid"] as? String == "0x2")
        #expect(create["session"] as? String == "0x10000798bea0000")
        #expect(create["cxid"] as? Int == 1)
        #expect(create["type"] as? String == "create")
        #expect(create["offset"] as? Int == 77)
        let txn = try #require(create["txn"] as? [String: Any])
        #expect(txn["path"] as? String == "/a")
        #expect(txn["data"] as? String == "hello")
        #expect(txn["dataEncoding"] as? String == "text")
        #expect(txn["ephemeral"] as? Bool == false)
        let acl = try #require(txn["acl"] as? [[String: Any]])
        #expect(acl.first?["perms"] as? Int == 31 && acl.first?["scheme"] as? String == "world")
        #expect((create["digest"] as? [String: Any])?["treeDigest"] as? Int == 4_291_439_671)

        let error = objects[3]
        #expect((error["txn"] as? [String: Any])?["err"] as? Int == -103)
        #expect(error["digest"] is NSNull)

        let multi = try #require(objects[6]["txn"] as? [String: Any])
        let ops = try #require(multi["ops"] as? [[String: Any]])
        #expect(ops.map { $0["type"] as? String } == ["create", "error", "error"])
        #expect(ops[1]["err"] as? Int == -103)

        let close = try #require(objects[16]["txn"] as? [String: Any])
        #expect(close["paths2Delete"] as? [String] == ["/e"])

        let hex = runDump { TxnLogDump.dump(file, format: .json, data: .hex, output: $0, problem: $1) }
        #expect(hex.out.contains("\"data\":\"68656c6c6f\",\"dataEncoding\":\"hex\""))
        let base64 = runDump { TxnLogDump.dump(file, format: .json, data: .base64, output: $0, problem: $1) }
        #expect(base64.out.contains("\"data\":\"aGVsbG8=\",\"dataEncoding\":\"base64\""))
    }

    @Test func dataThatIsNotUTF8IsShownAsHexByDefault() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 0)
        try writer.append(TxnLogEntry(header: TxnHeader(clientId: 1, cxid: 1, zxid: 1, time: 0, type: .setData),
                                      body: .setData(SetDataTxn(path: "/b", data: [0xca, 0xfe], version: 1)), digest: nil))
        try writer.close()
        let text = runDump { TxnLogDump.dump(dir.path, output: $0, problem: $1) }
        #expect(text.out.contains(" setData /b,0xcafe,1\n"))
        let json = runDump { TxnLogDump.dump(dir.path, format: .json, output: $0, problem: $1) }
        #expect(json.out.contains("\"data\":\"cafe\",\"dataEncoding\":\"hex\""))
    }

    @Test func problemsAreReportedAndTheDumpGoesOn() throws {
        let poisoned = try fixturePath("check-outside-multi/version-2/log.1")
        let dump = runDump { TxnLogDump.dump(poisoned, output: $0, problem: $1) }
        #expect(dump.status == 1)
        #expect(dump.err.count == 1)
        #expect(dump.err.first?.contains("offset 965") == true)
        #expect(dump.out.hasSuffix("EOF reached after 14 txns.\n"))

        let missing = runDump { TxnLogDump.dump("/nonexistent/log.1", output: $0, problem: $1) }
        #expect(missing.status == 1)
        #expect(missing.err.first?.contains("/nonexistent/log.1") == true)

        let dir = try TempDirectory()
        defer { dir.remove() }
        let bytes = try readBytes(try fixturePath("standalone/version-2/log.1"))
        try writeBytes(Array(bytes.dropLast(7)) + [UInt8](repeating: 0, count: 512), to: dir.file("log.1"))
        let torn = runDump { TxnLogDump.dump(dir.file("log.1"), output: $0, problem: $1) }
        #expect(torn.status == 1)
        #expect(torn.out.hasSuffix("EOF reached after 34 txns.\n"))
        #expect(torn.err.first?.contains("no end-of-record marker") == true)
    }

    @Test func verifyNamesFileAndOffset() throws {
        let clean = runDump { TxnLogDump.verify(try! fixturePath("standalone/version-2"), output: $0, problem: $1) }
        #expect(clean.status == 0)
        #expect(clean.out == "checked 35 txns in 1 file (zxid 0x1 to 0x23): no problems\n")

        let dir = try TempDirectory()
        defer { dir.remove() }
        var bytes = try readBytes(try fixturePath("standalone/version-2/log.1"))
        bytes[406 + 40] ^= 0x20
        try writeBytes(bytes, to: dir.file("log.1"))
        let bad = runDump { TxnLogDump.verify(dir.path, output: $0, problem: $1) }
        #expect(bad.status == 1)
        #expect(bad.out == """
            \(dir.file("log.1")): checksum mismatch in the record at offset 406
            \(dir.file("log.1")): zxid gap at offset 509: 0x5 is followed by 0x7
            checked 34 txns in 1 file (zxid 0x1 to 0x23): 2 problems

            """)
    }

    @Test func repairWritesACopyThatVerifies() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let poisoned = try fixturePath("check-outside-multi/version-2/log.1")
        let out = dir.file("log.1")
        let repaired = runDump { TxnLogDump.repair(poisoned, to: out, output: $0, problem: $1) }
        #expect(repaired.status == 0)
        #expect(repaired.out.hasPrefix("wrote \(out): 10 txns (zxid 0x1 to 0xa)\nleft out from here on: "))
        let verified = runDump { TxnLogDump.verify(out, output: $0, problem: $1) }
        #expect(verified.status == 0)
        if ApacheToolkit.isInstalled {
            // Apache's own tool now reads it to the end.
            #expect(try ApacheToolkit.dump(out).hasSuffix("EOF reached after 10 txns.\n"))
        }
        let again = runDump { TxnLogDump.repair(poisoned, to: out, output: $0, problem: $1) }
        #expect(again.status == 1)
        #expect(again.err.first?.contains("already exists") == true)
    }
}

/// `swzk log-dump` as a user runs it: the built binary, its output and exit status.
@Suite struct LogDumpCommandTests {
    static let binary = packageRoot + "/.build/debug/swzk"

    func swzk(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            Issue.record("\(Self.binary) is missing: run `swift build` before the CLI tests")
            throw CancellationError()
        }
        return try runTool(Self.binary, ["log-dump"] + arguments)
    }

    @Test func printsToolkitLinesAndExitsZero() throws {
        let file = try fixturePath("standalone/version-2/log.1")
        let run = try swzk(file)
        #expect(run.status == 0)
        #expect(run.stdout == (try String(contentsOfFile: try fixturePath("standalone/log.1.toolkit.txt"), encoding: .utf8)))
        #expect(run.stderr.isEmpty)
    }

    @Test func filtersAndJSON() throws {
        let file = try fixturePath("standalone/version-2/log.1")
        let run = try swzk(file, "--json", "--zxid", "0x5:8", "--type", "multi")
        #expect(run.status == 0)
        #expect(try jsonZxids(run.stdout) == ["0x7", "0x8"])
        let since = try swzk(file, "--json", "--since", "2026-11-22T09:37:44Z", "--until", "1795340276000", "--path", "/")
        #expect(try jsonZxids(since.stdout) == ["0x22"])
    }

    @Test func verifyAndRepairExitStatus() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        var bytes = try readBytes(try fixturePath("standalone/version-2/log.1"))
        bytes[1000] ^= 0x01
        try writeBytes(bytes, to: dir.file("log.1"))
        let verify = try swzk(dir.file("log.1"), "--verify")
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("\(dir.file("log.1")): checksum mismatch in the record at offset "))
        let repair = try swzk(dir.file("log.1"), "--repair", dir.file("fixed"))
        #expect(repair.status == 0)
        #expect(try swzk(dir.file("fixed"), "--verify").status == 0)
        #expect(try swzk(try fixturePath("standalone/version-2"), "--verify").status == 0)
    }

    @Test func badArgumentsExitTwoAndBadFilesOne() throws {
        let file = try fixturePath("standalone/version-2/log.1")
        for arguments in [["--zxid", "zz"], ["--type", "frobnicate"], ["--since", "last tuesday"], ["--data", "octal"],
                          ["--no-such-flag"], ["--verify", "--json"], ["--verify", "--repair", "/tmp/x"]] {
            let run = try runTool(Self.binary, ["log-dump", file] + arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(!run.stderr.isEmpty, "\(arguments)")
        }
        let missing = try swzk("/nonexistent/log.1")
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("swzk log-dump: /nonexistent/log.1"))
        let notALog = try swzk(try fixturePath("standalone/version-2/snapshot.0"))
        #expect(notALog.status == 1)
        #expect(notALog.stderr.contains("not a transaction log"))
    }

    @Test func helpExplainsEveryFlagWithExamples() throws {
        let help = try swzk("--help")
        #expect(help.status == 0)
        for flag in ["--zxid", "--session", "--path", "--type", "--since", "--until", "--json", "--data", "--verify", "--repair"] {
            #expect(help.stdout.contains(flag), "\(flag)")
        }
        #expect(help.stdout.contains("Examples:"))
    }
}
@Suite struct TxnLogTextTests {
    @Test func javaDateTimeIsShortDateLongTimeInUTC() {
        #expect(TxnLogText.javaDateTime(epochMs: 0) == "1/1/70, 12:00:00 AM UTC")
        #expect(TxnLogText.javaDateTime(epochMs: 43_200_000) == "1/1/70, 12:00:00 PM UTC")
        #expect(TxnLogText.javaDateTime(epochMs: 1_795_340_218_999) == "11/22/26, 9:36:58 AM UTC")
        #expect(TxnLogText.javaDateTime(epochMs: 946_684_800_000 + 23 * 3_600_000 + 5 * 60_000 + 7_000) == "1/1/00, 11:05:07 PM UTC")
        #expect(TxnLogText.javaDateTime(epochMs: -1) == "12/31/69, 11:59:59 PM UTC")
        #expect(TxnLogText.isoDateTime(epochMs: 1_795_340_218_005) == "2026-11-22T09:36:58.005Z")
    }

    @Test func juteStringsAndAclListsLookLikeToString() {
        #expect(TxnLogText.juteString("/a,b}c%d\ne") == "'/a%2Cb%7Dc%25d%0Ae")
        #expect(TxnLogText.aclList(ACL.openUnsafe) == "[31,s{'world,'anyone}\n]")
        let two = [ACL(perms: .read, id: .anyone), ACL(perms: .all, id: Id(scheme: "digest", id: "u:x"))]
        #expect(TxnLogText.aclList(two) == "[1,s{'world,'anyone}\n, 31,s{'digest,'u:x}\n]")
    }

    @Test func negativeCxidPrintsAsAJavaLong() {
        let entry = TxnLogEntry(header: TxnHeader(clientId: 0, cxid: -2, zxid: 0x1_0000_0001, time: 0, type: .delete),
                                body: .delete(DeleteTxn(path: "/x")), digest: nil)
        #expect(TxnLogText.line(entry) == "1/1/70, 12:00:00 AM UTC session 0x0 cxid 0xfffffffffffffffe zxid 0x100000001 delete '/x\n")
    }

    @Test func dataFormats() {
        let bytes: [UInt8] = [0x66, 0x6f, 0xff]
        #expect(TxnDataFormat.auto.render(Array("hi".utf8)).text == "hi")
        #expect(TxnDataFormat.auto.render(Array("hi".utf8)).encoding == .text)
        #expect(TxnDataFormat.auto.render(bytes).text == "666fff")
        #expect(TxnDataFormat.auto.render(bytes).encoding == .hex)
        #expect(TxnDataFormat.text.render(bytes).text == "fo\u{FFFD}")
        #expect(TxnDataFormat.base64.render(Array("any carnal pleas".utf8)).text == "YW55IGNhcm5hbCBwbGVhcw==")
        #expect(TxnDataFormat.base64.render(Array("any carnal pleasu".utf8)).text == "YW55IGNhcm5hbCBwbGVhc3U=")
        #expect(TxnDataFormat.base64.render([]).text == "")
        let entry = TxnLogEntry(header: TxnHeader(clientId: 1, cxid: 1, zxid: 2, time: 0, type: .setData),
                                body: .setData(SetDataTxn(path: "/b", data: bytes, version: 3)), digest: nil)
        #expect(TxnLogText.line(entry).hasSuffix(" setData /b,0x666fff,3\n"))
        #expect(TxnLogText.line(entry, data: .base64).hasSuffix(" setData /b,Zm//,3\n"))
    }
}

@Suite struct TxnLogFilterParsingTests {
    @Test func numbers() {
        #expect(TxnLogFilter.parseNumber("0x1f") == 31)
        #expect(TxnLogFilter.parseNumber("0X1F") == 31)
        #expect(TxnLogFilter.parseNumber("1f") == 31)
        #expect(TxnLogFilter.parseNumber("31") == 31)
        #expect(TxnLogFilter.parseNumber("0x100000001") == 0x1_0000_0001)
        #expect(TxnLogFilter.parseNumber("0xff00000000000001") == Int64(bitPattern: 0xff00_0000_0000_0001))
        for bad in ["", "0x", "x1", "1g", "-1", "0x-1", "1.5", "99999999999999999999"] {
            #expect(TxnLogFilter.parseNumber(bad) == nil, "\(bad)")
        }
    }

    @Test func zxidRanges() {
        func range(_ text: String) -> String? {
            TxnLogFilter.parseZxidRange(text).map { "\($0.from?.description ?? "-")..\($0.to?.description ?? "-")" }
        }
        #expect(range("0x5") == "0x5..-")
        #expect(range("5:0xa") == "0x5..0xa")
        #expect(range("5:") == "0x5..-")
        #expect(range(":a") == "-..0xa")
        for bad in ["", ":", "x:", "1:2:3", "zz"] { #expect(range(bad) == nil, "\(bad)") }
    }

    @Test func types() {
        #expect(TxnLogFilter.parseType("create") == .create)
        #expect(TxnLogFilter.parseType("SETDATA") == .setData)
        #expect(TxnLogFilter.parseType("createTTL") == .createTTL)
        #expect(TxnLogFilter.parseType("createTtl") == .createTTL)
        #expect(TxnLogFilter.parseType("closeSession") == .closeSession)
        #expect(TxnLogFilter.parseType("-1") == .error)
        #expect(TxnLogFilter.parseType("error") == .error)
        #expect(TxnLogFilter.parseType("nosuch") == nil)
        for name in TxnLogFilter.typeNames { #expect(TxnLogFilter.parseType(name) != nil, "\(name)") }
    }

    @Test func times() {
        #expect(TxnLogFilter.parseTime("1795340218000") == 1_795_340_218_000)
        #expect(TxnLogFilter.parseTime("1970-01-01") == 0)
        #expect(TxnLogFilter.parseTime("2026-11-22T09:36:58Z") == 1_795_340_218_000)
        #expect(TxnLogFilter.parseTime("2026-11-22T09:36:58.5Z") == 1_795_340_218_500)
        #expect(TxnLogFilter.parseTime("2026-11-22 09:36:58.123") == 1_795_340_218_123)
        #expect(TxnLogFilter.parseTime("2026-11-22T10:36:58+01:00") == 1_795_340_218_000)
        #expect(TxnLogFilter.parseTime("2026-11-22T04:06:58-0530") == 1_795_340_218_000)
        #expect(TxnLogFilter.parseTime("2026-11-22T09:36") == 1_795_340_160_000)
        #expect(TxnLogFilter.parseTime("2000-03-01") == 951_868_800_000)
        for bad in ["", "2026-13-01", "2026-11-22T25:00", "2026-11-22T09:36:58.Z", "yesterday", "2026-11-22T09:36:58+1"] {
            #expect(TxnLogFilter.parseTime(bad) == nil, "\(bad)")
        }
    }

    @Test func pathsOfBodies() {
        let multi = TxnBody.multi([SubTxn(type: .create, body: .create(CreateTxn(path: "/a", data: nil, acl: [], ephemeral: false, parentCVersion: 1))),
                                   SubTxn(type: .delete, body: .delete(DeleteTxn(path: "/b")))])
        #expect(multi.paths == ["/a", "/b"])
        #expect(TxnBody.closeSession(CloseSessionTxn(paths2Delete: ["/e"])).paths == ["/e"])
        #expect(TxnBody.createSession(CreateSessionTxn(timeOut: 1)).paths.isEmpty)
    }
}
