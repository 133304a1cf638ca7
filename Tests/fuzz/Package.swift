// swift-tools-version:6.2
// libFuzzer targets for swzk's decoders. Not part of the main package: build and run them with
// Tests/fuzz/run.sh, which passes -sanitize=fuzzer,address to every module (ZKCore included, so
// its code is coverage-instrumented) and keeps its own scratch path.
//
// SwiftPM links a Linux executable with `main` defined as `<target>_main`, so each target defines
// that function (see `fuzzMain` in the targets) and starts libFuzzer through LLVMFuzzerRunDriver.
import PackageDescription

let names = [
    "client_frames", "connect_request", "client_replies", "election_notification", "election_handshake",
    "quorum_packets", "snap_stream", "txn_log", "txn_entry", "snapshot_file", "zoo_cfg",
]

let package = Package(
    name: "swzk-fuzz",
    dependencies: [.package(name: "swzk", path: "../..")],
    targets: [.target(name: "FuzzDriver", path: "driver")] + names.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzDriver", .product(name: "ZKCore", package: "swzk")],
            path: "targets",
            sources: ["\(name).swift"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    },
    swiftLanguageModes: [.v6]
)
