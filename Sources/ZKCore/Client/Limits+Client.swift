// The client's numeric limits, kept beside the server's in the one `Limits` type.

extension Limits {
    /// ZooKeeper's default client port, used when a connect string names a host without one.
    public static let clientPortDefault = 2181
    /// `StaticHostProvider` waits this long before retrying a host it last connected to, after a full turn.
    public static let clientHostSpinDelayMs: Int64 = 1000
    /// `ClientCnxn.startConnect` sleeps a random time below this before every reconnect.
    public static let clientReconnectJitterMs: Int64 = 1000
    /// `ClientCnxn` pings after at most this much send silence, however long the session timeout.
    public static let clientPingIntervalMaxMs: Int64 = 10_000
    /// `ClientCnxn.SET_WATCHES_MAX_LENGTH`: path characters per SetWatches batch, keeping frames small.
    public static let clientSetWatchesBatchChars = 128 * 1024
}
