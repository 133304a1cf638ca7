/// Every numeric limit of the server in one place, each with the reason for its value.
public enum Limits {
    /// ZooKeeper's `jute.maxbuffer` default (0xfffff): the largest frame and the largest buffer a peer may send.
    public static let juteMaxBufferDefault = 0xfffff
    /// ZooKeeper's `maxClientCnxns` default: connections allowed from one IP address.
    public static let maxClientCnxnsDefault = 60
    /// ZooKeeper's `globalOutstandingLimit` default: requests in flight before reads from clients pause.
    public static let globalOutstandingLimitDefault = 1000
    /// ZooKeeper's code default for `tickTime` when zoo.cfg names none (the sample config says 2000).
    public static let tickTimeDefaultMs = 3000
    /// ZooKeeper's `snapCount` default: txns between snapshots.
    public static let snapCountDefault = 100_000
    /// ZooKeeper's `preAllocSize` default in KiB: the txn log grows in 64 MiB zero-filled steps.
    public static let preAllocSizeDefaultKiB = 65536
    /// ZooKeeper's `zookeeper.nio.sessionlessCnxnTimeout`: a connection that never sends a ConnectRequest is dropped.
    public static let sessionlessConnectionTimeoutMs = 10_000
    /// Largest TTL a node may carry: the low 40 bits of the ephemeral owner (`EphemeralType.MAX_EXTENDED_SERVER_ID` layout).
    public static let ttlMax: Int64 = 0xFF_FFFF_FFFF
    /// Digests recorded for the `hash` four-letter word (ZooKeeper keeps the last 1024).
    public static let digestHistoryMax = 1024
    /// Container manager scan period default (`znode.container.checkIntervalMs`).
    public static let containerCheckIntervalMsDefault = 60_000
    /// Container manager deletes per minute default (`znode.container.maxPerMinute`).
    public static let containerMaxPerMinuteDefault = 10_000
}
