/// `dump`: sessions by expiry bucket, ephemeral nodes by session, connections by expiry.
extension FourLetterWordRenderer {
    /// How long a connection that has not completed its handshake may stay open, and the width
    /// of ZooKeeper's connection expiry buckets (`zookeeper.nio.sessionlessCnxnTimeout`, 10 s).
    static let sessionlessConnectionTimeoutMs: Int64 = 10_000

    /// `dump` for a standalone server: ZooKeeper's `DumpCommand`, i.e. the session tracker's
    /// `Session Sets (<buckets>)/(<sessions>):` with a `<n> expire at <date>:` line per bucket
    /// and a tab-indented `0x<sid>` per session, then `ephemeral nodes dump:` with
    /// `Sessions with Ephemerals (<n>):`, then `Connections dump:` and the connection sets.
    static func dump(report: ServerReport) -> String {
        var out = "SessionTracker dump:\n"
        let buckets = report.sessionBuckets.sorted { $0.expiresAtWallMs < $1.expiresAtWallMs }
        out += expirySets(
            title: "Session",
            buckets: buckets.map { ($0.expiresAtWallMs, $0.sessions.map { "0x" + $0.hex }) })
        out += "ephemeral nodes dump:\n"
        out += "Sessions with Ephemerals (\(report.ephemerals.count)):\n"
        for (session, paths) in report.ephemerals {
            out += "0x" + session.hex + ":\n"
            for path in paths { out += "\t" + path + "\n" }
        }
        out += "Connections dump:\n"
        out += expirySets(title: "Connections", buckets: connectionBuckets(report: report))
        return out
    }

    /// An `ExpiryQueue.dump`: `<title> Sets (<buckets>)/(<elements>):`, then per bucket, oldest
    /// first, `<n> expire at <Java date>:` and a tab-indented line per element.
    static func expirySets(title: String, buckets: [(expiresAtWallMs: Int64, elements: [String])]) -> String {
        let total = buckets.reduce(0) { $0 + $1.elements.count }
        var out = title + " Sets (\(buckets.count))/(\(total)):\n"
        for (expiresAt, elements) in buckets {
            out += "\(elements.count) expire at " + JavaFormat.dateStringUTC(epochMs: expiresAt) + ":\n"
            for element in elements { out += "\t" + element + "\n" }
        }
        return out
    }

    /// Connections grouped by when they would be dropped, as `ip: /<addr>:<port> sessionId: 0x<sid>`.
    ///
    /// ZooKeeper's NIO factory keeps a separate expiry queue of connections, touched on every
    /// packet; swzk has none, because a connection's liveness is its session's. So the deadline
    /// shown is derived: a connection with a session expires with its session's bucket (or, if
    /// the session is in no bucket, `timeout` after it was established); one without a session
    /// `sessionlessConnectionTimeoutMs` after it was accepted. Connections sharing a deadline
    /// share a bucket; there are no empty buckets. The shape matches ZooKeeper's, the times are
    /// close to but not exactly what ZooKeeper would print.
    static func connectionBuckets(report: ServerReport) -> [(expiresAtWallMs: Int64, elements: [String])] {
        var sessionExpiry: [SessionID: Int64] = [:]
        for bucket in report.sessionBuckets {
            for session in bucket.sessions { sessionExpiry[session] = bucket.expiresAtWallMs }
        }
        var byTime: [Int64: [String]] = [:]
        for connection in report.connections {
            let session = connection.session.flatMap { $0.rawValue == 0 ? nil : $0 }
            let expiresAt: Int64
            if let session {
                expiresAt = sessionExpiry[session]
                    ?? connection.establishedWallMs + Int64(connection.timeoutMs)
            } else {
                expiresAt = connection.establishedWallMs + sessionlessConnectionTimeoutMs
            }
            let element = "ip: " + socketAddress(connection) + " sessionId: 0x" + (session?.hex ?? "0")
            byTime[expiresAt, default: []].append(element)
        }
        return byTime.keys.sorted().map { ($0, byTime[$0]!) }
    }
}
