/// Renders four-letter-word answers as the exact text ZooKeeper 3.8 writes (spec §14.2).
///
/// Pure functions of a `ServerReport` (taken on the core's loop) and the static `ServerInfo`; the
/// runtime writes the string and closes the connection. Side effects of `srst`, `crst` and `stmk`
/// (resetting counters, setting the mask) are the caller's job before rendering. Counterparts:
/// ZooKeeper's `server/command/*Command.java`; every line ends in `\n` (`PrintWriter.println`
/// with the Unix separator) except where noted.
public enum FourLetterWordRenderer {
    /// What most words print while the server is not running (ZooKeeper's
    /// `AbstractFourLetterCommand.ZK_NOT_SERVING`), followed by a newline except for `hash`.
    public static let notServingText = "This ZooKeeper instance is not currently serving requests"

    /// The whole answer to `word`: the refusal text when the whitelist does not allow it,
    /// otherwise `render(_:report:info:serving:)`. The whitelist is checked before anything else,
    /// as in ZooKeeper's `NIOServerCnxn.checkFourLetterWord`, so a refused word never resets or
    /// reports anything.
    public static func response(
        for word: FourLetterWord, report: ServerReport, info: ServerInfo, serving: Bool
    ) -> String {
        guard word.isEnabled(by: info.fourLetterWordWhitelist) else { return refusal(for: word) }
        return render(word, report: report, info: info, serving: serving)
    }

    /// `<word> is not executed because it is not in the whitelist.` and a newline.
    public static func refusal(for word: FourLetterWord) -> String {
        word.rawValue + " is not executed because it is not in the whitelist.\n"
    }

    /// The text a whitelisted `word` answers. `serving` is false while the server has no running
    /// database (ensemble member looking for a leader, still loading): then most words print
    /// `notServingText`, `isro` prints `null`, and `ruok`, `envi`, `gtmk`, `stmk` answer as usual.
    /// The telnet close sequence answers nothing (the caller just closes).
    public static func render(
        _ word: FourLetterWord, report: ServerReport, info: ServerInfo, serving: Bool
    ) -> String {
        let notServing = notServingText + "\n"
        switch word {
        case .ruok: return "imok"
        case .envi: return environment(info: info)
        case .gtmk, .stmk: return String(report.traceMask)
        case .telnetClose: return ""
        case .isro: return serving ? (report.mode == "read-only" ? "ro" : "rw") : "null"
        case .hash: return serving ? digests(report: report) : notServingText
        case .srvr: return serving ? stats(report: report, info: info, withClients: false) : notServing
        case .stat: return serving ? stats(report: report, info: info, withClients: true) : notServing
        case .conf: return serving ? configuration(report: report, info: info) : notServing
        case .cons: return serving ? connections(report: report) : notServing
        case .crst: return serving ? "Connection stats reset.\n" : notServing
        case .srst: return serving ? "Server stats reset.\n" : notServing
        case .dirs: return serving ? directories(report: report) : notServing
        case .dump: return serving ? dump(report: report) : notServing
        case .mntr: return serving ? monitor(report: report, info: info) : notServing
        case .wchs: return serving ? watchSummary(report: report) : notServing
        case .wchc: return serving ? watchesBySession(report: report) : notServing
        case .wchp: return serving ? watchesByPath(report: report) : notServing
        }
    }

    /// Java's `Double.toString`, as `mntr` prints averages and other non-integer numbers.
    public static func javaDouble(_ value: Double) -> String { JavaFormat.double(value) }

    /// An average as ZooKeeper reports it: rounded half up to 4 decimals from the exact double
    /// (`AvgMinMaxCounter.getAvg`), then printed Java-style: 15.36 ⇒ `15.36`, 0 ⇒ `0.0`.
    public static func latencyAverage(_ average: Double) -> String {
        JavaFormat.double(JavaFormat.roundedHalfUp(average, scale: 4))
    }

    // MARK: - srvr and stat

    /// `srvr` (and `stat` with the `Clients:` block): ZooKeeper's `StatCommand` around
    /// `ServerStats.toString`.
    static func stats(report: ServerReport, info: ServerInfo, withClients: Bool) -> String {
        var out = "Zookeeper version: " + info.version + "\n"
        if report.mode == "read-only" {
            out += "READ-ONLY mode; serving only read-only clients\n"
        }
        if withClients {
            out += "Clients:\n"
            for connection in report.connections {
                out += connectionLine(connection, brief: true) + "\n"
            }
            out += "\n"
        }
        let latency = [String(report.minLatencyMs), latencyAverage(report.avgLatencyMs),
                       String(report.maxLatencyMs)]
        out += "Latency min/avg/max: " + latency.joined(separator: "/") + "\n"
        out += "Received: \(report.packetsReceived)\n"
        out += "Sent: \(report.packetsSent)\n"
        out += "Connections: \(report.connections.count)\n"
        out += "Outstanding: \(report.outstandingRequests)\n"
        out += "Zxid: 0x" + report.lastZxid.hex + "\n"
        out += "Mode: " + report.serverState + "\n"
        out += "Node count: \(report.nodeCount)\n"
        if report.serverState == "leader" {
            let sizes = [report.lastProposalSize, report.minProposalSize, report.maxProposalSize]
            out += "Proposal sizes last/min/max: " + sizes.map(String.init).joined(separator: "/") + "\n"
        }
        return out
    }

    // MARK: - cons

    /// `cons`: one full line per connection, then an empty line (ZooKeeper's `ConsCommand`).
    static func connections(report: ServerReport) -> String {
        var out = ""
        for connection in report.connections {
            out += connectionLine(connection, brief: false) + "\n"
        }
        return out + "\n"
    }

    /// One connection as `ServerCnxn.dumpConnectionInfo` prints it, without the line end:
    /// ` /<ip>:<port>[<ops>](queued=…,recved=…,sent=…` then, unless brief and only once the
    /// connection has a session, `sid`, `lop`, `est`, `to`, `lcxid` (when ≥ 0), `lzxid`, `lresp`
    /// and the four latencies; then `)`.
    static func connectionLine(_ connection: ConnectionReport, brief: Bool) -> String {
        let ops = connection.interestOps == 0 ? "0" : String(connection.interestOps, radix: 16)
        var out = " " + socketAddress(connection) + "[" + ops + "](queued=\(connection.queued)"
        out += ",recved=\(connection.received),sent=\(connection.sent)"
        if !brief, let session = connection.session, session.rawValue != 0 {
            out += ",sid=0x" + session.hex + ",lop=" + connection.lastOp
            out += ",est=\(connection.establishedWallMs),to=\(connection.timeoutMs)"
            if connection.lastCxid >= 0 {
                out += ",lcxid=0x" + String(connection.lastCxid, radix: 16)
            }
            out += ",lzxid=0x" + Zxid(connection.lastZxid).hex + ",lresp=\(connection.lastResponseMs)"
            out += ",llat=\(connection.lastLatencyMs),minlat=\(connection.minLatencyMs)"
            out += ",avglat=\(connection.avgLatencyMs),maxlat=\(connection.maxLatencyMs)"
        }
        return out + ")"
    }

    /// The peer as Java's `InetSocketAddress.toString()` of a resolved-by-address socket prints
    /// it: `/<ip>:<port>`.
    static func socketAddress(_ connection: ConnectionReport) -> String {
        "/" + connection.address + ":" + String(connection.port)
    }

    // MARK: - conf, envi, dirs, hash

    /// `conf`: ZooKeeper's `ZooKeeperServer.dumpConf`, ending with `serverId=<id>\n`; an ensemble
    /// member adds `QuorumZooKeeperServer.dumpConf`'s lines: initLimit, syncLimit, electionAlg,
    /// electionPort, quorumPort, peerType (the `LearnerType` ordinal), then `membership: ` on a
    /// line of its own and the config text with no newline after its last line.
    static func configuration(report: ServerReport, info: ServerInfo) -> String {
        let lines: [(String, String)] = [
            ("clientPort", String(info.clientPort)),
            ("secureClientPort", String(info.secureClientPort)),
            ("dataDir", info.dataDir),
            ("dataDirSize", String(report.dataDirSize)),
            ("dataLogDir", info.dataLogDir),
            ("dataLogSize", String(report.dataLogSize)),
            ("tickTime", String(info.tickTimeMs)),
            ("maxClientCnxns", String(info.maxClientCnxns)),
            ("minSessionTimeout", String(info.minSessionTimeoutMs)),
            ("maxSessionTimeout", String(info.maxSessionTimeoutMs)),
            ("clientPortListenBacklog", String(info.clientPortListenBacklog)),
            ("serverId", String(info.serverId)),
        ]
        let standalone = lines.map { $0.0 + "=" + $0.1 + "\n" }.joined()
        guard let ensemble = info.ensemble else { return standalone }
        let peerType: Int
        switch ensemble.peerType {
        case .participant: peerType = 0
        case .observer: peerType = 1
        }
        let quorumLines: [(String, String)] = [
            ("initLimit", String(ensemble.initLimit)),
            ("syncLimit", String(ensemble.syncLimit)),
            ("electionAlg", String(ensemble.electionAlg)),
            ("electionPort", ensemble.electionPorts.map(String.init).joined(separator: "|")),
            ("quorumPort", ensemble.quorumPorts.map(String.init).joined(separator: "|")),
            ("peerType", String(peerType)),
        ]
        return standalone + quorumLines.map { $0.0 + "=" + $0.1 + "\n" }.joined()
            + "membership: \n" + ensemble.membership
    }

    /// `envi`: `Environment:`, `zookeeper.version=<version>`, then `info.environment` in order
    /// (ZooKeeper's `EnvCommand` over `Environment.list()`).
    static func environment(info: ServerInfo) -> String {
        var out = "Environment:\nzookeeper.version=" + info.version + "\n"
        for (key, value) in info.environment {
            out += key + "=" + value + "\n"
        }
        return out
    }

    /// `dirs`: byte sizes of the snapshot and log directories.
    static func directories(report: ServerReport) -> String {
        "datadir_size: \(report.dataDirSize)\nlogdir_size: \(report.dataLogSize)\n"
    }

    /// `hash`: one `<hex zxid>: <digest>` line per recorded digest, oldest first. The digest is a
    /// Java `long`, so it is printed signed.
    static func digests(report: ServerReport) -> String {
        report.digestHistory.map { entry in
            entry.zxid.hex + ": " + String(Int64(bitPattern: entry.digest)) + "\n"
        }.joined()
    }

    // MARK: - wchs, wchc, wchp

    /// `wchs`: counts over the data-watch table only (ZooKeeper's `WatchManager.toString`, then
    /// the newline `WatchCommand` adds).
    static func watchSummary(report: ServerReport) -> String {
        "\(report.dataWatchConnectionCount) connections watching \(report.dataWatchesByPath.count) paths\n"
            + "Total watches:\(report.dataWatchCount)\n"
    }

    /// `wchc`: each watching session, then its watched paths indented by a tab; a final empty line.
    static func watchesBySession(report: ServerReport) -> String {
        var out = ""
        for (session, paths) in report.dataWatchesBySession {
            out += "0x" + session.hex + "\n"
            for path in paths { out += "\t" + path + "\n" }
        }
        return out + "\n"
    }

    /// `wchp`: each watched path, then the watching sessions indented by a tab; a final empty line.
    static func watchesByPath(report: ServerReport) -> String {
        var out = ""
        for (path, sessions) in report.dataWatchesByPath {
            out += path + "\n"
            for session in sessions { out += "\t0x" + session.hex + "\n" }
        }
        return out + "\n"
    }
}
