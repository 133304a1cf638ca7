// The client's side of the codec: the server decodes `ClientRequest` and encodes `ReplyBody`;
// the client does the reverse. Both enums are shared so one set of records serves both ends.

/// One frame the client sends: the handshake, or a request with its header.
public enum ClientPacket: Hashable, Sendable {
    /// The first frame on a connection (no RequestHeader).
    case connect(ConnectRequest)
    /// `RequestHeader{xid, type}` followed by the request's record.
    case request(xid: Int32, ClientRequest)

    /// Appends this packet as a length-prefixed frame.
    public func encodeFrame(into w: inout JuteWriter) {
        let start = w.count
        w.writeInt(0)
        switch self {
        case .connect(let request):
            request.encode(to: &w)
        case .request(let xid, let request):
            RequestHeader(xid: xid, type: request.opCode).encode(to: &w)
            request.encodeBody(to: &w)
        }
        w.patchInt(Int32(w.count - start - 4), at: start)
    }

    /// This packet as one length-prefixed frame.
    public var frameBytes: [UInt8] {
        var w = JuteWriter()
        encodeFrame(into: &w)
        return w.bytes
    }
}

extension ClientRequest {
    /// Writes the request's record (without its header), the inverse of `decode(type:body:)`.
    public func encodeBody(to w: inout JuteWriter) {
        switch self {
        case .create(_, let r): r.encode(to: &w)
        case .createTTL(let r): r.encode(to: &w)
        case .delete(let r): r.encode(to: &w)
        // 3.8 sends the path bytes with no length prefix (jute.md §4.4).
        case .deleteContainer(let path): w.writeRaw(Array(path.utf8))
        case .exists(let r): r.encode(to: &w)
        case .getData(let r): r.encode(to: &w)
        case .setData(let r): r.encode(to: &w)
        case .getACL(let r): r.encode(to: &w)
        case .setACL(let r): r.encode(to: &w)
        case .getChildren(let r): r.encode(to: &w)
        case .getChildren2(let r): r.encode(to: &w)
        case .getAllChildrenNumber(let r): r.encode(to: &w)
        case .getEphemerals(let r): r.encode(to: &w)
        case .sync(let r): r.encode(to: &w)
        case .check(let r): r.encode(to: &w)
        case .multi(let r): r.encode(to: &w)
        case .multiRead(let r): r.encode(to: &w)
        case .reconfig(let r): r.encode(to: &w)
        case .checkWatches(let r): r.encode(to: &w)
        case .removeWatches(let r): r.encode(to: &w)
        case .setWatches(let r): r.encode(to: &w)
        case .setWatches2(let r): r.encode(to: &w)
        case .addWatch(let r): r.encode(to: &w)
        case .auth(let r): r.encode(to: &w)
        case .sasl(let r): r.encode(to: &w)
        case .ping, .whoAmI, .closeSession, .unknown, .undecodable: break
        }
    }

    /// The same request with every node path passed through `map` (used to apply a chroot).
    ///
    /// SetWatches lists are left alone: the client builds them from server paths already.
    public func mappingPaths(_ map: (String) -> String) -> ClientRequest {
        switch self {
        case .create(let op, var r): r.path = map(r.path); return .create(op, r)
        case .createTTL(var r): r.path = map(r.path); return .createTTL(r)
        case .delete(var r): r.path = map(r.path); return .delete(r)
        case .deleteContainer(let path): return .deleteContainer(path: map(path))
        case .exists(var r): r.path = map(r.path); return .exists(r)
        case .getData(var r): r.path = map(r.path); return .getData(r)
        case .setData(var r): r.path = map(r.path); return .setData(r)
        case .getACL(var r): r.path = map(r.path); return .getACL(r)
        case .setACL(var r): r.path = map(r.path); return .setACL(r)
        case .getChildren(var r): r.path = map(r.path); return .getChildren(r)
        case .getChildren2(var r): r.path = map(r.path); return .getChildren2(r)
        case .getAllChildrenNumber(var r): r.path = map(r.path); return .getAllChildrenNumber(r)
        case .getEphemerals(var r): r.prefixPath = map(r.prefixPath ?? "/"); return .getEphemerals(r)
        case .sync(var r): r.path = map(r.path); return .sync(r)
        case .check(var r): r.path = map(r.path); return .check(r)
        case .multi(let r): return .multi(MultiOperationRecord(ops: r.ops.map { $0.mappingPath(map) }))
        case .multiRead(let r): return .multiRead(MultiOperationRecord(ops: r.ops.map { $0.mappingPath(map) }))
        case .checkWatches(var r): r.path = map(r.path); return .checkWatches(r)
        case .removeWatches(var r): r.path = map(r.path); return .removeWatches(r)
        case .addWatch(var r): r.path = map(r.path); return .addWatch(r)
        case .reconfig, .setWatches, .setWatches2, .auth, .sasl, .ping, .whoAmI, .closeSession, .unknown, .undecodable:
            return self
        }
    }

    /// The node path the request addresses, if it has exactly one.
    public var path: String? {
        switch self {
        case .create(_, let r): return r.path
        case .createTTL(let r): return r.path
        case .delete(let r): return r.path
        case .deleteContainer(let path): return path
        case .exists(let r): return r.path
        case .getData(let r): return r.path
        case .setData(let r): return r.path
        case .getACL(let r): return r.path
        case .setACL(let r): return r.path
        case .getChildren(let r): return r.path
        case .getChildren2(let r): return r.path
        case .getAllChildrenNumber(let r): return r.path
        case .getEphemerals(let r): return r.prefixPath
        case .sync(let r): return r.path
        case .check(let r): return r.path
        case .checkWatches(let r): return r.path
        case .removeWatches(let r): return r.path
        case .addWatch(let r): return r.path
        case .multi, .multiRead, .reconfig, .setWatches, .setWatches2, .auth, .sasl, .ping, .whoAmI, .closeSession,
             .unknown, .undecodable:
            return nil
        }
    }
}

extension MultiOp {
    /// The same op with its path passed through `map`.
    func mappingPath(_ map: (String) -> String) -> MultiOp {
        switch self {
        case .create(let op, var r): r.path = map(r.path); return .create(op, r)
        case .createTTL(var r): r.path = map(r.path); return .createTTL(r)
        case .delete(var r): r.path = map(r.path); return .delete(r)
        case .setData(var r): r.path = map(r.path); return .setData(r)
        case .check(var r): r.path = map(r.path); return .check(r)
        case .getChildren(var r): r.path = map(r.path); return .getChildren(r)
        case .getData(var r): r.path = map(r.path); return .getData(r)
        }
    }
}

extension ReplyBody {
    /// Reads the record that answers a request of type `op` (only called when the header's err is 0).
    ///
    /// The record chosen per opcode is the one ZooKeeper's `ZooKeeper` methods allocate as the
    /// packet's response; requests whose reply has no record read nothing.
    public static func decode(for op: OpCode, from r: inout JuteReader) throws(JuteError) -> ReplyBody {
        switch op {
        case .create: return .create(try r.read())
        case .create2, .createContainer, .createTTL: return .create2(try r.read())
        case .exists, .setData, .setACL: return .stat(try r.read())
        case .getData, .reconfig: return .getData(try r.read())
        case .getACL: return .getACL(try r.read())
        case .getChildren: return .getChildren(try r.read())
        case .getChildren2: return .getChildren2(try r.read())
        case .getAllChildrenNumber: return .allChildrenNumber(try r.read())
        case .getEphemerals: return .ephemerals(try r.read())
        case .sync: return .sync(try r.read())
        case .multi, .multiRead: return .multi(try r.read())
        case .addWatch: return r.isAtEnd ? .none : .errorResponse(try r.read())
        case .whoAmI: return .whoAmI(try r.read())
        case .sasl: return .sasl(try r.read())
        default: return .none
        }
    }

    /// The same body with returned paths passed through `map` (used to strip a chroot).
    public func mappingPaths(_ map: (String) -> String) -> ReplyBody {
        switch self {
        case .create(var r): r.path = map(r.path); return .create(r)
        case .create2(var r): r.path = map(r.path); return .create2(r)
        case .sync(var r): r.path = map(r.path); return .sync(r)
        case .ephemerals(var r): r.ephemerals = r.ephemerals.map(map); return .ephemerals(r)
        case .multi(var r):
            r.results = r.results.map { result in
                switch result {
                case .create(var c): c.path = map(c.path); return .create(c)
                case .create2(var c): c.path = map(c.path); return .create2(c)
                case .delete, .setData, .check, .getChildren, .getData, .error: return result
                }
            }
            return .multi(r)
        case .none, .stat, .getData, .getACL, .getChildren, .getChildren2, .allChildrenNumber, .errorResponse,
             .whoAmI, .sasl:
            return self
        }
    }
}
