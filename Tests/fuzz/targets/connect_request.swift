// Client port: the body of the first frame, a ConnectRequest (with or without readOnly).
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var reader = JuteReader(Array(UnsafeBufferPointer(start: data, count: size)))
    _ = try? ConnectRequest(from: &reader)
    return 0
}

@_cdecl("connect_request_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
