import Foundation
import Testing
import TrialContract

/// Runs the built `oversweep` binary as a user would.
enum CLI {
    static var binary: URL {
        // Tests run from the package root; the debug product sits beside the test bundle.
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.deletingLastPathComponent().appendingPathComponent("oversweep"),
            URL(fileURLWithPath: ".build/debug/oversweep"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = binary
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

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversweep-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

@Suite struct TrainCommandTests {
    @Test func badConfigGetsOneLineAndNonZeroExit() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.json").path
        try #"{"data":"sphere_teacher","width":64,"depth":2,"activation":"gelu","loss":"logistic","lr":0.1,"steps":10}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLI.run(["train", path])
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(r.stderr.contains("activation") && r.stderr.contains(path))

        let missing = try CLI.run(["train", dir.appendingPathComponent("nope.json").path])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read"))
    }
}
