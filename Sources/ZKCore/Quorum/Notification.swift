/// Why an election message could not be read (the cases ZooKeeper's `WorkerReceiver` skips).
///
/// None of these is fatal: the transport logs the reason and drops the one message, as ZooKeeper
/// does, and keeps the connection.
public enum NotificationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer than the 28 bytes every protocol generation sends.
    case tooShort(length: Int)
    /// A field ran past the end of the payload (a 29…39 byte message, or a cut-off config).
    case truncated(length: Int, needed: Int)
    /// The config length is negative or larger than the payload.
    case badConfigLength(Int32, payloadLength: Int)
    /// The sender's state ordinal is not 0…3.
    case unknownState(Int32)

    /// A one-line reason for the transport's log.
    public var description: String {
        switch self {
        case let .tooShort(length):
            return "election notification of \(length) bytes is shorter than 28"
        case let .truncated(length, needed):
            return "election notification of \(length) bytes is truncated: needed \(needed)"
        case let .badConfigLength(configLength, payloadLength):
            return "invalid config length \(configLength) in an election notification of \(payloadLength) bytes"
        case let .unknownState(state):
            return "election notification with unknown server state \(state)"
        }
    }
}

/// The payload of one fast-leader-election message (ZooKeeper's `FastLeaderElection.Notification`
/// and `ToSend`, quorum-protocol.md §5.1).
///
/// Layout, big-endian: `int state, long leader, long zxid, long electionEpoch, long peerEpoch,
/// int version, int configLength, config bytes`. The 4-byte frame length in front of it belongs to
/// the election transport (ZooKeeper's `QuorumCnxManager`), so neither `encoded()` nor `decode`
/// sees it. Older peers send shorter forms, which `decode` accepts as ZooKeeper does.
public struct Notification: Hashable, Sendable {
    /// The format version this codec writes (ZooKeeper's `Notification.CURRENTVERSION`).
    public static let currentVersion: Int32 = 2

    /// The sender's state.
    public var state: ServerState
    /// The sender's proposed (or established) leader.
    public var leader: Int64
    /// The proposed leader's zxid.
    public var zxid: Int64
    /// The sender's round (logical clock), or the round its established vote was cast in.
    public var electionEpoch: Int64
    /// The proposed leader's epoch; derived from `zxid` for 28-byte messages.
    public var peerEpoch: Int64
    /// The message format version: 0 for 28- and 40-byte messages, else as sent.
    public var version: Int32
    /// The sender's quorum config text (`QuorumVerifier.configText`), present when `version > 1`.
    public var config: String?

    /// A current-format notification carrying `config`.
    public init(state: ServerState, leader: Int64, zxid: Int64, electionEpoch: Int64, peerEpoch: Int64, config: String) {
        self.init(state: state, leader: leader, zxid: zxid, electionEpoch: electionEpoch, peerEpoch: peerEpoch,
                  version: Notification.currentVersion, config: config)
    }

    /// A notification of any format version, as `decode` produces them.
    public init(state: ServerState, leader: Int64, zxid: Int64, electionEpoch: Int64, peerEpoch: Int64,
                version: Int32, config: String?) {
        self.state = state
        self.leader = leader
        self.zxid = zxid
        self.electionEpoch = electionEpoch
        self.peerEpoch = peerEpoch
        self.version = version
        self.config = config
    }

    /// A current-format notification of `vote` sent in `state` during round `electionEpoch`.
    public init(vote: Vote, electionEpoch: Int64, state: ServerState, config: String) {
        self.init(state: state, leader: vote.leader, zxid: vote.zxid, electionEpoch: electionEpoch,
                  peerEpoch: vote.peerEpoch, config: config)
    }

    /// The payload without its length prefix, always in the current format (version 2, config
    /// included, an absent config written as empty), as ZooKeeper's `FastLeaderElection.buildMsg`.
    public func encoded() -> [UInt8] {
        let configBytes = Array((config ?? "").utf8)
        var w = JuteWriter(capacity: 44 + configBytes.count)
        w.writeInt(state.rawValue)
        w.writeLong(leader)
        w.writeLong(zxid)
        w.writeLong(electionEpoch)
        w.writeLong(peerEpoch)
        w.writeInt(Notification.currentVersion)
        w.writeInt(Int32(configBytes.count))
        w.writeRaw(configBytes)
        return w.bytes
    }

    /// Reads a payload (no length prefix) with ZooKeeper's compatibility rules
    /// (`FastLeaderElection.Messenger.WorkerReceiver.run`).
    ///
    /// Under 28 bytes is rejected; exactly 28 is the pre-ZOOKEEPER-107 form without a peer epoch
    /// (taken from the zxid's epoch); exactly 40 has a peer epoch but no version (version 0);
    /// otherwise a version follows, and a version above 1 is followed by a length-prefixed config
    /// whose length must be 0…payload length and fit in what remains. Bytes after the last field
    /// are ignored, as ZooKeeper ignores them. The config text is not parsed here.
    public static func decode(_ payload: [UInt8]) throws(NotificationError) -> Notification {
        let length = payload.count
        guard length >= 28 else { throw .tooShort(length: length) }
        var r = JuteReader(payload)
        let rawState = try field(length) { () throws(JuteError) in try r.readInt() }
        let leader = try field(length) { () throws(JuteError) in try r.readLong() }
        let zxid = try field(length) { () throws(JuteError) in try r.readLong() }
        let electionEpoch = try field(length) { () throws(JuteError) in try r.readLong() }
        var peerEpoch = zxid >> 32
        var version: Int32 = 0
        var config: String?
        if length != 28 {
            peerEpoch = try field(length) { () throws(JuteError) in try r.readLong() }
            if length != 40 { version = try field(length) { () throws(JuteError) in try r.readInt() } }
        }
        if version > 1 {
            let configLength = try field(length) { () throws(JuteError) in try r.readInt() }
            guard configLength >= 0, Int(configLength) <= length else {
                throw .badConfigLength(configLength, payloadLength: length)
            }
            guard Int(configLength) <= r.remaining else {
                throw .truncated(length: length, needed: r.offset + Int(configLength))
            }
            config = String(decoding: payload[r.offset..<r.offset + Int(configLength)], as: UTF8.self)
        }
        guard let state = ServerState(rawValue: rawState) else { throw .unknownState(rawState) }
        return Notification(state: state, leader: leader, zxid: zxid, electionEpoch: electionEpoch,
                            peerEpoch: peerEpoch, version: version, config: config)
    }

    /// Runs one fixed-size read, turning the reader's truncation into this codec's error.
    private static func field<T>(_ length: Int, _ read: () throws(JuteError) -> T) throws(NotificationError) -> T {
        do {
            return try read()
        } catch {
            switch error {
            case let .truncated(offset, needed, _): throw .truncated(length: length, needed: offset + needed)
            case .unreasonableLength, .invalidValue: throw .truncated(length: length, needed: length + 1)
            }
        }
    }

    /// The `version=` of a config text (hex, as `QuorumVerifier.configText` writes it), or nil
    /// when the text has none or it does not parse.
    ///
    /// The election only compares it with its own config version, to log that it is ignoring a
    /// newer config (see `Election.received`).
    public static func configVersion(of text: String) -> Int64? {
        for line in text.split(separator: "\n").reversed() where line.hasPrefix("version=") {
            guard let bits = UInt64(line.dropFirst("version=".count), radix: 16) else { return nil }
            return Int64(bitPattern: bits)
        }
        return nil
    }
}
