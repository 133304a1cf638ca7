// Server ↔ server records of the quorum port (jute.md §3.3, quorum-protocol.md §6).

/// What a learner tells the leader about itself in FOLLOWERINFO/OBSERVERINFO (`LearnerInfo`).
public struct LearnerInfo: JuteCodable, Hashable, Sendable {
    /// The learner's `myid`.
    public var serverid: Int64
    /// 0x10000 for every current server.
    public var protocolVersion: Int32
    /// The version of the learner's last seen dynamic config.
    public var configVersion: Int64
    public init(serverid: Int64, protocolVersion: Int32 = 0x10000, configVersion: Int64) {
        self.serverid = serverid; self.protocolVersion = protocolVersion; self.configVersion = configVersion
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        serverid = try r.readLong()
        protocolVersion = try r.readInt()
        configVersion = try r.readLong()
    }
    public func encode(to w: inout JuteWriter) { w.writeLong(serverid); w.writeInt(protocolVersion); w.writeLong(configVersion) }
}

/// One Zab message on the quorum port, sent without a length prefix (`QuorumPacket`).
public struct QuorumPacket: JuteCodable, Hashable, Sendable {
    /// The packet type (1 REQUEST, 2 PROPOSAL, 3 ACK, 4 COMMIT, 5 PING, …).
    public var type: Int32
    public var zxid: Int64
    /// Nil ("none", length -1) differs from empty on the wire: an idle learner PING reply is empty.
    public var data: [UInt8]?
    /// The client's auth ids on REQUEST packets; nil (count -1) on every other packet.
    public var authinfo: [Id]?
    public init(type: Int32, zxid: Int64, data: [UInt8]? = nil, authinfo: [Id]? = nil) {
        self.type = type; self.zxid = zxid; self.data = data; self.authinfo = authinfo
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        type = try r.readInt()
        zxid = try r.readLong()
        data = try r.readBuffer()
        authinfo = try r.readRecords()
    }
    public func encode(to w: inout JuteWriter) {
        w.writeInt(type); w.writeLong(zxid); w.writeBuffer(data); w.writeRecords(authinfo)
    }
}
