import ZKCore

/// A simulated client speaking to one member's core through the same inputs a TCP connection
/// produces: handshake, creates, setData, getData and sync, reconnecting to another member with
/// its session when its server goes away.
struct SimClient {
    /// A get remembers when the last sync before it on its connection was sent: it must see
    /// every write acknowledged before then (sync then read is linearizable in swzk).
    enum Op { case create(String), set(String), get(String, afterSyncAt: Int64?), sync }

    let index: Int
    var node = -1
    var connection: ConnectionID?
    var session: Int64 = 0
    var passwd: [UInt8] = Array(repeating: 0, count: 16)
    var connected = false
    var nextXid: Int32 = 1
    var pending: [Int32: Op] = [:]
    var lastZxidSeen: Int64 = 0
    var created: [String] = []
    var counter = 0
    var active = true
    /// When this connection last sent a sync.
    var lastSyncSentAt: Int64?

    mutating func disconnected() {
        connection = nil
        connected = false
        pending.removeAll()
        lastSyncSentAt = nil
    }
}

extension SimCluster {
    /// One step of client `c`: connect somewhere, or send one more request.
    func clientStep(_ c: Int) {
        guard clients[c].active else { return }
        queue.push(now + 20 + Int64(random.next() % 80), .client(c))
        if clients[c].connection == nil {
            let live = nodes.indices.filter { nodes[$0].peer != nil }
            guard !live.isEmpty else { return }
            let i = live[Int(random.next() % UInt64(live.count))]
            nextClientConnection += 1
            let id = ConnectionID(nextClientConnection)
            clients[c].connection = id
            clients[c].node = i
            clientOfConnection[id] = c
            let request = ConnectRequest(lastZxidSeen: clients[c].lastZxidSeen, timeOut: 2000,
                                         sessionId: clients[c].session, passwd: clients[c].passwd, readOnly: false)
            send([.opened(id, address: "127.0.0.1", port: 50000 + c), .connect(id, request)], to: i)
            return
        }
        guard clients[c].connected, clients[c].pending.count < 8, let id = clients[c].connection else { return }
        let xid = clients[c].nextXid
        clients[c].nextXid += 1
        let roll = random.next() % 10
        let op: SimClient.Op
        let request: ClientRequest
        // Reads and writes go to any client's nodes, so that one client can see another's writes
        // (what a stale read after a sync would get wrong).
        if roll < 4 || created.isEmpty {
            clients[c].counter += 1
            let path = "/c\(c)-\(clients[c].counter)"
            op = .create(path)
            request = .create(.create2, CreateRequest(path: path, data: Array("v\(xid)".utf8), acl: ACL.openUnsafe, flags: 0))
        } else if roll < 7 {
            let path = created[Int(random.next() % UInt64(created.count))]
            op = .set(path)
            request = .setData(SetDataRequest(path: path, data: Array("s\(xid)".utf8), version: -1))
        } else if roll < 9 {
            let path = created[Int(random.next() % UInt64(created.count))]
            op = .get(path, afterSyncAt: clients[c].lastSyncSentAt)
            request = .getData(GetDataRequest(path: path, watch: false))
        } else {
            op = .sync
            request = .sync(SyncRequest(path: "/"))
            clients[c].lastSyncSentAt = now
        }
        clients[c].pending[xid] = op
        let i = clients[c].node
        send([.request(id, xid: xid, request)], to: i)
    }

    /// A client's bytes reach member `i` a moment later, in order (one TCP connection).
    func send(_ inputs: [CoreInput], to i: Int) {
        queue.push(now + 1, .clientInput(node: i, incarnation: nodes[i].incarnation, inputs))
    }

    /// A core action for a client connection.
    func deliverToClients(_ action: CoreAction, node i: Int) {
        switch action {
        case let .send(id, message):
            guard let c = clientOfConnection[id], clients[c].connection == id else { return }
            receive(message, client: c)
        case .close(let id, _):
            guard let c = clientOfConnection[id], clients[c].connection == id else { return }
            clients[c].disconnected()
        case .throttle, .log, .persist, .forward, .revalidate:
            break
        }
    }

    private func receive(_ message: OutboundMessage, client c: Int) {
        switch message {
        case .connectResponse(let response):
            if response.sessionId == 0 || response.timeOut <= 0 {
                clients[c].session = 0  // expired: a new session next time
                clients[c].disconnected()
                return
            }
            if clients[c].session != 0 && clients[c].session != response.sessionId {
                checker.fail("client \(c) resumed session \(clients[c].session) but got \(response.sessionId)")
            }
            clients[c].session = response.sessionId
            clients[c].passwd = response.passwd
            clients[c].connected = true
        case let .reply(header, body):
            guard header.xid > 0, let op = clients[c].pending.removeValue(forKey: header.xid) else { return }
            if header.zxid < clients[c].lastZxidSeen {
                checker.fail("client \(c) saw zxid \(Zxid(header.zxid)) after \(Zxid(clients[c].lastZxidSeen))")
            }
            clients[c].lastZxidSeen = max(clients[c].lastZxidSeen, header.zxid)
            guard header.err == .ok else { return }
            switch (op, body) {
            case (.create(let path), .create2(let r)):
                clients[c].created.append(path)
                created.append(path)
                checker.acknowledged(Zxid(r.stat.czxid), what: "create \(path)", at: now)
            case (.set(let path), .stat(let stat)):
                checker.acknowledged(Zxid(stat.mzxid), what: "set \(path)", at: now)
            case (.get(let path, let syncAt?), .getData(let response)):
                // Every write of this path acknowledged before the sync was sent must be visible.
                let floor = checker.acknowledged.filter { $0.at < syncAt && ($0.what == "set \(path)" || $0.what == "create \(path)") }
                    .map(\.zxid).max()
                if let floor, Zxid(response.stat.mzxid) < floor {
                    checker.fail("client \(c) read \(path) at mzxid \(Zxid(response.stat.mzxid)) after a sync sent at t=\(syncAt), "
                        + "but \(floor) was acknowledged before it (stale sync+read)")
                }
            case (.get, _), (.sync, _), (.create, _), (.set, _):
                break
            }
        case .notification:
            break
        }
    }
}
