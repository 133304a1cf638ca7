// Election port: the connection header (protocol version, sid, address list), given every
// prefix length a reader might see.
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if case .done(_, let consumed) = ElectionHandshake.decode(bytes) {
        precondition(consumed > 0 && consumed <= bytes.count, "consumed \(consumed) of \(bytes.count)")
    }
    // A short prefix must ask for more or fail, never read past the end.
    _ = ElectionHandshake.decode(bytes.prefix(bytes.count / 2))
    return 0
}

@_cdecl("election_handshake_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
