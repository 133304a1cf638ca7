import Foundation
import Testing
@testable import ZKCore

/// One notification of `ensemble/election-port.hex` with the fields its comment line states.
struct CapturedNotification {
    var payload: [UInt8]
    var fields: [String: String]
}

/// Reads every `# notification …` comment and the frame after it; the length prefix is checked
/// against the comment and stripped.
func loadCapturedNotifications() throws -> [CapturedNotification] {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/ensemble/election-port.hex"))
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    var result: [CapturedNotification] = []
    for (i, line) in lines.enumerated() where line.hasPrefix("# notification ") {
        var fields: [String: String] = [:]
        for pair in line.dropFirst("# notification ".count).split(separator: " ") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            fields[String(kv[0])] = String(kv[1])
        }
        let frame = hexBytes(String(lines[i + 1].split(separator: " ")[1]))
        let length = try JuteReader(frame).readIntForTest()
        #expect(Int(length) == frame.count - 4)
        #expect(String(length) == fields["len"])
        result.append(CapturedNotification(payload: Array(frame.dropFirst(4)), fields: fields))
    }
    return result
}

extension JuteReader {
    /// Reads the frame's length prefix without the caller keeping a mutable reader.
    fileprivate func readIntForTest() throws -> Int32 {
        var copy = self
        return try copy.readInt()
    }
}

/// The 3-server config of the capture, as ZooKeeper printed it.
func captureVerifier() -> QuorumVerifier {
    QuorumVerifier(servers: (1...3).map {
        QuorumServer(id: ServerID(Int64($0)), address: "127.0.0.1", quorumPort: 25840 + $0, electionPort: 25850 + $0)
    })
}

/// The election notification codec against live 3.8.0 frames and malformed payloads.
@Suite struct NotificationTests {
    @Test func captureFramesDecodeToTheirCommentsAndReencodeByteForByte() throws {
        let captured = try loadCapturedNotifications()
        #expect(captured.count == 17)
        let config = captureVerifier().configText
        for c in captured {
            let n = try Notification.decode(c.payload)
            #expect(String(n.state.rawValue) == c.fields["state"])
            #expect(String(n.leader) == c.fields["leader"])
            #expect("0x" + String(n.zxid, radix: 16) == c.fields["zxid"])
            #expect(String(n.electionEpoch) == c.fields["electionEpoch"])
            #expect(String(n.peerEpoch) == c.fields["peerEpoch"])
            #expect(n.version == 2)
            #expect(n.config == config)
            #expect(n.encoded() == c.payload)
        }
    }

    @Test func theRestartedServersLookingVoteFromTheCapture() throws {
        let captured = try loadCapturedNotifications()
        let restart = try #require(captured.first { $0.fields["zxid"] == "0x100000006" })
        let n = try Notification.decode(restart.payload)
        #expect(n == Notification(state: .looking, leader: 1, zxid: 0x1_0000_0006, electionEpoch: 1, peerEpoch: 1,
                                  config: captureVerifier().configText))
        let leading = try #require(captured.first { $0.fields["state"] == "2" })
        #expect(try Notification.decode(leading.payload).state == .leading)
    }

    @Test func encodedLayoutIsFixedFieldsThenConfig() {
        let n = Notification(state: .following, leader: 3, zxid: 0x2_0000_0001, electionEpoch: 7, peerEpoch: 2, config: "ab")
        #expect(n.encoded() == hexBytes("""
            00000001 0000000000000003 0000000200000001 0000000000000007 0000000000000002 00000002 00000002 6162
            """))
    }

    @Test func roundTripsExtremeValues() throws {
        let states: [ServerState] = [.looking, .following, .leading, .observing]
        for (i, state) in states.enumerated() {
            let n = Notification(state: state, leader: i == 0 ? Int64.min : Int64(i), zxid: i == 1 ? -1 : Int64.max,
                                 electionEpoch: Int64(i) * 1_000_000_007, peerEpoch: i == 2 ? Int64.min : 0,
                                 config: i == 3 ? "" : "server.1=h:1:2:participant\nversion=\(i)")
            #expect(try Notification.decode(n.encoded()) == n)
        }
    }

    @Test func twentyEightBytesHaveNoPeerEpochAndTakeItFromTheZxid() throws {
        let bytes = hexBytes("00000000 0000000000000002 0000000500000003 0000000000000004")
        let n = try Notification.decode(bytes)
        #expect(n == Notification(state: .looking, leader: 2, zxid: 0x5_0000_0003, electionEpoch: 4, peerEpoch: 5,
                                  version: 0, config: nil))
    }

    @Test func fortyBytesAreVersionZeroWithoutConfig() throws {
        let bytes = hexBytes("00000002 0000000000000002 0000000500000003 0000000000000004 0000000000000009 00000007")
        let n = try Notification.decode(bytes)
        #expect(n.version == 0 && n.config == nil && n.peerEpoch == 9 && n.state == .leading)
    }

    @Test func versionOneHasNoConfigAndTrailingBytesAreIgnored() throws {
        let bytes = hexBytes("00000000 0000000000000002 0000000000000003 0000000000000004 0000000000000001 00000001 ffffffff")
        let n = try Notification.decode(bytes)
        #expect(n.version == 1 && n.config == nil && n.peerEpoch == 1)
    }

    @Test func badConfigLengthsAreErrors() {
        let fixed = "00000000 0000000000000002 0000000000000003 0000000000000004 0000000000000001 00000002"
        #expect(throws: NotificationError.badConfigLength(-1, payloadLength: 47)) {
            try Notification.decode(hexBytes(fixed + "ffffffff 616263"))
        }
        #expect(throws: NotificationError.badConfigLength(0x7fff_ffff, payloadLength: 44)) {
            try Notification.decode(hexBytes(fixed + "7fffffff"))
        }
        #expect(throws: NotificationError.truncated(length: 47, needed: 48)) {
            try Notification.decode(hexBytes(fixed + "00000004 616263"))
        }
        #expect(throws: NotificationError.unknownState(4)) {
            try Notification.decode(hexBytes("00000004" + fixed.dropFirst(8) + "00000000"))
        }
    }

    @Test func everyTruncationOfACapturedPayloadThrowsOrDecodes() throws {
        let payload = try #require(try loadCapturedNotifications().first).payload
        for k in 0..<payload.count {
            let prefix = Array(payload.prefix(k))
            switch k {
            case 0..<28:
                #expect(throws: NotificationError.tooShort(length: k)) { try Notification.decode(prefix) }
            case 28:
                #expect(try Notification.decode(prefix).version == 0)
            case 40:
                #expect(try Notification.decode(prefix).config == nil)
            default:
                #expect(throws: NotificationError.self) { try Notification.decode(prefix) }
            }
        }
        #expect(try Notification.decode(payload + [0, 1, 2]).config == captureVerifier().configText)
    }

    @Test func configVersionIsTheHexOfTheLastVersionLine() {
        #expect(Notification.configVersion(of: "server.1=a:1:2:participant\nversion=100000000") == 0x1_0000_0000)
        #expect(Notification.configVersion(of: "version=0") == 0)
        #expect(Notification.configVersion(of: "server.1=a:1:2:participant") == nil)
        #expect(Notification.configVersion(of: "version=zz") == nil)
    }
}
