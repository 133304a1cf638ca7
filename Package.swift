// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "swzk",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swzk", targets: ["swzk"]),
        .library(name: "ZKCore", targets: ["ZKCore"]),
    ],
    dependencies: [],
    targets: [
        .target(name: "ZKCore", dependencies: []),
        .executableTarget(name: "swzk", dependencies: ["ZKCore"]),
        .testTarget(name: "ZKCoreTests", dependencies: ["ZKCore"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
