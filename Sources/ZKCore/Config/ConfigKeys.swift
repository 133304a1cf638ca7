/// The zoo.cfg keys swzk understands and how each one sets a `ServerConfig` field.
///
/// ZooKeeper reads its own keys in `QuorumPeerConfig.parseProperties` and exports every other key
/// as the Java system property `zookeeper.<key>`, where the feature code later finds it. swzk reads
/// both kinds here into typed fields.
///
/// Deliberate differences from ZooKeeper, so that what the user wrote takes effect:
/// - The property-style keys below may also be written with the `zookeeper.` prefix in zoo.cfg.
///   In ZooKeeper, the zoo.cfg line `zookeeper.extendedTypesEnabled=true` is silently ineffective
///   (it becomes `zookeeper.zookeeper.extendedTypesEnabled`, client-protocol.md §7); swzk honours
///   both spellings.
/// - `readonlymode.enabled`, `jute.maxbuffer` and `znode.container.*` are read by ZooKeeper only as
///   JVM properties without the prefix, so in zoo.cfg they do nothing there; swzk honours them.
/// - `-D` overrides may drop or keep the `zookeeper.` prefix on any key.
enum ConfigKeys {
    /// Keys that ZooKeeper reads as `zookeeper.<key>` system properties (or as bare JVM properties).
    static let propertyStyle: Set<String> = [
        "snapCount", "preAllocSize", "forceSync", "globalOutstandingLimit", "4lw.commands.whitelist",
        "snapshot.compression.method", "snapshot.trust.empty", "extendedTypesEnabled",
        "DigestAuthenticationProvider.superDigest", "readonlymode.enabled", "jute.maxbuffer", "skipACL",
        "enforceQuota", "digest.enabled", "closeSessionTxn.enabled", "znode.container.checkIntervalMs",
        "znode.container.maxPerMinute", "znode.container.maxNeverUsedIntervalMs", "nio.sessionlessCnxnTimeout",
        "admin.enableServer", "admin.serverPort", "serverCnxnFactory", "clientCnxnSocket",
        "cnxTimeout", "electionPortBindRetry", "commitLogCount", "snapshotSizeFactor", "leaderServes",
        "fastleader.minNotificationInterval", "fastleader.maxNotificationInterval",
        "leader.maxConcurrentSnapSyncs", "leader.maxConcurrentDiffSyncs",
    ]

    /// Other spellings of a canonical key.
    static let aliases: [String: String] = ["sessionlessCnxnTimeout": "nio.sessionlessCnxnTimeout"]

    /// The canonical key for a key as written in zoo.cfg (`fromArgument == false`) or in a `-D` override.
    static func canonical(_ raw: String, fromArgument: Bool) -> String {
        if let alias = aliases[raw] { return alias }
        let prefix = "zookeeper."
        guard raw.hasPrefix(prefix) else { return raw }
        let stripped = String(raw.dropFirst(prefix.count))
        let key = aliases[stripped] ?? stripped
        if fromArgument || propertyStyle.contains(key) || key.hasPrefix("authProvider.") { return key }
        return raw
    }

    /// Real ZooKeeper settings that swzk does not implement yet: accepted with a warning.
    static func isUnsupported(_ key: String) -> Bool {
        let keys: Set<String> = [
            "syncEnabled", "observerMasterPort", "sslQuorum", "portUnification",
            "sslQuorumReloadCertFiles", "quorum.cnxn.threads.size", "oraclePath", "multiAddress.enabled",
            "multiAddress.reachabilityCheckEnabled", "multiAddress.reachabilityCheckTimeoutMs",
        ]
        let prefixes = ["authProvider.", "quorum.auth.", "ssl.", "jvm.pause."]
        return keys.contains(key) || prefixes.contains { key.hasPrefix($0) }
    }

    /// True for a key the parser reads (possibly only to warn that swzk ignores it), false for
    /// a key it would report as unknown. `key` is canonical.
    static func isKnown(_ key: String) -> Bool {
        let prefixes = ["server.", "group.", "weight.", "metricsProvider."]
        return handlers[key] != nil || isUnsupported(key) || prefixes.contains { key.hasPrefix($0) }
    }

    /// Whole milliseconds of a duration, for messages.
    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    typealias Handler = ServerConfigBuilder.Handler

    /// One handler per canonical key.
    static let handlers: [String: Handler] = basicHandlers.merging(featureHandlers) { first, _ in first }
        .merging(ensembleHandlers) { first, _ in first }

    private static let basicHandlers: [String: Handler] = [
        "dataDir": { b, s throws(ConfigError) in b.config.dataDir = try s.nonEmpty() },
        "dataLogDir": { b, s throws(ConfigError) in b.config.dataLogDir = try s.nonEmpty() },
        "clientPort": { b, s throws(ConfigError) in b.config.clientPort = try s.port() },
        "clientPortAddress": { b, s throws(ConfigError) in b.config.clientPortAddress = try s.nonEmpty() },
        "secureClientPort": { b, s throws(ConfigError) in b.config.secureClientPort = try s.port() },
        "secureClientPortAddress": { b, s throws(ConfigError) in b.config.secureClientPortAddress = try s.nonEmpty() },
        "clientPortListenBacklog": { b, s throws(ConfigError) in
            let backlog = try s.integer(atLeast: -1)
            b.config.clientPortListenBacklog = backlog == -1 ? nil : backlog
        },
        "tickTime": { b, s throws(ConfigError) in b.config.tickTime = try s.milliseconds(atLeast: 1) },
        "maxClientCnxns": { b, s throws(ConfigError) in b.config.maxClientCnxns = try s.integer(atLeast: 0) },
        "minSessionTimeout": { b, s throws(ConfigError) in b.config.minSessionTimeout = try sessionTimeout(s) },
        "maxSessionTimeout": { b, s throws(ConfigError) in b.config.maxSessionTimeout = try sessionTimeout(s) },
        "initLimit": { b, s throws(ConfigError) in b.config.initLimit = try ticks(s) },
        "syncLimit": { b, s throws(ConfigError) in b.config.syncLimit = try ticks(s) },
        "electionAlg": { b, s throws(ConfigError) in
            guard s.value == "3" else { throw s.error("'\(s.value)' is not supported; only 3 exists") }
            b.config.electionAlg = 3
        },
        "quorumListenOnAllIPs": { b, s throws(ConfigError) in b.config.quorumListenOnAllIPs = try s.boolean() },
        "peerType": { b, s throws(ConfigError) in
            guard let role = QuorumServer.Role(rawValue: s.value.lowercased()) else {
                throw s.error("'\(s.value)' is not participant or observer")
            }
            b.config.peerType = role
        },
        "standaloneEnabled": { b, s throws(ConfigError) in b.config.standaloneEnabled = try s.boolean() },
        "reconfigEnabled": { b, s throws(ConfigError) in b.config.reconfigEnabled = try s.boolean() },
        "localSessionsEnabled": { b, s throws(ConfigError) in b.config.localSessionsEnabled = try s.boolean() },
        "localSessionsUpgradingEnabled": { b, s throws(ConfigError) in
            b.config.localSessionsUpgradingEnabled = try s.boolean()
        },
        "autopurge.snapRetainCount": { b, s throws(ConfigError) in
            let count = try s.integer(atLeast: Int(Int32.min))
            if count < 3 { b.warnings.append(s.warning("\(count) is below the minimum 3; using 3")) }
            b.config.autopurgeSnapRetainCount = max(count, 3)
        },
        "autopurge.purgeInterval": { b, s throws(ConfigError) in b.config.autopurgePurgeInterval = try s.purgeInterval() },
    ]

    private static let featureHandlers: [String: Handler] = [
        "snapCount": { b, s throws(ConfigError) in
            let count = try s.integer(atLeast: Int(Int32.min))
            if count < 2 { b.warnings.append(s.warning("\(count) is below the minimum 2; using 2")) }
            b.config.snapCount = max(count, 2)
        },
        "preAllocSize": { b, s throws(ConfigError) in b.config.preAllocSizeKiB = try s.integer(atLeast: 0) },
        "swzk.ioThreads": { b, s throws(ConfigError) in b.config.ioThreads = try s.integer(atLeast: 0) },
        "forceSync": { b, s throws(ConfigError) in b.config.forceSync = try s.yesNo() },
        "globalOutstandingLimit": { b, s throws(ConfigError) in b.config.globalOutstandingLimit = try s.integer(atLeast: 1) },
        "4lw.commands.whitelist": { b, s throws(ConfigError) in b.whitelist = s },
        "snapshot.compression.method": { b, s throws(ConfigError) in
            let name = s.value.lowercased()
            guard let method = name.isEmpty ? SnapshotCompression.none : SnapshotCompression(rawValue: name) else {
                throw s.error("'\(s.value)' is not none, gz or snappy")
            }
            b.config.snapshotCompression = method
        },
        "snapshot.trust.empty": { b, s throws(ConfigError) in b.config.snapshotTrustEmpty = try s.boolean() },
        "extendedTypesEnabled": { b, s throws(ConfigError) in b.config.extendedTypesEnabled = try s.boolean() },
        "DigestAuthenticationProvider.superDigest": { b, s throws(ConfigError) in
            guard s.value.contains(":") else { throw s.error("'\(s.value)' is not user:digest") }
            b.config.superDigest = s.value
        },
        "readonlymode.enabled": { b, s throws(ConfigError) in b.config.readOnlyModeEnabled = try s.boolean() },
        "jute.maxbuffer": { b, s throws(ConfigError) in b.config.juteMaxBuffer = try s.integer(atLeast: 1) },
        "skipACL": { b, s throws(ConfigError) in b.config.skipACL = try s.yesNo() },
        "enforceQuota": { b, s throws(ConfigError) in b.config.enforceQuota = try s.boolean() },
        "digest.enabled": { b, s throws(ConfigError) in b.config.digestEnabled = try s.boolean() },
        "closeSessionTxn.enabled": { b, s throws(ConfigError) in b.config.closeSessionTxnEnabled = try s.boolean() },
        "znode.container.checkIntervalMs": { b, s throws(ConfigError) in
            b.config.containerCheckInterval = try s.milliseconds(atLeast: 1)
        },
        "znode.container.maxPerMinute": { b, s throws(ConfigError) in
            b.config.containerMaxPerMinute = try s.integer(atLeast: 1)
        },
        "znode.container.maxNeverUsedIntervalMs": { b, s throws(ConfigError) in
            b.config.containerMaxNeverUsedInterval = try s.milliseconds(atLeast: 0)
        },
        "nio.sessionlessCnxnTimeout": { b, s throws(ConfigError) in
            b.config.sessionlessConnectionTimeout = try s.milliseconds(atLeast: 1)
        },
        "admin.enableServer": { b, s throws(ConfigError) in b.config.adminServerEnabled = try s.boolean() },
        "admin.serverPort": { b, s throws(ConfigError) in b.config.adminServerPort = try s.port() },
        // Java connection-factory class names: meaningless for swzk's own transport, accepted silently.
        "serverCnxnFactory": { _, _ throws(ConfigError) in },
        "clientCnxnSocket": { _, _ throws(ConfigError) in },
    ]

    /// The ensemble settings: `connectToLearnerMasterLimit` and the Java system properties the
    /// quorum code reads (`QuorumCnxManager`, `ZKDatabase`, `Leader`, `FastLeaderElection`,
    /// `LearnerMaster`). Where ZooKeeper silently falls back to a default on a bad value, swzk
    /// refuses it, as for every other key; where ZooKeeper raises a value, swzk does too and warns.
    private static let ensembleHandlers: [String: Handler] = [
        "connectToLearnerMasterLimit": { b, s throws(ConfigError) in b.config.connectToLearnerMasterLimit = try ticks(s) },
        "cnxTimeout": { b, s throws(ConfigError) in b.config.cnxTimeout = try s.milliseconds(atLeast: 0) },
        "electionPortBindRetry": { b, s throws(ConfigError) in
            let count = try s.integer(atLeast: Int(Int32.min))
            if count < 0 {
                b.warnings.append(s.warning("\(count) is negative; using \(Limits.electionPortBindRetryDefault)"))
            }
            b.config.electionPortBindRetry = count < 0 ? Limits.electionPortBindRetryDefault : count
        },
        "commitLogCount": { b, s throws(ConfigError) in
            let count = try s.integer(atLeast: Int(Int32.min))
            if count < Limits.commitLogCountMin {
                b.warnings.append(s.warning(
                    "\(count) is below the minimum \(Limits.commitLogCountMin); using \(Limits.commitLogCountMin)"))
            }
            b.config.commitLogCount = max(count, Limits.commitLogCountMin)
        },
        "snapshotSizeFactor": { b, s throws(ConfigError) in
            let factor = try s.double()
            if factor > 1 {
                b.warnings.append(s.warning("\(s.value) is above 1; using \(Limits.snapshotSizeFactorDefault)"))
            }
            b.config.snapshotSizeFactor = factor > 1 ? Limits.snapshotSizeFactorDefault : factor
        },
        "leaderServes": { b, s throws(ConfigError) in b.config.leaderServes = try s.yesNo() },
        "fastleader.minNotificationInterval": { b, s throws(ConfigError) in
            b.config.minNotificationInterval = try s.milliseconds(atLeast: 1)
        },
        "fastleader.maxNotificationInterval": { b, s throws(ConfigError) in
            b.config.maxNotificationInterval = try s.milliseconds(atLeast: 1)
        },
        "leader.maxConcurrentSnapSyncs": { b, s throws(ConfigError) in
            b.config.maxConcurrentSnapSyncs = try s.integer(atLeast: 1)
        },
        "leader.maxConcurrentDiffSyncs": { b, s throws(ConfigError) in
            b.config.maxConcurrentDiffSyncs = try s.integer(atLeast: 1)
        },
    ]

    /// A session timeout bound in ms; -1 means "derive from tickTime", as in ZooKeeper.
    private static func sessionTimeout(_ s: ConfigSetting) throws(ConfigError) -> Duration? {
        if s.value == "-1" { return nil }
        return try s.milliseconds(atLeast: 0)
    }

    /// initLimit / syncLimit in ticks; 0 means unset, as in ZooKeeper.
    private static func ticks(_ s: ConfigSetting) throws(ConfigError) -> Int? {
        let count = try s.integer(atLeast: 0)
        return count == 0 ? nil : count
    }
}
