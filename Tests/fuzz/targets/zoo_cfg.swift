// zoo.cfg: the text parsed as a file (ConfigFile) and into a ServerConfig with its checks.
import FuzzDriver
import ZKCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ServerConfig.parse(text: text, file: "zoo.cfg")
    _ = try? ServerConfig.parse(text: text, file: "zoo.cfg", myid: ServerID(1))
    return 0
}

@_cdecl("zoo_cfg_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    swzk_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}
