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

        // The trial contract: config fields, ids, results, metric names, JSON forms.
        .target(name: "TrialContract", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        // Least-squares fits shared by the core's rate estimates and the report.
        .target(name: "Fitting", swiftSettings: strict),
        // CRC-32 by carry-less multiplication (x86-64 PCLMULQDQ, chosen at run time).
        .target(name: "CChecksum", path: "Sources/CChecksum"),
        // Opening files so that a crafted path (FIFO, device, huge file) cannot hang or exhaust a process.
        .target(name: "SafeFiles", swiftSettings: strict),

        .target(
            name: "Training",
            dependencies: ["CBLAS", "TrialContract", "Fitting", "SafeFiles", .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: strict + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .target(
            name: "Sweep",
            dependencies: [
                "TrialContract",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(name: "Store", dependencies: ["TrialContract", "SafeFiles", "CChecksum"], swiftSettings: strict),
        // The protocol (messages, codec, transport protocols, the in-process
        // transport); no libzmq, so Coordinator and Worker build and test without it.
        .target(name: "Wire", dependencies: ["TrialContract"], swiftSettings: strict),
        // The ZeroMQ transports: sockets, their thread, ZAP and CURVE keys.
        .target(
            name: "ZeroMQTransport",
            dependencies: ["CZeroMQ", "Wire", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "Coordinator",
            dependencies: ["Wire", "Sweep", "Store", "TrialContract", "SafeFiles", .product(name: "Logging", package: "swift-log"),
                           .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(
            name: "Worker",
            dependencies: ["Wire", "Training", "TrialContract", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(name: "Report", dependencies: ["Store", "TrialContract", "Fitting"], swiftSettings: strict),
        .executableTarget(
            name: "oversweep",
            dependencies: [
                "TrialContract", "SafeFiles", "Training", "Sweep", "Store", "Wire", "ZeroMQTransport", "Coordinator", "Worker", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            plugins: ["BuildInfo"]
        ),
        // Bakes the git revision into `oversweep --version` and result headers.
        .plugin(name: "BuildInfo", capability: .buildTool(), path: "Plugins/BuildInfo"),

        // Shared by the test targets: the built binary, subprocesses, scratch files, a seeded generator.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),

        .testTarget(name: "TrialContractTests", dependencies: ["TestSupport", "TrialContract", .product(name: "PropertyBased", package: "swift-property-based")], swiftSettings: strict),
        .testTarget(name: "TrainingTests", dependencies: ["TestSupport", "Training", "TrialContract", "Fitting", "SafeFiles", .product(name: "PropertyBased", package: "swift-property-based")], swiftSettings: strict),
        .testTarget(name: "SweepTests", dependencies: ["TestSupport", "Sweep", "TrialContract", .product(name: "PropertyBased", package: "swift-property-based")], swiftSettings: strict),
        .testTarget(name: "WireTests", dependencies: ["Wire", "TrialContract"], swiftSettings: strict),
        .testTarget(name: "ZeroMQTransportTests", dependencies: ["ZeroMQTransport", "Wire", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "Wire", "TrialContract", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // ZeroMQTransport only for HostileTests (a rogue peer on a real socket).
        .testTarget(name: "CoordinatorTests", dependencies: ["TestSupport", "Coordinator", "Worker", "Wire", "ZeroMQTransport", "Store", "Sweep", "Training", "TrialContract"], exclude: ["Snapshots"], swiftSettings: strict),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "Training", "Store", "Sweep", "TrialContract"], swiftSettings: strict),
        .testTarget(name: "ReportTests", dependencies: ["TestSupport", "Report", "Store", "TrialContract"], swiftSettings: strict),
        .testTarget(name: "ScienceTests", dependencies: ["TestSupport", "Report", "Store", "Sweep", "Training", "TrialContract"], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["TestSupport", "Store", "Sweep", "TrialContract", .product(name: "PropertyBased", package: "swift-property-based")], exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
