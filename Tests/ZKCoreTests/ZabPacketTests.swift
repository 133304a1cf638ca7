import Foundation
import Testing
@testable import ZKCore

/// One packet of `ensemble/quorum-port.hex`: its direction, the packet name its comment gives,
/// and the raw `QuorumPacket` bytes (that port has no length prefix).
struct CapturedQuorumPacket {
    var fromLeader: Bool
    var name: String
    var bytes: [UInt8]
}

/// Reads every frame of the quorum-port capture with the name of the comment line before it.
func loadQuorumPortCapture() throws -> [CapturedQuorumPacket] {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/ensemble/quorum-port.hex"))
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    var packets: [CapturedQuorumPacket] = []
    var lastComment = ""
    for line in lines {
        if line.hasPrefix("# ") {
            lastComment = String(line.dropFirst(2))
        } else if line.hasPrefix("F>L ") || line.hasPrefix("L>F ") {
            let name = String(lastComment.split(separator: " ").first ?? "")
            packets.append(CapturedQuorumPacket(fromLeader: line.hasPrefix("L>F"), name: name,
                                                bytes: hexBytes(String(line.dropFirst(4)))))
        }
    }
    return packets
}

/// The packets of one `## ` step of the quorum-port capture, the step named by its label's start.
func capturedQuorumStep(_ labelPrefix: String) throws -> [QuorumPacket] {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/ensemble/quorum-port.hex"))
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    var packets: [QuorumPacket] = []
    var inStep = false
    for line in lines {
        if line.hasPrefix("## ") {
            inStep = line.dropFirst(3).hasPrefix(labelPrefix)
        } else if inStep, line.hasPrefix("F>L ") || line.hasPrefix("L>F ") {
            packets.append(try decodeQuorumPacket(hexBytes(String(line.dropFirst(4)))))
        }
    }
    try #require(!packets.isEmpty, "no captured step \(labelPrefix)")
    return packets
}

/// The bytes of a packet as the quorum port carries it.
func encoded(_ packet: QuorumPacket) -> [UInt8] {
    var w = JuteWriter()
    packet.encode(to: &w)
    return w.bytes
}

/// Decodes one captured packet, requiring every byte to be consumed.
func decodeQuorumPacket(_ bytes: [UInt8]) throws -> QuorumPacket {
    var r = JuteReader(bytes)
    let packet = try QuorumPacket(from: &r)
    #expect(r.remaining == 0)
    return packet
}

/// The ZabPacket builders and parsers against the packets a live ZooKeeper 3.8.0 ensemble sent:
/// every builder must produce the captured bytes, every parser must read them.
@Suite struct ZabPacketTests {
    /// The first captured frame whose comment line starts with `prefix`, in the given direction.
    func captured(_ prefix: String, fromLeader: Bool, index: Int = 0) throws -> [UInt8] {
        let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/ensemble/quorum-port.hex"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        let direction = fromLeader ? "L>F " : "F>L "
        var matches: [[UInt8]] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("# " + prefix) && i + 1 < lines.count
            && lines[i + 1].hasPrefix(direction) {
            matches.append(hexBytes(String(lines[i + 1].dropFirst(4))))
        }
        return try #require(matches.dropFirst(index).first, "no captured \(prefix) #\(index)")
    }

    @Test func everyCapturedPacketDecodesToItsCommentedTypeAndReencodesByteForByte() throws {
        let packets = try loadQuorumPortCapture()
        #expect(packets.count > 100)
        let names: [ZabType: String] = [
            .request: "REQUEST", .proposal: "PROPOSAL", .ack: "ACK", .commit: "COMMIT", .ping: "PING",
            .sync: "SYNC", .newLeader: "NEWLEADER", .followerInfo: "FOLLOWERINFO", .upToDate: "UPTODATE",
            .diff: "DIFF", .leaderInfo: "LEADERINFO", .ackEpoch: "ACKEPOCH",
        ]
        for captured in packets {
            let packet = try decodeQuorumPacket(captured.bytes)
            let type = try #require(ZabType(rawValue: packet.type))
            #expect(names[type] == captured.name)
            #expect(encoded(packet) == captured.bytes)
        }
        #expect(Set(packets.map(\.name)) == Set(names.values))
    }

    @Test func followerInfoBuilderMatchesBothCapturedFollowerInfos() throws {
        let fresh = ZabPacket.learnerInfo(observer: false, sid: ServerID(1), acceptedEpoch: 0, configVersion: 0)
        #expect(encoded(fresh) == (try captured("FOLLOWERINFO zxid=0x0", fromLeader: false)))
        let second = ZabPacket.learnerInfo(observer: false, sid: ServerID(2), acceptedEpoch: 0, configVersion: 0)
        #expect(encoded(second) == (try captured("FOLLOWERINFO zxid=0x0", fromLeader: false, index: 1)))
        let restarted = ZabPacket.learnerInfo(observer: false, sid: ServerID(1), acceptedEpoch: 1, configVersion: 0)
        #expect(encoded(restarted) == (try captured("FOLLOWERINFO zxid=0x100000000", fromLeader: false)))
    }

    @Test func followerInfoParserReadsServerIDProtocolVersionAndAcceptedEpoch() throws {
        let packet = try decodeQuorumPacket(try captured("FOLLOWERINFO zxid=0x100000000", fromLeader: false))
        let info = try ZabPacket.learnerInfo(of: packet)
        #expect(info.serverid == 1)
        #expect(info.protocolVersion == zabProtocolVersion)
        #expect(info.configVersion == 0)
        #expect(Zxid(packet.zxid).epoch == 1)
        #expect(packet.type == ZabType.followerInfo.rawValue)
    }

    @Test func observerInfoDiffersFromFollowerInfoOnlyInType() {
        let follower = ZabPacket.learnerInfo(observer: false, sid: ServerID(4), acceptedEpoch: 3, configVersion: 7)
        let observer = ZabPacket.learnerInfo(observer: true, sid: ServerID(4), acceptedEpoch: 3, configVersion: 7)
        #expect(observer.type == ZabType.observerInfo.rawValue)
        #expect(observer.zxid == follower.zxid && observer.data == follower.data)
    }

    @Test func leaderInfoBuilderAndParserMatchTheCapture() throws {
        let bytes = try captured("LEADERINFO", fromLeader: true)
        #expect(encoded(ZabPacket.leaderInfo(epoch: 1)) == bytes)
        let packet = try decodeQuorumPacket(bytes)
        #expect(try ZabPacket.intPayload(packet) == 0x10000)
        #expect(Zxid(packet.zxid) == Zxid(epoch: 1, counter: 0))
    }

    @Test func ackEpochBuilderMatchesTheFreshAndTheAlreadyAcceptedCase() throws {
        let fresh = try captured("ACKEPOCH zxid=0x0", fromLeader: false)
        #expect(encoded(ZabPacket.ackEpoch(lastLogged: .zero, currentEpoch: 0)) == fresh)
        let restarted = try captured("ACKEPOCH zxid=0x100000006", fromLeader: false)
        #expect(encoded(ZabPacket.ackEpoch(lastLogged: Zxid(0x1_0000_0006), currentEpoch: -1)) == restarted)
        let packet = try decodeQuorumPacket(restarted)
        #expect(try ZabPacket.intPayload(packet) == -1)
        #expect(Zxid(packet.zxid) == Zxid(0x1_0000_0006))
    }

    @Test func bareBuildersMatchDiffUpToDateAckCommitSyncAndLeaderPing() throws {
        #expect(encoded(ZabPacket.bare(.diff, zxid: .zero)) == (try captured("DIFF zxid=0x0", fromLeader: true)))
        #expect(encoded(ZabPacket.bare(.diff, zxid: Zxid(0x1_0000_000a)))
                == (try captured("DIFF zxid=0x10000000a", fromLeader: true)))
        #expect(encoded(ZabPacket.bare(.upToDate, zxid: .none)) == (try captured("UPTODATE", fromLeader: true)))
        #expect(encoded(ZabPacket.bare(.ack, zxid: Zxid(epoch: 1, counter: 0)))
                == (try captured("ACK zxid=0x100000000", fromLeader: false)))
        #expect(encoded(ZabPacket.bare(.ack, zxid: Zxid(0x1_0000_0003)))
                == (try captured("ACK zxid=0x100000003", fromLeader: false)))
        #expect(encoded(ZabPacket.bare(.commit, zxid: Zxid(0x1_0000_0002)))
                == (try captured("COMMIT zxid=0x100000002", fromLeader: true)))
        #expect(encoded(ZabPacket.bare(.sync, zxid: .zero)) == (try captured("SYNC", fromLeader: true)))
        #expect(encoded(ZabPacket.bare(.ping, zxid: Zxid(0x1_0000_0006)))
                == (try captured("PING zxid=0x100000006", fromLeader: true)))
    }

    @Test func newLeaderCarriesTheConfigTextZooKeeperPrinted() throws {
        let bytes = try captured("NEWLEADER", fromLeader: true)
        #expect(encoded(ZabPacket.newLeader(epoch: 1, configText: captureVerifier().configText)) == bytes)
    }

    @Test func idleLearnerPingIsAnEmptyBufferNotANullOne() throws {
        let bytes = try captured("PING zxid=0x100000000 data=0 bytes", fromLeader: false)
        let built = ZabPacket.pingReply(zxid: Zxid(epoch: 1, counter: 0), touched: [])
        #expect(encoded(built) == bytes)
        #expect(built.data == [])
        #expect(try ZabPacket.touchedSessions(of: try decodeQuorumPacket(bytes)).isEmpty)
    }

    @Test func learnerPingWithTouchedSessionsMatchesAndParses() throws {
        let bytes = try captured("PING zxid=0x10000000a data=24 bytes", fromLeader: false)
        let touched: [(SessionID, Int32)] = [(SessionID(0x0300_0085_b11b_0002), 30000),
                                             (SessionID(0x0300_0085_b11b_0001), 30000)]
        #expect(encoded(ZabPacket.pingReply(zxid: Zxid(0x1_0000_000a), touched: touched)) == bytes)
        let parsed = try ZabPacket.touchedSessions(of: try decodeQuorumPacket(bytes))
        #expect(parsed.map(\.0) == touched.map(\.0))
        #expect(parsed.map(\.1) == [30000, 30000])
    }

    @Test func createSessionRequestHasNullAuthInfoAndTheTimeoutAsBody() throws {
        let bytes = try captured("REQUEST zxid=0xffffffffffffffff data=20 bytes", fromLeader: false)
        var body = JuteWriter()
        body.writeInt(30000)
        let request = ForwardedRequest(session: SessionID(0x0100_0085_ada6_0000), cxid: 0, type: .createSession,
                                       body: body.bytes, authInfo: nil)
        #expect(encoded(ZabPacket.request(request)) == bytes)
        #expect(try ZabPacket.forwarded(of: try decodeQuorumPacket(bytes)) == request)
    }

    @Test func createRequestCarriesTheClientBodyAndIPAuth() throws {
        let bytes = try captured("REQUEST zxid=0xffffffffffffffff data=63 bytes", fromLeader: false)
        let create = ClientRequest.create(.create, CreateRequest(path: "/q25831", data: Array("v".utf8),
                                                                 acl: ACL.openUnsafe, flags: 0))
        let request = ForwardedRequest(session: SessionID(0x0100_0085_ada6_0000), cxid: 1, type: .create,
                                       body: create.encodedBody(), authInfo: [Id(scheme: "ip", id: "127.0.0.1")])
        #expect(encoded(ZabPacket.request(request)) == bytes)
        let parsed = try ZabPacket.forwarded(of: try decodeQuorumPacket(bytes))
        #expect(parsed == request)
        var r = JuteReader(parsed.body)
        #expect(ClientRequest.decode(type: parsed.type, body: &r) == create)
    }

    @Test func syncRequestCarriesThePath() throws {
        let bytes = try captured("REQUEST zxid=0xffffffffffffffff data=21 bytes", fromLeader: false)
        let sync = ClientRequest.sync(SyncRequest(path: "/"))
        let request = ForwardedRequest(session: SessionID(0x0100_0085_ada6_0000), cxid: 3, type: .sync,
                                       body: sync.encodedBody(), authInfo: [Id(scheme: "ip", id: "127.0.0.1")])
        #expect(encoded(ZabPacket.request(request)) == bytes)
        #expect(try ZabPacket.forwarded(of: try decodeQuorumPacket(bytes)) == request)
    }

    @Test func closeSessionRequestHasAnEmptyBody() throws {
        let bytes = try captured("REQUEST zxid=0xffffffffffffffff data=16 bytes", fromLeader: false)
        let parsed = try ZabPacket.forwarded(of: try decodeQuorumPacket(bytes))
        #expect(parsed.type == .closeSession && parsed.cxid == 4 && parsed.body.isEmpty)
        #expect(encoded(ZabPacket.request(parsed)) == bytes)
    }

    @Test func proposalParserReadsTheTxnAndTheBuilderRebuildsItExactly() throws {
        let createSession = try captured("PROPOSAL zxid=0x100000001", fromLeader: true)
        let txn = try ZabPacket.txn(of: try decodeQuorumPacket(createSession))
        #expect(txn.zxid == Zxid(0x1_0000_0001))
        #expect(txn.header.clientId == 0x0100_0085_ada6_0000 && txn.header.cxid == 0)
        #expect(txn.header.type == .createSession)
        #expect(txn.body == .createSession(CreateSessionTxn(timeOut: 30000)))
        #expect(txn.digest?.version == 2)
        #expect(encoded(ZabPacket.proposal(txn)) == createSession)

        let create = try captured("PROPOSAL zxid=0x100000002", fromLeader: true)
        let createTxn = try ZabPacket.txn(of: try decodeQuorumPacket(create))
        guard case .create(let body) = createTxn.body else { Issue.record("not a create: \(createTxn.body)"); return }
        #expect(body.path == "/q25831" && body.data == Array("v".utf8))
        #expect(encoded(ZabPacket.proposal(createTxn)) == create)
    }

    @Test func informIsAProposalPayloadUnderAnotherType() throws {
        let txn = try ZabPacket.txn(of: try decodeQuorumPacket(try captured("PROPOSAL zxid=0x100000008", fromLeader: true)))
        let inform = ZabPacket.proposal(txn, type: .inform)
        #expect(inform.type == ZabType.inform.rawValue)
        #expect(inform.zxid == 0x1_0000_0008)
        #expect(try ZabPacket.txn(of: inform) == txn)
    }

    @Test func revalidateRequestAndReplyRoundTrip() throws {
        let session = SessionID(0x0300_0085_b11b_0002)
        let request = ZabPacket.revalidateRequest(session: session, timeoutMs: 30000)
        #expect(request.type == ZabType.revalidate.rawValue && request.data?.count == 12)
        let (s, t) = try ZabPacket.revalidateRequestFields(of: request)
        #expect(s == session && t == 30000)
        let reply = ZabPacket.revalidateReply(session: session, valid: false)
        #expect(reply.data == hexBytes("0300_0085_b11b_0002 00".replacingOccurrences(of: "_", with: "")))
        let (rs, valid) = try ZabPacket.revalidateReplyFields(of: reply)
        #expect(rs == session && !valid)
    }

    @Test func parsersRejectTruncatedPayloads() {
        let short = QuorumPacket(type: ZabType.leaderInfo.rawValue, zxid: 0, data: [0, 1])
        #expect(throws: JuteError.self) { try ZabPacket.intPayload(short) }
        #expect(throws: JuteError.self) { try ZabPacket.learnerInfo(of: short) }
        #expect(throws: JuteError.self) { try ZabPacket.txn(of: short) }
        #expect(throws: JuteError.self) { try ZabPacket.forwarded(of: short) }
        #expect(throws: JuteError.self) { try ZabPacket.revalidateRequestFields(of: short) }
        let ragged = QuorumPacket(type: ZabType.ping.rawValue, zxid: 0, data: [UInt8](repeating: 0, count: 13))
        #expect(throws: JuteError.self) { try ZabPacket.touchedSessions(of: ragged) }
    }
}
