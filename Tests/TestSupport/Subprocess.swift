import Foundation

/// Runs a program to completion and collects what it printed.
public enum Subprocess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// stderr goes through a temporary file rather than a second pipe, so a
    /// child that fills stderr never blocks while stdout is being read.
    /// `directory` and `environment` default to the test's own; stdin is empty.
    public static func run(_ executable: URL, _ arguments: [String], in directory: URL? = nil,
                           environment: [String: String]? = nil) throws -> Output {
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("oversweep-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? errHandle.close() }

        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = directory }
        if let environment { p.environment = environment }
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        p.standardError = errHandle
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let e = (try? Data(contentsOf: errURL)) ?? Data()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs with a deadline: a process still running then (blocked on a FIFO,
    /// reading /dev/zero) is killed and reported as hung. Output goes to
    /// files, so nothing the child writes can block it while we wait.
    public static func run(_ executable: URL, _ arguments: [String], timeout: Double) throws
        -> (output: Output, exited: Bool, hung: Bool) {
        let dir = try TestFiles.temporaryDirectory("oversweep-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try BackgroundProcess(executable, arguments, logs: dir, name: "run")
        let hung = !p.waitForExit(within: timeout)
        p.stop()
        let output = Output(status: p.process.terminationStatus, stdout: p.stdout, stderr: p.stderr)
        return (output, p.process.terminationReason == .exit, hung)
    }

    /// `tool` as the shell would find it: PATH first, then the usual places.
    public static func which(_ tool: String) -> URL? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return (path + ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"])
            .map { URL(fileURLWithPath: $0).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
