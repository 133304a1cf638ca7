// Quorum port: a stream of QuorumPackets through QuorumStreamDecoder, fed in two reads; after a
// SNAP the stream is held and raw chunks are asked for, as a learner does.
import NIOCore
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var decoder = QuorumStreamDecoder(maxBufferBytes: Limits.juteMaxBufferDefault * 2, holdAfterTypes: [15])
    let cut = size / 3
    for part in [bytes[..<cut], bytes[cut...]] {
        var buffer = ByteBufferAllocator().buffer(capacity: part.count)
        buffer.writeBytes(part)
        decoder.feed(buffer)
        var steps = 0
        while steps < 100_000 {
            steps += 1
            do {
                guard let item = try decoder.next() else {
                    if decoder.mode == .held { decoder.requestRaw(); continue }
                    break
                }
                if case .raw = item { decoder.resumePackets(leftover: nil) }
            } catch {
                return 0
            }
        }
        precondition(steps < 100_000, "decoder did not stop")
    }
    return 0
}

@_cdecl("quorum_packets_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
