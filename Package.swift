// swift-tools-version: 6.0
import PackageDescription

// One executable (`oversweep`) over small libraries with one job each; see docs/architecture.md.
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "OverSweep",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "oversweep", targets: ["oversweep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // System libraries: the only places libzmq and OpenBLAS are linked.
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // The training core's own kernels, one variant per instruction set, picked at run time.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        .target(
            name: "Training",
            dependencies: ["CBLAS", "CKernels", .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: strict
        ),
        .target(
            name: "Sweep",
            dependencies: [
                "Training",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(name: "Store", dependencies: ["Sweep", "Training"], swiftSettings: strict),
        .target(
            name: "Wire",
            dependencies: ["CZeroMQ", "Sweep", "Training", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "Coordinator",
            dependencies: ["Wire", "Sweep", "Store", .product(name: "Logging", package: "swift-log"),
                           .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(
            name: "Worker",
            dependencies: ["Wire", "Training", "Sweep", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(name: "Report", dependencies: ["Store", "Sweep", "Training"], swiftSettings: strict),
        .executableTarget(
            name: "oversweep",
            dependencies: [
                "Training", "Sweep", "Store", "Wire", "Coordinator", "Worker", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        .testTarget(name: "TrainingTests", dependencies: ["Training", .product(name: "PropertyBased", package: "swift-property-based")], swiftSettings: strict),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "Training", .product(name: "PropertyBased", package: "swift-property-based")], swiftSettings: strict),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Sweep", "Training"], swiftSettings: strict),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "Worker", "Wire", "Store", "Sweep", "Training"], exclude: ["Snapshots"], swiftSettings: strict),
        .testTarget(name: "CLITests", dependencies: ["Training", "Store", "Sweep"], swiftSettings: strict),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Store", "Training", "Sweep"], swiftSettings: strict),
        .testTarget(name: "ScienceTests", dependencies: ["Report", "Store", "Sweep", "Training"], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Sweep", "Training"], exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
