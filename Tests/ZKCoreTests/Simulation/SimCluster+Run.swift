import ZKCore

/// The event loop of the simulated world.
extension SimCluster {
    /// Runs events until `time`, or until `stop` holds after an event.
    mutating func run(until time: Int64, stop: (SimCluster) -> Bool = { _ in false }) {
        // Peek before popping: an event put back would get a new sequence number and could
        // overtake another event due at the same time (two packets of one connection).
        while let next = queue.nextTime, next <= time, let (at, event) = queue.pop() {
            now = max(now, at)
            handle(event)
            if stop(self) { return }
        }
        now = max(now, time)
    }

    mutating func handle(_ event: SimEvent) {
        switch event {
        case let .tick(i, incarnation):
            guard incarnation == nodes[i].incarnation, nodes[i].peer != nil else { return }
            queue.push(now + 100, .tick(node: i, incarnation: incarnation))
            let actions = nodes[i].peer!.tick(now: wall)
            carry(actions, node: i)
        case let .election(from, to, notification):
            guard nodes[to].peer != nil, linkUp(from, to) else { return }
            let actions = nodes[to].peer!.notificationReceived(notification, from: ServerID(Int64(from + 1)), now: wall)
            carry(actions, node: to)
        case .connect(let id):
            connectionArrived(id)
        case let .retryConnect(i, incarnation):
            guard alive(i, incarnation), case .following(_, let leader)? = nodes[i].peer?.role else { return }
            if let id = nodes[i].leaderConnection, connections[id]?.open == true { return }
            openConnection(from: i, to: Int(leader.rawValue) - 1)
        case let .toLearner(id, item):
            deliverToLearner(id, item)
        case let .toLeader(id, packet):
            guard let c = connections[id], c.open, alive(c.leader, c.leaderIncarnation) else { return }
            let actions = nodes[c.leader].peer!.learnerPacket(id, packet, now: wall)
            carry(actions, node: c.leader)
        case .closedAtLearner(let id):
            guard let c = connections[id], alive(c.learner, c.learnerIncarnation),
                  nodes[c.learner].leaderConnection == id else { return }
            nodes[c.learner].leaderConnection = nil
            let actions = nodes[c.learner].peer!.leaderClosed(now: wall)
            carry(actions, node: c.learner)
        case .closedAtLeader(let id):
            guard let c = connections[id], alive(c.leader, c.leaderIncarnation) else { return }
            nodes[c.leader].streams.drop(id)
            let actions = nodes[c.leader].peer!.learnerClosed(id, now: wall)
            carry(actions, node: c.leader)
        case let .fsync(i, incarnation, generation, count):
            guard incarnation == nodes[i].incarnation, nodes[i].peer != nil else { return }
            nodes[i].disk.durable = max(nodes[i].disk.durable, min(count, nodes[i].disk.log.count))
            guard generation == nodes[i].disk.generation, nodes[i].disk.durable > 0 else { return }
            let zxid = nodes[i].disk.log[nodes[i].disk.durable - 1].zxid
            let actions = nodes[i].peer!.logSynced(through: zxid, now: wall)
            carry(actions, node: i)
        case let .snapshotStep(i, incarnation, id):
            guard alive(i, incarnation) else { return }
            snapshotStep(node: i, id)
        case let .historyRead(i, incarnation, id, txns):
            guard alive(i, incarnation) else { return }
            carry(nodes[i].peer!.historyRead(id, txns: txns, now: wall), node: i)
        case .client(let c):
            clientStep(c)
        case .fault(let fault):
            inject(fault)
        }
    }

    /// The member leading an established epoch, if any.
    var currentLeader: Int? {
        nodes.indices.first { i in
            if case .leading(let leader)? = nodes[i].peer?.role { return leader.phase == .broadcast }
            return false
        }
    }

    func alive(_ i: Int, _ incarnation: Int) -> Bool {
        nodes[i].peer != nil && nodes[i].incarnation == incarnation
    }

    mutating func connectionArrived(_ id: LearnerConnectionID) {
        guard var c = connections[id], c.open, alive(c.learner, c.learnerIncarnation) else { return }
        // Only a leading member listens on its quorum port; anything else refuses the connection
        // and the learner dials again 100 ms later while its initLimit lasts (`Learner.connectToLeader`).
        guard nodes[c.leader].peer != nil, nodes[c.leader].listening, linkUp(c.learner, c.leader), linkUp(c.leader, c.learner) else {
            c.open = false
            connections[id] = c
            if nodes[c.learner].leaderConnection == id {
                queue.push(now + 100, .retryConnect(node: c.learner, incarnation: c.learnerIncarnation))
            }
            return
        }
        c.acceptedByLeader = true
        connections[id] = SimConnection(id: id, learner: c.learner, leader: c.leader,
                                        learnerIncarnation: c.learnerIncarnation,
                                        leaderIncarnation: nodes[c.leader].incarnation,
                                        open: true, acceptedByLeader: true)
        let leaderActions = nodes[c.leader].peer!.learnerConnected(id, now: wall)
        carry(leaderActions, node: c.leader)
        guard connections[id]!.open, nodes[c.learner].leaderConnection == id else { return }
        let learnerActions = nodes[c.learner].peer!.leaderConnected(now: wall)
        carry(learnerActions, node: c.learner)
    }

    mutating func deliverToLearner(_ id: LearnerConnectionID, _ item: SimStreamItem) {
        guard let c = connections[id], c.open, alive(c.learner, c.learnerIncarnation),
              nodes[c.learner].leaderConnection == id else {
            if SimCluster.printsTrace, let c = connections[id] {
                log("dropped for n\(c.learner + 1) on \(id): open \(c.open) alive \(alive(c.learner, c.learnerIncarnation)) current \(nodes[c.learner].leaderConnection.map { "\($0)" } ?? "none")")
            }
            return
        }
        let i = c.learner
        switch item {
        case .packet(let packet):
            if SimCluster.printsTrace, packet.type != 5 { log("n\(i + 1) <- \(ZabType(rawValue: packet.type).map { "\($0)" } ?? "?") \(Zxid(packet.zxid))") }
            let actions = nodes[i].peer!.leaderPacket(packet, now: wall)
            carry(actions, node: i)
        case .snapshotChunk(let bytes):
            guard var incoming = nodes[i].incoming else {
                close(id, notifyLeader: true, notifyLearner: true)
                return
            }
            let done = try! incoming.decoder.feed(bytes)
            guard let done else {
                nodes[i].incoming = incoming
                return
            }
            precondition(done.consumed == bytes.count, "bytes after the end of a SNAP stream")
            nodes[i].incoming = nil
            drainApplied(i)
            checker.nodeRestarted(i)
            checker.snapshotLoaded(i)
            let state = done.recoveredState(zxid: incoming.zxid)
            log("n\(i + 1) loaded SNAP at \(state.tree.lastProcessedZxid) digest \(state.tree.digest)")
            let actions = nodes[i].peer!.snapshotReceived(state, now: wall)
            carry(actions, node: i)
        }
    }

    /// The leader produces the next chunk of a SNAP stream (a few nodes), or ends it and sends
    /// the packets held behind it.
    mutating func snapshotStep(node i: Int, _ id: LearnerConnectionID) {
        guard let c = connections[id], c.open else {
            nodes[i].streams.drop(id)
            return
        }
        switch nodes[i].streams.next(id, maxNodes: 1 + Int(random.next() % 4)) {
        case nil:
            return
        case .bytes(let bytes)?:
            sendToLearner(id, .snapshotChunk(bytes))
            queue.push(now + Int64(random.next() % 8), .snapshotStep(node: i, incarnation: nodes[i].incarnation, id))
        case .finished(let held)?:
            log("n\(i + 1) finished the SNAP stream on \(id), \(held.count) packets held")
            for packet in held { sendToLearner(id, .packet(packet)) }
        }
    }

    mutating func inject(_ fault: SimFault) {
        log("FAULT \(fault)")
        switch fault {
        case .crash(let i): crash(i)
        case .restart(let i): if nodes[i].peer == nil { startNode(i) }
        case .isolate(let i):
            for j in nodes.indices where j != i { cut.insert([i, j]); cut.insert([j, i]) }
            breakConnections(touching: i)
        case let .cutOneWay(from, to):
            cut.insert([from, to])
        case let .slowDisk(i, on):
            nodes[i].slowDisk = on
        case .crashLeader(let after):
            guard let i = currentLeader else { return }
            log("the leader is n\(i + 1)")
            crash(i)
            queue.push(now + after, .fault(.restart(i)))
        case .isolateLeader:
            guard let i = currentLeader else { return }
            log("the leader is n\(i + 1)")
            inject(.isolate(i))
        case .healAll:
            cut.removeAll()
            for i in nodes.indices { nodes[i].slowDisk = false }
        }
    }

    /// Connections across a new cut lose their next bytes: mark them dead now.
    mutating func breakConnections(touching i: Int) {
        for id in connections.keys.sorted() where connections[id]!.open {
            if connections[id]!.learner == i || connections[id]!.leader == i { connections[id]!.open = false }
        }
    }
}
