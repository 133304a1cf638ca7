function __swzk_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __swzk_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __swzk_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __swzk_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __swzk_parse_tokens -S
    set -l unparsed_tokens (__swzk_tokens -pc)
    switch $unparsed_tokens[1]
    case 'swzk'
        __swzk_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'server'
            __swzk_parse_subcommand 0 'c/config=' 'D=+' 'v/verbose' 'version' 'h/help'
        case 'bench'
            __swzk_parse_subcommand 0 'server=' 'sessions=' 'depth=' 'op=' 'read-pct=' 'value-size=' 'znodes=' 'duration=' 'count=' 'warmup=' 'rate=' 'latency' 'json' 'version' 'h/help'
        case 'log-dump'
            __swzk_parse_subcommand 1 'zxid=' 'session=' 'path=' 'type=+' 'since=' 'until=' 'json' 'data=' 'verify' 'repair=' 'version' 'h/help'
        case 'snapshot-dump'
            __swzk_parse_subcommand 1 'd/data' 'json' 'summary-only' 'jute-maxbuffer=' 'version' 'h/help'
        case 'purge'
            __swzk_parse_subcommand 2 'n=' 'dry-run' 'version' 'h/help'
        case 'client'
            __swzk_parse_subcommand -r 1 'server=' 'timeout=' 'r' 'auth=+' 'json' 'v' 'keep-going' 'version' 'h/help'
        case 'cluster-local'
            __swzk_parse_subcommand -r 1 'observers=' 'base-port=' 'dir=' 'keep' 'tick-time=' 'D=+' 'json' 'version' 'h/help'
        case 'help'
            __swzk_parse_subcommand -r 1 'version'
        end
    end
end

function __swzk_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __swzk_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __swzk_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __swzk_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__swzk_tokens -p)
    if test -z "$(__swzk_tokens -t)"
        set -l index (count (__swzk_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'swzk' -f
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk" version' -l 'version' -d 'Show the version.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_positional "swzk" -eq 1' -fa 'server' -d 'Run a ZooKeeper server.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_positional "swzk" -eq 1' -fa 'bench' -d 'Measure throughput and latency of a ZooKeeper-compatible ensemble.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_positional "swzk" -eq 1' -fa 'log-dump' -d 'Print, verify or repair ZooKeeper transaction logs.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_positional "swzk" -eq 1' -fa 'snapshot-dump' -d 'Print the contents of a snapshot file.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_positional "swzk" -eq 1' -fa 'purge' -d 'Delete old snapshots and the txn logs no kept snapshot needs.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_positional "swzk" -eq 1' -fa 'client' -d 'A ZooKeeper shell with zkCli\'s commands: one command, a script on stdin, or interactive.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_positional "swzk" -eq 1' -fa 'cluster-local' -d 'Run an ensemble of swzk servers on 127.0.0.1, with a control console.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_positional "swzk" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk server" c config' -s 'c' -l 'config' -d 'The zoo.cfg to read.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk server"' -s 'D' -d 'Set a property as Java\'s -D does, overriding zoo.cfg (e.g. -D jute.maxbuffer=4194304).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk server" v verbose' -s 'v' -l 'verbose' -d 'Log debug detail to stderr.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk server" version' -l 'version' -d 'Show the version.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk server" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" server' -l 'server' -d 'Servers to load, host:port[,host:port...]; sessions are spread over them.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" sessions' -l 'sessions' -d 'Concurrent sessions (one connection each).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" depth' -l 'depth' -d 'Requests each session keeps in flight (closed loop).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" op' -l 'op' -d 'Operation: create, set, get, exists, delete or mixed.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" read-pct' -l 'read-pct' -d 'Percentage of reads (getData) in the mixed workload; the rest are setData.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" value-size' -l 'value-size' -d 'Bytes of data per znode written.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" znodes' -l 'znodes' -d 'Znodes in the key space get, set, exists, delete and mixed address.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" duration' -l 'duration' -d 'Measured time, e.g. 30s, 500ms, 2m (ignored with --count).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" count' -l 'count' -d 'Measured operations in total instead of a duration (with --latency: znodes per phase).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" warmup' -l 'warmup' -d 'Unmeasured load before measuring, e.g. 30s.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" rate' -l 'rate' -d 'Open-loop target rate in ops/s for all sessions together.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" latency' -l 'latency' -d 'Run the latency test: one session, synchronous create/set/get/delete of --count znodes.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" json' -l 'json' -d 'Print the whole result as one JSON object.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" version' -l 'version' -d 'Show the version.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk bench" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" zxid' -l 'zxid' -d 'Only txns with a zxid in this range, both ends included; FROM alone or FROM: reads to the end, :TO from the start.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" session' -l 'session' -d 'Only txns of this session id (e.g. 0x10000798bea0000).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" path' -l 'path' -d 'Only txns touching a node whose path starts with this text (/app matches /app, /app/x and /apple; use /app/ for children only). A multi matches through any of its operations; a closeSession through the ephemerals it deletes.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump"' -l 'type' -d 'Only txns of this type; repeat for several. Types: createSession, closeSession, create, create2, createContainer, createTtl, delete, deleteContainer, setData, setACL, reconfig, check, multi, error. A multi matches when one of its operations has the type.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" since' -l 'since' -d 'Only txns at or after this time: epoch milliseconds, or ISO-8601 such as 2026-11-22T09:36:58Z (no offset means UTC).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" until' -l 'until' -d 'Only txns at or before this time, in the same forms as --since.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" json' -l 'json' -d 'Print one JSON object per txn instead of toolkit lines; ids are hex strings, data comes with its encoding.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" data' -l 'data' -d 'How to show node data: auto (text if valid UTF-8, else hex), text (UTF-8 with bad bytes replaced, as Apache\'s tool prints it), hex or base64.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" verify' -l 'verify' -d 'Check every checksum, that every record decodes and that zxids follow each other; print each problem with its file and offset, then a summary.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" repair' -l 'repair' -d 'Write a copy that ends before the first bad record to this new path (a directory when reading a directory); the original is never changed.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" version' -l 'version' -d 'Show the version.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk log-dump" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk snapshot-dump" d data' -s 'd' -l 'data' -d 'Print each node\'s data in base64 instead of its length.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk snapshot-dump" json' -l 'json' -d 'Print one JSON object (summary, sessions, nodes) instead of text.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk snapshot-dump" summary-only' -l 'summary-only' -d 'Print only the summary, not the nodes and sessions.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk snapshot-dump" jute-maxbuffer' -l 'jute-maxbuffer' -d 'Largest node data accepted, as the server\'s jute.maxbuffer (default 1048575).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk snapshot-dump" version' -l 'version' -d 'Show the version.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk snapshot-dump" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk purge" n' -s 'n' -d 'How many of the newest snapshots to keep; at least 3.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk purge" dry-run' -l 'dry-run' -d 'Print what would be kept and removed, and remove nothing.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk purge" version' -l 'version' -d 'Show the version.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk purge" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client" server server' -o 'server' -l 'server' -d 'Servers, host:port[,host:port...][/chroot].' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client" timeout timeout' -o 'timeout' -l 'timeout' -d 'Session timeout requested, in ms.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client" r' -s 'r' -d 'Accept a read-only server.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client"' -l 'auth' -d 'Credentials added after connecting (repeatable).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client" json' -l 'json' -d 'Print structured results as JSON, one line each.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client" v' -s 'v' -d 'Log to stderr.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client" keep-going' -l 'keep-going' -d 'In a script, go on after a failing command.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client" version' -l 'version' -d 'Show the version.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk client" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local" observers' -l 'observers' -d 'Observers besides the voters.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local" base-port' -l 'base-port' -d 'First port of a fixed port range.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local" dir' -l 'dir' -d 'Keep the members\' directories here, and reuse them on a later run.' -rfa '(__swzk_complete_directories)'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local" keep' -l 'keep' -d 'Keep the temporary directory at exit.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local" tick-time' -l 'tick-time' -d 'tickTime in ms.' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local"' -s 'D' -d 'A zoo.cfg setting for every member (repeatable).' -rfka ''
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local" json' -l 'json' -d 'Print the member table (and status, leader) as one JSON line.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local" version' -l 'version' -d 'Show the version.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk cluster-local" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swzk' -n '__swzk_should_offer_completions_for_flags_or_options "swzk help" version' -l 'version' -d 'Show the version.'
