/// A failed ZooKeeper operation: the result code, the path it concerned, and for a failed multi
/// every op's result (ZooKeeper's `KeeperException` with `getPath` and `getResults`).
///
/// Codes come from the server (NoNode, NodeExists, BadVersion, NoAuth…) or from the client
/// (ConnectionLoss when the connection broke with the request outstanding, SessionExpired after
/// expiry or close, AuthFailed after rejected credentials, NoWatcher for a watch not registered,
/// BadArguments for a path the client refused to send).
public struct ZooKeeperError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    /// The client path of the operation (for a multi, of the op that failed), when there is one.
    public var path: String?
    /// For a failed multi: one result per op, the failing one and those after it as `.error`.
    public var results: [OpResult]
    /// Why the client refused an argument, for client-side BadArguments.
    public var detail: String?

    public init(code: ErrorCode, path: String? = nil, results: [OpResult] = [], detail: String? = nil) {
        self.code = code; self.path = path; self.results = results; self.detail = detail
    }

    /// `KeeperErrorCode = <text>[ for <path>]`, as `KeeperException.getMessage`.
    public var description: String {
        var text = "KeeperErrorCode = \(code.text)"
        if let path { text += " for \(path)" }
        if let detail { text += ": \(detail)" }
        return text
    }
}

/// Checks a client path before it is sent, as ZooKeeper's client does with `PathUtils.validatePath`.
/// A sequential create may end in `/` (the server appends the suffix).
func validatePath(_ path: String, sequential: Bool = false) throws(ZooKeeperError) {
    do {
        try PathValidation.check(sequential ? path + "1" : path)
    } catch {
        throw ZooKeeperError(code: .badArguments, path: path, detail: error.message(for: path))
    }
}
