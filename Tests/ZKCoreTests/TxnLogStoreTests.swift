import Dispatch
import Foundation
import Testing
@testable import ZKCore

/// Turns log entries into what the core hands the store.
func loggedTxns(_ entries: some Sequence<TxnLogEntry>) -> [LoggedTxn] {
    entries.map { LoggedTxn(header: $0.header, body: $0.body, digest: $0.digest) }
}

/// Appends one batch and waits for its callback.
func appendAndWait(_ store: FileLogStore, _ txns: [LoggedTxn]) -> Result<Zxid, any Error> {
    let done = DispatchSemaphore(value: 0)
    let result = Locked<Result<Zxid, any Error>?>(nil)
    store.append(txns) { r in
        result.withLock { $0 = r }
        done.signal()
    }
    done.wait()
    return result.current!
}

/// Counts the store's system calls and fails or blocks chosen ones.
final class FaultyIO: @unchecked Sendable {
    let writes = Locked(0)
    let syncs = Locked(0)
    /// The write call (1-based) that fails, and with which errno.
    var failWrite: (call: Int, errno: Int32)?
    /// The sync call (1-based) that fails, and with which errno.
    var failSync: (call: Int, errno: Int32)?
    /// Signalled when the first sync starts; the sync then waits for `release`.
    var blockFirstSync: (entered: DispatchSemaphore, release: DispatchSemaphore)?
    /// Microseconds every sync takes at least (a slow disk).
    var syncDelay: UInt32 = 0
    /// Syncs take exactly `syncDelay` and skip the real fdatasync (for tests of the store's
    /// reaction to sync times, which a loaded machine's real syncs would blur).
    var onlyTheDelay = false

    var io: LogFileIO {
        LogFileIO(write: { [self] fd, bytes, offset in
            let n = writes.withLock { $0 += 1; return $0 }
            if let failWrite, failWrite.call == n { return failWrite.errno }
            return LogFileIO.posix.write(fd, bytes, offset)
        }, sync: { [self] fd in
            let n = syncs.withLock { $0 += 1; return $0 }
            if n == 1, let blockFirstSync {
                blockFirstSync.entered.signal()
                blockFirstSync.release.wait()
            }
            if let failSync, failSync.call == n { return failSync.errno }
            if syncDelay > 0 { usleep(syncDelay) }
            return onlyTheDelay ? 0 : LogFileIO.posix.sync(fd)
        })
    }
}

@Suite struct FileLogStoreTests {
    @Test func batchesQueuedDuringAnFsyncShareTheNextOne() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let faults = FaultyIO()
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        faults.blockFirstSync = (entered, release)
        let store = try FileLogStore(directory: dir.path, preAllocSize: 65536, forceSync: true, io: faults.io)
        let entries = sampleEntries(count: 11 * 3)
        let answered = Locked<[Zxid]>([])
        let allDone = DispatchGroup()

        func append(_ batch: Int) {
            allDone.enter()
            store.append(loggedTxns(entries[batch * 3..<batch * 3 + 3])) { result in
                if case .success(let zxid) = result { answered.withLock { $0.append(zxid) } }
                allDone.leave()
            }
        }
        append(0)
        entered.wait()  // the writer is inside the first fsync
        for batch in 1..<11 { append(batch) }
        release.signal()
        allDone.wait()
        store.close()

        #expect(faults.syncs.current == 2)
        let batchEnds: [Zxid] = (0..<11).map { (batch: Int) -> Zxid in Zxid(Int64(batch * 3 + 3)) }
        #expect(answered.current == batchEnds)
        #expect(try TxnLogReader(directory: dir.path).readAll().map(\.entry) == entries)
    }

    @Test func appendsFromManyThreadsAreAnsweredInOrderExactlyOnce() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let store = try FileLogStore(directory: dir.path, preAllocSize: 1 << 20, forceSync: true)
        let threads = 4, batchesPerThread = 150
        let entries = sampleEntries(count: threads * batchesPerThread * 2)
        let next = Locked(0)
        let answered = Locked<[Zxid]>([])
        let expected = Locked<[Zxid]>([])
        let allDone = DispatchGroup()

        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<batchesPerThread {
                allDone.enter()
                // Taking zxids and queueing happen together, as on the core's event loop.
                next.withLock { n in
                    let size = 1 + n % 2
                    let batch = loggedTxns(entries[n..<n + size])
                    n += size
                    expected.withLock { $0.append(batch.last!.zxid) }
                    store.append(batch) { result in
                        switch result {
                        case .success(let zxid): answered.withLock { $0.append(zxid) }
                        case .failure(let error): Issue.record("append failed: \(error)")
                        }
                        allDone.leave()
                    }
                }
            }
        }
        allDone.wait()
        store.close()

        #expect(answered.current == expected.current)
        #expect(Set(answered.current).count == threads * batchesPerThread)
        let written = next.current
        #expect(try TxnLogReader(directory: dir.path).readAll().map(\.entry) == Array(entries[..<written]))
    }

    @Test func appendIfIdleWritesOnTheCallersThreadOnlyWhenTheWriterIsIdle() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let faults = FaultyIO()
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        faults.blockFirstSync = (entered, release)
        let store = try FileLogStore(directory: dir.path, preAllocSize: 65536, forceSync: true, io: faults.io)
        let entries = sampleEntries(count: 4)
        let done = DispatchSemaphore(value: 0)
        store.append(loggedTxns(entries[0..<1])) { _ in done.signal() }
        entered.wait()  // the writer thread is inside its fsync: busy
        #expect(store.appendIfIdle(loggedTxns(entries[1..<2])) == nil)
        release.signal()
        done.wait()
        // Idle once the writer thread has left its group (it answers callbacks first): the
        // caller then writes and syncs the batch itself.
        var direct: Result<Zxid, any Error>?
        let deadline = ContinuousClock.now + .seconds(5)
        while direct == nil, ContinuousClock.now < deadline {
            direct = store.appendIfIdle(loggedTxns(entries[1..<2]))
            if direct == nil { Thread.sleep(forTimeInterval: 0.001) }
        }
        #expect(try direct?.get() == Zxid(2))
        #expect(faults.syncs.current == 2)
        // Queued appends after a direct one keep zxid order in the file.
        store.append(loggedTxns(entries[2..<4])) { _ in done.signal() }
        done.wait()
        store.close()
        #expect(try TxnLogReader(directory: dir.path).readAll().map(\.entry) == entries)
    }

    @Test func aStalledSyncTurnsTheShortWayOffSoTheCallerDoesNotWaitOnTheDisk() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let faults = FaultyIO()
        faults.syncDelay = 25_000  // 25 ms: above FileLogStore.stallNanos
        let store = try FileLogStore(directory: dir.path, preAllocSize: 65536, forceSync: true, io: faults.io)
        let entries = sampleEntries(count: 3)
        #expect(try store.appendIfIdle(loggedTxns(entries[0..<1]))?.get() == Zxid(1))
        // The store is idle, but its last sync was slow: it declines for a while.
        #expect(store.appendIfIdle(loggedTxns(entries[1..<2])) == nil)
        let done = DispatchSemaphore(value: 0)
        store.append(loggedTxns(entries[1..<3])) { _ in done.signal() }
        done.wait()
        #expect(store.appendIfIdle(loggedTxns(entries[2..<3])) == nil)
        store.close()
        #expect(try TxnLogReader(directory: dir.path).readAll().map(\.entry) == entries)
    }

    @Test func oneSlowSyncKeepsTheShortWayButSyncsSlowOnAverageTurnItOff() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let faults = FaultyIO()
        faults.onlyTheDelay = true
        let store = try FileLogStore(directory: dir.path, preAllocSize: 65536, forceSync: true, io: faults.io)
        // Enough entries that a real disk stall (which turns the short way off for a second)
        // cannot exhaust them before the average comes down; the loop below ends on a deadline.
        let entries = sampleEntries(count: 4000)
        var next = 0
        func direct() -> Bool {
            guard let result = store.appendIfIdle(loggedTxns(entries[next..<next + 1])) else { return false }
            #expect((try? result.get()) == Zxid(Int64(next + 1)))
            next += 1
            return true
        }
        // One sync of 5 ms (a shared disk's hiccup), then fast ones: the short way stays.
        faults.syncDelay = 5_000
        #expect(direct())
        faults.syncDelay = 0
        #expect(direct())
        #expect(direct())
        // Every sync 5 ms: after a few the average passes 2 ms and the store declines.
        faults.syncDelay = 5_000
        var accepted = 0
        while accepted < 15, direct() { accepted += 1 }
        #expect(accepted >= 2 && accepted < 15, "accepted \(accepted) slow syncs before declining")
        // Fast syncs through the writer thread bring the average down again.
        faults.syncDelay = 0
        let done = DispatchSemaphore(value: 0)
        var reopened = false
        let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
        while !reopened, next < entries.count, DispatchTime.now().uptimeNanoseconds < deadline {
            if direct() { reopened = true; break }
            store.append(loggedTxns(entries[next..<next + 1])) { _ in done.signal() }
            next += 1
            done.wait()
        }
        #expect(reopened)
        store.close()
        #expect(try TxnLogReader(directory: dir.path).readAll().map(\.entry) == Array(entries[..<next]))
    }

    @Test func appendIfIdleReportsAFailedSyncAndTheStoreStaysFailed() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let faults = FaultyIO()
        faults.failSync = (1, EIO)
        let store = try FileLogStore(directory: dir.path, preAllocSize: 65536, forceSync: true, io: faults.io)
        let entries = sampleEntries(count: 2)
        let result = store.appendIfIdle(loggedTxns(entries[0..<1]))
        #expect(throws: LogError.self) { try result?.get() }
        let later = Locked<Result<Zxid, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        store.append(loggedTxns(entries[1..<2])) { r in later.withLock { $0 = r }; done.signal() }
        done.wait()
        store.close()
        #expect(throws: LogError.self) { try later.current?.get() }
    }

    @Test func rollIsQueuedInOrderWithAppends() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let store = try FileLogStore(directory: dir.path, preAllocSize: 4096)
        let entries = sampleEntries(count: 9)
        let allDone = DispatchGroup()
        for (i, range) in [0..<3, 3..<6, 6..<9].enumerated() {
            allDone.enter()
            store.append(loggedTxns(entries[range])) { _ in allDone.leave() }
            if i < 2 { store.roll() }
        }
        allDone.wait()
        store.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["log.1", "log.4", "log.7"])
        #expect(try TxnLogReader(directory: dir.path).readAll().map(\.entry) == entries)
    }

    @Test func forceSyncOffNeverSyncs() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let faults = FaultyIO()
        let store = try FileLogStore(directory: dir.path, preAllocSize: 4096, forceSync: false, io: faults.io)
        let entries = sampleEntries(count: 10)
        for entry in entries { _ = appendAndWait(store, loggedTxns([entry])) }
        store.close()
        #expect(faults.syncs.current == 0)
        #expect(try TxnLogReader(directory: dir.path).readAll().map(\.entry) == entries)
    }

    /// No small file system can be mounted everywhere, so ENOSPC is injected at the `pwrite` seam.
    @Test func noSpaceFailsThatBatchAndEveryLaterOneWithoutTouchingEarlierData() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let faults = FaultyIO()
        // Call 1 writes the header, calls 2 and 3 the first two batches, call 4 fails.
        faults.failWrite = (4, ENOSPC)
        let store = try FileLogStore(directory: dir.path, preAllocSize: 0, forceSync: true, io: faults.io)
        let entries = sampleEntries(count: 8)
        let batches = [0..<2, 2..<4, 4..<6, 6..<8].map { loggedTxns(entries[$0]) }

        #expect(try appendAndWait(store, batches[0]).get() == Zxid(2))
        #expect(try appendAndWait(store, batches[1]).get() == Zxid(4))
        let failed = appendAndWait(store, batches[2])
        let expected = LogError.io(file: dir.file("log.1"), operation: "write", errno: ENOSPC)
        #expect(throws: expected) { try failed.get() }
        #expect(throws: expected) { try appendAndWait(store, batches[3]).get() }
        #expect(faults.writes.current == 4, "nothing is written after the failure")
        store.close()
        #expect(throws: LogError.closed) { try appendAndWait(store, batches[3]).get() }

        let reader = try TxnLogReader(directory: dir.path)
        #expect(try reader.readAll().map(\.entry) == Array(entries[..<4]))
        #expect(reader.tails.isEmpty)
        #expect(expected.description.contains("No space left on device"))
    }

    @Test func aFailedFsyncIsNeverReportedAsSuccess() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let faults = FaultyIO()
        faults.failSync = (2, EIO)
        let store = try FileLogStore(directory: dir.path, preAllocSize: 4096, forceSync: true, io: faults.io)
        let entries = sampleEntries(count: 3)
        #expect(try appendAndWait(store, loggedTxns([entries[0]])).get() == Zxid(1))
        let expected = LogError.io(file: dir.file("log.1"), operation: "fsync", errno: EIO)
        #expect(throws: expected) { try appendAndWait(store, loggedTxns([entries[1]])).get() }
        #expect(throws: expected) { try appendAndWait(store, loggedTxns([entries[2]])).get() }
        let writesAfterFailure = faults.writes.current
        store.roll()
        store.close()
        #expect(faults.writes.current == writesAfterFailure)
        #expect(faults.syncs.current == 2)
    }

    @Test func closeAnswersEverythingQueuedFirst() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let store = try FileLogStore(directory: dir.path, preAllocSize: 4096)
        let answered = Locked(0)
        for entry in sampleEntries(count: 50) {
            store.append(loggedTxns([entry])) { result in
                if case .success = result { answered.withLock { $0 += 1 } }
            }
        }
        store.close()
        store.close()
        #expect(answered.current == 50)
    }

    @Test func configChoosesVersion2UnderDataLogDir() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        var config = ServerConfig(dataDir: dir.path + "/data")
        config.dataLogDir = dir.path + "/txnlog"
        config.preAllocSizeKiB = 16
        let store = try FileLogStore(config: config)
        _ = appendAndWait(store, loggedTxns(sampleEntries(count: 1)))
        store.close()
        #expect(store.directory == dir.path + "/txnlog/version-2")
        #expect(try fileSize(dir.path + "/txnlog/version-2/log.1") == 16 + 16 * 1024)
    }

    /// A real full file system, where this process may mount one (root with mount rights).
    @Test(.enabled(if: TmpfsMount.isPossible, "needs rights to mount a small tmpfs"))
    func aFullTmpfsFailsCleanly() throws {
        let mount = try TmpfsMount(sizeKiB: 256)
        defer { mount.unmount() }
        let store = try FileLogStore(directory: mount.path + "/version-2")
        var succeeded: [Zxid] = []
        var failure: (any Error)?
        for i in 0..<200 {
            let data = [UInt8](repeating: UInt8(i % 251), count: 16 * 1024)
            let entry = TxnLogEntry(header: TxnHeader(clientId: 1, cxid: Int32(i), zxid: Int64(i + 1), time: 0, type: .setData),
                                    body: .setData(SetDataTxn(path: "/big", data: data, version: Int32(i))), digest: nil)
            switch appendAndWait(store, loggedTxns([entry])) {
            case .success(let zxid): succeeded.append(zxid)
            case .failure(let error): failure = error
            }
            if failure != nil { break }
        }
        let error = try #require(failure as? LogError)
        guard case .io(_, _, let code) = error else { Issue.record("unexpected \(error)"); return }
        #expect(code == ENOSPC)
        #expect(!succeeded.isEmpty)
        #expect(throws: error) { try appendAndWait(store, loggedTxns(sampleEntries(count: 1, first: 500))).get() }
        store.close()
        // Every acknowledged txn is there; at most the failed one's bytes follow, as a torn end.
        let read = try TxnLogReader(directory: mount.path + "/version-2").readAll().map(\.zxid)
        #expect(Array(read.prefix(succeeded.count)) == succeeded)
        #expect(read.count <= succeeded.count + 1)
    }
}

/// A small tmpfs mounted for one test.
struct TmpfsMount {
    let path: String

    /// True when mounting works here (checked once, by mounting and unmounting a probe).
    static let isPossible: Bool = {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount") else { return false }
        guard let probe = try? TmpfsMount(sizeKiB: 64) else { return false }
        probe.unmount()
        return true
    }()

    init(sizeKiB: Int) throws {
        let dir = try TempDirectory("tmpfs")
        path = dir.path
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(sizeKiB)k", "tmpfs", path]) else {
            dir.remove()
            throw LogError.io(file: path, operation: "mount", errno: EPERM)
        }
    }

    func unmount() {
        _ = Self.run("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
