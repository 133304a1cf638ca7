/// Snapshots of the core's state for the four-letter words.
extension ServerCore {
    /// Everything the four-letter words print, taken at `now`.
    public func report(now: CoreTime) -> ServerReport {
        var report = ServerReport()
        report.lastZxid = tree.lastProcessedZxid
        report.nodeCount = tree.reportedNodeCount
        report.minLatencyMs = statistics.reportedMinLatency
        report.avgLatencyMs = statistics.averageLatency
        report.maxLatencyMs = statistics.maxLatencyMs
        report.packetsReceived = statistics.packetsReceived
        report.packetsSent = statistics.packetsSent
        report.outstandingRequests = outstandingTotal
        report.connections = connections.values.sorted { $0.id < $1.id }.map { c in
            ConnectionReport(
                address: c.address, port: c.port, interestOps: throttled ? 0 : 1, queued: c.outstanding,
                received: c.packetsReceived, sent: c.packetsSent, session: c.session, lastOp: c.lastOp,
                establishedWallMs: c.establishedWallMs,
                timeoutMs: c.session.flatMap { sessions.sessions[$0]?.timeoutMs } ?? 0,
                lastCxid: c.lastCxid, lastZxid: c.lastZxid, lastResponseMs: c.lastResponseMs,
                lastLatencyMs: c.lastLatencyMs, minLatencyMs: c.latencyCount == 0 ? 0 : c.minLatencyMs,
                avgLatencyMs: c.latencyCount == 0 ? 0 : c.totalLatencyMs / c.latencyCount,
                maxLatencyMs: c.maxLatencyMs)
        }
        report.sessionBuckets = sessions.bucketsByTime.map { bucket in
            (now.wallMs + (bucket.at - now.monotonicMs), bucket.sessions)
        }
        report.ephemerals = tree.ephemerals.keys.sorted().map { ($0, tree.ephemerals[$0]!.sorted()) }
        let sessionOf: (ConnectionID) -> SessionID? = { connections[$0]?.session }
        report.dataWatchesBySession = watches.data.pathsByConnection
            .compactMap { id, paths in sessionOf(id).map { ($0, paths.sorted()) } }
            .sorted { $0.session < $1.session }
        report.dataWatchesByPath = watches.data.connectionsByPath
            .map { path, ids in (path, ids.compactMap(sessionOf).sorted()) }
            .sorted { $0.path < $1.path }
        report.dataWatchCount = watches.data.watchCount
        report.dataWatchConnectionCount = watches.data.connectionCount
        report.totalWatchCount = watches.totalWatchCount
        report.ephemeralsCount = tree.ephemerals.values.reduce(0) { $0 + $1.count }
        report.approximateDataSize = tree.approximateDataSize
        report.globalSessions = sessions.sessions.count
        report.uptimeMs = now.monotonicMs - startedAt.monotonicMs
        report.connectionRejected = statistics.connectionRejected
        report.authFailedCount = statistics.authFailedCount
        report.throttledOps = statistics.throttledOps
        report.sessionlessConnectionsExpired = statistics.sessionlessConnectionsExpired
        report.digestMismatches = statistics.digestMismatches
        return report
    }

    /// Live sessions and their timeouts, in id order (what a snapshot records).
    public var liveSessions: [(id: SessionID, timeoutMs: Int32)] {
        sessions.sessions.values.sorted { $0.id < $1.id }.map { ($0.id, $0.timeoutMs) }
    }

    /// Counts a four-letter word as a received packet, as ZooKeeper does.
    public mutating func countFourLetterWord(_ id: ConnectionID) {
        connections[id]?.packetsReceived += 1
        statistics.packetsReceived += 1
    }

    /// Counts a four-letter word's answer as a sent packet.
    public mutating func countFourLetterWordReply() { statistics.packetsSent += 1 }

    /// `srst`: clears the server's latency and packet counters.
    public mutating func resetServerStatistics() { statistics.reset() }

    /// `crst`: clears every connection's counters.
    public mutating func resetConnectionStatistics() {
        for id in connections.keys { connections[id]?.resetStatistics() }
    }
}
