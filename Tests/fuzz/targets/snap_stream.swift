// Quorum port: the serialized database after a SNAP (SnapshotStreamDecoder.feed), in three reads.
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = SnapshotStreamDecoder()
    let a = size / 3, b = 2 * size / 3
    for part in [bytes[..<a], bytes[a..<b], bytes[b...]] {
        do {
            if try decoder.feed(Array(part)) != nil { break }
        } catch {
            break
        }
    }
    return 0
}

@_cdecl("snap_stream_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
