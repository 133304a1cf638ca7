/// The few `java.lang` text formats ZooKeeper's reports are made of, reproduced exactly.
///
/// Tools parse `srvr`, `mntr` and `dump` output (monitoring scripts, `zkServer.sh status`), so
/// numbers and dates must look the way a JVM prints them, not the way Swift does.
public enum JavaFormat {
    /// Java's `Double.toString(d)`: plain notation with at least one fractional digit for
    /// `1e-3 <= |d| < 1e7` (`0.0`, `15.36`, `1234567.0`), otherwise computerized scientific
    /// notation (`1.0E7`, `1.5E-4`); `NaN`, `Infinity`, `-Infinity`, `-0.0` as Java spells them.
    ///
    /// The digits are the shortest that round-trip, which is what JDK 19+ prints; older JDKs
    /// print the same for every value with few significant digits (all the reports print).
    public static func double(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0.0" }
        let (digits, pointExponent) = shortestDigits(of: value.magnitude)
        let magnitude = value.magnitude
        if magnitude >= 1e-3 && magnitude < 1e7 {
            return sign + plainNotation(digits: digits, exponent: pointExponent)
        }
        let first = digits.prefix(1)
        let rest = digits.dropFirst()
        return sign + first + "." + (rest.isEmpty ? "0" : String(rest)) + "E" + String(pointExponent)
    }

    /// The value rounded to `scale` decimal places, half up, from its exact binary value: Java's
    /// `new BigDecimal(d).setScale(scale, RoundingMode.HALF_UP).doubleValue()`, the rounding
    /// ZooKeeper's `AvgMinMaxCounter.getAvg` applies to every average it reports.
    ///
    /// Exact while `|d| * 10^scale < 2^53` (for scale 4: below about 9e11); larger values, which
    /// no latency average reaches, are returned unrounded.
    public static func roundedHalfUp(_ value: Double, scale: Int = 4) -> Double {
        precondition((0...9).contains(scale), "scale out of range")
        var power: UInt64 = 1
        for _ in 0..<scale { power *= 10 }
        let magnitude = value.magnitude
        guard value.isFinite, value != 0, magnitude * Double(power) < 0x1p53 else { return value }
        let biased = Int(magnitude.exponentBitPattern)
        let fraction = UInt64(magnitude.significandBitPattern)
        // magnitude = mantissa * 2^-shift exactly.
        let mantissa = biased == 0 ? fraction : fraction | (1 << 52)
        let shift = biased == 0 ? 1074 : 1075 - biased
        guard shift > 0 else { return value }
        let product = mantissa.multipliedFullWidth(by: power)
        let scaled = UInt128Pair(high: product.high, low: product.low)
        let rounded: UInt64
        if shift >= 128 {
            rounded = 0  // the product is below 2^83, far under half a unit
        } else {
            let (quotient, remainder) = scaled.split(at: shift)
            let half = UInt128Pair.powerOfTwo(shift - 1)
            rounded = quotient + (remainder >= half ? 1 : 0)
        }
        // rounded <= 2^53 by the guard, so both operands are exact and IEEE division rounds
        // once, to the double nearest the decimal, as BigDecimal.doubleValue does.
        let result = Double(rounded) / Double(power)
        return value < 0 ? -result : result
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Java's `new Date(epochMs).toString()` on a JVM whose zone is UTC:
    /// `EEE MMM dd HH:mm:ss zzz yyyy`, e.g. `Sun Nov 22 09:38:15 UTC 2026`.
    ///
    /// Pure calendar arithmetic (proleptic Gregorian), so it needs no Foundation and no zone
    /// database; it matches Java for every instant after the 1582 calendar switch.
    public static func dateStringUTC(epochMs: Int64) -> String {
        let seconds = floorDivide(epochMs, 1000)
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 7 + 4) % 7)
        let hour = secondOfDay / 3600
        let minute = secondOfDay / 60 % 60
        let second = secondOfDay % 60
        return weekdays[weekday] + " " + months[month - 1] + " " + twoDigits(Int64(day)) + " "
            + twoDigits(hour) + ":" + twoDigits(minute) + ":" + twoDigits(second) + " UTC " + String(year)
    }

    // MARK: - Helpers

    /// Shortest round-trip decimal digits of a positive finite double (no leading or trailing
    /// zeros) and the power of ten of the first digit: 15.36 ⇒ ("1536", 1).
    static func shortestDigits(of value: Double) -> (digits: String, exponent: Int) {
        // Swift's description is the shortest round-trip form; only its layout differs from Java.
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        var exponent = parts.count > 1 ? Int(parts[1])! : 0
        var digits = ""
        var integerDigits = 0
        var seenPoint = false
        for character in mantissa {
            if character == "." {
                seenPoint = true
            } else {
                digits.append(character)
                if !seenPoint { integerDigits += 1 }
            }
        }
        exponent += integerDigits - 1
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, exponent)
    }

    /// Digits placed around the decimal point, with at least one digit on each side.
    private static func plainNotation(digits: String, exponent: Int) -> String {
        if exponent < 0 {
            return "0." + String(repeating: "0", count: -exponent - 1) + digits
        }
        let integerCount = exponent + 1
        if digits.count <= integerCount {
            return digits + String(repeating: "0", count: integerCount - digits.count) + ".0"
        }
        return String(digits.prefix(integerCount)) + "." + String(digits.dropFirst(integerCount))
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0" + String(value) : String(value)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Year, month (1–12) and day of month for a day count from 1970-01-01, by counting
    /// 400-year eras of 146,097 days from 0000-03-01 (March first puts leap days at era ends).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468  // days from 0000-03-01 to 1970-01-01
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1)
        let month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

/// A 128-bit unsigned value as two words, enough for the exact rounding above without relying on
/// `UInt128` (unavailable on the oldest Apple platform the package supports).
private struct UInt128Pair: Comparable {
    var high: UInt64
    var low: UInt64

    /// 2^n for 0 <= n < 128.
    static func powerOfTwo(_ n: Int) -> UInt128Pair {
        n >= 64 ? UInt128Pair(high: 1 << UInt64(n - 64), low: 0) : UInt128Pair(high: 0, low: 1 << UInt64(n))
    }

    /// The value shifted right by `n` bits (the quotient must fit in 64 bits) and the `n` low
    /// bits that fell off.
    func split(at n: Int) -> (quotient: UInt64, remainder: UInt128Pair) {
        precondition(n > 0 && n < 128)
        if n >= 64 {
            let quotient = n == 64 ? high : high >> UInt64(n - 64)
            let highMask: UInt64 = n == 64 ? 0 : (1 << UInt64(n - 64)) - 1
            return (quotient, UInt128Pair(high: high & highMask, low: low))
        }
        let quotient = (low >> UInt64(n)) | (high << UInt64(64 - n))
        let lowMask: UInt64 = (1 << UInt64(n)) - 1
        return (quotient, UInt128Pair(high: 0, low: low & lowMask))
    }

    static func < (a: UInt128Pair, b: UInt128Pair) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}
