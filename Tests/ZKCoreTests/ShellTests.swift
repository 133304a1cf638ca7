import Testing
@testable import ZKCore

@Suite struct ShellTokenizerTests {
    @Test(arguments: [
        ("ls /", ["ls", "/"]),
        ("  get   -s\t/a  ", ["get", "-s", "/a"]),
        ("set /a \"hello world\"", ["set", "/a", "hello world"]),
        ("set /a 'it is' x", ["set", "/a", "it is", "x"]),
        ("set /a \"\"", ["set", "/a", ""]),
        ("set /a \"unclosed value", ["set", "/a", "\"unclosed", "value"]),
        ("set /a a\"b c\"", ["set", "/a", "a\"b", "c\""]),
        ("create /q '\"x\"'", ["create", "/q", "\"x\""]),
        ("", []),
        ("   ", []),
    ])
    func splitsLikeZkCli(line: String, expected: [String]) {
        #expect(ShellTokenizer.tokenize(line) == expected)
    }
}

@Suite struct ShellParsingTests {
    @Test func optionsBeforeAndAfterArguments() throws {
        let a = try ShellCommandTable.parse(["set", "-v", "3", "/a", "x", "-s"])
        #expect(a.args == ["/a", "x"])
        #expect(a.value("v") == "3")
        #expect(a.has("s"))
        let b = try ShellCommandTable.parse(["deleteall", "/a", "-b", "10"])
        #expect(b.args == ["/a"] && b.value("b") == "10")
    }

    @Test func bundledFlagsAndNegativeNumbers() throws {
        let create = try ShellCommandTable.parse(["create", "-es", "/a"])
        #expect(create.flags == ["e", "s"])
        let delete = try ShellCommandTable.parse(["delete", "/a", "-1"])
        #expect(delete.args == ["/a", "-1"])
    }

    @Test func usageErrors() {
        #expect(throws: ShellUsageError("get [-s] [-w] path")) { try ShellCommandTable.parse(["get"]) }
        #expect(throws: ShellUsageError("Unrecognized option: -x\nls [-s] [-w] [-R] path")) {
            try ShellCommandTable.parse(["ls", "-x", "/"])
        }
        #expect(throws: ShellUsageError("Missing argument for option: v")) {
            try ShellCommandTable.parse(["set", "/a", "x", "-v"])
        }
        #expect(throws: ShellUsageError("Command not found: Command not found nope")) {
            try ShellCommandTable.parse(["nope"])
        }
        #expect(throws: ShellUsageError("stat [-w] path")) { try ShellCommandTable.parse(["stat", "/a", "/b"]) }
    }

    @Test func createModes() throws {
        #expect(try ShellFormat.createMode(sequential: false, ephemeral: false, container: false, ttl: nil) == (.persistent, nil))
        #expect(try ShellFormat.createMode(sequential: true, ephemeral: true, container: false, ttl: nil) == (.ephemeralSequential, nil))
        #expect(try ShellFormat.createMode(sequential: false, ephemeral: false, container: true, ttl: nil) == (.container, nil))
        #expect(try ShellFormat.createMode(sequential: true, ephemeral: false, container: false, ttl: "5")
                == (.persistentSequentialWithTTL, 5))
        #expect(throws: ShellUsageError("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.")) {
            try ShellFormat.createMode(sequential: false, ephemeral: true, container: true, ttl: nil)
        }
        #expect(throws: ShellUsageError("ttl must be positive and cannot be larger than: 1099511627775")) {
            try ShellFormat.createMode(sequential: false, ephemeral: false, container: false, ttl: "0")
        }
        #expect(throws: ShellUsageError("TTLs cannot be used with Ephemeral znodes")) {
            try ShellFormat.createMode(sequential: false, ephemeral: true, container: false, ttl: "10")
        }
    }

    @Test func completionKinds() {
        #expect(ShellCompletion.kind(before: "", word: "get") == .names(["get", "getAcl", "getAllChildrenNumber", "getEphemerals"]))
        #expect(ShellCompletion.kind(before: "create ", word: "-") == .names(["-c", "-e", "-s", "-t"]))
        #expect(ShellCompletion.kind(before: "ls ", word: "/zoo") == .path(parent: "/", prefix: "zoo"))
        #expect(ShellCompletion.kind(before: "ls ", word: "/a/b") == .path(parent: "/a", prefix: "b"))
        #expect(ShellCompletion.kind(before: "set /a ", word: "data") == .none)
        #expect(ShellCompletion.pathMatches(word: "/a/b", children: ["bz", "ba", "c"]) == ["/a/ba", "/a/bz"])
    }
}

@Suite struct ShellFormatTests {
    @Test func statBlockAsZkCliPrintsIt() {
        let stat = Stat(czxid: 0x1a, mzxid: 0x2b, ctime: 1_700_000_000_000, mtime: 0, version: 3, cversion: -2,
                        aversion: 1, ephemeralOwner: 0x1000_0abc_0000_0001, dataLength: 5, numChildren: 4, pzxid: 0x3c)
        let expected = """
            cZxid = 0x1a
            ctime = \(SnapshotDump.javaDate(1_700_000_000_000))
            mZxid = 0x2b
            mtime = \(SnapshotDump.javaDate(0))
            pZxid = 0x3c
            cversion = -2
            dataVersion = 3
            aclVersion = 1
            ephemeralOwner = 0x10000abc00000001
            dataLength = 5
            numChildren = 4

            """
        #expect(ShellFormat.statBlock(stat) == expected)
        #expect(ShellFormat.hex(-1) == "ffffffffffffffff")
    }

    @Test func listsAclsAndErrors() {
        #expect(ShellFormat.javaList(ShellFormat.javaSorted(["b", "a", "B", "zookeeper"])) == "[B, a, b, zookeeper]")
        #expect(ShellFormat.javaList([]) == "[]")
        #expect(ShellFormat.aclEntry(ACL(perms: .all, id: .anyone)) == "'world,'anyone\n: cdrwa\n")
        #expect(ShellFormat.aclEntry(ACL(perms: [.read, .admin], id: Id(scheme: "ip", id: "10.0.0.1"))) == "'ip,'10.0.0.1\n: ra\n")
        #expect(ShellFormat.message(for: ZooKeeperError(code: .noNode, path: "/x")) == "Node does not exist: /x")
        #expect(ShellFormat.message(for: ZooKeeperError(code: .badVersion, path: "/x")) == "version No is not valid : /x")
        #expect(ShellFormat.message(for: ZooKeeperError(code: .noWatcher, path: "/x")) == "KeeperErrorCode = No such watcher for /x")
        #expect(ShellFormat.exitCode(for: ZooKeeperError(code: .notEmpty, path: "/x")) == ShellExit.notEmpty)
        #expect(ShellFormat.exitCode(for: ZooKeeperError(code: .connectionLoss)) == ShellExit.connectionLoss)
    }

    @Test func aclParserSplitsAtFirstAndLastColon() {
        var warnings: [String] = []
        let acl = ShellFormat.parseACL("digest:bob:hash=:cdrwa,bad,world:anyone:rx") { warnings.append($0) }
        #expect(acl == [ACL(perms: .all, id: Id(scheme: "digest", id: "bob:hash=")),
                        ACL(perms: .read, id: .anyone)])
        #expect(warnings == ["bad does not have the form scheme:id:perm", "Unknown perm type: x"])
    }

    @Test func jsonAndTree() {
        let value = JSONValue.object([("a", .string("q\"\n\u{1}")), ("b", .array([.int(-3), .null, .bool(true)]))])
        #expect(value.rendered == #"{"a":"q\"\n\u0001","b":[-3,null,true]}"#)
        let tree = ShellTreeNode(path: "/", children: [
            ShellTreeNode(path: "/a", children: [ShellTreeNode(path: "/a/x", children: [])]),
            ShellTreeNode(path: "/zookeeper", children: [ShellTreeNode(path: "/zookeeper/config", children: [])]),
        ])
        #expect(tree.text == "/\n├── a\n│   └── x\n└── zookeeper\n    └── config\n")
        #expect(tree.json.rendered.hasPrefix(#"{"path":"/","children":[{"path":"/a","#))
        #expect(ShellFormat.clientConfig("server.1=h:1:2:participant;0.0.0.0:2181\nversion=100000000") == "100000000 0.0.0.0:2181")
    }
}
