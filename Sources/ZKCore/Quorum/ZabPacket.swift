/// The Zab packet types of the quorum port (quorum-protocol.md §6, ZooKeeper's `Leader` constants).
public enum ZabType: Int32, Sendable, CaseIterable {
    case request = 1, proposal = 2, ack = 3, commit = 4, ping = 5, revalidate = 6, sync = 7, inform = 8
    case commitAndActivate = 9, newLeader = 10, followerInfo = 11, upToDate = 12, diff = 13, trunc = 14
    case snap = 15, observerInfo = 16, leaderInfo = 17, ackEpoch = 18, informAndActivate = 19
}

/// The Zab protocol version every 3.x server sends in FOLLOWERINFO and LEADERINFO (Zab 1.0).
public let zabProtocolVersion: Int32 = 0x10000

/// A request a learner forwards to the leader (REQUEST): the client's session, xid and opcode, the
/// request body as the client sent it, and the connection's auth ids.
public struct ForwardedRequest: Hashable, Sendable {
    public var session: SessionID
    public var cxid: Int32
    public var type: OpCode
    /// The request record's bytes (for createSession: the int timeout).
    public var body: [UInt8]
    /// The client connection's auth ids; nil for createSession, as ZooKeeper sends it.
    public var authInfo: [Id]?

    public init(session: SessionID, cxid: Int32, type: OpCode, body: [UInt8], authInfo: [Id]?) {
        self.session = session; self.cxid = cxid; self.type = type; self.body = body; self.authInfo = authInfo
    }
}

/// Builders and parsers for the payloads of each packet type, so the machines never touch raw
/// offsets. Every parser throws `JuteError` on malformed bytes; callers close that connection.
public enum ZabPacket {
    /// A packet of `type` with a null data buffer, as ZooKeeper sends ACK, COMMIT, UPTODATE, DIFF….
    public static func bare(_ type: ZabType, zxid: Zxid) -> QuorumPacket {
        QuorumPacket(type: type.rawValue, zxid: zxid.rawValue)
    }

    /// FOLLOWERINFO or OBSERVERINFO: the learner's accepted epoch and `LearnerInfo`.
    public static func learnerInfo(observer: Bool, sid: ServerID, acceptedEpoch: Int32, configVersion: Int64) -> QuorumPacket {
        var w = JuteWriter()
        LearnerInfo(serverid: sid.rawValue, configVersion: configVersion).encode(to: &w)
        return QuorumPacket(type: (observer ? ZabType.observerInfo : .followerInfo).rawValue,
                            zxid: Zxid(epoch: acceptedEpoch, counter: 0).rawValue, data: w.bytes)
    }

    /// LEADERINFO: the new epoch and the leader's protocol version.
    public static func leaderInfo(epoch: Int32) -> QuorumPacket {
        var w = JuteWriter()
        w.writeInt(zabProtocolVersion)
        return QuorumPacket(type: ZabType.leaderInfo.rawValue, zxid: Zxid(epoch: epoch, counter: 0).rawValue, data: w.bytes)
    }

    /// ACKEPOCH: the learner's last logged zxid and its current epoch (-1 when it had already
    /// accepted this epoch).
    public static func ackEpoch(lastLogged: Zxid, currentEpoch: Int32) -> QuorumPacket {
        var w = JuteWriter()
        w.writeInt(currentEpoch)
        return QuorumPacket(type: ZabType.ackEpoch.rawValue, zxid: lastLogged.rawValue, data: w.bytes)
    }

    /// The int carried by LEADERINFO and ACKEPOCH.
    public static func intPayload(_ packet: QuorumPacket) throws(JuteError) -> Int32 {
        var r = JuteReader(packet.data ?? [])
        return try r.readInt()
    }

    /// The `LearnerInfo` of FOLLOWERINFO/OBSERVERINFO.
    public static func learnerInfo(of packet: QuorumPacket) throws(JuteError) -> LearnerInfo {
        var r = JuteReader(packet.data ?? [])
        return try LearnerInfo(from: &r)
    }

    /// PROPOSAL (or INFORM): the txn in its log payload form.
    public static func proposal(_ txn: LoggedTxn, type: ZabType = .proposal) -> QuorumPacket {
        var w = JuteWriter(capacity: 128)
        TxnLogEntry(header: txn.header, body: txn.body, digest: txn.digest).encode(to: &w)
        return QuorumPacket(type: type.rawValue, zxid: txn.header.zxid, data: w.bytes)
    }

    /// The txn of a PROPOSAL or INFORM packet.
    public static func txn(of packet: QuorumPacket) throws(JuteError) -> LoggedTxn {
        var r = JuteReader(packet.data ?? [])
        let entry = try TxnLogEntry(from: &r)
        return LoggedTxn(header: entry.header, body: entry.body, digest: entry.digest)
    }

    /// NEWLEADER: the new epoch's first zxid and the leader's config text.
    public static func newLeader(epoch: Int32, configText: String) -> QuorumPacket {
        QuorumPacket(type: ZabType.newLeader.rawValue, zxid: Zxid(epoch: epoch, counter: 0).rawValue,
                     data: Array(configText.utf8))
    }

    /// REQUEST: `long sessionId, int cxid, int type, body` with the client's auth ids.
    public static func request(_ request: ForwardedRequest) -> QuorumPacket {
        var w = JuteWriter(capacity: 16 + request.body.count)
        w.writeLong(request.session.rawValue)
        w.writeInt(request.cxid)
        w.writeInt(request.type.rawValue)
        w.writeRaw(request.body)
        return QuorumPacket(type: ZabType.request.rawValue, zxid: -1, data: w.bytes, authinfo: request.authInfo)
    }

    /// The forwarded request of a REQUEST packet.
    public static func forwarded(of packet: QuorumPacket) throws(JuteError) -> ForwardedRequest {
        var r = JuteReader(packet.data ?? [])
        let session = SessionID(try r.readLong())
        let cxid = try r.readInt()
        let type = OpCode(rawValue: try r.readInt())
        return ForwardedRequest(session: session, cxid: cxid, type: type, body: r.readRest(), authInfo: packet.authinfo)
    }

    /// A learner's PING reply: the sessions its clients touched since the last one.
    public static func pingReply(zxid: Zxid, touched: [(SessionID, Int32)]) -> QuorumPacket {
        var w = JuteWriter(capacity: 12 * touched.count)
        for (session, timeout) in touched { w.writeLong(session.rawValue); w.writeInt(timeout) }
        return QuorumPacket(type: ZabType.ping.rawValue, zxid: zxid.rawValue, data: w.bytes)
    }

    /// The touched sessions of a PING reply.
    public static func touchedSessions(of packet: QuorumPacket) throws(JuteError) -> [(SessionID, Int32)] {
        var r = JuteReader(packet.data ?? [])
        var touched: [(SessionID, Int32)] = []
        while r.remaining > 0 {
            let session = SessionID(try r.readLong())
            touched.append((session, try r.readInt()))
        }
        return touched
    }

    /// REVALIDATE from a learner: `long sessionId, int timeout`.
    public static func revalidateRequest(session: SessionID, timeoutMs: Int32) -> QuorumPacket {
        var w = JuteWriter()
        w.writeLong(session.rawValue)
        w.writeInt(timeoutMs)
        return QuorumPacket(type: ZabType.revalidate.rawValue, zxid: -1, data: w.bytes)
    }

    /// The leader's REVALIDATE answer: `long sessionId, boolean valid`.
    public static func revalidateReply(session: SessionID, valid: Bool) -> QuorumPacket {
        var w = JuteWriter()
        w.writeLong(session.rawValue)
        w.writeBool(valid)
        return QuorumPacket(type: ZabType.revalidate.rawValue, zxid: -1, data: w.bytes)
    }

    /// Session and timeout of a learner's REVALIDATE.
    public static func revalidateRequestFields(of packet: QuorumPacket) throws(JuteError) -> (SessionID, Int32) {
        var r = JuteReader(packet.data ?? [])
        return (SessionID(try r.readLong()), try r.readInt())
    }

    /// Session and verdict of the leader's REVALIDATE answer.
    public static func revalidateReplyFields(of packet: QuorumPacket) throws(JuteError) -> (SessionID, Bool) {
        var r = JuteReader(packet.data ?? [])
        return (SessionID(try r.readLong()), try r.readBool())
    }
}
