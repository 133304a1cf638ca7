// Client port: length-prefixed frames as ClientConnectionHandler splits them; the first frame is
// a ConnectRequest, every later one a RequestHeader and a request body decoded by opcode.
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let maxFrame = Limits.juteMaxBufferDefault
    var at = 0
    var first = true
    while bytes.count - at >= 4 {
        let length = Int(Int32(bitPattern: UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16
            | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])))
        guard length >= 0, length <= maxFrame, bytes.count - at - 4 >= length else { break }
        let frame = Array(bytes[(at + 4)..<(at + 4 + length)])
        at += 4 + length
        var reader = JuteReader(frame, maxBufferLength: maxFrame)
        do {
            if first {
                first = false
                _ = try ConnectRequest(from: &reader)
            } else {
                let header = try RequestHeader(from: &reader)
                _ = ClientRequest.decode(type: header.type, body: &reader)
            }
        } catch {
            break
        }
    }
    return 0
}

@_cdecl("client_frames_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
