import SafeFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-backed `LineLog`: POSIX `pread`/`write` plus `fdatasync`, with the
/// extra operations recovery needs (truncate) and an exclusive `flock`.
public final class FileLineLog: LineLog, @unchecked Sendable {
    public let path: String
    let fd: Int32
    private var isOpen = true
    /// Size as this process knows it (it is the only writer while it holds the lock).
    public private(set) var size: UInt64
    /// The longest line `read` hands over (64 MiB, above any result the
    /// coordinator accepts); a longer one is reported with `overlongLength`
    /// and skipped without being held in memory.
    public static let maxLineLength = 64 << 20
    let maxLineLength: Int
    /// Crash tests only (see `StoreOptions.slowWritesForCrashTests`).
    package var slowWrites = false

    /// Opens an existing file, or creates it when `create` is true. Refuses
    /// anything but a regular file (a directory, a FIFO, `/dev/zero` …)
    /// before reading a byte, and never blocks opening a FIFO.
    public init(path: String, writable: Bool, create: Bool = false, maxLineLength: Int = FileLineLog.maxLineLength) throws {
        self.path = path
        self.maxLineLength = maxLineLength
        var flags = writable ? O_RDWR : O_RDONLY
        if create { flags |= O_CREAT }
        switch RegularFile.descriptor(path, flags: flags) {
        case .success(let (fd, size)):
            self.fd = fd
            self.size = UInt64(size)
        case .failure(.notFound):
            throw StoreError(.notFound, path: path, "no such file")
        case .failure(.isDirectory):
            throw StoreError(.isDirectory, path: path, "is a directory, not a result file")
        case .failure(let f):
            throw StoreError(.io, path: path, "cannot open: \(f.reason)")
        }
    }

    deinit { closeFile() }

    /// Closes the descriptor (releasing the lock). Safe to call twice.
    public func closeFile() {
        guard isOpen else { return }
        isOpen = false
        close(fd)
    }

    /// Takes the exclusive write lock; throws `.locked` if another process
    /// still has it after `patience` seconds. The short wait covers a child
    /// process that was being spawned while the previous holder closed the
    /// file: until its exec it holds a copy of the descriptor, and so the lock.
    public func lockExclusively(patience: Double = 0.5) throws {
        var waited = 0.0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw Self.error(path, "cannot lock") }
            if waited >= patience {
                throw StoreError(.locked, path: path,
                                 "another process is writing this result file (is a coordinator already running on it?)")
            }
            usleep(10_000)
            waited += 0.01
        }
    }

    /// True if some other process holds the write lock (probes with a shared lock).
    public static func isLocked(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 { return errno == EWOULDBLOCK }
        flock(fd, LOCK_UN)
        return false
    }

    public func read(from position: UInt64, firstLine: Int, _ body: (LogLine) throws -> Void) throws {
        try read(from: position, firstLine: firstLine, before: .max, body)
    }

    /// `read(from:firstLine:_:)` over the lines that start before byte
    /// `limit` (the last of them may end past it): one piece of a file that
    /// several threads read at once (`LogScan.runChunked`).
    func read(from position: UInt64, firstLine: Int, before limit: UInt64, _ body: (LogLine) throws -> Void) throws {
        // 4 MiB reads; smaller for small files (tests reopen small files thousands of times).
        let remaining = min(size, limit) > position ? min(size, limit) - position : 0
        var buffer = [UInt8](repeating: 0, count: Int(min(4 << 20, max(64 << 10, remaining + 1))))
        var bufferOffset = position  // file offset of buffer[0]
        var filled = 0
        var atEOF = false
        var number = firstLine
        // A line past maxLineLength being skipped: where it starts and its length so far.
        var overlong: (offset: UInt64, length: Int)?
        var reachedLimit = false
        while true {
            if !atEOF && filled < buffer.count {
                let n = buffer.withUnsafeMutableBytes { b in
                    pread(fd, b.baseAddress! + filled, b.count - filled, off_t(bufferOffset + UInt64(filled)))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Self.error(path, "cannot read")
                }
                if n == 0 { atEOF = true } else { filled += n }
            }
            var start = 0
            try buffer.withUnsafeBytes { b in
                let base = b.baseAddress!
                if let skip = overlong {
                    // Drop bytes up to the end of the long line; hand over only its place and length.
                    let hit = memchr(base, 0x0A, filled)
                    let end = hit.map { base.distance(to: UnsafeRawPointer($0)) } ?? filled
                    overlong = (skip.offset, skip.length + end)
                    guard hit != nil || atEOF else { return }
                    try body(LogLine(number: number, offset: skip.offset, bytes: UnsafeRawBufferPointer(start: base, count: 0),
                                     terminated: hit != nil, overlongLength: skip.length + end))
                    number += 1
                    overlong = nil
                    start = hit == nil ? filled : end + 1
                }
                func emit(_ end: Int, terminated: Bool) throws {
                    if bufferOffset + UInt64(start) >= limit { reachedLimit = true; return }
                    let length = end - start
                    let tooLong = length > maxLineLength
                    try body(LogLine(number: number, offset: bufferOffset + UInt64(start),
                                     bytes: UnsafeRawBufferPointer(start: base + start, count: tooLong ? 0 : length),
                                     terminated: terminated, overlongLength: tooLong ? length : nil))
                    number += 1
                }
                while !reachedLimit, start < filled, let hit = memchr(base + start, 0x0A, filled - start) {
                    let end = base.distance(to: UnsafeRawPointer(hit))
                    try emit(end, terminated: true)
                    start = end + 1
                }
                if !reachedLimit && atEOF && start < filled {
                    try emit(filled, terminated: false)
                    start = filled
                }
            }
            // The next line starts at or past the limit (`start` is its offset in the buffer).
            if reachedLimit || (overlong == nil && bufferOffset + UInt64(start) >= limit) { return }
            if atEOF { return }
            if overlong != nil {
                bufferOffset += UInt64(filled)  // all of it belonged to the long line
                filled = 0
            } else if start == 0 && filled == buffer.count {
                if buffer.count > maxLineLength {
                    overlong = (bufferOffset, filled)  // no newline within the limit: skip the rest of this line
                    bufferOffset += UInt64(filled)
                    filled = 0
                } else {
                    // A line longer than the buffer: grow it, up to one byte past the limit.
                    buffer.append(contentsOf: [UInt8](repeating: 0, count: min(buffer.count, maxLineLength + 1 - buffer.count)))
                }
            } else if start > 0 {
                buffer.withUnsafeMutableBytes { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, filled - start)
                }
                filled -= start
                bufferOffset += UInt64(start)
            }
        }
    }

    public func append(_ bytes: [UInt8]) throws {
        try write(bytes)
        try sync()
    }

    /// Writes at the end without syncing; on failure cuts the file back to where it was.
    func write(_ bytes: [UInt8]) throws {
        let before = size
        var done = 0
        let failure: StoreError? = bytes.withUnsafeBytes { b in
            while done < b.count {
                let piece = slowWrites ? min(512, b.count - done) : b.count - done
                if slowWrites { usleep(100) }
                let n = pwrite(fd, b.baseAddress! + done, piece, off_t(before + UInt64(done)))
                if n < 0 {
                    if errno == EINTR { continue }
                    return Self.error(path, "cannot write")
                }
                done += n
            }
            return nil
        }
        if let failure {
            _ = ftruncate(fd, off_t(before))
            throw failure
        }
        size = before + UInt64(bytes.count)
    }

    public func sync() throws {
        #if os(Linux)
        let r = fdatasync(fd)
        #else
        let r = fsync(fd)
        #endif
        if r != 0 { throw Self.error(path, "cannot fsync") }
    }

    /// Cuts the file to `newSize` bytes and syncs.
    public func truncate(to newSize: UInt64) throws {
        guard ftruncate(fd, off_t(newSize)) == 0 else { throw Self.error(path, "cannot truncate") }
        size = newSize
        try sync()
    }

    /// Reads `count` bytes at `offset` (for moving a torn tail aside).
    func bytes(at offset: UInt64, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + UInt64(done))) }
            if n < 0 { if errno == EINTR { continue }; throw Self.error(path, "cannot read") }
            if n == 0 { break }
            done += n
        }
        return Array(out[0..<done])
    }

    static func error(_ path: String, _ what: String) -> StoreError {
        let code = errno
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT: return StoreError(.notFound, path: path, "\(what): no such file")
        case EISDIR: return StoreError(.isDirectory, path: path, "is a directory, not a result file")
        default: return StoreError(.io, path: path, "\(what): \(reason)")
        }
    }

    /// Syncs the directory holding `path`, so a create or rename survives a crash.
    static func syncDirectory(of path: String) { OutputFile.syncDirectory(of: path) }
}
