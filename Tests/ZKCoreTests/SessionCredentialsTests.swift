import Testing
@testable import ZKCore

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

@Suite struct JavaRandomTests {
    // Every expected value below was printed by java.util.Random on a JVM.
    @Test func nextIntMatchesJava() {
        var r = JavaRandom(seed: 42)
        #expect(r.nextInt() == -1_170_105_035)
    }

    @Test func nextLongMatchesJava() {
        var r = JavaRandom(seed: 0)
        #expect(r.nextLong() == -4_962_768_465_676_381_896)
    }

    @Test func boundedIntsMatchJava() {
        var r = JavaRandom(seed: 7)
        #expect((0..<8).map { _ in r.nextInt(bound: 10) } == [6, 4, 5, 4, 0, 4, 8, 9])
        #expect((0..<4).map { _ in r.nextInt(bound: 1 << 20) } == [742_577, 596_796, 369_009, 998_932])
        #expect((0..<4).map { _ in r.nextInt(bound: 1_000_000_007) }
            == [259_278_708, 542_588_911, 825_174_488, 495_889_655])
    }

    @Test func nextBytesPartialWordMatchesJava() {
        var r = JavaRandom(seed: -1)
        #expect(hex(r.nextBytes(7)) == "b36cd944c32287")
    }

    @Test func setSeedRestarts() {
        var r = JavaRandom(seed: 42)
        _ = r.nextLong()
        r.setSeed(42)
        #expect(r.nextInt() == -1_170_105_035)
    }
}

@Suite struct SessionCredentialsTests {
    // Passwords a live ZooKeeper 3.8.0 returned in its ConnectResponse.
    @Test(arguments: [(Int64(0x0100_0079_8bea_0000), "84e0fd8dc16114cb02d16deb721204e7"),
                      (Int64(0x0100_0076_44d0_0000), "82020394e70ef69130ae1cee089397f0")])
    func livePasswords(session: Int64, password: String) {
        #expect(hex(SessionCredentials.sessionPassword(for: SessionID(session))) == password)
    }

    @Test func passwordCheck() {
        let session = SessionID(0x0100_0076_44d0_0000)
        let password = SessionCredentials.sessionPassword(for: session)
        #expect(password.count == 16)
        #expect(SessionCredentials.isValidPassword(password, for: session))
        var wrong = password
        wrong[15] ^= 1
        #expect(!SessionCredentials.isValidPassword(wrong, for: session))
        #expect(!SessionCredentials.isValidPassword(Array(password.prefix(15)), for: session))
        #expect(!SessionCredentials.isValidPassword(SessionCredentials.sessionPassword(for: .server), for: .server))
    }

    @Test func initialSessionIDs() {
        // Standalone server (id 1) started 0x7644d0 ms after boot, as seen live.
        #expect(SessionIDGenerator.initialBase(serverId: ServerID(1), monotonicMillis: 0x7644d0)
            == SessionID(0x0100_0076_44d0_0000))
        #expect(SessionIDGenerator.initialBase(serverId: ServerID(3), monotonicMillis: 0x85b11b)
            == SessionID(0x0300_0085_b11b_0000))
        // Only the low 40 bits of the clock survive.
        #expect(SessionIDGenerator.initialBase(serverId: ServerID(2), monotonicMillis: 0x7F_12_3456_789A)
            == SessionID(0x0212_3456_789A_0000))
        // Server 255 would have a negative id.
        #expect(SessionIDGenerator.initialBase(serverId: ServerID(255), monotonicMillis: 1)
            == SessionID(Int64(bitPattern: 0xFF00_0000_0001_0000)))
    }

    @Test func containerMarkerIsSkipped() {
        // Server id 128 with a clock of 0 would collide with the container owner marker.
        #expect(SessionIDGenerator.initialBase(serverId: ServerID(128), monotonicMillis: 0)
            == SessionID(Int64(bitPattern: 0x8000_0000_0000_0001)))
        #expect(SessionIDGenerator.initialBase(serverId: ServerID(128), monotonicMillis: 1 << 40)
            == SessionID(Int64(bitPattern: 0x8000_0000_0000_0001)))
    }
}
