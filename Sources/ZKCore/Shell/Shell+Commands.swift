// The commands of `Shell`, one method each, in zkCli's behaviour and output formats
// (ZooKeeper's `org.apache.zookeeper.cli.*Command` classes), plus `tree`.

extension Shell {
    /// Dispatches a checked command line.
    func run(_ inv: ShellInvocation) async throws {
        switch inv.name {
        case "history": printHistory()
        case "printwatches": togglePrintWatches(inv)
        case "quit": quitRequested = true
        case "version": output.out("ZooKeeper CLI version: \(settings.version)\n")
        case "close": if let client { await client.close() }
        case "connect":
            let status = await connect(inv.args.first)
            if status != ShellExit.success { throw ShellFailure("Not connected", code: status) }
        case "redo": throw ShellUsageError("redo cmdno")
        default: try await runRemote(inv, client: try session())
        }
    }

    private func runRemote(_ inv: ShellInvocation, client: ZooKeeperClient) async throws {
        switch inv.name {
        case "ls": try await ls(inv, client)
        case "get": try await get(inv, client)
        case "set": try await set(inv, client)
        case "create": try await create(inv, client)
        case "delete": try await delete(inv, client)
        case "deleteall": try await deleteAll(inv, client)
        case "stat": try await stat(inv, client)
        case "getAcl": try await getAcl(inv, client)
        case "setAcl": try await setAcl(inv, client)
        case "addauth":
            try await client.addAuth(scheme: inv.args[0], credentials: Array((inv.args.count > 1 ? inv.args[1] : "").utf8))
        case "sync": try await sync(inv, client)
        case "addWatch": try await addWatch(inv, client)
        case "removewatches": try await removeWatches(inv, client)
        case "getEphemerals": try await getEphemerals(inv, client)
        case "getAllChildrenNumber": output.out("\(try await client.getAllChildrenNumber(inv.args[0]))\n")
        case "whoami": try await whoami(client)
        case "config": try await config(inv, client)
        case "tree": try await tree(inv, client)
        default: throw ShellUsageError("Command not found: Command not found \(inv.name)")
        }
    }

    // MARK: - Reads

    func ls(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let path = inv.args[0]
        if inv.args.count == 2 && inv.args[1] != "watch" { throw ShellUsageError(inv.spec.usageLine) }
        let watch = inv.has("w") || inv.args.count == 2
        if inv.has("R") {
            var paths = [path]
            try await walk(path, client) { paths.append($0) }
            if settings.json { emit(.array(paths.map(JSONValue.string))) } else { output.out(paths.map { $0 + "\n" }.joined()) }
            return
        }
        let children: [String], stat: Stat?, stream: WatchStream?
        if inv.has("s") {
            let reply = try await client.getChildrenWithStat(path, watch: watch)
            (children, stat, stream) = (reply.children, reply.stat, reply.watch)
        } else {
            let reply = try await client.getChildren(path, watch: watch)
            (children, stat, stream) = (reply.children, nil, reply.watch)
        }
        if let stream { printEvents(of: stream) }
        let sorted = ShellFormat.javaSorted(children)
        if settings.json {
            var pairs: [(String, JSONValue)] = [("path", .string(path)), ("children", .array(sorted.map(JSONValue.string)))]
            if let stat { pairs.append(("stat", ShellFormat.statJSON(stat))) }
            emit(.object(pairs))
        } else {
            output.out(ShellFormat.javaList(sorted) + "\n" + (stat.map(ShellFormat.statBlock) ?? ""))
        }
    }

    /// Visits the subtree below `path` as zkCli's `ZKUtil.visitSubTreeDFS`: each node's children
    /// (sorted) are reported before any of them is descended into.
    func walk(_ path: String, _ client: ZooKeeperClient, _ visit: (String) -> Void) async throws {
        let children = ShellFormat.javaSorted(try await client.getChildren(path))
        let paths = children.map { Self.join(path, $0) }
        paths.forEach(visit)
        for child in paths { try await walk(child, client, visit) }
    }

    static func join(_ parent: String, _ child: String) -> String { parent == "/" ? "/" + child : parent + "/" + child }

    func get(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let path = inv.args[0]
        let reply = try await client.getData(path, watch: inv.has("w"))
        if let stream = reply.watch { printEvents(of: stream) }
        let text = reply.data.map { String(decoding: $0, as: UTF8.self) }
        if settings.json {
            var pairs: [(String, JSONValue)] = [("path", .string(path)), ("data", text.map(JSONValue.string) ?? .null)]
            if inv.has("s") { pairs.append(("stat", ShellFormat.statJSON(reply.stat))) }
            emit(.object(pairs))
        } else {
            output.out((text ?? "null") + "\n" + (inv.has("s") ? ShellFormat.statBlock(reply.stat) : ""))
        }
    }

    func stat(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let path = inv.args[0]
        let reply = try await client.exists(path, watch: inv.has("w"))
        if let stream = reply.watch { printEvents(of: stream) }
        guard let stat = reply.stat else { throw ZooKeeperError(code: .noNode, path: path) }
        printStat(path, stat, always: true)
    }

    /// The Stat block (or its JSON) after a command's own output, when asked for with `-s`.
    func printStat(_ path: String, _ stat: Stat, always: Bool = false) {
        if settings.json {
            emit(.object([("path", .string(path)), ("stat", ShellFormat.statJSON(stat))]))
        } else {
            output.out(ShellFormat.statBlock(stat))
        }
    }

    func getAcl(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let path = inv.args[0]
        let (acl, stat) = try await client.getACL(path)
        if settings.json {
            var pairs: [(String, JSONValue)] = [("path", .string(path)), ("acl", .array(acl.map(ShellFormat.aclJSON)))]
            if inv.has("s") { pairs.append(("stat", ShellFormat.statJSON(stat))) }
            emit(.object(pairs))
        } else {
            output.out(acl.map(ShellFormat.aclEntry).joined() + (inv.has("s") ? ShellFormat.statBlock(stat) : ""))
        }
    }

    func getEphemerals(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let paths = try await client.getEphemerals(prefix: inv.args.first ?? "/")
        if settings.json { emit(.array(paths.map(JSONValue.string))) } else { output.out(ShellFormat.javaList(paths) + "\n") }
    }

    func whoami(_ client: ZooKeeperClient) async throws {
        let ids = try await client.whoAmI()
        if settings.json {
            emit(.array(ids.map { .object([("scheme", .string($0.authScheme)), ("user", .string($0.user))]) }))
        } else {
            output.out("Auth scheme: User\n" + ids.map { "\($0.authScheme): \($0.user)\n" }.joined())
        }
    }

    func config(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let reply = try await client.getConfig(watch: inv.has("w"))
        if let stream = reply.watch { printEvents(of: stream) }
        let text = reply.data.map { String(decoding: $0, as: UTF8.self) } ?? ""
        output.out((inv.has("c") ? ShellFormat.clientConfig(text) : text) + "\n")
        if inv.has("s") { output.out(ShellFormat.statBlock(reply.stat)) }
    }

    /// `tree [path]`: the subtree drawn with box-drawing branches, or nested JSON objects.
    func tree(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let root = inv.args.first ?? "/"
        guard try await client.exists(root) != nil else { throw ZooKeeperError(code: .noNode, path: root) }
        let node = try await treeNode(root, client)
        if settings.json { emit(node.json) } else { output.out(node.text) }
    }

    func treeNode(_ path: String, _ client: ZooKeeperClient) async throws -> ShellTreeNode {
        let children: [String]
        do {
            children = try await client.getChildren(path)
        } catch let error as ZooKeeperError where error.code == .noNode {
            children = []   // deleted while walking
        }
        var nodes: [ShellTreeNode] = []
        for child in ShellFormat.javaSorted(children) { nodes.append(try await treeNode(Self.join(path, child), client)) }
        return ShellTreeNode(path: path, children: nodes)
    }

    // MARK: - Writes

    func set(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let stat = try await client.setData(inv.args[0], data: Array(inv.args[1].utf8), version: try version(inv))
        if inv.has("s") { printStat(inv.args[0], stat) }
    }

    func version(_ inv: ShellInvocation, fallback: String? = nil) throws -> Int32 {
        guard let text = inv.value("v") ?? fallback else { return -1 }
        guard let version = Int32(text) else { throw ShellUsageError("version must be an integer: \(text)") }
        return version
    }

    func create(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let path = inv.args[0]
        let mode = try ShellFormat.createMode(sequential: inv.has("s"), ephemeral: inv.has("e"),
                                              container: inv.has("c"), ttl: inv.value("t"))
        let data = inv.args.count > 1 ? Array(inv.args[1].utf8) : nil
        let acl = inv.args.count > 2 ? ShellFormat.parseACL(inv.args[2]) { output.err($0 + "\n") } : ACL.openUnsafe
        do {
            let created = try await client.create(path, data: data, acl: acl, mode: mode.mode,
                                                  ttl: mode.ttl.map { .milliseconds($0) })
            output.err("Created \(created)\n")
        } catch let error as ZooKeeperError where error.code == .invalidACL {
            output.err("\(error)\n")   // zkCli's create prints the exception before the usual line
            throw error
        }
    }

    func delete(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        try await client.delete(inv.args[0], version: try version(inv, fallback: inv.args.count > 1 ? inv.args[1] : nil))
    }

    /// `deleteall path [-b n]`: lists the subtree breadth first, then deletes it leaves first in
    /// multis of at most n deletes (n ≤ 0: one delete at a time), as `ZKUtil.deleteRecursive`.
    func deleteAll(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let root = inv.args[0]
        var batch = 1000
        if let text = inv.value("b") {
            guard let value = Int(text) else { throw ShellUsageError("batch size must be an integer: \(text)") }
            batch = value
        }
        var nodes = [root], next = 0
        while next < nodes.count {
            let path = nodes[next]
            next += 1
            let children: [String]
            do {
                children = try await client.getChildren(path)
            } catch let error as ZooKeeperError where error.code == .noNode && path != root {
                continue
            }
            nodes += children.map { Self.join(path, $0) }
        }
        let ordered = Array(nodes.reversed())
        do {
            if batch <= 0 {
                for path in ordered { try await client.delete(path) }
            } else {
                var start = 0
                while start < ordered.count {
                    let slice = ordered[start..<min(start + batch, ordered.count)]
                    _ = try await client.multi(slice.map { .delete($0) })
                    start += batch
                }
            }
        } catch let error as ZooKeeperError where error.code != .connectionLoss && error.code != .sessionExpired {
            throw ShellFailure("Failed to delete some node(s) in the subtree!")
        }
    }

    func setAcl(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let path = inv.args[0]
        let acl = ShellFormat.parseACL(inv.args[1]) { output.err($0 + "\n") }
        let version = try version(inv)
        if inv.has("R") {
            var paths = [path]
            try await walk(path, client) { paths.append($0) }
            for node in paths {
                do {
                    _ = try await client.setACL(node, acl: acl, version: version)
                } catch let error as ZooKeeperError {
                    output.err(ShellFormat.message(for: error) + "\n")
                }
            }
            return
        }
        let stat = try await client.setACL(path, acl: acl, version: version)
        if inv.has("s") { printStat(path, stat) }
    }

    func sync(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        do {
            try await client.sync(inv.args[0])
            output.out("Sync is OK\n")
        } catch let error as ZooKeeperError where error.detail == nil {
            throw ShellFailure("Sync has failed. rc=\(error.code.rawValue)", code: ShellFormat.exitCode(for: error))
        }
    }

    // MARK: - Watches

    func addWatch(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        var mode = AddWatchMode.persistentRecursive
        if let name = inv.value("m") {
            switch name.uppercased() {
            case "PERSISTENT": mode = .persistent
            case "PERSISTENT_RECURSIVE": mode = .persistentRecursive
            default: throw ShellUsageError("Unsupported mode: \(name)\n\(inv.spec.usageLine)")
            }
        }
        printEvents(of: try await client.addWatch(inv.args[0], mode: mode))
    }

    func removeWatches(_ inv: ShellInvocation, _ client: ZooKeeperClient) async throws {
        let type: WatcherType
        if inv.has("c") { type = .children }
        else if inv.has("d") { type = .data }
        else if inv.has("p") { type = .persistent }
        else if inv.has("r") { type = .persistentRecursive }
        else { type = .any }
        try await client.removeAllWatches(inv.args[0], type: type, local: inv.has("l"))
    }

    // MARK: - Local

    func printHistory() {
        let first = max(0, commandCount - 10)
        output.out((first...commandCount).compactMap { index in history[index].map { "\(index) - \($0)\n" } }.joined())
    }

    func togglePrintWatches(_ inv: ShellInvocation) {
        guard let setting = inv.args.first else {
            output.out("printwatches is \(printWatches.withLockedValue { $0 } ? "on" : "off")\n")
            return
        }
        printWatches.withLockedValue { $0 = setting == "on" }
    }
}

/// One node of `tree` output.
public struct ShellTreeNode: Hashable, Sendable {
    public var path: String
    public var children: [ShellTreeNode]
    public init(path: String, children: [ShellTreeNode]) { self.path = path; self.children = children }

    /// The last component of the path (the path itself for the root).
    public var name: String { path == "/" ? "/" : String(path.split(separator: "/").last ?? "") }

    /// The root path, then every node below as an indented branch (`├── `, `└── `, `│   `).
    public var text: String {
        var lines = [path]
        func draw(_ node: ShellTreeNode, _ indent: String) {
            for (i, child) in node.children.enumerated() {
                let last = i == node.children.count - 1
                lines.append(indent + (last ? "└── " : "├── ") + child.name)
                draw(child, indent + (last ? "    " : "│   "))
            }
        }
        draw(self, "")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"path": …, "children": [ … ]}`, nested.
    public var json: JSONValue {
        .object([("path", .string(path)), ("children", .array(children.map(\.json)))])
    }
}

extension ShellFormat {
    /// The create mode (and TTL) for `create`'s flags, refusing the combinations zkCli refuses.
    public static func createMode(sequential: Bool, ephemeral: Bool, container: Bool, ttl: String?)
        throws(ShellUsageError) -> (mode: CreateMode, ttl: Int64?) {
        if container && (sequential || ephemeral) {
            throw ShellUsageError("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.")
        }
        if let ttl {
            if ephemeral { throw ShellUsageError("TTLs cannot be used with Ephemeral znodes") }
            if container { throw ShellUsageError("TTLs cannot be used with Container znodes") }
            let maxTTL: Int64 = (1 << 40) - 1
            guard let value = Int64(ttl), value > 0, value <= maxTTL else {
                throw ShellUsageError("ttl must be positive and cannot be larger than: \(maxTTL)")
            }
            return (sequential ? .persistentSequentialWithTTL : .persistentWithTTL, value)
        }
        if container { return (.container, nil) }
        switch (ephemeral, sequential) {
        case (true, true): return (.ephemeralSequential, nil)
        case (true, false): return (.ephemeral, nil)
        case (false, true): return (.persistentSequential, nil)
        case (false, false): return (.persistent, nil)
        }
    }

    /// `config -c`: the config version and the servers' client addresses
    /// (`ConfigUtils.getClientConfigStr`): `<version> host:port,host:port`.
    public static func clientConfig(_ text: String) -> String {
        var version = "", clients: [String] = []
        for line in text.split(whereSeparator: { $0 == "\n" }) {
            if line.hasPrefix("version=") { version = String(line.dropFirst("version=".count)) }
            if line.hasPrefix("server."), let semicolon = line.lastIndex(of: ";") {
                clients.append(String(line[line.index(after: semicolon)...]))
            }
        }
        return "\(version) \(clients.joined(separator: ","))"
    }
}
