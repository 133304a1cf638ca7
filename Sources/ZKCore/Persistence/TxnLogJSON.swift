/// One JSON object per transaction, for `swzk log-dump --json`.
///
/// Zxids and session ids are hex strings ("0x1f") because they exceed the 53 bits a JSON number
/// holds exactly in most readers; other numbers are numbers. Node data comes with a
/// `dataEncoding` of `text`, `hex` or `base64`, and multi operations are decoded into `ops`.
public enum TxnLogJSON {
    /// The object for one record, without a newline.
    public static func object(_ record: TxnLogRecord, data: TxnDataFormat = .auto) -> String {
        let h = record.entry.header
        var o = JSONObject()
        o.string("file", record.file)
        o.number("offset", Int64(record.offset))
        o.string("zxid", "0x" + TxnLogText.javaHex(h.zxid))
        o.number("time", h.time)
        o.string("timeISO", TxnLogText.isoDateTime(epochMs: h.time))
        o.string("session", "0x" + TxnLogText.javaHex(h.clientId))
        o.number("cxid", Int64(h.cxid))
        o.string("type", h.type.name)
        o.number("typeCode", Int64(h.type.rawValue))
        if case .closeSession(nil) = record.entry.body {
            o.raw("txn", "null")
        } else {
            var txn = JSONObject()
            fields(record.entry.body, into: &txn, data: data)
            o.raw("txn", txn.text)
        }
        if let digest = record.entry.digest {
            var d = JSONObject()
            d.number("version", Int64(digest.version))
            d.number("treeDigest", digest.treeDigest)
            o.raw("digest", d.text)
        } else {
            o.raw("digest", "null")
        }
        return o.text
    }

    private static func fields(_ body: TxnBody, into o: inout JSONObject, data: TxnDataFormat) {
        switch body {
        case .createSession(let t):
            o.number("timeOut", Int64(t.timeOut))
        case .closeSession(let t):
            o.raw("paths2Delete", array((t?.paths2Delete ?? []).map(quoted)))
        case .create(let t):
            o.string("path", t.path); nodeData(t.data, into: &o, data); acl(t.acl, into: &o)
            o.raw("ephemeral", String(t.ephemeral)); o.number("parentCVersion", Int64(t.parentCVersion))
        case .createV0(let v0):
            fields(.create(v0.asCreateTxn), into: &o, data: data)
        case .createContainer(let t):
            o.string("path", t.path); nodeData(t.data, into: &o, data); acl(t.acl, into: &o)
            o.number("parentCVersion", Int64(t.parentCVersion))
        case .createTTL(let t):
            o.string("path", t.path); nodeData(t.data, into: &o, data); acl(t.acl, into: &o)
            o.number("parentCVersion", Int64(t.parentCVersion)); o.number("ttl", t.ttl)
        case .delete(let t):
            o.string("path", t.path)
        case .setData(let t):
            o.string("path", t.path); nodeData(t.data, into: &o, data); o.number("version", Int64(t.version))
        case .setACL(let t):
            o.string("path", t.path); acl(t.acl, into: &o); o.number("version", Int64(t.version))
        case .check(let t):
            o.string("path", t.path); o.number("version", Int64(t.version))
        case .error(let t):
            o.number("err", Int64(t.err.rawValue))
        case .multi(let subs):
            let ops = subs.map { sub in
                var op = JSONObject()
                op.string("type", sub.type.name)
                op.number("typeCode", Int64(sub.type.rawValue))
                fields(sub.body, into: &op, data: data)
                return op.text
            }
            o.raw("ops", array(ops))
        }
    }

    private static func nodeData(_ bytes: [UInt8]?, into o: inout JSONObject, _ format: TxnDataFormat) {
        guard let bytes else {
            o.raw("data", "null")
            return
        }
        let (text, encoding) = format.render(bytes)
        o.string("data", text)
        o.string("dataEncoding", encoding.rawValue)
    }

    private static func acl(_ acls: [ACL], into o: inout JSONObject) {
        o.raw("acl", array(acls.map { entry in
            var a = JSONObject()
            a.number("perms", Int64(entry.perms.rawValue))
            a.string("scheme", entry.id.scheme)
            a.string("id", entry.id.id)
            return a.text
        }))
    }

    private static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String { JSONText.quoted(s) }
}

/// Builds one JSON object with keys in insertion order.
private struct JSONObject {
    private var parts: [String] = []
    mutating func string(_ key: String, _ value: String) { raw(key, TxnLogJSON.quoted(value)) }
    mutating func number(_ key: String, _ value: Int64) { raw(key, String(value)) }
    mutating func raw(_ key: String, _ json: String) { parts.append(TxnLogJSON.quoted(key) + ":" + json) }
    var text: String { "{" + parts.joined(separator: ",") + "}" }
}
