import Testing
@testable import ZKCore

/// A majority config of `voters` plus `observers`, all on 127.0.0.1.
func electionVerifier(voters: [Int64], observers: [Int64] = [], version: Int64 = 0) -> QuorumVerifier {
    let servers = voters.map { QuorumServer(id: ServerID($0), address: "127.0.0.1", quorumPort: Int(2000 + $0),
                                            electionPort: Int(3000 + $0)) }
        + observers.map { QuorumServer(id: ServerID($0), address: "127.0.0.1", quorumPort: Int(2000 + $0),
                                       electionPort: Int(3000 + $0), role: .observer) }
    return QuorumVerifier(servers: servers, version: version)
}

/// The notifications among `actions`, in order.
func sentNotifications(_ actions: [ElectionAction]) -> [(to: ServerID, n: Notification)] {
    actions.compactMap { action in
        switch action {
        case let .send(to, n): return (to, n)
        case .reconnectAll, .decided, .log: return nil
        }
    }
}

/// The decision among `actions`, if any.
func decision(_ actions: [ElectionAction]) -> (vote: Vote, state: ServerState)? {
    for action in actions {
        switch action {
        case let .decided(vote, state): return (vote, state)
        case .send, .reconnectAll, .log: continue
        }
    }
    return nil
}

/// A notification in `verifier`'s config.
func note(_ state: ServerState, leader: Int64, zxid: Int64, round: Int64, epoch: Int64,
          in verifier: QuorumVerifier) -> Notification {
    Notification(state: state, leader: leader, zxid: zxid, electionEpoch: round, peerEpoch: epoch, config: verifier.configText)
}

/// FLE's total order on votes (`totalOrderPredicate`).
@Suite struct ElectionVoteOrderTests {
    let weight: (ServerID) -> Int64 = { $0.rawValue == 9 ? 0 : 1 }

    func v(_ leader: Int64, _ zxid: Int64, _ epoch: Int64) -> Vote {
        Vote(leader: leader, zxid: zxid, electionEpoch: 1, peerEpoch: epoch)
    }

    @Test func epochThenZxidThenSid() {
        #expect(v(1, 0x1_0000_0000, 2).isBetter(than: v(3, 0x1_0000_0009, 1), weight: weight))
        #expect(!v(3, 0x1_0000_0009, 1).isBetter(than: v(1, 0x1_0000_0000, 2), weight: weight))
        #expect(v(1, 0x1_0000_0009, 1).isBetter(than: v(3, 0x1_0000_0008, 1), weight: weight))
        #expect(v(3, 5, 1).isBetter(than: v(2, 5, 1), weight: weight))
        #expect(!v(2, 5, 1).isBetter(than: v(3, 5, 1), weight: weight))
        #expect(!v(2, 5, 1).isBetter(than: v(2, 5, 1), weight: weight))
    }

    @Test func weightZeroCandidatesNeverWin() {
        #expect(!v(9, Int64.max, Int64.max).isBetter(than: v(1, 0, 0), weight: weight))
        #expect(v(1, 0, 0).isBetter(than: v(Int64.min, Int64.min, Int64.min), weight: weight))
        let verifier = electionVerifier(voters: [1, 2, 3], observers: [4])
        #expect(!v(4, 9, 9).isBetter(than: v(1, 0, 0), weight: verifier.weight(of:)))
    }
}

/// One machine driven event by event through the LOOKING rules: rounds, adoption, ignored senders.
@Suite struct ElectionRoundTests {
    let three = electionVerifier(voters: [1, 2, 3])
    let five = electionVerifier(voters: [1, 2, 3, 4, 5])

    @Test func firstNotificationMatchesTheLiveCapture() throws {
        let verifier = captureVerifier()
        var e = Election(myID: ServerID(3), verifier: verifier)
        let actions = e.lookForLeader(lastLoggedZxid: .zero, currentEpoch: 0, now: 1000)
        let sent = sentNotifications(actions)
        #expect(sent.map(\.to) == [ServerID(1), ServerID(2)])
        let captured = try #require(try loadCapturedNotifications().first)
        #expect(sent.allSatisfy { $0.n.encoded() == captured.payload })
        #expect(e.logicalClock == 1 && e.state == .looking)
        #expect(e.currentVote == Vote(leader: 3, zxid: 0, electionEpoch: 1, peerEpoch: 0))
        #expect(e.nextDeadline == 1200)
    }

    @Test func higherRoundIsAdoptedAndClearsTheVotesOfTheOldRound() {
        var e = Election(myID: ServerID(1), verifier: five)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(0x1_0000_0009), currentEpoch: 1, now: 0)
        _ = e.received(note(.looking, leader: 1, zxid: 0x1_0000_0009, round: 1, epoch: 1, in: five), from: ServerID(2), now: 1)
        // Server 3 is in round 3 with a worse vote: we move to round 3 and push our own vote again.
        let adopt = e.received(note(.looking, leader: 3, zxid: 0x1_0000_0001, round: 3, epoch: 1, in: five),
                               from: ServerID(3), now: 2)
        #expect(e.logicalClock == 3)
        let sent = sentNotifications(adopt)
        #expect(sent.map(\.to) == [ServerID(2), ServerID(3), ServerID(4), ServerID(5)])
        #expect(sent.allSatisfy { $0.n == note(.looking, leader: 1, zxid: 0x1_0000_0009, round: 3, epoch: 1, in: five) })
        // Round 1's vote from 2 no longer counts: 1 and 4 are no quorum of five.
        _ = e.received(note(.looking, leader: 1, zxid: 0x1_0000_0009, round: 3, epoch: 1, in: five), from: ServerID(4), now: 3)
        #expect(e.nextDeadline == 203)
        _ = e.received(note(.looking, leader: 1, zxid: 0x1_0000_0009, round: 3, epoch: 1, in: five), from: ServerID(5), now: 4)
        #expect(e.nextDeadline == 204)
        #expect(e.tick(now: 203, allDelivered: true).isEmpty)
        let done = e.tick(now: 204, allDelivered: true)
        #expect(decision(done)?.state == .leading)
        #expect(decision(done)?.vote == Vote(leader: 1, zxid: 0x1_0000_0009, electionEpoch: 3, peerEpoch: 1, state: .leading))
        #expect(e.state == .leading && e.nextDeadline == nil)
    }

    @Test func aNewRoundForgetsTheEstablishedVotesOfTheOldOne() {
        var e = Election(myID: ServerID(1), verifier: five)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(1), currentEpoch: 1, now: 0)
        for sid in [2, 3] as [Int64] {
            _ = e.received(note(.following, leader: 5, zxid: 0, round: 1, epoch: 1, in: five), from: ServerID(sid), now: 1)
        }
        _ = e.received(note(.looking, leader: 4, zxid: 1, round: 2, epoch: 1, in: five), from: ServerID(4), now: 2)
        #expect(e.logicalClock == 2)
        // Had round 1's FOLLOWING votes from 2 and 3 survived, they would back 5 with its own vote.
        let leading = e.received(note(.leading, leader: 5, zxid: 0, round: 2, epoch: 2, in: five), from: ServerID(5), now: 3)
        #expect(decision(leading) == nil && e.state == .looking)
    }

    @Test func higherRoundWithABetterVoteAdoptsThatVote() {
        var e = Election(myID: ServerID(1), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(5), currentEpoch: 0, now: 0)
        let actions = e.received(note(.looking, leader: 2, zxid: 6, round: 4, epoch: 0, in: three), from: ServerID(2), now: 1)
        #expect(e.logicalClock == 4)
        #expect(sentNotifications(actions).map(\.n.leader) == [2, 2])
        // Our own vote for 2 and 2's vote make a quorum of three: the finalize wait starts.
        #expect(e.nextDeadline == 201)
        #expect(e.currentVote == Vote(leader: 2, zxid: 6, electionEpoch: 4, peerEpoch: 0))
    }

    @Test func olderRoundIsIgnoredButTheSenderGetsOurProposal() {
        var e = Election(myID: ServerID(1), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(5), currentEpoch: 0, now: 0)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(5), currentEpoch: 0, now: 10)
        let actions = e.received(note(.looking, leader: 3, zxid: 9, round: 1, epoch: 0, in: three), from: ServerID(2), now: 11)
        let sent = sentNotifications(actions)
        #expect(sent.count == 1)
        #expect(sent.first?.to == ServerID(2))
        #expect(sent.first?.n == note(.looking, leader: 1, zxid: 5, round: 2, epoch: 0, in: three))
        #expect(e.logicalClock == 2)
        #expect(e.currentVote.leader == 1)
    }

    @Test func betterVoteInTheSameRoundIsAdoptedAndBroadcast() {
        var e = Election(myID: ServerID(2), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(5), currentEpoch: 0, now: 0)
        let worse = e.received(note(.looking, leader: 1, zxid: 4, round: 1, epoch: 0, in: three), from: ServerID(1), now: 1)
        #expect(sentNotifications(worse).isEmpty)
        let better = e.received(note(.looking, leader: 3, zxid: 5, round: 1, epoch: 0, in: three), from: ServerID(3), now: 2)
        #expect(sentNotifications(better).map(\.to) == [ServerID(1), ServerID(3)])
        #expect(sentNotifications(better).allSatisfy { $0.n.leader == 3 && $0.n.electionEpoch == 1 })
        #expect(e.currentVote.leader == 3)
    }

    @Test func nonVotersAreAnsweredWithThePeersVoteAndNotCounted() {
        let verifier = electionVerifier(voters: [1, 2, 3], observers: [4])
        var e = Election(myID: ServerID(1), verifier: verifier)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(7), currentEpoch: 0, now: 0)
        for stranger in [ServerID(4), ServerID(9)] {
            let actions = e.received(note(.looking, leader: 3, zxid: 99, round: 5, epoch: 5, in: verifier), from: stranger, now: 1)
            #expect(sentNotifications(actions).count == 1)
            #expect(sentNotifications(actions).first?.to == stranger)
            // The peer's vote (myid, last zxid, current epoch), in our round, LOOKING.
            #expect(sentNotifications(actions).first?.n == note(.looking, leader: 1, zxid: 7, round: 1, epoch: 0, in: verifier))
        }
        #expect(e.logicalClock == 1 && e.currentVote.leader == 1)
    }

    @Test func votesForNonMembersAndFromObservingSendersAreIgnored() {
        let verifier = electionVerifier(voters: [1, 2, 3], observers: [4])
        var e = Election(myID: ServerID(1), verifier: verifier)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(7), currentEpoch: 0, now: 0)
        let stranger = e.received(note(.looking, leader: 4, zxid: 99, round: 1, epoch: 9, in: verifier), from: ServerID(2), now: 1)
        #expect(sentNotifications(stranger).isEmpty)
        #expect(stranger.contains(.log(.warning, "Ignoring notification for non-cluster member sid 4 from sid 2")))
        let observing = e.received(note(.observing, leader: 3, zxid: 99, round: 1, epoch: 9, in: verifier), from: ServerID(2), now: 2)
        #expect(sentNotifications(observing).isEmpty)
        #expect(e.currentVote.leader == 1 && e.nextDeadline == 202)
    }

    @Test func untrustedDatabaseAndMinusOneZxidsIgnoreLookingVotes() {
        var untrusted = Election(myID: ServerID(1), verifier: three)
        _ = untrusted.lookForLeader(lastLoggedZxid: .none, currentEpoch: 0, now: 0)
        _ = untrusted.received(note(.looking, leader: 3, zxid: 5, round: 7, epoch: 0, in: three), from: ServerID(3), now: 1)
        #expect(untrusted.logicalClock == 1)
        var e = Election(myID: ServerID(1), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(3), currentEpoch: 0, now: 0)
        _ = e.received(note(.looking, leader: 3, zxid: -1, round: 7, epoch: 0, in: three), from: ServerID(3), now: 1)
        #expect(e.logicalClock == 1 && e.currentVote.leader == 1)
    }

    @Test func newerConfigIsLoggedAndNotAdopted() {
        var e = Election(myID: ServerID(1), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(3), currentEpoch: 0, now: 0)
        let newer = electionVerifier(voters: [1, 2, 3, 4], version: 0x1_0000_0000)
        let actions = e.received(note(.looking, leader: 2, zxid: 3, round: 1, epoch: 0, in: newer), from: ServerID(2), now: 1)
        #expect(actions.contains(.log(.info, "Ignoring config version 0x100000000 from 2 (ours 0x0): "
                                      + "dynamic reconfiguration is not supported yet")))
        #expect(e.verifier == three)
        #expect(sentNotifications(actions).allSatisfy { $0.n.config == three.configText })
        #expect(e.currentVote.leader == 2)
    }
}

/// The notification wait with its backoff, and the finalize wait, both driven by `tick`.
@Suite struct ElectionTimerTests {
    let three = electionVerifier(voters: [1, 2, 3])

    @Test func silenceResendsWithDoublingIntervalCappedAtTheMaximum() {
        let settings = ElectionSettings(finalizeWaitMs: 200, minNotificationIntervalMs: 200, maxNotificationIntervalMs: 1000)
        var e = Election(myID: ServerID(1), verifier: three, settings: settings)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(1), currentEpoch: 0, now: 0)
        #expect(e.tick(now: 199, allDelivered: true).isEmpty)
        var deadlines: [Int64] = []
        var now: Int64 = 0
        for _ in 0..<5 {
            now = e.nextDeadline ?? -1
            let actions = e.tick(now: now, allDelivered: true)
            #expect(sentNotifications(actions).map(\.to) == [ServerID(2), ServerID(3)])
            deadlines.append((e.nextDeadline ?? 0) - now)
        }
        #expect(deadlines == [400, 800, 1000, 1000, 1000])
        let reconnect = e.tick(now: e.nextDeadline ?? -1, allDelivered: false)
        #expect(reconnect.first == .reconnectAll)
        #expect(sentNotifications(reconnect).isEmpty)
    }

    @Test func aNotificationRestartsTheWaitWithoutResettingTheInterval() {
        var e = Election(myID: ServerID(1), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(9), currentEpoch: 0, now: 0)
        _ = e.tick(now: 200, allDelivered: true)
        #expect(e.nextDeadline == 600)
        _ = e.received(note(.looking, leader: 2, zxid: 1, round: 1, epoch: 0, in: three), from: ServerID(2), now: 500)
        #expect(e.nextDeadline == 900)
    }

    @Test func finalizeWaitDropsWorseVotesAndEndsInADecision() {
        var e = Election(myID: ServerID(1), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(1), currentEpoch: 0, now: 0)
        _ = e.received(note(.looking, leader: 3, zxid: 5, round: 1, epoch: 0, in: three), from: ServerID(3), now: 10)
        #expect(e.nextDeadline == 210)
        let worse = e.received(note(.looking, leader: 2, zxid: 4, round: 1, epoch: 0, in: three), from: ServerID(2), now: 150)
        #expect(sentNotifications(worse).isEmpty)
        #expect(e.nextDeadline == 350)
        #expect(decision(e.tick(now: 349, allDelivered: true)) == nil)
        let done = e.tick(now: 350, allDelivered: true)
        #expect(decision(done)?.state == .following)
        #expect(decision(done)?.vote == Vote(leader: 3, zxid: 5, electionEpoch: 1, peerEpoch: 0, state: .following))
    }

    @Test func aBetterVoteEndsTheFinalizeWait() {
        var e = Election(myID: ServerID(1), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(1), currentEpoch: 0, now: 0)
        _ = e.received(note(.looking, leader: 2, zxid: 5, round: 1, epoch: 0, in: three), from: ServerID(2), now: 10)
        #expect(e.nextDeadline == 210)
        let better = e.received(note(.looking, leader: 3, zxid: 5, round: 1, epoch: 0, in: three), from: ServerID(3), now: 100)
        #expect(sentNotifications(better).map(\.n.leader) == [3, 3])
        // Our vote and 3's now back 3: a new finalize wait from the better vote's arrival.
        #expect(e.nextDeadline == 300)
        #expect(decision(e.tick(now: 300, allDelivered: true))?.vote.leader == 3)
    }

    @Test func aSingleVoterDecidesAfterTheFinalizeWait() {
        let one = electionVerifier(voters: [1], observers: [2])
        var e = Election(myID: ServerID(1), verifier: one)
        let start = e.lookForLeader(lastLoggedZxid: Zxid(4), currentEpoch: 0, now: 0)
        #expect(sentNotifications(start).isEmpty)
        #expect(e.nextDeadline == 200)
        #expect(decision(e.tick(now: 200, allDelivered: true))?.state == .leading)
    }
}

/// Votes of servers already out of the election (FOLLOWING/LEADING), and answers once decided.
@Suite struct ElectionEstablishedTests {
    @Test func aRestartedServerFollowsTheEstablishedLeaderFromTheCapturedAnswers() throws {
        let verifier = captureVerifier()
        let captured = try loadCapturedNotifications()
        let following = try #require(captured.first { $0.fields["state"] == "1" && $0.fields["peerEpoch"] == "1" })
        let leading = try #require(captured.first { $0.fields["state"] == "2" })
        var e = Election(myID: ServerID(1), verifier: verifier)
        let start = e.lookForLeader(lastLoggedZxid: Zxid(0x1_0000_0006), currentEpoch: 1, now: 0)
        let restarted = try #require(captured.first { $0.fields["zxid"] == "0x100000006" })
        #expect(sentNotifications(start).allSatisfy { $0.n.encoded() == restarted.payload })
        #expect(decision(e.received(try Notification.decode(following.payload), from: ServerID(2), now: 5)) == nil)
        let done = e.received(try Notification.decode(leading.payload), from: ServerID(3), now: 6)
        #expect(decision(done)?.vote == Vote(leader: 3, zxid: 0, electionEpoch: 1, peerEpoch: 1, state: .following))
        #expect(e.state == .following && e.logicalClock == 1)
    }

    @Test func aDecidedServerAnswersLookingPeersWithItsVoteAndEpoch() throws {
        let verifier = captureVerifier()
        var e = Election(myID: ServerID(2), verifier: verifier)
        _ = e.lookForLeader(lastLoggedZxid: .zero, currentEpoch: 0, now: 0)
        _ = e.received(note(.looking, leader: 3, zxid: 0, round: 1, epoch: 0, in: verifier), from: ServerID(3), now: 1)
        #expect(decision(e.tick(now: 201, allDelivered: true))?.vote.leader == 3)
        e.updateVoteEpoch(1)
        let looking = note(.looking, leader: 1, zxid: 0x1_0000_0006, round: 1, epoch: 1, in: verifier)
        let captured = try loadCapturedNotifications()
        let expected = try #require(captured.first { $0.fields["state"] == "1" && $0.fields["peerEpoch"] == "1" })
        for now in [Int64(40_000), 90_000] {
            let answer = sentNotifications(e.received(looking, from: ServerID(1), now: now))
            #expect(answer.count == 1 && answer.first?.to == ServerID(1))
            #expect(answer.first?.n.encoded() == expected.payload)
        }
        #expect(e.received(note(.following, leader: 3, zxid: 0, round: 1, epoch: 1, in: verifier),
                           from: ServerID(1), now: 90_001).isEmpty)
        #expect(e.tick(now: 100_000, allDelivered: true).isEmpty)
        // The next round starts from the old round number.
        _ = e.lookForLeader(lastLoggedZxid: Zxid(0x1_0000_0006), currentEpoch: 1, now: 100_000)
        #expect(e.logicalClock == 2 && e.state == .looking)
    }

    @Test func outOfElectionVotesFromAnOlderRoundJoinTheirLeaderAndRound() {
        let five = electionVerifier(voters: [1, 2, 3, 4, 5])
        var e = Election(myID: ServerID(1), verifier: five)
        for i in 0..<4 { _ = e.lookForLeader(lastLoggedZxid: Zxid(0x2_0000_0001), currentEpoch: 2, now: Int64(i)) }
        #expect(e.logicalClock == 4)
        let vote = (leader: Int64(5), zxid: Int64(0x1_0000_0004), round: Int64(2), epoch: Int64(2))
        for sid in [2, 3] as [Int64] {
            let a = e.received(note(.following, leader: vote.leader, zxid: vote.zxid, round: vote.round, epoch: vote.epoch,
                                    in: five), from: ServerID(sid), now: 10)
            #expect(decision(a) == nil)
        }
        let done = e.received(note(.leading, leader: 5, zxid: 0x1_0000_0007, round: 2, epoch: 2, in: five),
                              from: ServerID(5), now: 11)
        #expect(decision(done)?.vote == Vote(leader: 5, zxid: 0x1_0000_0007, electionEpoch: 2, peerEpoch: 2, state: .following))
        #expect(e.logicalClock == 2)
    }

    @Test func followersWithoutTheLeadersOwnVoteAreNotEnough() {
        let five = electionVerifier(voters: [1, 2, 3, 4, 5])
        var e = Election(myID: ServerID(1), verifier: five)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(1), currentEpoch: 1, now: 0)
        for sid in [2, 3, 4] as [Int64] {
            let a = e.received(note(.following, leader: 5, zxid: 0, round: 1, epoch: 1, in: five), from: ServerID(sid), now: 1)
            #expect(decision(a) == nil)
        }
        // 5's vote says FOLLOWING, not LEADING: checkLeader still fails.
        let a = e.received(note(.following, leader: 5, zxid: 0, round: 1, epoch: 1, in: five), from: ServerID(5), now: 2)
        #expect(decision(a) == nil && e.state == .looking)
        let b = e.received(note(.leading, leader: 5, zxid: 0, round: 1, epoch: 1, in: five), from: ServerID(5), now: 3)
        #expect(decision(b)?.vote.leader == 5)
    }

    @Test func establishedVotesMustAgreeOnThePeerEpochUnlessOneIsVersionZero() {
        let three = electionVerifier(voters: [1, 2, 3])
        var e = Election(myID: ServerID(1), verifier: three)
        _ = e.lookForLeader(lastLoggedZxid: Zxid(1), currentEpoch: 1, now: 0)
        _ = e.received(note(.following, leader: 3, zxid: 0, round: 9, epoch: 1, in: three), from: ServerID(2), now: 1)
        let disagree = e.received(note(.leading, leader: 3, zxid: 0, round: 9, epoch: 2, in: three), from: ServerID(3), now: 2)
        #expect(decision(disagree) == nil)
        var old = note(.leading, leader: 3, zxid: 0, round: 9, epoch: 0, in: three)
        old.version = 0
        old.config = nil
        let mixed = e.received(old, from: ServerID(3), now: 3)
        #expect(decision(mixed)?.vote.leader == 3)
    }
}

/// Arbitrary input never breaks the machine's invariants (checked after every event in debug builds).
@Suite struct ElectionRobustnessTests {
    /// A small seeded generator so the sequence is the same on every run.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test(arguments: [Int64(1), 4]) func arbitraryNotificationsKeepTheInvariants(myID: Int64) {
        let verifier = electionVerifier(voters: [1, 2, 3], observers: [4])
        let values: [Int64] = [Int64.min, -1, 0, 1, 2, 3, 4, 9, 0x1_0000_0001, Int64.max]
        let states: [ServerState] = [.looking, .following, .leading, .observing]
        var g = Generator(state: UInt64(myID))
        var e = Election(myID: ServerID(myID), verifier: verifier)
        var now: Int64 = 0
        var decided = 0
        for step in 0..<5000 {
            now += Int64(g.next(300))
            if step % 500 == 0 {
                _ = e.lookForLeader(lastLoggedZxid: Zxid(values[g.next(values.count)]), currentEpoch: Int64(g.next(3)), now: now)
            }
            let n = Notification(state: states[g.next(4)], leader: values[g.next(values.count)],
                                 zxid: values[g.next(values.count)], electionEpoch: values[g.next(values.count)],
                                 peerEpoch: values[g.next(values.count)], version: Int32(g.next(3)), config: nil)
            var actions = e.received(n, from: ServerID(Int64(g.next(6))), now: now)
            actions += e.tick(now: now, allDelivered: g.next(2) == 0)
            if let d = decision(actions) {
                decided += 1
                #expect(verifier.isVoter(ServerID(d.vote.leader)))
                #expect(myID != 4 || d.state == .observing)
            }
            #expect(sentNotifications(actions).allSatisfy { $0.to != ServerID(myID) })
        }
        #expect(decided > 0)
    }
}
