import Testing
@testable import ZKCore

/// One `QuorumPeer` driven by hand: a one-voter quorum (`standaloneEnabled=false`) and the zxid
/// counter rollover that must end an epoch.
@Suite struct QuorumPeerTests {
    /// A peer whose disk is synced at once: persist actions are answered with `logSynced`.
    struct Driver {
        var peer: QuorumPeer
        var now: Int64 = 1_000
        var all: [PeerAction] = []
        var clientMessages: [OutboundMessage] = []

        init(lastLogged: Zxid = .zero, acceptedEpoch: Int32 = 0, currentEpoch: Int32 = 0) {
            let server = QuorumServer(id: ServerID(1), address: "127.0.0.1", quorumPort: 2888, electionPort: 3888)
            var settings = ServerSettings(tickMs: 200)
            settings.serverID = ServerID(1)
            let durable = PeerDurableState(recovered: RecoveredState(), lastLogged: lastLogged, history: [],
                                           acceptedEpoch: acceptedEpoch, currentEpoch: currentEpoch)
            peer = QuorumPeer(myID: ServerID(1), verifier: QuorumVerifier(servers: [server]),
                              zab: ZabSettings(tickMs: 200, initLimit: 5, syncLimit: 2), serverSettings: settings,
                              election: ElectionSettings(), durable: durable,
                              now: CoreTime(wallMs: 1_700_000_001_000, monotonicMs: 1_000))
        }

        var time: CoreTime { CoreTime(wallMs: 1_700_000_000_000 + now, monotonicMs: now) }

        /// Carries out what the driver can: syncs every persist at once, records the rest.
        mutating func carry(_ actions: [PeerAction]) {
            for action in actions {
                all.append(action)
                switch action {
                case .persist(let txns):
                    if let last = txns.last { carry(peer.logSynced(through: last.zxid, now: time)) }
                case .client(.send(_, let message)):
                    clientMessages.append(message)
                default:
                    break
                }
            }
        }

        /// Ticks until the peer serves (or a deadline passes).
        mutating func runUntilServing() {
            carry(peer.start(now: time))
            for _ in 0..<100 where !peer.isServing {
                now += 50
                carry(peer.tick(now: time))
            }
        }

        /// Opens a client session on connection 1 and returns once it is answered.
        mutating func connectClient() {
            let request = ConnectRequest(lastZxidSeen: 0, timeOut: 10_000, sessionId: 0,
                                         passwd: Array(repeating: 0, count: 16), readOnly: false)
            carry(peer.clientInputs([.opened(ConnectionID(1), address: "127.0.0.1", port: 5000),
                                     .connect(ConnectionID(1), request)], now: time))
        }

        mutating func create(_ path: String, xid: Int32) {
            let request = ClientRequest.create(.create2, CreateRequest(path: path, data: [1], acl: ACL.openUnsafe, flags: 0))
            carry(peer.clientInputs([.request(ConnectionID(1), xid: xid, request)], now: time))
        }
    }

    @Test func aOneVoterQuorumLeadsAloneAndCommits() {
        var driver = Driver()
        driver.runUntilServing()
        #expect(driver.peer.isServing)
        guard case .leading(let leader) = driver.peer.role else {
            Issue.record("not leading: \(driver.peer.stateName)")
            return
        }
        #expect(leader.phase == .broadcast)
        #expect(leader.epoch == 1)
        #expect(driver.all.contains(.persistAcceptedEpoch(1)))
        #expect(driver.all.contains(.persistCurrentEpoch(1)))
        driver.connectClient()
        driver.create("/a", xid: 1)
        #expect(driver.peer.core.tree.node(at: "/a") != nil)
        // createSession is (1,1), the create (1,2).
        #expect(driver.peer.core.tree.lastProcessedZxid == Zxid(epoch: 1, counter: 2))
    }

    @Test func theLastCounterOfAnEpochIsNeverUsedAndANewEpochFollows() {
        var driver = Driver()
        driver.runUntilServing()
        driver.connectClient()
        // Jump the epoch's counter close to its end (as after four billion writes).
        let nearEnd = Zxid(epoch: 1, counter: Zxid.counterRollover &- 2)
        driver.peer.core.lastAssignedZxid = nearEnd
        driver.peer.lastLogged = nearEnd
        if case .leading(var leader) = driver.peer.role {
            leader.lastProposed = nearEnd
            leader.lastCommitted = nearEnd
            leader.selfSynced = nearEnd
            driver.peer.role = .leading(leader)
        }
        driver.create("/last", xid: 1)
        #expect(driver.peer.core.tree.node(at: "/last") != nil, "the counter 0xfffffffe is still used")
        driver.all.removeAll()
        driver.create("/rollover", xid: 2)
        let persisted = driver.all.flatMap { action -> [LoggedTxn] in
            if case .persist(let txns) = action { return txns }
            return []
        }
        #expect(persisted.isEmpty, "a txn with counter 0xffffffff was persisted: \(persisted.map(\.zxid))")
        #expect(driver.all.contains(.reloadDatabase))
        #expect(driver.peer.stateName == "looking")
        #expect(driver.peer.core.tree.node(at: "/rollover") == nil)

        // The reload finds the log ending at (1, 0xfffffffe); the next election starts epoch 2.
        let last = Zxid(epoch: 1, counter: Zxid.counterRollover &- 1)
        driver.carry(driver.peer.databaseReloaded(
            PeerDurableState(recovered: RecoveredState(), lastLogged: last, history: [], acceptedEpoch: 1, currentEpoch: 1),
            now: driver.time))
        for _ in 0..<100 where !driver.peer.isServing {
            driver.now += 50
            driver.carry(driver.peer.tick(now: driver.time))
        }
        guard case .leading(let leader) = driver.peer.role else {
            Issue.record("not leading again: \(driver.peer.stateName)")
            return
        }
        #expect(leader.epoch == 2)
        driver.connectClient()
        #expect(driver.peer.core.tree.lastProcessedZxid == Zxid(epoch: 2, counter: 1))
    }
}
