/// The Store module's one error type: a code to branch on and a one-line
/// message that names the file (and line, when there is one).
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The file system refused (open, read, write, fsync, rename …).
        case io = "i/o error"
        case notFound = "not found"
        case isDirectory = "is a directory"
        case empty = "empty file"
        /// Not an OverSweep result file (first line is not a header).
        case notAResultFile = "not a result file"
        /// Written by a newer OverSweep than this one.
        case newerFormat = "newer format"
        /// Another process holds the write lock.
        case locked = "locked"
        /// Resuming with a spec whose hash differs from the file's header.
        case specMismatch = "spec mismatch"
        /// A record this store will not write (non-finite number …).
        case invalidRecord = "invalid record"
        /// A line that fails its checksum or does not parse.
        case corruptLine = "corrupt line"
        /// Merge inputs from different sweeps, or conflicting duplicates with --prefer fail.
        case mergeConflict = "merge conflict"
        /// The store was closed, or an earlier write failure made it unusable.
        case unusable = "store unusable"
    }

    public let code: Code
    public let path: String
    /// 1-based line number, when the problem is on one line.
    public let line: Int?
    public let message: String

    public init(_ code: Code, path: String, line: Int? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(path):\($0)" } ?? path
        return place.isEmpty ? message : "\(place): \(message)"
    }
}
