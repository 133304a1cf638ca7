/// `mntr`: every metric a 3.8 server lists, as `zk_<key>\t<value>` lines.
extension FourLetterWordRenderer {
    /// One `mntr` value. Java prints `Integer`/`Long` as is, other numbers through
    /// `Double.toString`, anything else with `toString` (ZooKeeper's `MonitorCommand.print`).
    enum MonitorValue: Equatable {
        case integer(Int64)
        case double(Double)
        case text(String)

        /// The value as it appears after the tab.
        var formatted: String {
            switch self {
            case .integer(let value): return String(value)
            case .double(let value): return JavaFormat.double(value)
            case .text(let value): return value
            }
        }
    }

    /// `mntr`: the fixed keys (`zk_version`, `zk_server_state`, and for an ensemble member
    /// `zk_peer_state`, plus `zk_observer_master_id` on an observer), then the gauges, counters,
    /// basic summaries and advanced summaries, each group in the order ZooKeeper 3.8 prints it
    /// (`MonitorCommand` over `dumpMonitorValues` and `DefaultMetricsProvider.dump`, whose maps
    /// iterate in hash order, reproduced by `JavaHashOrder`).
    ///
    /// Metrics swzk does not measure print what a fresh ZooKeeper prints: counters 0, summaries
    /// `0.0` average and 0 for the rest. Summary and gauge sets (per-namespace quotas and
    /// reads/writes, per-learner queue stats) are left out: swzk keeps no per-set samples.
    static func monitor(report: ServerReport, info: ServerInfo) -> String {
        var lines: [(String, MonitorValue)] = [
            ("version", .text(info.version)),
            ("server_state", .text(report.serverState)),
        ]
        let quorum = monitoredQuorum(report)
        if let quorum {
            lines.append(("peer_state", .text(quorum.detailedPeerState)))
            switch quorum.peerState {
            case .observing: lines.append(("observer_master_id", .integer(quorum.learnerMasterID)))
            case .looking, .following, .leading: break
            }
        }
        let gauges = monitorGauges(report: report, quorum: quorum)
        let gaugeValues = Dictionary(gauges.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
        for name in JavaHashOrder.concurrentHashMap(gauges.map(\.0)) {
            if let value = gaugeValues[name] ?? nil { lines.append((name, value)) }
        }
        let knownCounters: [String: Int64] = [
            "connection_rejected": report.connectionRejected,
            "throttled_ops": report.throttledOps,
            "sessionless_connections_expired": report.sessionlessConnectionsExpired,
            "digest_mismatches_count": report.digestMismatches,
        ]
        for name in monitorCounterOrder {
            lines.append((name, .integer(knownCounters[name] ?? 0)))
        }
        for name in basicSummaryOrder {
            lines += emptySummary(name, advanced: false)
        }
        for name in advancedSummaryOrder {
            lines += emptySummary(name, advanced: true)
        }
        return lines.map { "zk_" + $0.0 + "\t" + $0.1.formatted + "\n" }.joined()
    }

    /// The quorum part `mntr` shows: none for a standalone server, a read-only server (ZooKeeper's
    /// `ReadOnlyZooKeeperServer` is no `QuorumZooKeeperServer`) or a peer still looking.
    static func monitoredQuorum(_ report: ServerReport) -> QuorumReport? {
        guard report.mode != "read-only", let quorum = report.quorum, quorum.serverState != nil else { return nil }
        return quorum
    }

    /// The gauges in ZooKeeper's registration order (`ZooKeeperServer.registerMetrics`, then
    /// `QuorumZooKeeperServer`'s `quorum_size`, then the leader's or follower's own), which decides
    /// where each lands in the hash map. A nil value is a registered gauge that reads null and is
    /// not printed, as a follower's `synced_observers` without an observer master.
    static func monitorGauges(report: ServerReport, quorum: QuorumReport?) -> [(String, MonitorValue?)] {
        var gauges: [(String, MonitorValue?)] = [
            ("avg_latency", .double(JavaFormat.roundedHalfUp(report.avgLatencyMs, scale: 4))),
            ("max_latency", .integer(report.maxLatencyMs)),
            ("min_latency", .integer(report.minLatencyMs)),
            ("packets_received", .integer(report.packetsReceived)),
            ("packets_sent", .integer(report.packetsSent)),
            ("num_alive_connections", .integer(Int64(report.connections.count))),
            ("outstanding_requests", .integer(Int64(report.outstandingRequests))),
            ("uptime", .integer(report.uptimeMs)),
            ("znode_count", .integer(Int64(report.nodeCount))),
            ("watch_count", .integer(Int64(report.totalWatchCount))),
            ("ephemerals_count", .integer(Int64(report.ephemeralsCount))),
            ("approximate_data_size", .integer(Int64(report.approximateDataSize))),
            ("global_sessions", .integer(Int64(report.globalSessions))),
            ("local_sessions", .integer(0)),
            ("open_file_descriptor_count", .integer(Int64(report.openFileDescriptorCount))),
            ("max_file_descriptor_count", .integer(Int64(report.maxFileDescriptorCount))),
            ("connection_drop_probability", .double(0)),
            ("last_client_response_size", .integer(Int64(report.lastClientResponseSize))),
            ("max_client_response_size", .integer(Int64(report.maxClientResponseSize))),
            ("min_client_response_size", .integer(Int64(report.minClientResponseSize))),
            ("outstanding_tls_handshake", .integer(0)),
            ("auth_failed_count", .integer(report.authFailedCount)),
            ("non_mtls_remote_conn_count", .integer(0)),
            ("non_mtls_local_conn_count", .integer(0)),
        ]
        guard let quorum else { return gauges }
        gauges.append(("quorum_size", .integer(Int64(quorum.quorumSize))))
        switch quorum.peerState {
        case .leading:
            let leader = quorum.leader ?? QuorumReport.LeaderReport()
            gauges += [
                ("learners", .integer(Int64(leader.learners))),
                ("synced_followers", .integer(Int64(leader.syncedFollowers))),
                ("synced_non_voting_followers", .integer(Int64(leader.syncedNonVotingFollowers))),
                ("synced_observers", .integer(Int64(leader.syncedObservers))),
                ("pending_syncs", .integer(Int64(leader.pendingSyncs))),
                ("leader_uptime", .integer(leader.uptimeMs)),
                ("last_proposal_size", .integer(Int64(report.lastProposalSize))),
                ("max_proposal_size", .integer(Int64(report.maxProposalSize))),
                ("min_proposal_size", .integer(Int64(report.minProposalSize))),
            ]
        case .following:
            gauges.append(("synced_observers", quorum.followerSyncedObservers.map { .integer(Int64($0)) }))
        case .observing, .looking:
            break
        }
        return gauges
    }

    /// A summary with no samples: `avg` 0.0, `min`/`max`/`cnt`/`sum` 0, and for an advanced
    /// summary the percentiles 0 (ZooKeeper's `AvgMinMaxCounter` and its percentile variant).
    static func emptySummary(_ name: String, advanced: Bool) -> [(String, MonitorValue)] {
        var lines: [(String, MonitorValue)] = [("avg_" + name, .double(0))]
        for prefix in ["min_", "max_", "cnt_", "sum_"] {
            lines.append((prefix + name, .integer(0)))
        }
        if advanced {
            for prefix in ["p50_", "p95_", "p99_", "p999_"] {
                lines.append((prefix + name, .integer(0)))
            }
        }
        return lines
    }

    /// The counters in the order `mntr` prints them.
    static let monitorCounterOrder = JavaHashOrder.concurrentHashMap(monitorCounterNames)
    /// The basic summaries in the order `mntr` prints them.
    static let basicSummaryOrder = JavaHashOrder.concurrentHashMap(basicSummaryNames)
    /// The advanced summaries in the order `mntr` prints them.
    static let advancedSummaryOrder = JavaHashOrder.concurrentHashMap(advancedSummaryNames)

    /// Counters of 3.8 (`ServerMetrics`), in registration order (the constructor's).
    static let monitorCounterNames = [
        "looking_count", "diff_count", "snap_count", "commit_count", "connection_request_count",
        "connection_rejected", "bytes_received_count", "unrecoverable_error_count",
        "add_dead_watcher_stall_time", "dead_watchers_queued", "dead_watchers_cleared",
        "response_packet_cache_hits", "response_packet_cache_misses",
        "response_packet_get_children_cache_hits", "response_packet_get_children_cache_misses",
        "ensemble_auth_success", "ensemble_auth_fail", "ensemble_auth_skip",
        "prep_processor_request_queued", "outstanding_changes_queued", "outstanding_changes_removed",
        "revalidate_count", "connection_drop_count", "connection_revalidate_count",
        "sessionless_connections_expired", "stale_sessions_expired", "request_commit_queued",
        "throttled_ops", "learner_proposal_received_count", "learner_commit_received_count",
        "sync_processor_request_queued", "proposal_count", "quit_leading_due_to_disloyal_voter",
        "stale_requests", "stale_requests_dropped", "stale_replies", "request_throttle_wait_count",
        "large_requests_rejected", "digest_mismatches_count", "unsuccessful_handshake",
        "insecure_admin_count", "tls_handshake_exceeded", "cnxn_closed_without_zk_server_running",
        "skip_learner_request_to_next_processor_count", "requests_not_forwarded_to_commit_processor",
        "response_bytes", "watch_bytes",
    ]

    /// Summaries reported as avg/min/max/cnt/sum (`Summary.SummaryLevel.BASIC`), registration order.
    static let basicSummaryNames = [
        "fsynctime", "snapshottime", "dbinittime", "follower_sync_time", "observer_sync_time",
        "election_time", "connection_token_deficit", "inflight_snap_count", "inflight_diff_count",
        "node_created_watch_count", "node_deleted_watch_count", "node_changed_watch_count",
        "node_children_watch_count", "prep_processor_queue_size", "prep_process_time",
        "proposal_process_time", "unavailable_time", "leader_unavailable_time",
        "requests_in_session_queue", "pending_session_queue_size", "reads_after_write_in_session_queue",
        "reads_issued_from_session_queue", "session_queues_drained",
        "time_waiting_empty_pool_in_commit_processor_read_ms", "write_batch_time_in_commit_processor",
        "concurrent_request_processing_in_commit_processor", "read_commit_proc_req_queued",
        "write_commit_proc_req_queued", "commit_commit_proc_req_queued", "read_commit_proc_issued",
        "write_commit_proc_issued", "commit_process_time", "startup_txns_loaded",
        "startup_txns_load_time", "startup_snap_load_time", "sync_processor_queue_size",
        "sync_process_time", "sync_processor_batch_size", "netty_queued_buffer_capacity",
        "learner_request_processor_queue_size", "socket_closing_time",
    ]

    /// Summaries that add p50/p95/p99/p999 (`Summary.SummaryLevel.ADVANCED`), registration order.
    static let advancedSummaryNames = [
        "readlatency", "updatelatency", "propagation_latency", "dead_watchers_cleaner_latency",
        "prep_processor_queue_time_ms", "close_session_prep_time", "read_commitproc_time_ms",
        "write_commitproc_time_ms", "local_write_committed_time_ms", "server_write_committed_time_ms",
        "om_proposal_process_time_ms", "om_commit_process_time_ms", "read_final_proc_time_ms",
        "write_final_proc_time_ms", "proposal_latency", "proposal_ack_creation_latency",
        "commit_propagation_latency", "sync_processor_queue_and_flush_time_ms",
        "sync_processor_queue_time_ms", "sync_processor_queue_flush_time_ms", "quorum_ack_latency",
        "request_throttle_queue_time_ms", "jvm_pause_time_ms",
    ]
}
