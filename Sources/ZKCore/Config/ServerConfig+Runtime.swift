import NIOCore

extension ServerSettings {
    /// The core settings a parsed zoo.cfg asks for.
    public init(_ config: ServerConfig) {
        self.init()
        tickMs = Int32(config.tickTime.milliseconds)
        minSessionTimeoutMs = Int32(config.sessionTimeoutMin.milliseconds)
        maxSessionTimeoutMs = Int32(config.sessionTimeoutMax.milliseconds)
        extendedTypesEnabled = config.extendedTypesEnabled
        superDigest = config.superDigest
        skipACL = config.skipACL
        maxClientCnxns = config.maxClientCnxns
        globalOutstandingLimit = config.globalOutstandingLimit
        reconfigEnabled = config.reconfigEnabled
        closeSessionTxnEnabled = config.closeSessionTxnEnabled
        digestEnabled = config.digestEnabled
        sessionlessConnectionTimeoutMs = config.sessionlessConnectionTimeout.milliseconds
        containerCheckIntervalMs = config.containerCheckInterval.milliseconds
        containerMaxPerMinute = config.containerMaxPerMinute
        containerMaxNeverUsedIntervalMs = config.containerMaxNeverUsedInterval.milliseconds
        leaderServes = config.leaderServes
    }
}

extension ServerInfo {
    /// The static facts `conf` and `envi` print for a parsed zoo.cfg, with the ensemble part of
    /// `conf` when the config describes an ensemble this server belongs to.
    public init(_ config: ServerConfig) {
        self.init()
        clientPort = config.clientEndpoint?.port ?? 2181
        secureClientPort = config.secureClientPort ?? -1
        dataDir = config.dataDir + "/version-2"
        dataLogDir = config.dataLogDir + "/version-2"
        tickTimeMs = Int(config.tickTime.milliseconds)
        maxClientCnxns = config.maxClientCnxns
        minSessionTimeoutMs = Int(config.sessionTimeoutMin.milliseconds)
        maxSessionTimeoutMs = Int(config.sessionTimeoutMax.milliseconds)
        clientPortListenBacklog = config.clientPortListenBacklog ?? -1
        fourLetterWordWhitelist = config.fourLetterWordWhitelist
        // A standalone server prints serverId=0 whatever myid says, as ZooKeeper's does.
        if config.mode == .ensemble, let own = config.ownServer, let initLimit = config.initLimit,
           let syncLimit = config.syncLimit {
            serverId = own.id.rawValue
            ensemble = EnsembleInfo(
                initLimit: initLimit, syncLimit: syncLimit, electionAlg: config.electionAlg,
                electionPorts: [own.electionPort], quorumPorts: [own.quorumPort], peerType: config.peerType,
                membership: config.quorumVerifier.configText)
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// A printable form of a bound socket address.
public struct SocketAddressDescription: Sendable {
    public let text: String
    public let port: Int
    public init(_ address: SocketAddress) {
        port = address.port ?? 0
        text = "\(address.ipAddress ?? "?"):\(port)"
    }
}
