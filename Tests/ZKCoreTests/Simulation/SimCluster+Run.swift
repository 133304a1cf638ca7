import ZKCore

/// The event loop of the simulated world.
extension SimCluster {
    /// Runs events until `time`, or until `stop` holds after an event.
    func run(until time: Int64, stop: (SimCluster) -> Bool = { _ in false }) {
        // Peek before popping: an event put back would get a new sequence number and could
        // overtake another event due at the same time (two packets of one connection).
        while let next = queue.nextTime, next <= time, let (at, event) = queue.pop() {
            now = max(now, at)
            handle(event)
            if stop(self) { return }
        }
        now = max(now, time)
    }

    func handle(_ event: SimEvent) {
        if let i = member(handling: event), nodes[i].pausedUntil > now {
            // A resumed process first reads what reached its sockets, then its timers fire.
            if case .tick = event {
                queue.push(nodes[i].pausedUntil + 50, event)
            } else {
                queue.push(nodes[i].pausedUntil, event)
            }
            return
        }
        switch event {
        case let .tick(i, incarnation):
            guard incarnation == nodes[i].incarnation, nodes[i].peer != nil else { return }
            queue.push(now + 100, .tick(node: i, incarnation: incarnation))
            drive(i) { $0.tick(now: wall) }
        case let .election(from, to, notification):
            guard nodes[to].peer != nil, linkUp(from, to) else { return }
            drive(to) { $0.notificationReceived(notification, from: ServerID(Int64(from + 1)), now: wall) }
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
            drive(c.leader) { $0.learnerPacket(id, packet, now: wall) }
        case .closedAtLearner(let id):
            guard let c = connections[id], alive(c.learner, c.learnerIncarnation),
                  nodes[c.learner].leaderConnection == id else { return }
            nodes[c.learner].leaderConnection = nil
            drive(c.learner) { $0.leaderClosed(now: wall) }
        case .closedAtLeader(let id):
            guard let c = connections[id], alive(c.leader, c.leaderIncarnation) else { return }
            nodes[c.leader].member!.learnerConnectionClosed(id)
        case let .fsync(i, incarnation, generation, count):
            guard incarnation == nodes[i].incarnation, nodes[i].peer != nil else { return }
            nodes[i].disk.durable = max(nodes[i].disk.durable, min(count, nodes[i].disk.log.count))
            guard generation == nodes[i].disk.generation, nodes[i].disk.durable > 0 else { return }
            let zxid = nodes[i].disk.log[nodes[i].disk.durable - 1].zxid
            drive(i) { $0.logSynced(through: zxid, now: wall) }
        case let .snapshotStep(i, incarnation, id):
            guard alive(i, incarnation), let member = nodes[i].member else { return }
            guard let c = connections[id], c.open else {
                member.snapshotStreams.drop(id)
                return
            }
            member.snapshotStep(id)
        case let .historyRead(i, incarnation, id, txns):
            guard alive(i, incarnation) else { return }
            drive(i) { $0.historyRead(id, txns: txns, now: wall) }
        case .client(let c):
            clientStep(c)
        case let .clientInput(i, incarnation, inputs):
            guard alive(i, incarnation) else { return }
            drive(i) { $0.clientInputs(inputs, now: wall) }
        case .fault(let fault):
            inject(fault)
        }
    }

    /// The member that handles an event first (a paused one handles nothing until it resumes).
    func member(handling event: SimEvent) -> Int? {
        switch event {
        case .tick(let i, _), .retryConnect(let i, _), .fsync(let i, _, _, _), .snapshotStep(let i, _, _),
             .historyRead(let i, _, _, _):
            return i
        case .election(_, let to, _):
            return to
        case .connect(let id), .toLeader(let id, _), .closedAtLeader(let id):
            return connections[id]?.leader
        case .toLearner(let id, _), .closedAtLearner(let id):
            return connections[id]?.learner
        case .clientInput(let i, _, _):
            return i
        case .client, .fault:
            return nil
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

    func connectionArrived(_ id: LearnerConnectionID) {
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
        drive(c.leader) { $0.learnerConnected(id, now: wall) }
        guard connections[id]!.open, nodes[c.learner].leaderConnection == id else { return }
        drive(c.learner) { $0.leaderConnected(now: wall) }
    }

    func deliverToLearner(_ id: LearnerConnectionID, _ item: SimStreamItem) {
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
            drive(i) { $0.leaderPacket(packet, now: wall) }
        case .snapshotChunk(let bytes):
            let member = nodes[i].member!
            guard member.incomingSnapshot != nil else {
                close(id, notifyLeader: true, notifyLearner: true)
                return
            }
            do {
                if let consumed = try member.receivedSnapshotBytes(bytes) {
                    precondition(consumed == bytes.count, "bytes after the end of a SNAP stream")
                }
            } catch {
                checker.fail("n\(i + 1) could not decode the leader's SNAP stream: \(error)")
            }
        }
    }

    func inject(_ fault: SimFault) {
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
        case .pauseLeader(let ms):
            guard let i = currentLeader else { return }
            log("the leader is n\(i + 1)")
            nodes[i].pausedUntil = now + ms
        case .healAll:
            cut.removeAll()
            for i in nodes.indices { nodes[i].slowDisk = false }
        }
    }

    /// Connections across a new cut lose their next bytes: mark them dead now.
    func breakConnections(touching i: Int) {
        for id in connections.keys.sorted() where connections[id]!.open {
            if connections[id]!.learner == i || connections[id]!.leader == i { connections[id]!.open = false }
        }
    }
}
