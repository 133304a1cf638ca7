/// The LOOKING part of a member: fast leader election rounds, and answering other members'
/// notifications in every role (ZooKeeper's `QuorumPeer.run` around `lookForLeader`).
extension QuorumPeer {
    /// Starts an election round from what this server has logged.
    mutating func lookForLeader(now: CoreTime) -> [PeerAction] {
        let actions = election.lookForLeader(lastLoggedZxid: lastLogged, currentEpoch: Int64(currentEpoch),
                                             now: now.monotonicMs)
        return performElection(actions, now: now)
    }

    /// A notification from another member, in any role: while looking it drives the round,
    /// otherwise the election machine answers with our settled vote.
    public mutating func notificationReceived(_ notification: Notification, from sid: ServerID,
                                              now: CoreTime) -> [PeerAction] {
        performElection(election.received(notification, from: sid, now: now.monotonicMs), now: now)
    }

    /// When the election next needs a tick (nil when it is not looking).
    public var electionDeadline: Int64? { election.nextDeadline }

    /// Carries out the election machine's actions; a decision starts the chosen role.
    mutating func performElection(_ actions: [ElectionAction], now: CoreTime) -> [PeerAction] {
        var out: [PeerAction] = []
        for action in actions {
            switch action {
            case let .send(to, notification):
                out.append(.sendNotification(to: to, notification))
            case .reconnectAll:
                out.append(.connectAllVoters)
            case let .decided(vote, _):
                guard case .looking = role, !reloadPending else { continue }
                out += leaderChosen(ServerID(vote.leader), now: now)
            case let .log(level, message):
                out.append(.log(level, message))
            }
        }
        return out
    }
}
