/// A host and port as written in a config file; the host keeps its spelling (no DNS lookup here).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// Name, IPv4 literal, or IPv6 literal without brackets.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 host bracketed as ZooKeeper's `QuorumServer.delimitedHostString` does.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// One ensemble member as declared by a `server.N` line of zoo.cfg (quorum-protocol.md §2.1).
///
/// Counterpart of ZooKeeper's `QuorumPeer.QuorumServer`, without address resolution: the runtime
/// resolves names when it binds or connects.
public struct QuorumServer: Sendable, Equatable {
    /// Whether the member votes (participant) or only follows the leader's commits (observer).
    public enum Role: String, Sendable, Equatable {
        case participant
        case observer
    }

    /// The `N` of `server.N`, which is also the member's `myid`.
    public var id: ServerID
    /// The host of the quorum and election addresses (IPv6 without brackets).
    public var address: String
    /// Where the leader accepts learner connections.
    public var quorumPort: Int
    /// Where fast leader election connections arrive.
    public var electionPort: Int
    public var role: Role
    /// The `;[host:]port` part; the host is `0.0.0.0` when only a port is given.
    public var clientAddress: HostPort?
    /// The optional third `;`-separated part, the TLS client address.
    public var secureClientAddress: HostPort?

    public init(
        id: ServerID, address: String, quorumPort: Int, electionPort: Int, role: Role = .participant,
        clientAddress: HostPort? = nil, secureClientAddress: HostPort? = nil
    ) {
        self.id = id
        self.address = address
        self.quorumPort = quorumPort
        self.electionPort = electionPort
        self.role = role
        self.clientAddress = clientAddress
        self.secureClientAddress = secureClientAddress
    }

    /// Parses the value of a `server.N` line:
    /// `host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort[;[host:]securePort]]`.
    ///
    /// Follows `QuorumServer.initializeWithAddressString`: hosts may be `[IPv6]`, the role is
    /// case-insensitive, the two peer ports must differ. Several `|`-separated addresses
    /// (`multiAddress.enabled`) are refused: swzk does not support them yet.
    /// Throws the problem text; the caller adds file, line and key.
    static func parse(id: ServerID, value: String) throws(QuorumServerSyntaxError) -> QuorumServer {
        let sections = value.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard sections.count <= 3 else { throw .init("'\(value)' has more than two ';' parts") }
        let peerPart = ConfigFile.trimmed(sections[0])
        if peerPart.contains("|") {
            throw .init("several '|'-separated addresses per server are not supported")
        }
        let parts = try hostAndPorts(peerPart)
        guard parts.count == 3 || parts.count == 4 else {
            throw .init("'\(value)' is not host:quorumPort:electionPort[:role][;[clientHost:]clientPort]")
        }
        guard !parts[0].isEmpty else { throw .init("'\(value)' has no host") }
        let quorumPort = try peerPort(parts[1])
        let electionPort = try peerPort(parts[2])
        guard quorumPort != electionPort else {
            throw .init("quorum port and election port must differ (both are \(quorumPort))")
        }
        var role = Role.participant
        if parts.count == 4 {
            guard let parsed = Role(rawValue: parts[3].lowercased()) else {
                throw .init("'\(parts[3])' is not a role (participant or observer)")
            }
            role = parsed
        }
        return QuorumServer(
            id: id, address: parts[0], quorumPort: quorumPort, electionPort: electionPort, role: role,
            clientAddress: try sections.count > 1 ? clientPart(sections[1]) : nil,
            secureClientAddress: try sections.count > 2 ? clientPart(sections[2]) : nil)
    }

    /// Splits `host:p:p…` or `[v6]:p:p…` like ZooKeeper's `ConfigUtils.getHostAndPort`, trimming each part.
    private static func hostAndPorts(_ text: String) throws(QuorumServerSyntaxError) -> [String] {
        guard text.hasPrefix("[") else {
            return text.split(separator: ":", omittingEmptySubsequences: false).map { ConfigFile.trimmed(String($0)) }
        }
        guard let close = text.firstIndex(of: "]") else {
            throw .init("'\(text)' starts with '[' but has no matching ']'")
        }
        let host = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...]
        guard rest.hasPrefix(":"), rest.count > 1 else { throw .init("'\(text)' has no port after the address") }
        return [host] + rest.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
            .map { ConfigFile.trimmed(String($0)) }
    }

    /// A quorum or election port: 1...65535 (0 cannot be dialled by the other members).
    private static func peerPort(_ text: String) throws(QuorumServerSyntaxError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw .init("'\(text)' is not a valid port number")
        }
        return port
    }

    /// The client part after `;`: `port` (all addresses) or `host:port`. Empty means none.
    private static func clientPart(_ raw: String) throws(QuorumServerSyntaxError) -> HostPort? {
        let text = ConfigFile.trimmed(raw)
        guard !text.isEmpty else { return nil }
        let parts = try hostAndPorts(text)
        guard parts.count <= 2 else { throw .init("client address '\(text)' is not [host:]port") }
        guard let port = Int(parts[parts.count - 1]), (0...65535).contains(port) else {
            throw .init("'\(parts[parts.count - 1])' is not a valid port number")
        }
        return HostPort(host: parts.count == 2 ? parts[0] : "0.0.0.0", port: port)
    }
}

/// Why a `server.N` value could not be parsed; the config builder adds the location.
struct QuorumServerSyntaxError: Error {
    var problem: String
    init(_ problem: String) { self.problem = problem }
}
