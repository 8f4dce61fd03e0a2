import Foundation

/// The built `oversweep` executable, run as a user would run it.
public enum OversweepBinary {
    /// Beside the test bundle when run by `swift test`; `.build/debug` from the package root otherwise.
    public static var url: URL {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("oversweep"),
            URL(fileURLWithPath: ".build/debug/oversweep"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
    }

    /// Runs `oversweep ARGUMENTS` to completion.
    public static func run(_ arguments: [String]) throws -> Subprocess.Output {
        try Subprocess.run(url, arguments)
    }

    /// Runs `oversweep ARGUMENTS` with a deadline (see `Subprocess.run(_:_:timeout:)`).
    public static func run(_ arguments: [String], timeout: Double) throws -> (output: Subprocess.Output, exited: Bool, hung: Bool) {
        try Subprocess.run(url, arguments, timeout: timeout)
    }
}
