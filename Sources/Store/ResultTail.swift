#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows a result file while a coordinator appends to it: each `poll()`
/// reads only the bytes appended since the previous one and returns the
/// records in them, so a refresh costs what was added, not the file's size.
/// A last line without its newline yet (being written) is left for the next
/// poll. Lines are checked as every reader checks them (`LogScan.classify`).
/// Read-only, takes no lock.
public struct ResultTail: Sendable {
    public let path: String
    /// Known once the header line is complete.
    public private(set) var header: StoreHeader?
    /// Offset just past the last complete line read.
    public private(set) var offset: UInt64 = 0
    /// Complete lines read so far, the header included.
    public private(set) var lines = 0
    private var identity: FileIdentity?

    /// What one poll found.
    public struct Batch: Sendable {
        public var records: [TrialRecord] = []
        public var problems: [LineProblem] = []
        /// Bytes of new complete lines read by this poll.
        public var bytesRead: UInt64 = 0
        /// The file was replaced, or is now shorter than what was read: it
        /// was read again from the start, and what earlier polls returned no longer holds.
        public var restarted = false
    }

    public init(path: String) { self.path = path }

    /// Throws what `ResultFile.read` throws for a missing, foreign or newer-format file.
    public mutating func poll() throws -> Batch {
        let log = try FileLineLog(path: path, writable: false)
        var batch = Batch()
        let now = FileIdentity(log.fd)
        if let before = identity, before != now || log.size < offset {
            header = nil
            offset = 0
            lines = 0
            batch.restarted = true
        }
        identity = now
        guard log.size > offset else { return batch }
        let start = offset
        var header = self.header
        var offset = self.offset, lines = self.lines
        try log.read(from: offset, firstLine: lines + 1) { line in
            // Not yet complete: read again from here next time.
            guard line.terminated else { return }
            if header == nil {
                if line.overlongLength != nil {
                    throw StoreError(.notAResultFile, path: path, line: 1, "first line is longer than a header can be (not a result file)")
                }
                header = try LogScan.readHeader(line, path: path).0
            } else if case .problem(let problem) = LogScan.classify(line, options: .strict, onTrial: { l in
                do {
                    batch.records.append(try LineCodec.decodeRecord(l.bytes))
                    return .accepted
                } catch {
                    return .undecodable("\(error)")
                }
            }) {
                batch.problems.append(problem)
            }
            offset = line.end
            lines = line.number
        }
        self.header = header
        self.offset = offset
        self.lines = lines
        batch.bytesRead = offset - start
        return batch
    }
}

/// Device and inode: tells a file replaced by a rename from the same file grown.
struct FileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64

    init(_ fd: Int32) {
        var st = stat()
        if fstat(fd, &st) == 0 {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
        } else {
            device = 0
            inode = 0
        }
    }
}
