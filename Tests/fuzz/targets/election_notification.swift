// Election port: one notification payload (Notification.decode), config text included.
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? Notification.decode(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_cdecl("election_notification_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
