import Testing
@testable import ZKCore

@Suite struct JavaFormatTests {
    @Test(arguments: [
        (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (100.0, "100.0"), (15.36, "15.36"),
        (15.6275, "15.6275"), (0.9615, "0.9615"), (73.25, "73.25"), (0.001, "0.001"),
        (0.0006, "6.0E-4"), (1.5e-4, "1.5E-4"), (9_999_999.5, "9999999.5"), (1e7, "1.0E7"),
        (123_456_789.0, "1.23456789E8"), (-2.5, "-2.5"), (1e-5, "1.0E-5"), (0.1, "0.1"),
        (1234567.0, "1234567.0"), (Double.nan, "NaN"), (Double.infinity, "Infinity"),
        (-Double.infinity, "-Infinity"),
    ])
    func doubleLikeJava(value: Double, expected: String) {
        #expect(JavaFormat.double(value) == expected)
    }

    /// Rounds from the exact binary value, as `new BigDecimal(d).setScale(4, HALF_UP)` does;
    /// naive `(d * 10000).rounded() / 10000` gets several of these wrong.
    @Test(arguments: [
        (15.36, 15.36), (768.0 / 50.0, 15.36), (6251.0 / 400.0, 15.6275), (1.0 / 3.0, 0.3333),
        (2.0 / 3.0, 0.6667), (2.00005, 2.0), (1.00015, 1.0002), (0.00005, 0.0001), (0.12345, 0.1235),
        (100.00005, 100.0001), (0.00065, 0.0006), (2.5e-5, 0.0), (1e-300, 0.0), (0.0, 0.0), (209.0, 209.0),
        (-0.12345, -0.1235),
    ])
    func roundedHalfUpFromExactValue(value: Double, expected: Double) {
        #expect(JavaFormat.roundedHalfUp(value, scale: 4) == expected)
    }

    @Test func latencyAverageAsSrvrPrintsIt() {
        #expect(FourLetterWordRenderer.latencyAverage(768.0 / 50.0) == "15.36")
        #expect(FourLetterWordRenderer.latencyAverage(0) == "0.0")
        #expect(FourLetterWordRenderer.latencyAverage(50.0 / 52.0) == "0.9615")
        #expect(FourLetterWordRenderer.latencyAverage(0.00065) == "6.0E-4")
        #expect(FourLetterWordRenderer.javaDouble(2.0) == "2.0")
    }

    @Test(arguments: [
        (Int64(1_795_340_275_300), "Sun Nov 22 09:37:55 UTC 2026"),
        (1_795_340_295_000, "Sun Nov 22 09:38:15 UTC 2026"),
        (0, "Thu Jan 01 00:00:00 UTC 1970"),
        (-1, "Wed Dec 31 23:59:59 UTC 1969"),
        (951_782_400_000, "Tue Feb 29 00:00:00 UTC 2000"),
        (4_107_542_399_999, "Sun Feb 28 23:59:59 UTC 2100"),
        (1_709_251_199_000, "Thu Feb 29 23:59:59 UTC 2024"),
        (-12_219_292_800_000, "Fri Oct 15 00:00:00 UTC 1582"),
    ])
    func dateLikeJavaDateToString(epochMs: Int64, expected: String) {
        #expect(JavaFormat.dateStringUTC(epochMs: epochMs) == expected)
    }
}
