// Client side: what a server sends back. The first input byte picks the opcode the reply answers;
// the rest is one frame body: the ConnectResponse decoding of a handshake reply, then a
// ReplyHeader followed by a WatcherEvent (xid -1) or the reply record for that opcode.
import FuzzDriver
import ZKCore

private let ops: [Int32] = [1, 15, 19, 21, 2, 3, 4, 5, 6, 7, 8, 12, 9, 104, 103, 14, 22, 16, 17, 18, 20, 101, 102, 105, 106, 107, 11, 13, -11, 0]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let op = OpCode(ops[Int(data[0]) % ops.count])
    let frame = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    _ = try? ConnectResponse(juteBytes: frame)
    var reader = JuteReader(frame)
    guard let header = try? ReplyHeader(from: &reader) else { return 0 }
    if header.xid == -1 {
        _ = try? WatcherEvent(from: &reader)
    } else {
        _ = try? ReplyBody.decode(for: op, from: &reader)
    }
    return 0
}

@_cdecl("client_replies_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
