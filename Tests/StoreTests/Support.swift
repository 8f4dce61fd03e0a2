import Foundation
import Sweep
import TrialContract
@testable import Store

/// Temporary directories and the built binary, for tests on real files and processes.
enum Files {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversweep-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// In memory (tmpfs) where there is one: for tests that reopen a file
    /// thousands of times, where a real fsync per reopen would cost minutes.
    static func scratchDirectory() throws -> URL {
        guard FileManager.default.isWritableFile(atPath: "/dev/shm") else { return try temporaryDirectory() }
        let dir = URL(fileURLWithPath: "/dev/shm").appendingPathComponent("oversweep-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func write(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    static var fixtures: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures") }
}

/// Runs the built `oversweep` binary as a user would.
enum Binary {
    static var url: URL {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.deletingLastPathComponent().appendingPathComponent("oversweep"),
            URL(fileURLWithPath: ".build/debug/oversweep"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ arguments: [String]) throws -> Output {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// A small deterministic generator, so random tests can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes a store file with `count` synthetic records and returns its path.
func makeStoreFile(in dir: URL, name: String = "results.jsonl", count: Int, prefix: String = "t",
                   header: StoreHeader = SyntheticRecords.header()) throws -> String {
    let path = dir.appendingPathComponent(name).path
    let store = try ResultStore.open(path: path, creating: header)
    for i in 0..<count { try store.append(SyntheticRecords.make(index: i, prefix: prefix)) }
    try store.close()
    return path
}
