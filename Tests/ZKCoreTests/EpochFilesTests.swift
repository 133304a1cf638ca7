import Foundation
import Testing
@testable import ZKCore

/// `currentEpoch` / `acceptedEpoch`: the bytes Apache ZooKeeper 3.8 writes, the atomic write, and
/// the start-up rules of `QuorumPeer.loadDataBase`, on real temporary directories.
@Suite struct EpochFilesTests {
    /// A fresh `version-2` directory under the system temp dir, removed after `body`.
    private func withSnapshotDirectory(_ body: (EpochFiles) throws -> Void) throws {
        let dataDir = NSTemporaryDirectory() + "swzk-epoch-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dataDir + "/version-2", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try body(EpochFiles(dataDir: dataDir))
    }

    private func contents(_ path: String) throws -> [UInt8] {
        [UInt8](try #require(FileManager.default.contents(atPath: path)))
    }

    private func put(_ text: String, at path: String) throws {
        try #require(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
    }

    @Test func readsTheApacheFixtureFiles() throws {
        let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/ensemble/zk3-version-2"))
        let files = EpochFiles(directory: url.path)
        #expect(try files.read(.current) == 2)
        #expect(try files.read(.accepted) == 2)
        // Byte for byte what Apache wrote: the digit, no newline.
        #expect(try contents(files.path(.current)) == EpochFiles.encode(2))
        #expect(EpochFiles.encode(2) == [UInt8(ascii: "2")])
    }

    @Test func pathsAreInVersion2() {
        let files = EpochFiles(dataDir: "/var/zk")
        #expect(files.directory == "/var/zk/version-2")
        #expect(files.path(.current) == "/var/zk/version-2/currentEpoch")
        #expect(files.path(.accepted) == "/var/zk/version-2/acceptedEpoch")
        #expect(files.temporaryPath(.current) == "/var/zk/version-2/currentEpoch.tmp")
    }

    @Test func writeIsDecimalTextWithoutNewlineAndLeavesNoTemporary() throws {
        try withSnapshotDirectory { files in
            #expect(try files.read(.current) == nil)
            try files.write(1, to: .current)
            #expect(try contents(files.path(.current)) == Array("1".utf8))
            try files.write(4_294_967_296, to: .current)
            #expect(try contents(files.path(.current)) == Array("4294967296".utf8))
            #expect(try files.read(.current) == 4_294_967_296)
            #expect(!FileManager.default.fileExists(atPath: files.temporaryPath(.current)))
            try files.write(-1, to: .accepted)
            #expect(try files.read(.accepted) == -1)
        }
    }

    @Test func decodeFollowsReadLineAndParseLong() throws {
        #expect(try EpochFiles.decode(Array("7\n".utf8), file: "f") == 7)
        #expect(try EpochFiles.decode(Array("7\r\nrest".utf8), file: "f") == 7)
        #expect(try EpochFiles.decode(Array("+7".utf8), file: "f") == 7)
        #expect(try EpochFiles.decode(Array("9223372036854775807".utf8), file: "f") == Int64.max)
        for bad in ["", "\n", " 7", "7 ", "0x7", "seven", "-", "9223372036854775808", "7.0"] {
            #expect(throws: EpochFileError.self, "\(bad.debugDescription)") {
                try EpochFiles.decode(Array(bad.utf8), file: "f")
            }
        }
    }

    @Test func garbageNamesTheFile() throws {
        try withSnapshotDirectory { files in
            try put("garbage\n", at: files.path(.accepted))
            #expect(throws: EpochFileError.malformed(file: files.path(.accepted), content: "garbage")) {
                try files.read(.accepted)
            }
            let message = "\(EpochFileError.malformed(file: files.path(.accepted), content: "garbage"))"
            #expect(message == "\(files.path(.accepted)): 'garbage' is not an epoch (expected a decimal number)")
            try put("", at: files.path(.current))
            #expect(throws: EpochFileError.malformed(file: files.path(.current), content: "")) {
                try files.loadAtStartup(lastProcessedZxid: .zero)
            }
        }
    }

    @Test func writeIntoAMissingDirectoryFailsNamingTheTemporaryFile() throws {
        let files = EpochFiles(directory: NSTemporaryDirectory() + "swzk-epoch-missing-\(UInt64.random(in: 0...UInt64.max))")
        do {
            try files.write(1, to: .current)
            Issue.record("writing into a missing directory must fail")
        } catch {
            #expect(error.file == files.temporaryPath(.current))
            #expect(error.description.hasPrefix(files.temporaryPath(.current) + ": open failed: "))
        }
    }

    // MARK: - Start-up rules

    @Test func missingFilesAreCreatedFromTheLastZxid() throws {
        try withSnapshotDirectory { files in
            let loaded = try files.loadAtStartup(lastProcessedZxid: Zxid(epoch: 3, counter: 9))
            #expect(loaded == StartupEpochs(current: 3, accepted: 3, created: [.current, .accepted]))
            #expect(try contents(files.path(.current)) == Array("3".utf8))
            #expect(try contents(files.path(.accepted)) == Array("3".utf8))
            // A fresh server: epoch 0.
            try FileManager.default.removeItem(atPath: files.path(.current))
            try FileManager.default.removeItem(atPath: files.path(.accepted))
            #expect(try files.loadAtStartup(lastProcessedZxid: .zero).current == 0)
        }
    }

    @Test func existingFilesAreKept() throws {
        try withSnapshotDirectory { files in
            try files.write(2, to: .current)
            try files.write(5, to: .accepted)
            let loaded = try files.loadAtStartup(lastProcessedZxid: Zxid(epoch: 2, counter: 0xc))
            #expect(loaded == StartupEpochs(current: 2, accepted: 5))
        }
    }

    @Test func currentEpochBehindTheLogIsRecoveredFromTheTemporaryFile() throws {
        try withSnapshotDirectory { files in
            try files.write(1, to: .current)
            try files.write(2, to: .accepted)
            // Crash after currentEpoch.tmp was written, before the rename.
            try put("2", at: files.temporaryPath(.current))
            let loaded = try files.loadAtStartup(lastProcessedZxid: Zxid(epoch: 2, counter: 1))
            #expect(loaded == StartupEpochs(current: 2, accepted: 2, recoveredFromTemporary: true))
            #expect(try files.read(.current) == 2)
            #expect(!FileManager.default.fileExists(atPath: files.temporaryPath(.current)))
        }
    }

    @Test func currentEpochBehindTheLogWithoutTemporaryIsFatal() throws {
        try withSnapshotDirectory { files in
            try files.write(1, to: .current)
            try files.write(2, to: .accepted)
            let zxid = Zxid(epoch: 2, counter: 1)
            #expect(throws: EpochFileError.currentEpochBehindLog(file: files.path(.current), currentEpoch: 1, lastZxid: zxid)) {
                try files.loadAtStartup(lastProcessedZxid: zxid)
            }
            #expect("\(EpochFileError.currentEpochBehindLog(file: "/d/currentEpoch", currentEpoch: 1, lastZxid: zxid))"
                == "/d/currentEpoch: current epoch 1 is older than the epoch of the last logged zxid 0x200000001"
                + " and there is no currentEpoch.tmp to recover from")
        }
    }

    @Test func acceptedEpochBelowCurrentIsFatal() throws {
        try withSnapshotDirectory { files in
            try files.write(3, to: .current)
            try files.write(2, to: .accepted)
            #expect(throws: EpochFileError.acceptedBehindCurrent(file: files.path(.accepted), acceptedEpoch: 2, currentEpoch: 3)) {
                try files.loadAtStartup(lastProcessedZxid: Zxid(epoch: 3, counter: 0))
            }
        }
    }

    @Test func apacheFixtureDirectoryStartsWithItsEpochs() throws {
        // The fixture's newest snapshot is 0x10000000c: epoch 1, behind the files' epoch 2.
        let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/ensemble/zk3-version-2"))
        try withSnapshotDirectory { files in
            for name in ["currentEpoch", "acceptedEpoch"] {
                try FileManager.default.copyItem(atPath: url.path + "/" + name, toPath: files.directory + "/" + name)
            }
            #expect(try files.loadAtStartup(lastProcessedZxid: Zxid(0x1_0000_000c)) == StartupEpochs(current: 2, accepted: 2))
        }
    }
}
