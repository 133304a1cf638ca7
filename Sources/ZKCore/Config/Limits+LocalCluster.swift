/// The bounds of `swzk cluster-local`, beside the other limits (DESIGN §7).
extension Limits {
    /// Most voters a local ensemble may have: nine tolerate four failures, and more only make a
    /// 2-core machine slower to elect.
    public static let localClusterVotersMax = 9
    /// Most members (voters plus observers): each is a process with three ports and a data directory.
    public static let localClusterMembersMax = 16
    /// Time added to initLimit × tickTime while waiting for a fresh ensemble to serve: process
    /// start-up, loading the data and the election itself.
    public static let localClusterStartMarginMs = 10_000
    /// How long members get to exit after SIGTERM before SIGKILL.
    public static let localClusterStopGraceMs = 5000
}
