/// One `key = value` on its way into a `ServerConfig`: from a zoo.cfg line or a `-D` override.
///
/// Carries the origin so each typed conversion can fail with a one-line `ConfigError` naming
/// file:line (or flag) and the key as the user spelled it.
struct ConfigSetting: Sendable {
    /// The key as written.
    var rawKey: String
    /// The key the handler table knows it by (see `ConfigKeys.canonical`).
    var key: String
    var value: String
    var origin: ConfigOrigin

    /// A `ConfigError` about this setting, located at its origin and key.
    func error(_ problem: String) -> ConfigError {
        ConfigError(origin: origin, key: rawKey, problem: problem)
    }

    /// A one-line warning about this setting, located like `error`.
    func warning(_ text: String) -> String {
        ConfigError.format(origin: origin, key: rawKey, text: text)
    }

    /// A decimal integer in Java `int` range (as `Integer.parseInt` reads zoo.cfg numbers), at least `minimum`.
    func integer(atLeast minimum: Int) throws(ConfigError) -> Int {
        guard let number = Int32(value) else { throw error("'\(value)' is not a valid integer") }
        guard number >= minimum else {
            throw error(minimum == 0 ? "'\(value)' must not be negative" : "'\(value)' must be at least \(minimum)")
        }
        return Int(number)
    }

    /// A decimal number as Java's `Double.parseDouble` reads the usual spellings (`0.33`, `1`,
    /// `-1`, `5e-1`); infinities and NaN are refused.
    func double() throws(ConfigError) -> Double {
        guard let number = Double(value), number.isFinite else { throw error("'\(value)' is not a valid number") }
        return number
    }

    /// A TCP port, 0...65535 (0 lets the OS choose, handy for tests).
    func port() throws(ConfigError) -> Int {
        guard let number = Int(value), (0...65535).contains(number) else {
            throw error("'\(value)' is not a valid port number")
        }
        return number
    }

    /// Milliseconds as a `Duration`, at least `minimum` ms.
    func milliseconds(atLeast minimum: Int) throws(ConfigError) -> Duration {
        guard let number = Int32(value) else { throw error("'\(value)' is not a valid number of milliseconds") }
        guard number >= minimum else {
            throw error(minimum == 0 ? "'\(value)' must not be negative" : "'\(value)' must be positive")
        }
        return .milliseconds(Int(number))
    }

    /// `true` or `false`, any case, as `QuorumPeerConfig.parseBoolean` demands. ZooKeeper reads some
    /// system properties with `Boolean.parseBoolean`, which takes any other word as false; swzk
    /// rejects it instead, so a typo cannot silently disable a feature.
    func boolean() throws(ConfigError) -> Bool {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error("'\(value)' is not true or false")
        }
    }

    /// `yes` or `no` (ZooKeeper's spelling for `forceSync` and `skipACL`); `true`/`false` also accepted.
    func yesNo() throws(ConfigError) -> Bool {
        switch value.lowercased() {
        case "yes", "true": return true
        case "no", "false": return false
        default: throw error("'\(value)' is not yes or no")
        }
    }

    /// A non-empty path or name.
    func nonEmpty() throws(ConfigError) -> String {
        guard !value.isEmpty else { throw error("value is empty") }
        return value
    }

    /// `autopurge.purgeInterval`: a bare number is hours (ZooKeeper 3.8); a number with a suffix
    /// `ms`, `s`, `m`, `h` or `d` is read as newer ZooKeeper's `Time.parseTimeInterval` does.
    func purgeInterval() throws(ConfigError) -> Duration {
        let units: [(suffix: String, milliseconds: Int)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ]
        let lower = value.lowercased()
        var number = lower
        var unitMs = 3_600_000
        if let unit = units.first(where: { lower.hasSuffix($0.suffix) }) {
            number = String(lower.dropLast(unit.suffix.count))
            unitMs = unit.milliseconds
        }
        guard let count = Int32(number) else { throw error("'\(value)' is not a valid interval (hours)") }
        guard count >= 0 else { throw error("'\(value)' must not be negative") }
        return .milliseconds(Int(count) * unitMs)
    }
}
