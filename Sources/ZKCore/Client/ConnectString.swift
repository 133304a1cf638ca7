/// One server of a connect string: a host name or address and a TCP port.
public struct HostAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) { self.host = host; self.port = port }
    /// `host:port`, with IPv6 literals in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Why a connect string was refused.
public enum ConnectStringError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing but blanks, or no host before the chroot.
    case noHosts(String)
    /// A port that is not a number in 1...65535.
    case badPort(String)
    /// An IPv6 literal with no closing bracket, or junk after it.
    case badHost(String)
    /// The chroot suffix is not a valid znode path.
    case badChroot(String, PathError)

    public var description: String {
        switch self {
        case .noHosts(let s): return "connect string \"\(s)\" names no server"
        case .badPort(let s): return "bad port in \"\(s)\""
        case .badHost(let s): return "bad host \"\(s)\""
        case .badChroot(let s, let error): return "bad chroot \"\(s)\": \(error.message(for: s))"
        }
    }
}

/// A parsed connect string `host1:port1,host2:port2[/chroot]`.
///
/// Mirrors ZooKeeper's `ConnectStringParser`: the chroot starts at the first `/`, a chroot of `/`
/// alone means none, a missing port is 2181, and `[v6 address]:port` is accepted. Blank entries
/// between commas are skipped.
public struct ConnectString: Hashable, Sendable {
    /// The servers in the order written; the client shuffles them before use.
    public var hosts: [HostAddress]
    /// The client's root inside the server tree.
    public var chroot: Chroot

    public init(hosts: [HostAddress], chroot: Chroot = Chroot()) { self.hosts = hosts; self.chroot = chroot }

    /// Parses `text`, throwing the first problem found.
    public init(parsing text: String) throws(ConnectStringError) {
        var hostPart = Substring(text)
        var chroot = Chroot()
        if let slash = text.firstIndex(of: "/") {
            hostPart = text[..<slash]
            let root = String(text[slash...])
            if root != "/" {
                do { try PathValidation.check(root) } catch { throw .badChroot(root, error) }
                chroot = Chroot(root)
            }
        }
        var hosts: [HostAddress] = []
        for entry in hostPart.split(separator: ",") {
            let item = entry.trimmingCharacters(in: " \t\n")
            if item.isEmpty { continue }
            hosts.append(try Self.parseHost(item))
        }
        guard !hosts.isEmpty else { throw .noHosts(text) }
        self.hosts = hosts
        self.chroot = chroot
    }

    private static func parseHost(_ item: String) throws(ConnectStringError) -> HostAddress {
        var host = item
        var portText: String?
        if item.hasPrefix("[") {
            guard let close = item.firstIndex(of: "]") else { throw .badHost(item) }
            host = String(item[item.index(after: item.startIndex)..<close])
            let rest = item[item.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { throw .badHost(item) }
                portText = String(rest.dropFirst())
            }
        } else if let colon = item.lastIndex(of: ":") {
            host = String(item[..<colon])
            portText = String(item[item.index(after: colon)...])
        }
        guard !host.isEmpty else { throw .badHost(item) }
        var port = Limits.clientPortDefault
        if let portText, !portText.isEmpty {
            guard let value = Int(portText), (1...65535).contains(value) else { throw .badPort(item) }
            port = value
        }
        return HostAddress(host: host, port: port)
    }
}

/// The client's root inside the server's tree (spec client-protocol §16).
///
/// Purely client-side: every request path gets the root prepended, and paths coming back (create
/// results, notifications, ephemeral lists) lose it. ZooKeeper's `ClientCnxn.stripChroot` passes
/// `/zookeeper/...` paths through unchanged; this also passes through any other path outside the
/// root, and unlike Java's plain `startsWith` it only strips at a path boundary (`/app` is not
/// stripped from `/apple`).
public struct Chroot: Hashable, Sendable, CustomStringConvertible {
    /// The root, or nil for none.
    public let root: String?

    /// No chroot.
    public init() { root = nil }
    /// A chroot at `root`, which must already be a valid path other than `/`.
    public init(_ root: String) { self.root = root == "/" ? nil : root }

    /// The server path for a client path.
    public func prepend(_ clientPath: String) -> String {
        guard let root else { return clientPath }
        return clientPath == "/" ? root : root + clientPath
    }

    /// The client path for a server path; paths outside the root are returned unchanged.
    public func strip(_ serverPath: String) -> String {
        guard let root else { return serverPath }
        if serverPath == root { return "/" }
        let rest = serverPath.utf8.dropFirst(root.utf8.count)
        if serverPath.utf8.starts(with: root.utf8), rest.first == UInt8(ascii: "/") {
            return String(decoding: rest, as: UTF8.self)
        }
        return serverPath
    }

    public var description: String { root ?? "/" }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self[...]
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
