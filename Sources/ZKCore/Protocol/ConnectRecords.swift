// The handshake records (jute.md §3.2 and §4.1). Neither has a header; each is the whole first
// frame in its direction. Both end in an optional `readOnly` byte: 3.8's IDL lacks it, clients
// append it anyway, and a server answers with the byte only if the client sent one. Modelling
// it as `Bool?` keeps "absent" distinct so the reply can mirror the request byte for byte.

/// The first frame a client sends (`ConnectRequest`, no RequestHeader).
public struct ConnectRequest: JuteCodable, Hashable, Sendable {
    /// Always 0.
    public var protocolVersion: Int32
    /// The newest zxid the client has seen; a server behind it must refuse the client.
    public var lastZxidSeen: Int64
    /// Requested session timeout in milliseconds, before clamping.
    public var timeOut: Int32
    /// 0 for a new session, else the session to resume.
    public var sessionId: Int64
    /// The session password (16 zero bytes for a new session); a null buffer reads as empty.
    public var passwd: [UInt8]
    /// Whether the client accepts a read-only server; nil when the byte was absent (old client).
    public var readOnly: Bool?

    public init(protocolVersion: Int32 = 0, lastZxidSeen: Int64, timeOut: Int32, sessionId: Int64,
                passwd: [UInt8], readOnly: Bool?) {
        self.protocolVersion = protocolVersion; self.lastZxidSeen = lastZxidSeen; self.timeOut = timeOut
        self.sessionId = sessionId; self.passwd = passwd; self.readOnly = readOnly
    }
    /// Reads the five fixed fields, then the `readOnly` byte only if the frame has one left.
    public init(from r: inout JuteReader) throws(JuteError) {
        protocolVersion = try r.readInt()
        lastZxidSeen = try r.readLong()
        timeOut = try r.readInt()
        sessionId = try r.readLong()
        passwd = try r.readBuffer() ?? []
        readOnly = r.isAtEnd ? nil : try r.readBool()
    }
    /// Writes the five fixed fields, then the `readOnly` byte when it is not nil.
    public func encode(to w: inout JuteWriter) {
        w.writeInt(protocolVersion); w.writeLong(lastZxidSeen); w.writeInt(timeOut)
        w.writeLong(sessionId); w.writeBuffer(passwd)
        if let readOnly { w.writeBool(readOnly) }
    }
}

/// The first frame a server sends (`ConnectResponse`, no ReplyHeader).
public struct ConnectResponse: JuteCodable, Hashable, Sendable {
    /// Always 0.
    public var protocolVersion: Int32
    /// Negotiated timeout in milliseconds; 0 means the session is invalid or expired.
    public var timeOut: Int32
    /// The session id, 0 when the session was refused.
    public var sessionId: Int64
    /// The session password (16 zero bytes when refused).
    public var passwd: [UInt8]
    /// Whether this server is read-only; nil when the byte is omitted (the client sent none).
    public var readOnly: Bool?

    public init(protocolVersion: Int32 = 0, timeOut: Int32, sessionId: Int64, passwd: [UInt8], readOnly: Bool?) {
        self.protocolVersion = protocolVersion; self.timeOut = timeOut; self.sessionId = sessionId
        self.passwd = passwd; self.readOnly = readOnly
    }
    /// The reply refusing a session: timeout 0, id 0, an all-zero password.
    public static func invalid(readOnly: Bool?) -> ConnectResponse {
        ConnectResponse(timeOut: 0, sessionId: 0, passwd: [UInt8](repeating: 0, count: 16), readOnly: readOnly)
    }
    /// Reads the four fixed fields, then the `readOnly` byte only if the frame has one left.
    public init(from r: inout JuteReader) throws(JuteError) {
        protocolVersion = try r.readInt()
        timeOut = try r.readInt()
        sessionId = try r.readLong()
        passwd = try r.readBuffer() ?? []
        readOnly = r.isAtEnd ? nil : try r.readBool()
    }
    /// Writes the four fixed fields, then the `readOnly` byte when it is not nil.
    public func encode(to w: inout JuteWriter) {
        w.writeInt(protocolVersion); w.writeInt(timeOut); w.writeLong(sessionId); w.writeBuffer(passwd)
        if let readOnly { w.writeBool(readOnly) }
    }
}
