import Foundation
import Testing
@testable import ZKCore

@Suite struct TxnLogWriterTests {
    @Test func paddingFollowsFilePadding() {
        let step = 64 << 20
        func padded(_ position: Int, _ size: Int, _ prealloc: Int = step) -> Int {
            TxnLogWriter.paddedFileSize(position: position, currentSize: size, preAllocSize: prealloc)
        }
        // A new file: 16 header bytes, then one step.
        #expect(padded(16, 16) == 16 + step)
        #expect(padded(1000, 16 + step) == 16 + step)
        // Within 4 KiB of the end: one more step.
        #expect(padded(16 + step - 4096, 16 + step) == 16 + 2 * step)
        #expect(padded(16 + step - 4097, 16 + step) == 16 + step)
        // Already past the end: the next multiple of the step above the position.
        #expect(padded(200 << 20, 16 + step) == 256 << 20)
        // Off.
        #expect(padded(16, 16, 0) == 16)
        #expect(padded(16 + 8192, 16 + 8192, 4096) == 16 + 8192 + 4096)
    }

    @Test func manyTxnsRoundTripAcrossRolls() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let entries = sampleEntries(count: 1000)
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 16 * 1024)
        for (i, entry) in entries.enumerated() {
            try writer.append(entry)
            if i % 40 == 39 { try writer.sync() }
            if i == 299 || i == 699 { try writer.roll() }
        }
        try writer.close()

        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["log.1", "log.12d", "log.2bd"])
        let records = try TxnLogReader(directory: dir.path).readAll()
        #expect(records.map(\.entry) == entries)
        #expect(records.first?.offset == 16)
        #expect(Set(records.map { PosixFile.baseName($0.file) }) == Set(names))

        // From a zxid: the file holding it, and the later ones.
        let later = try TxnLogReader(directory: dir.path, from: Zxid(0x200)).readAll()
        #expect(later.map(\.zxid.rawValue) == Array(0x200...1000))
        #expect(later.first.map { PosixFile.baseName($0.file) } == "log.12d")
    }

    @Test("A rolled (synced) log file leaves the page cache; the one being written stays")
    func rolledFileLeavesThePageCache() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try #require(onDiskFileSystem(dir.path), "the temp dir must be on a disk file system for this test")
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 0)
        for entry in sampleEntries(count: 3000) { try writer.append(entry) }
        try writer.sync()
        let file = try #require(writer.currentFile)
        #expect(try residentPages(file) > 100, "written pages are cached until the roll")
        try writer.roll()
        #expect(try residentPages(file) == 0)
        #expect(try TxnLogReader(directory: dir.path).readAll().count == 3000)
    }

    @Test func preallocationGrowsInStepsAfterTheHeader() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let step = 8192
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: step)
        var end = TxnLogFormat.headerSize
        var expectedSize = TxnLogFormat.headerSize
        for entry in sampleEntries(count: 300) {
            expectedSize = TxnLogWriter.paddedFileSize(position: end, currentSize: expectedSize, preAllocSize: step)
            try writer.append(entry)
            end += entry.juteBytes.count + TxnLogFormat.recordOverhead
            try writer.flush()
            let size = try fileSize(dir.file("log.1"))
            #expect(size == max(expectedSize, end))
            #expect((size - 16) % step == 0, "size \(size) is the header plus whole steps")
        }
        try writer.close()
        // Everything after the records is zero, and the reader stops there cleanly.
        let bytes = try readBytes(dir.file("log.1"))
        #expect(bytes[end...].allSatisfy { $0 == 0 })
        let reader = try TxnLogReader(file: dir.file("log.1"))
        #expect(try reader.readAll().count == 300)
        #expect(reader.tails.isEmpty)
    }

    @Test func defaultPreallocationMakesTheFirstFile64MiBPlusHeader() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let writer = try TxnLogWriter(directory: dir.path)
        try writer.append(sampleEntries(count: 1)[0])
        try writer.close()
        #expect(try fileSize(dir.file("log.1")) == 16 + 67_108_864)
    }

    @Test func withoutPreallocationTheFileEndsAtTheLastRecord() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let entries = sampleEntries(count: 50)
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 0)
        for entry in entries { try writer.append(entry) }
        try writer.close()
        let total = 16 + entries.reduce(0) { $0 + $1.juteBytes.count + 13 }
        #expect(try fileSize(dir.file("log.1")) == total)
    }

    /// Apache's own records, re-encoded and written by us, come out byte for byte the same.
    @Test(arguments: ["standalone/version-2/log.1", "ttl-container/version-2/log.1"])
    func writesApacheIdenticalBytes(fixture: String) throws {
        let path = try fixturePath(fixture)
        let original = try readBytes(path)
        let records = try TxnLogReader(file: path).readAll()
        let dir = try TempDirectory()
        defer { dir.remove() }

        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 0)
        for record in records { try writer.append(record.entry) }
        try writer.close()
        let ours = try readBytes(dir.file("log.1"))
        for record in records {
            let range = record.offset..<record.endOffset
            #expect(Array(ours[range]) == Array(original[range]), "record of zxid \(record.zxid) at \(record.offset)")
        }
        #expect(ours == original)

        // With Apache's default preallocation the file is Apache's bytes, then zeros to 16 + 64 MiB.
        let padded = try TempDirectory()
        defer { padded.remove() }
        let writer2 = try TxnLogWriter(directory: padded.path)
        for record in records { try writer2.append(record.entry) }
        try writer2.close()
        let paddedBytes = try readBytes(padded.file("log.1"))
        #expect(paddedBytes.count == 16 + 67_108_864)
        #expect(Array(paddedBytes[..<original.count]) == original)
        #expect(paddedBytes[original.count...].allSatisfy { $0 == 0 })

        // The independent test-side reader of the fixture tests accepts our file too.
        let (header, split) = try splitTxnLog(ours)
        #expect(header == FileHeader.txnLog)
        #expect(split.map(\.payload) == records.map(\.payload))
        #expect(split.allSatisfy { $0.checksum == adler32($0.payload) })
    }

    @Test func aLeftoverFileWithoutRecordsIsReplacedButOneWithRecordsIsKept() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        // A crash right after creating log.5: header and zero fill only.
        try writeBytes(FileHeader.txnLog.juteBytes + [UInt8](repeating: 0, count: 100), to: dir.file("log.5"))
        let writer = try TxnLogWriter(directory: dir.path, preAllocSize: 0)
        let entries = sampleEntries(count: 3, first: 5)
        for entry in entries { try writer.append(entry) }
        try writer.close()
        #expect(try TxnLogReader(file: dir.file("log.5")).readAll().map(\.entry) == entries)

        // Now log.5 holds records: a writer asked to start log.5 again must refuse.
        let again = try TxnLogWriter(directory: dir.path, preAllocSize: 0)
        #expect(throws: LogError.fileExists(file: dir.file("log.5"))) {
            try again.append(sampleEntries(count: 1, first: 5)[0])
        }
        // And it stays failed: nothing more is written.
        #expect(throws: LogError.fileExists(file: dir.file("log.5"))) {
            try again.append(sampleEntries(count: 1, first: 6)[0])
        }
        #expect(try TxnLogReader(file: dir.file("log.5")).readAll().map(\.entry) == entries)
    }

    @Test func createsTheDirectory() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let nested = dir.path + "/data/log/version-2"
        let writer = try TxnLogWriter(directory: nested, preAllocSize: 0)
        try writer.append(sampleEntries(count: 1)[0])
        try writer.close()
        #expect(FileManager.default.fileExists(atPath: nested + "/log.1"))
    }
}
