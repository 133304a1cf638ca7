// Data directory: a transaction log file read by TxnLogReader (file header, record framing,
// checksums, TxnHeader and body by type). The bytes go to a file in /dev/shm (else /tmp), since
// the reader works on files; records after a recoverable error are read on, as log-dump does.
// Each input is read twice: as given, and with every record's Adler32 recomputed, so that mutated
// payloads get past the checksum to the header and body decoding.
#if canImport(Glibc)
import Glibc
#endif
import FuzzDriver
import ZKCore

private let path: String = {
    var st = stat()
    let dir = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp"
    return "\(dir)/swzk-fuzz-txnlog-\(getpid())"
}()

/// The bytes with each framed record's checksum set to its payload's Adler32.
private func resealed(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    var at = TxnLogFormat.headerSize
    while at + TxnLogFormat.recordPrefixSize <= bytes.count {
        let length = Int(Int32(bitPattern: UInt32(bytes[at + 8]) << 24 | UInt32(bytes[at + 9]) << 16
            | UInt32(bytes[at + 10]) << 8 | UInt32(bytes[at + 11])))
        let payload = at + TxnLogFormat.recordPrefixSize
        guard length > 0, length <= bytes.count - payload else { break }
        let sum = UInt64(Adler32.checksum(bytes[payload..<(payload + length)]))
        for i in 0..<8 { bytes[at + i] = UInt8(truncatingIfNeeded: sum >> UInt64(56 - 8 * i)) }
        at = payload + length + 1
    }
    return bytes
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let original = Array(UnsafeBufferPointer(start: data, count: size))
    let fixed = resealed(original)
    readLog(original)
    if fixed != original { readLog(fixed) }
    unlink(path)
    return 0
}

private func readLog(_ bytes: [UInt8]) {
    let size = bytes.count
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot create \(path)")
    var written = 0
    while written < size {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, size - written) }
        precondition(n > 0, "write failed")
        written += n
    }
    close(fd)
    for checkFlag in [false, true] {
        let reader = TxnLogReader(files: [path], from: nil)
        reader.acceptsTopLevelCheck = checkFlag
        var steps = 0
        while steps <= size + 2 {
            steps += 1
            do {
                guard try reader.next() != nil else { break }
            } catch {
                if reader.position == nil { break }
            }
        }
        precondition(steps <= size + 2, "reader did not stop")
    }
}

@_cdecl("txn_log_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
