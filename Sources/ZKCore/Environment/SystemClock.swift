#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real clocks, read only by the runtime and handed to the core as `CoreTime`.
public enum SystemClock {
    /// Wall-clock and monotonic milliseconds now.
    public static func now() -> CoreTime {
        CoreTime(wallMs: read(CLOCK_REALTIME), monotonicMs: read(CLOCK_MONOTONIC))
    }

    /// Monotonic nanoseconds, for measuring durations.
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
