import Foundation
import Testing
@testable import ZKCore

/// One frame of a `.hex` capture (see spec/fixtures/README.md for the grammar).
struct HexFrame {
    enum Direction: String { case clientToServer = "C>S", serverToClient = "S>C" }
    var direction: Direction
    /// The whole frame, length prefix included.
    var bytes: [UInt8]
    /// The `## ` label of the step the frame belongs to.
    var step: String
    /// True for the first frame of a new client connection.
    var startsConnection: Bool
}

/// Reads a `.hex` fixture; a step labelled `connect…` (or every step, if asked) opens a connection.
func loadHexFrames(_ name: String, everyStepIsConnection: Bool = false) throws -> [HexFrame] {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/\(name)"))
    let text = try String(contentsOf: url, encoding: .utf8)
    var frames: [HexFrame] = []
    var step = ""
    var newConnection = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        if line.hasPrefix("## ") {
            step = String(line.dropFirst(3))
            newConnection = everyStepIsConnection || step.hasPrefix("connect")
        } else if line.hasPrefix("#") {
            continue
        } else {
            let parts = line.split(separator: " ", maxSplits: 1)
            let direction = try #require(HexFrame.Direction(rawValue: String(parts[0])), "bad line: \(line)")
            frames.append(HexFrame(direction: direction, bytes: hexBytes(String(parts[1])), step: step,
                                   startsConnection: newConnection))
            newConnection = false
        }
    }
    return frames
}

/// A frame decoded into records, kept for concrete assertions.
struct DecodedFrame {
    var frame: HexFrame
    var header: (any JuteEncodable)?
    var body: (any JuteEncodable)?
}

/// The request body a client sends for `op`, or nil for ops that have none.
func decodeRequestBody(_ op: OpCode, _ r: inout JuteReader) throws(JuteError) -> (any JuteEncodable)? {
    switch op {
    case .create, .create2, .createContainer: return try CreateRequest(from: &r)
    case .createTTL: return try CreateTTLRequest(from: &r)
    case .delete: return try DeleteRequest(from: &r)
    case .exists: return try ExistsRequest(from: &r)
    case .getData: return try GetDataRequest(from: &r)
    case .setData: return try SetDataRequest(from: &r)
    case .getACL: return try GetACLRequest(from: &r)
    case .setACL: return try SetACLRequest(from: &r)
    case .getChildren: return try GetChildrenRequest(from: &r)
    case .getChildren2: return try GetChildren2Request(from: &r)
    case .sync: return try SyncRequest(from: &r)
    case .check: return try CheckVersionRequest(from: &r)
    case .multi, .multiRead: return try MultiOperationRecord(from: &r)
    case .reconfig: return try ReconfigRequest(from: &r)
    case .checkWatches: return try CheckWatchesRequest(from: &r)
    case .removeWatches: return try RemoveWatchesRequest(from: &r)
    case .auth: return try AuthPacket(from: &r)
    case .setWatches: return try SetWatches(from: &r)
    case .setWatches2: return try SetWatches2(from: &r)
    case .sasl: return try GetSASLRequest(from: &r)
    case .getEphemerals: return try GetEphemeralsRequest(from: &r)
    case .getAllChildrenNumber: return try GetAllChildrenNumberRequest(from: &r)
    case .addWatch: return try AddWatchRequest(from: &r)
    case .ping, .closeSession, .whoAmI: return nil
    default: throw .invalidValue(offset: r.offset, reason: "no request body known for \(op)")
    }
}

/// The reply body a server sends for a successful `op`, or nil for ops that have none.
func decodeReplyBody(_ op: OpCode, _ r: inout JuteReader) throws(JuteError) -> (any JuteEncodable)? {
    switch op {
    case .create: return try CreateResponse(from: &r)
    case .create2, .createContainer, .createTTL: return try Create2Response(from: &r)
    case .exists: return try ExistsResponse(from: &r)
    case .getData, .reconfig: return try GetDataResponse(from: &r)
    case .setData: return try SetDataResponse(from: &r)
    case .getACL: return try GetACLResponse(from: &r)
    case .setACL: return try SetACLResponse(from: &r)
    case .getChildren: return try GetChildrenResponse(from: &r)
    case .getChildren2: return try GetChildren2Response(from: &r)
    case .sync: return try SyncResponse(from: &r)
    case .multi, .multiRead: return try MultiResponse(from: &r)
    case .sasl: return try SetSASLResponse(from: &r)
    case .getEphemerals: return try GetEphemeralsResponse(from: &r)
    case .getAllChildrenNumber: return try GetAllChildrenNumberResponse(from: &r)
    case .addWatch: return try ErrorResponse(from: &r)
    case .whoAmI: return try WhoAmIResponse(from: &r)
    case .delete, .deleteContainer, .ping, .closeSession, .auth, .setWatches, .setWatches2,
         .checkWatches, .removeWatches:
        return nil
    default: throw .invalidValue(offset: r.offset, reason: "no reply body known for \(op)")
    }
}

/// Decodes every frame with the records the conversation calls for, checking that each frame is
/// consumed exactly and that re-encoding the records gives back the captured bytes.
func decodeConversation(_ frames: [HexFrame]) throws -> [DecodedFrame] {
    var decoded: [DecodedFrame] = []
    var sentConnect = false, gotConnect = false
    var pending: [Int32: OpCode] = [:]
    for frame in frames {
        if frame.startsConnection { sentConnect = false; gotConnect = false; pending = [:] }
        var prefix = JuteReader(frame.bytes)
        let length = try prefix.readInt()
        #expect(Int(length) == frame.bytes.count - 4, "length prefix of \(frame.step)")
        var r = JuteReader(Array(frame.bytes.dropFirst(4)))
        var out = DecodedFrame(frame: frame)
        switch frame.direction {
        case .clientToServer where !sentConnect:
            out.body = try ConnectRequest(from: &r)
            sentConnect = true
        case .clientToServer:
            let header = try RequestHeader(from: &r)
            pending[header.xid] = header.type
            out.header = header
            out.body = try decodeRequestBody(header.type, &r)
        case .serverToClient where !gotConnect:
            out.body = try ConnectResponse(from: &r)
            gotConnect = true
        case .serverToClient:
            let header = try ReplyHeader(from: &r)
            out.header = header
            if header.xid == Xid.notification {
                out.body = try WatcherEvent(from: &r)
            } else if header.err == .ok {
                let op = header.xid == Xid.ping ? OpCode.ping : try #require(pending[header.xid], "unmatched xid")
                out.body = try decodeReplyBody(op, &r)
            }
            pending[header.xid] = nil
        }
        #expect(r.isAtEnd, "\(r.remaining) bytes left over in \(frame.direction.rawValue) of \(frame.step)")
        let reencoded = [UInt8]((out.header?.juteBytes ?? []) + (out.body?.juteBytes ?? []))
        #expect(reencoded == Array(frame.bytes.dropFirst(4)), "re-encoding \(frame.direction.rawValue) of \(frame.step)")
        decoded.append(out)
    }
    return decoded
}

@Suite struct FixtureFrameTests {
    @Test func clientSessionFramesRoundTrip() throws {
        let frames = try loadHexFrames("client-session.hex")
        #expect(frames.count == 62)
        let decoded = try decodeConversation(frames)
        let bodies = decoded.map(\.body)

        let connect = try #require(bodies[1] as? ConnectResponse)
        #expect(connect.sessionId == 0x0100_0079_8bea_0000)
        #expect(connect.passwd == hexBytes("84e0fd8dc16114cb02d16deb721204e7"))
        #expect(connect.readOnly == false)

        let create = try #require(bodies[2] as? CreateRequest)
        #expect(create.path == "/a")
        #expect(create.data == Array("hello".utf8))
        #expect(create.acl == ACL.openUnsafe)
        #expect(create.createMode == .persistent)
        #expect((bodies[3] as? CreateResponse)?.path == "/a")
        #expect((decoded[3].header as? ReplyHeader) == ReplyHeader(xid: 1, zxid: 2, err: .ok))

        let noNode = decoded.first { ($0.header as? ReplyHeader)?.xid == 4 }
        #expect((noNode?.header as? ReplyHeader)?.err == .noNode)
        #expect(noNode?.body == nil)

        let events = decoded.compactMap { $0.body as? WatcherEvent }
        #expect(events == [WatcherEvent(type: .nodeDataChanged, path: "/a"),
                           WatcherEvent(type: .nodeCreated, path: "/nope2")])

        let multiReplies = decoded.compactMap { $0.body as? MultiResponse }
        #expect(multiReplies.count == 2)
        #expect(multiReplies[0].results == [.error(.ok), .error(.badVersion), .error(.runtimeInconsistency)])
        #expect(multiReplies[1].results.map(\.type) == [.create, .create, .check, .setData, .delete])

        let multiRequests = decoded.compactMap { $0.body as? MultiOperationRecord }
        #expect(multiRequests[1].ops.map(\.type) == [.create, .create2, .check, .setData, .delete])
        #expect(multiRequests[1].ops.map(\.path) == ["/a/m1", "/a/m2", "/a", "/a", "/a/m1"])
        let allWrites = multiRequests.allSatisfy { $0.isWrite }
        #expect(allWrites)

        let children = try #require(bodies.compactMap { $0 as? GetChildren2Response }.first)
        #expect(children.children == ["b", "m2"])
        #expect(children.stat.pzxid == 8)
        let acl = try #require(bodies.compactMap { $0 as? GetACLResponse }.first)
        #expect(acl.acl == ACL.readUnsafe)
        #expect(acl.stat.aversion == -1)
        let last = try #require(decoded.last?.header as? ReplyHeader)
        #expect(last == ReplyHeader(xid: 28, zxid: 0x11, err: .ok))
    }

    @Test func handshakeVariantsRoundTrip() throws {
        let frames = try loadHexFrames("handshake-variants.hex", everyStepIsConnection: true)
        #expect(frames.count == 15)
        let decoded = try decodeConversation(frames)
        let requests = decoded.compactMap { $0.body as? ConnectRequest }
        let responses = decoded.compactMap { $0.body as? ConnectResponse }
        #expect(requests.count == 8)
        #expect(responses.count == 7)
        #expect(responses.map(\.timeOut) == [4000, 40000, 30000, 30000, 30000, 0, 0])
        #expect(requests.map(\.readOnly) == [false, false, nil, true, false, false, false, false])
        #expect(responses.map(\.readOnly) == [false, false, nil, false, false, false, false])
        #expect(responses[2].sessionId == 0x0100_0079_8bea_0003)
        #expect(responses[5] == ConnectResponse.invalid(readOnly: false))
        #expect(requests[6].lastZxidSeen == 0x7fff_ffff)
    }
}
