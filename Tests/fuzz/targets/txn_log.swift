// Data directory: a transaction log file read by TxnLogReader (file header, record framing,
// checksums, TxnHeader and body by type). The bytes go to a file in /dev/shm (else /tmp), since
// the reader works on files; records after a recoverable error are read on, as log-dump does.
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

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot create \(path)")
    var written = 0
    while written < size {
        let n = write(fd, data + written, size - written)
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
    return 0
}

@_cdecl("txn_log_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
