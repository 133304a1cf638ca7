import Testing
@testable import ZKCore

/// A deterministic in-memory network of `Election` machines: messages wait in one queue, a
/// policy picks which is delivered next (oldest, newest, or by a seeded generator), each
/// delivery takes 1 ms, and when nothing is in flight the clock jumps to the earliest deadline.
/// Every message goes through the wire codec. Like ZooKeeper's `QuorumCnxManager`, each link
/// remembers the last message sent over it and sends it again when the peer at the other end
/// (re)starts; messages in flight to a server that is down are lost.
struct MiniNetwork {
    /// One direction between two servers.
    struct Link: Hashable { var from: ServerID; var to: ServerID }

    /// How the next message is chosen.
    enum Order { case oldestFirst, newestFirst, seeded(UInt64) }

    var machines: [ServerID: Election] = [:]
    var up: Set<ServerID> = []
    var inFlight: [(from: ServerID, to: ServerID, bytes: [UInt8])] = []
    var decisions: [ServerID: (vote: Vote, state: ServerState)] = [:]
    var now: Int64 = 0
    var order: Order
    var delivered = 0
    var lastSent: [Link: [UInt8]] = [:]

    init(verifier: QuorumVerifier, order: Order) {
        self.order = order
        for sid in verifier.allMembers { machines[sid] = Election(myID: sid, verifier: verifier) }
    }

    /// Brings `sid` up (with a fresh machine when `fresh`) and starts its round.
    mutating func start(_ sid: ServerID, zxid: Int64, epoch: Int64, fresh: Bool = false) {
        if fresh, let old = machines[sid] {
            machines[sid] = Election(myID: sid, verifier: old.verifier)
            lastSent = lastSent.filter { $0.key.from != sid }
        }
        for from in up.sorted() where from != sid {
            if let bytes = lastSent[Link(from: from, to: sid)] { inFlight.append((from, sid, bytes)) }
        }
        up.insert(sid)
        decisions[sid] = nil
        let actions = machines[sid]!.lookForLeader(lastLoggedZxid: Zxid(zxid), currentEpoch: epoch, now: now)
        carryOut(actions, of: sid)
    }

    /// Takes `sid` down; its machine keeps its state but hears nothing.
    mutating func stop(_ sid: ServerID) { up.remove(sid) }

    private mutating func carryOut(_ actions: [ElectionAction], of sid: ServerID) {
        for action in actions {
            switch action {
            case let .send(to, n):
                precondition(to != sid, "a machine sent to itself")
                let bytes = n.encoded()
                lastSent[Link(from: sid, to: to)] = bytes
                if up.contains(to) { inFlight.append((sid, to, bytes)) }
            case .reconnectAll, .log:
                break
            case let .decided(vote, state):
                precondition(decisions[sid] == nil, "\(sid) decided twice")
                decisions[sid] = (vote, state)
            }
        }
    }

    private mutating func nextIndex() -> Int {
        switch order {
        case .oldestFirst: return 0
        case .newestFirst: return inFlight.count - 1
        case let .seeded(seed):
            let next = seed &* 6364136223846793005 &+ 1442695040888963407
            order = .seeded(next)
            return Int((next >> 33) % UInt64(inFlight.count))
        }
    }

    /// Delivers messages and fires timers until `done` holds or the clock reaches `limit`.
    mutating func run(until limit: Int64, done: (MiniNetwork) -> Bool) {
        while !done(self) && now <= limit {
            for sid in up.sorted() where (machines[sid]!.nextDeadline ?? Int64.max) <= now {
                carryOut(machines[sid]!.tick(now: now, allDelivered: true), of: sid)
            }
            if inFlight.isEmpty {
                guard let next = up.compactMap({ machines[$0]!.nextDeadline }).min(), next <= limit else {
                    now = max(now, limit)
                    return
                }
                now = max(now, next)
                continue
            }
            let message = inFlight.remove(at: nextIndex())
            now += 1
            delivered += 1
            guard up.contains(message.to) else { continue }
            let n = try! Notification.decode(message.bytes)
            carryOut(machines[message.to]!.received(n, from: message.from, now: now), of: message.to)
        }
    }

    /// True once every server in `sids` has decided.
    func allDecided(_ sids: [ServerID]) -> Bool { sids.allSatisfy { decisions[$0] != nil } }
}

private func ids(_ raw: [Int64]) -> [ServerID] { raw.map { ServerID($0) } }

private let orders: [MiniNetwork.Order] = [.oldestFirst, .newestFirst, .seeded(1), .seeded(7), .seeded(42), .seeded(2026)]

/// Whole ensembles of 3 and 5 machines over `MiniNetwork`, under several delivery orders.
@Suite struct ElectionNetworkTests {
    /// Runs `voters` (started in `startOrder`, 5 ms apart) to a decision and checks that every
    /// machine agrees on `leader`; returns the network for more checks.
    @discardableResult
    func elect(voters: [Int64], observers: [Int64] = [], state: [Int64: (zxid: Int64, epoch: Int64)],
               startOrder: [Int64], order: MiniNetwork.Order, leader: Int64) -> MiniNetwork {
        var net = MiniNetwork(verifier: electionVerifier(voters: voters, observers: observers), order: order)
        for sid in startOrder {
            let s = state[sid] ?? (0, 0)
            net.start(ServerID(sid), zxid: s.zxid, epoch: s.epoch)
            net.run(until: net.now + 5) { _ in false }
        }
        let everyone = ids(voters + observers)
        net.run(until: 600_000) { $0.allDecided(everyone) }
        #expect(net.allDecided(everyone), "order \(order): undecided \(everyone.filter { net.decisions[$0] == nil })")
        for sid in everyone {
            let expected: ServerState = sid.rawValue == leader ? .leading
                : (observers.contains(sid.rawValue) ? .observing : .following)
            #expect(net.decisions[sid]?.vote.leader == leader, "order \(order): \(sid) chose \(String(describing: net.decisions[sid]))")
            #expect(net.decisions[sid]?.state == expected)
        }
        return net
    }

    @Test(arguments: orders) func equalStateElectsTheHighestSidOfThree(order: MiniNetwork.Order) {
        elect(voters: [1, 2, 3], state: [:], startOrder: [1, 2, 3], order: order, leader: 3)
        elect(voters: [1, 2, 3], state: [:], startOrder: [3, 1, 2], order: order, leader: 3)
    }

    @Test(arguments: orders) func theMostUpToDateOfThreeWins(order: MiniNetwork.Order) {
        let state: [Int64: (Int64, Int64)] = [1: (0x1_0000_0009, 1), 2: (0x1_0000_0005, 1), 3: (0x1_0000_0001, 1)]
        let net = elect(voters: [1, 2, 3], state: state, startOrder: [3, 2, 1], order: order, leader: 1)
        #expect(net.decisions[ServerID(2)]?.vote.zxid == 0x1_0000_0009)
        #expect(net.decisions[ServerID(2)]?.vote.peerEpoch == 1)
    }

    @Test(arguments: orders) func theHighestEpochOfFiveWinsOverALongerLog(order: MiniNetwork.Order) {
        let state: [Int64: (Int64, Int64)] = [
            1: (0x2_0000_0003, 2), 2: (0x2_0000_0004, 3), 3: (0x2_0000_0002, 2), 4: (0x1_0000_0010, 1), 5: (0x2_0000_0009, 2),
        ]
        let net = elect(voters: [1, 2, 3, 4, 5], state: state, startOrder: [5, 4, 3, 2, 1], order: order, leader: 2)
        let rounds = Set(ids([1, 2, 3, 4, 5]).map { net.decisions[$0]!.vote.electionEpoch })
        #expect(rounds.count == 1)
    }

    @Test(arguments: orders) func equalStateElectsTheHighestSidOfFive(order: MiniNetwork.Order) {
        elect(voters: [1, 2, 3, 4, 5], state: [:], startOrder: [2, 5, 1, 4, 3], order: order, leader: 5)
    }

    @Test(arguments: orders) func anObserverDecidesObserving(order: MiniNetwork.Order) {
        let net = elect(voters: [1, 2, 3], observers: [4], state: [:], startOrder: [4, 1, 2, 3], order: order, leader: 3)
        #expect(net.decisions[ServerID(4)]?.vote.peerEpoch == 0)
    }

    @Test(arguments: orders) func aServerJoiningASettledEnsembleFollowsItsLeader(order: MiniNetwork.Order) {
        var net = elect(voters: [1, 2, 3], state: [:], startOrder: [1, 2, 3], order: order, leader: 3)
        // The ensemble syncs in epoch 1 and commits txns while server 1 is away.
        for sid in ids([1, 2, 3]) { net.machines[sid]!.updateVoteEpoch(1) }
        net.stop(ServerID(1))
        net.run(until: net.now + 10_000) { _ in false }
        net.start(ServerID(1), zxid: 0x1_0000_0006, epoch: 1, fresh: true)
        net.run(until: net.now + 600_000) { $0.allDecided(ids([1])) }
        #expect(net.decisions[ServerID(1)]?.vote == Vote(leader: 3, zxid: 0, electionEpoch: 1, peerEpoch: 1, state: .following))
        #expect(net.machines[ServerID(2)]!.state == .following && net.machines[ServerID(2)]!.logicalClock == 1)
        #expect(net.machines[ServerID(3)]!.state == .leading && net.machines[ServerID(3)]!.currentVote.leader == 3)
    }

    @Test(arguments: orders) func aLateFifthServerOfFiveFollowsTheLeaderOfFour(order: MiniNetwork.Order) {
        var net = MiniNetwork(verifier: electionVerifier(voters: [1, 2, 3, 4, 5]), order: order)
        // 5 would win an election it took part in, but it arrives after the others settled on 4.
        for sid in ids([1, 2, 3, 4]) { net.start(sid, zxid: 0x1_0000_0002, epoch: 1) }
        net.run(until: 600_000) { $0.allDecided(ids([1, 2, 3, 4])) }
        net.start(ServerID(5), zxid: 0x1_0000_0002, epoch: 1)
        net.run(until: net.now + 600_000) { $0.allDecided(ids([5])) }
        for sid in ids([1, 2, 3, 4, 5]) { #expect(net.decisions[sid]?.vote.leader == 4) }
        #expect(net.decisions[ServerID(5)]?.state == .following)
    }

    @Test(arguments: orders) func aMinorityNeverDecides(order: MiniNetwork.Order) {
        var net = MiniNetwork(verifier: electionVerifier(voters: [1, 2, 3, 4, 5]), order: order)
        net.start(ServerID(1), zxid: 0x1_0000_0002, epoch: 1)
        net.start(ServerID(2), zxid: 0x1_0000_0001, epoch: 1)
        net.run(until: 600_000) { !$0.decisions.isEmpty }
        #expect(net.decisions.isEmpty)
        #expect(net.now >= 600_000)
        for sid in ids([1, 2]) {
            #expect(net.machines[sid]!.state == .looking)
            #expect(net.machines[sid]!.currentVote.leader == 1)
            #expect((net.machines[sid]!.nextDeadline ?? 0) - net.now <= 60_000)
        }
        // The silence backs off: ten minutes of it cost far fewer messages than 200 ms resends.
        #expect(net.delivered < 100)
    }
}
