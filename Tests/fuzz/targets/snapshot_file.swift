// Data directory: a whole snapshot file (SnapshotReader.decode), seals and digest included.
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? SnapshotReader.decode(Array(UnsafeBufferPointer(start: data, count: size)), zxid: nil)
    return 0
}

@_cdecl("snapshot_file_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
