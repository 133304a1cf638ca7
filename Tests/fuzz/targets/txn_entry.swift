// Data directory and DIFF proposals: one transaction payload (TxnHeader, body by type, optional
// TxnDigest) as TxnLogEntry decodes it, without the log file's framing and checksum.
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var reader = JuteReader(Array(UnsafeBufferPointer(start: data, count: size)))
    _ = try? TxnLogEntry(from: &reader)
    return 0
}

@_cdecl("txn_entry_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
