import Foundation

/// Scratch directories and whole-file reads and writes for tests on real files.
public enum TestFiles {
    /// A new empty directory under the system's temporary directory; the caller removes it.
    public static func temporaryDirectory(_ prefix: String = "oversweep-test") throws -> URL {
        try makeDirectory(in: FileManager.default.temporaryDirectory, prefix)
    }

    /// In memory (tmpfs) where there is one: for tests that reopen a file
    /// thousands of times, where a real fsync per reopen would cost minutes.
    public static func scratchDirectory(_ prefix: String = "oversweep-test") throws -> URL {
        guard FileManager.default.isWritableFile(atPath: "/dev/shm") else { return try temporaryDirectory(prefix) }
        return try makeDirectory(in: URL(fileURLWithPath: "/dev/shm"), prefix)
    }

    public static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    public static func write(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    private static func makeDirectory(in parent: URL, _ prefix: String) throws -> URL {
        let dir = parent.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
