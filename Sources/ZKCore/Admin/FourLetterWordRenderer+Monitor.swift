/// `mntr`: every metric a standalone 3.8 server lists, as `zk_<key>\t<value>` lines.
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

    /// `mntr` for a standalone server: fixed keys, gauges, counters, then summaries, each group
    /// in the order of spec §14.3 (ZooKeeper prints hash-map order, which no tool relies on; a
    /// fixed order keeps the output diffable).
    ///
    /// Metrics swzk does not measure print what a fresh ZooKeeper prints: counters 0, summaries
    /// `0.0` average and 0 for the rest. Per-namespace sets are left out (no quotas tracked, no
    /// per-namespace samples).
    ///
    /// TODO: the quorum keys (`zk_peer_state`, `zk_quorum_size`, leader gauges) come with the
    /// Quorum machines, whose state the report does not carry yet.
    static func monitor(report: ServerReport, info: ServerInfo) -> String {
        var lines: [(String, MonitorValue)] = [
            ("version", .text(info.version)),
            ("server_state", .text(report.mode)),
        ]
        lines += monitorGauges(report: report)
        let knownCounters: [String: Int64] = [
            "connection_rejected": report.connectionRejected,
            "throttled_ops": report.throttledOps,
            "sessionless_connections_expired": report.sessionlessConnectionsExpired,
        ]
        for name in monitorCounterNames {
            lines.append((name, .integer(knownCounters[name] ?? 0)))
        }
        for name in basicSummaryNames {
            lines += emptySummary(name, advanced: false)
        }
        for name in advancedSummaryNames {
            lines += emptySummary(name, advanced: true)
        }
        return lines.map { "zk_" + $0.0 + "\t" + $0.1.formatted + "\n" }.joined()
    }

    /// The gauges of a standalone server, in spec order.
    static func monitorGauges(report: ServerReport) -> [(String, MonitorValue)] {
        [
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

    /// Counters of 3.8 (`ServerMetrics`), spec order.
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

    /// Summaries reported as avg/min/max/cnt/sum (`Summary.SummaryLevel.BASIC`), spec order.
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

    /// Summaries that add p50/p95/p99/p999 (`Summary.SummaryLevel.ADVANCED`), spec order.
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
