import NIOCore

/// Writes benchmark requests straight into an outbound buffer: header, body and frame length,
/// with paths and values prepared once, so the hot path allocates nothing per request.
struct BenchRequestWriter {
    let root: String
    let value: [UInt8]
    private let openACL: [UInt8]
    private var keyPaths: [[UInt8]]

    init(root: String, valueSize: Int, znodes: Int) {
        self.root = root
        value = [UInt8](repeating: UInt8(ascii: "x"), count: valueSize)
        var acl = JuteWriter()
        acl.writeRecords(ACL.openUnsafe)
        openACL = acl.bytes
        keyPaths = (0..<max(znodes, 1)).map { Array("\(root)/k\($0)".utf8) }
    }

    /// Path of key `index` of the key space.
    func keyPath(_ index: Int) -> [UInt8] { keyPaths[index % keyPaths.count] }

    private func frame(_ buffer: inout ByteBuffer, xid: Int32, op: OpCode, body: (inout ByteBuffer) -> Void) {
        let start = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(xid)
        buffer.writeInteger(op.rawValue)
        body(&buffer)
        buffer.setInteger(Int32(buffer.writerIndex - start - 4), at: start)
    }

    private func writePath(_ path: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(path.count))
        buffer.writeBytes(path)
    }

    func create(_ buffer: inout ByteBuffer, xid: Int32, path: [UInt8]) {
        frame(&buffer, xid: xid, op: .create) { b in
            writePath(path, into: &b)
            b.writeInteger(Int32(value.count))
            b.writeBytes(value)
            b.writeBytes(openACL)
            b.writeInteger(Int32(0))
        }
    }

    func setData(_ buffer: inout ByteBuffer, xid: Int32, path: [UInt8]) {
        frame(&buffer, xid: xid, op: .setData) { b in
            writePath(path, into: &b)
            b.writeInteger(Int32(value.count))
            b.writeBytes(value)
            b.writeInteger(Int32(-1))
        }
    }

    func getData(_ buffer: inout ByteBuffer, xid: Int32, path: [UInt8]) {
        frame(&buffer, xid: xid, op: .getData) { b in
            writePath(path, into: &b)
            b.writeInteger(UInt8(0))
        }
    }

    func exists(_ buffer: inout ByteBuffer, xid: Int32, path: [UInt8]) {
        frame(&buffer, xid: xid, op: .exists) { b in
            writePath(path, into: &b)
            b.writeInteger(UInt8(0))
        }
    }

    func delete(_ buffer: inout ByteBuffer, xid: Int32, path: [UInt8]) {
        frame(&buffer, xid: xid, op: .delete) { b in
            writePath(path, into: &b)
            b.writeInteger(Int32(-1))
        }
    }

    /// A create with an empty value (for the key space's parents).
    func createEmpty(_ buffer: inout ByteBuffer, xid: Int32, path: [UInt8]) {
        frame(&buffer, xid: xid, op: .create) { b in
            writePath(path, into: &b)
            b.writeInteger(Int32(0))
            b.writeBytes(openACL)
            b.writeInteger(Int32(0))
        }
    }

    /// The ConnectRequest of a new session.
    func connect(_ buffer: inout ByteBuffer, timeoutMs: Int32) {
        var w = JuteWriter()
        w.writeInt(0)
        ConnectRequest(lastZxidSeen: 0, timeOut: timeoutMs, sessionId: 0, passwd: [UInt8](repeating: 0, count: 16),
                       readOnly: false).encode(to: &w)
        w.patchInt(Int32(w.count - 4), at: 0)
        buffer.writeBytes(w.bytes)
    }

    /// A closeSession request.
    func close(_ buffer: inout ByteBuffer, xid: Int32) {
        frame(&buffer, xid: xid, op: .closeSession) { _ in }
    }
}
