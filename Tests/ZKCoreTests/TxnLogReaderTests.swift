import Foundation
import Testing
@testable import ZKCore

@Suite struct TxnLogReaderTests {
    let standalone: [UInt8]
    let records: [TxnLogRecord]

    init() throws {
        let path = try fixturePath("standalone/version-2/log.1")
        standalone = try readBytes(path)
        records = try TxnLogReader(file: path).readAll()
    }

    @Test func readsTheFixtures() throws {
        #expect(records.count == 35)
        #expect(records.map(\.zxid.rawValue) == Array(1...35))
        #expect(records.last?.endOffset == standalone.count)
        let ttl = try TxnLogReader(file: try fixturePath("ttl-container/version-2/log.1")).readAll()
        #expect(ttl.count == 16)
    }

    /// A crash can cut the last record anywhere: the reader ends at the record before and says where.
    @Test func aLastRecordCutAtEveryByteEndsAtThePreviousRecord() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let last = try #require(records.last)
        let file = dir.file("log.1")
        for cut in last.offset..<standalone.count {
            // The file simply ends inside the record.
            try writeBytes(Array(standalone[..<cut]), to: file)
            var reader = try TxnLogReader(file: file)
            #expect(try reader.readAll().count == 34, "cut at \(cut)")
            // Leading zero bytes of the checksum are indistinguishable from the end of the log.
            let torn = standalone[last.offset..<cut].contains { $0 != 0 }
            #expect(reader.tails.map(\.offset) == (torn ? [last.offset] : []), "cut at \(cut)")

            // The record's remaining bytes never reached a preallocated file: zeros follow.
            try writeBytes(Array(standalone[..<cut]) + [UInt8](repeating: 0, count: standalone.count - cut + 4096), to: file)
            reader = try TxnLogReader(file: file)
            #expect(try reader.readAll().count == 34, "cut at \(cut) with zero fill")
            // Until the length is complete it reads as zero: the clean end of the log.
            let tornWithFill = cut >= last.offset + TxnLogFormat.recordPrefixSize
            #expect(reader.tails.map(\.offset) == (tornWithFill ? [last.offset] : []), "cut at \(cut) with zero fill")
        }
    }

    @Test func cuttingTheTailInPlaceLeavesACleanLog() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = dir.file("log.1")
        try writeBytes(Array(standalone[..<(standalone.count - 5)]) + [UInt8](repeating: 0, count: 1000), to: file)
        let reader = try TxnLogReader(file: file)
        #expect(try reader.readAll().count == 34)
        let tail = try #require(reader.tails.first)
        try TxnLogRepair.cutTail(tail)
        #expect(try fileSize(file) == records[34].offset)
        let again = try TxnLogReader(file: file)
        #expect(try again.readAll().count == 34)
        #expect(again.tails.isEmpty)
    }

    @Test func anEmptyLastFileIsATailAndCanBeRemoved() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try writeBytes(standalone, to: dir.file("log.1"))
        try writeBytes([], to: dir.file("log.24"))
        let reader = try TxnLogReader(directory: dir.path)
        #expect(try reader.readAll().count == 35)
        #expect(reader.tails == [TxnLogTail(file: dir.file("log.24"), offset: 0, reason: "empty file")])
        try TxnLogRepair.cutTail(reader.tails[0])
        #expect(!FileManager.default.fileExists(atPath: dir.file("log.24")))

        // A header alone (crash before the first record) ends cleanly.
        try writeBytes(FileHeader.txnLog.juteBytes, to: dir.file("log.24"))
        let headerOnly = try TxnLogReader(directory: dir.path)
        #expect(try headerOnly.readAll().count == 35)
        #expect(headerOnly.tails.isEmpty)
    }

    @Test func aFlippedByteInAMiddleRecordIsAChecksumMismatchAtItsOffset() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = dir.file("log.1")
        let victim = records[10]
        var bytes = standalone
        bytes[victim.offset + 12 + 20] ^= 0x01
        try writeBytes(bytes, to: file)

        let reader = try TxnLogReader(file: file)
        var read: [Zxid] = []
        var errors: [LogError] = []
        while true {
            do {
                guard let record = try reader.next() else { break }
                read.append(record.zxid)
            } catch {
                errors.append(error)
            }
        }
        #expect(errors == [.checksumMismatch(file: file, offset: victim.offset)])
        // The framing is intact, so the reader went on past it.
        #expect(read.count == 34)
        #expect(!read.contains(victim.zxid))
    }

    @Test func aDamagedMarkerWithDataAfterItIsCorruptionNotATail() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = dir.file("log.1")
        var bytes = standalone
        bytes[records[20].endOffset - 1] = 0x43
        try writeBytes(bytes, to: file)
        let reader = try TxnLogReader(file: file)
        var error: LogError?
        do { _ = try reader.readAll() } catch let e { error = e }
        guard case .corruptRecord(let f, let offset, _)? = error else {
            Issue.record("expected corruptRecord, got \(String(describing: error))")
            return
        }
        #expect(f == file && offset == records[20].offset)
        #expect(reader.isFinished)
        #expect(try reader.next() == nil)
    }

    @Test func anImpossibleLengthIsCorruption() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = dir.file("log.1")
        var bytes = standalone
        bytes[records[3].offset + 8] = 0x7f
        try writeBytes(bytes, to: file)
        #expect(throws: LogError.self) { try TxnLogReader(file: file).readAll() }
        let reader = try TxnLogReader(file: file)
        var error: LogError?
        do { _ = try reader.readAll() } catch let e { error = e }
        guard case .corruptRecord(_, let offset, let reason)? = error else {
            Issue.record("expected corruptRecord, got \(String(describing: error))")
            return
        }
        #expect(offset == records[3].offset)
        #expect(reason.contains("length"))
    }

    @Test func aChecksumMismatchInTheVeryLastRecordIsATornTail() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = dir.file("log.1")
        var bytes = standalone + [UInt8](repeating: 0, count: 4096)
        bytes[records[34].offset + 40] ^= 0xff
        try writeBytes(bytes, to: file)
        let reader = try TxnLogReader(file: file)
        #expect(try reader.readAll().count == 34)
        #expect(reader.tails.map(\.offset) == [records[34].offset])
    }

    @Test func aBadMagicIsRejected() throws {
        let snapshot = try fixturePath("standalone/version-2/snapshot.0")
        #expect(throws: LogError.self) { try TxnLogReader(file: snapshot).readAll() }
        do {
            _ = try TxnLogReader(file: snapshot).next()
        } catch {
            #expect(error.description.contains("ZKLG"))
        }
    }

    /// Apache ZooKeeper 3.8.0 logged a check outside a multi as a top-level type-13 record.
    @Test func thePoisonedCheckRecordIsAClearError() throws {
        let file = try fixturePath("check-outside-multi/version-2/log.1")
        let reader = try TxnLogReader(file: file)
        var read: [Int64] = []
        var errors: [LogError] = []
        while true {
            do {
                guard let record = try reader.next() else { break }
                read.append(record.zxid.rawValue)
            } catch {
                errors.append(error)
            }
        }
        #expect(errors == [.unsupportedTxn(file: file, offset: 965, zxid: Zxid(0xb), type: .check)])
        #expect(errors.first?.description.contains("outside a multi") == true)
        #expect(read == Array(1...0xa) + Array(0xc...0xf))

        // A tool may choose to show it.
        let lenient = try TxnLogReader(file: file)
        lenient.acceptsTopLevelCheck = true
        let all = try lenient.readAll()
        #expect(all.count == 15)
        #expect(all[10].entry.body == .check(CheckVersionTxn(path: "/", version: 1)))
    }

    @Test func aDirectoryIsReadInZxidOrderFromAStartingZxid() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let entries = sampleEntries(count: 30)
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 4096)
        for (i, entry) in entries.enumerated() {
            try writer.append(entry)
            if i == 9 || i == 19 { try writer.roll() }
        }
        try writer.close()
        // An unrelated file and a snapshot name are ignored.
        try writeBytes([1, 2, 3], to: dir.file("log.notes"))
        try writeBytes([1, 2, 3], to: dir.file("snapshot.5"))

        let opened = Locked<[String]>([])
        let reader = try TxnLogReader(directory: dir.path, from: Zxid(15))
        reader.fileOpened = { path, _ in opened.withLock { $0.append(PosixFile.baseName(path)) } }
        #expect(try reader.readAll().map(\.entry) == Array(entries[14...]))
        #expect(opened.current == ["log.b", "log.15"])
        #expect(try TxnLogReader(directory: dir.path, from: Zxid(0x1e)).readAll().count == 1)
        #expect(try TxnLogReader(directory: dir.path, from: Zxid(0x1f)).readAll().isEmpty)
    }

    @Test func continuityFindsGapsWithinAndAcrossEpochs() {
        var c = TxnLogContinuity()
        #expect(c.check(Zxid(epoch: 1, counter: 5), file: "f", offset: 16) == nil)
        #expect(c.check(Zxid(epoch: 1, counter: 6), file: "f", offset: 30) == nil)
        #expect(c.check(Zxid(epoch: 1, counter: 8), file: "f", offset: 44)
                == .zxidGap(file: "f", offset: 44, previous: Zxid(epoch: 1, counter: 6), next: Zxid(epoch: 1, counter: 8)))
        #expect(c.check(Zxid(epoch: 2, counter: 1), file: "f", offset: 58) == nil)
        #expect(c.check(Zxid(epoch: 3, counter: 2), file: "g", offset: 16) != nil)
        #expect(c.check(Zxid(epoch: 3, counter: 3), file: "g", offset: 30) == nil)
        #expect(c.check(Zxid(epoch: 3, counter: 3), file: "g", offset: 44) != nil)
        #expect(c.check(Zxid(epoch: 2, counter: 9), file: "g", offset: 58) != nil)
    }

    @Test func verificationReportsEveryProblemWithFileAndOffset() throws {
        let clean = TxnLogVerification.verify(files: [try fixturePath("standalone/version-2/log.1")])
        #expect(clean.isClean)
        #expect(clean.records == 35)
        #expect(clean.firstZxid == Zxid(1) && clean.lastZxid == Zxid(35))

        let dir = try TempDirectory()
        defer { dir.remove() }
        var bytes = standalone
        bytes[records[5].offset + 30] ^= 0x10
        try writeBytes(bytes, to: dir.file("log.1"))
        // A second file that skips zxid 0x24 and ends torn.
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 0)
        for entry in sampleEntries(count: 3, first: 37) { try writer.append(entry) }
        try writer.close()
        let second = try readBytes(dir.file("log.25"))
        try writeBytes(Array(second.dropLast(3)), to: dir.file("log.25"))

        let spans = try recordSpans(dir.file("log.25"))
        let tornAt = spans[1].offset + spans[1].length
        let tornLength = second.count - tornAt
        let result = TxnLogVerification.verify(files: [dir.file("log.1"), dir.file("log.25")])
        #expect(result.records == 34 + 2)
        #expect(result.problems.map(\.description) == [
            "\(dir.file("log.1")): checksum mismatch in the record at offset \(records[5].offset)",
            "\(dir.file("log.1")): zxid gap at offset \(records[6].offset): 0x5 is followed by 0x7",
            "\(dir.file("log.25")): zxid gap at offset 16: 0x23 is followed by 0x25",
            "\(dir.file("log.25")): log ends at offset \(tornAt): the file ends inside a record (\(tornLength - 3) of \(tornLength) bytes)",
        ])
    }
}

@Suite struct TxnLogRepairTests {
    @Test func aCopyEndsBeforeTheFirstBadRecordAndTheOriginalIsUntouched() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let original = try readBytes(try fixturePath("standalone/version-2/log.1"))
        let records = try TxnLogReader(file: try fixturePath("standalone/version-2/log.1")).readAll()
        var bytes = original
        bytes[records[20].offset + 50] ^= 0x04
        let source = dir.file("log.1")
        try writeBytes(bytes, to: source)

        let result = try TxnLogRepair.copyGoodPrefix(from: source, to: dir.file("out"))
        #expect(result.records == 20)
        #expect(result.lastZxid == Zxid(20))
        #expect(result.stop == .error(.checksumMismatch(file: source, offset: records[20].offset)))
        #expect(try readBytes(dir.file("out")) == Array(original[..<records[20].offset]))
        #expect(try readBytes(source) == bytes)
        #expect(TxnLogVerification.verify(files: [dir.file("out")]).isClean)

        #expect(throws: LogError.fileExists(file: dir.file("out"))) {
            try TxnLogRepair.copyGoodPrefix(from: source, to: dir.file("out"))
        }
    }

    @Test func repairingThePoisonedLogGivesALoadableLog() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = try fixturePath("check-outside-multi/version-2/log.1")
        let result = try TxnLogRepair.copyGoodPrefix(from: source, to: dir.file("log.1"))
        #expect(result.records == 10)
        let reader = try TxnLogReader(file: dir.file("log.1"))
        #expect(try reader.readAll().map(\.zxid.rawValue) == Array(1...10))
        #expect(reader.tails.isEmpty)
    }

    @Test func aDirectoryCopyStopsAtTheBadFileAndDropsLaterOnes() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = dir.path + "/src"
        let writer = try TxnLogWriter(directory: source, preAllocSize: 4096)
        let entries = sampleEntries(count: 30)
        for (i, entry) in entries.enumerated() {
            try writer.append(entry)
            if i == 9 || i == 19 { try writer.roll() }
        }
        try writer.close()
        let spans = try recordSpans(source + "/log.b")
        var middle = try readBytes(source + "/log.b")
        middle[spans[4].offset + 14] ^= 0x80
        try writeBytes(middle, to: source + "/log.b")

        let result = try TxnLogRepair.copyGoodPrefix(from: source, to: dir.path + "/out")
        #expect(result.records == 14)
        #expect(result.written.map(PosixFile.baseName) == ["log.1", "log.b"])
        #expect(result.dropped.map(PosixFile.baseName) == ["log.15"])
        let copied = try TxnLogReader(directory: dir.path + "/out").readAll()
        #expect(copied.map(\.entry) == Array(entries[..<14]))
        // The preallocated zeros of the good file are not copied.
        #expect(try fileSize(dir.path + "/out/log.1") == (try recordSpans(source + "/log.1")).last.map { $0.offset + $0.length })
    }
}
