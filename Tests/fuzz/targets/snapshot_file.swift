// Data directory: a whole snapshot file (SnapshotReader.decode), seals and digest included; then
// again tolerating seal mismatches (as `snapshot-dump --force` reads), so that mutated bodies reach
// the node, ACL and digest decoding instead of stopping at the first seal.
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? SnapshotReader.decode(bytes, zxid: nil)
    _ = try? SnapshotReader.decode(bytes, zxid: Zxid(0x23),
                                   options: SnapshotReadOptions(recordsFileOrder: true, toleratesChecksumMismatch: true))
    return 0
}

@_cdecl("snapshot_file_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
