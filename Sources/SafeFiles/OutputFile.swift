#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An output a user named (`export --csv`, `merge -o` …), written so that
/// nothing the path points at is destroyed:
///
/// - `-`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and `/proc/self/fd/N`
///   write to that descriptor of this process (at its offset, with its flags);
/// - a new path or a regular file is replaced atomically: a temporary file
///   beside it, fsync, rename (keeping the old file's permissions), so a
///   reader sees the old contents or the new, never a mix;
/// - a symbolic link is followed: its regular-file target is replaced (the
///   link stays), a missing target is created;
/// - a FIFO or character device (`/dev/null`, a terminal) is written
///   through, streamed, never replaced;
/// - a directory, block device or socket is refused.
public final class OutputFile {
    public enum Mode: Sendable, Equatable {
        /// Written to a temporary file, renamed over `target` on `commit()`.
        case atomic(target: String)
        /// Written straight through a descriptor (stdout, a FIFO, a device).
        case stream
    }

    public let mode: Mode
    /// The path as the user gave it (`-` for stdout).
    public let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let temporary: String?
    private var finished = false

    /// Why an output cannot be written: one line naming the path.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// True for the paths that name one of this process's descriptors.
    public static func descriptor(named path: String) -> Int32? {
        switch path {
        case "-", "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default: break
        }
        for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
            if let n = Int32(path.dropFirst(prefix.count)), n >= 0 { return n }
        }
        return nil
    }

    /// Opens the output for writing (see the type's rules).
    public init(_ path: String) throws(Failure) {
        self.path = path
        func fail(_ reason: String) -> Failure { Failure(path: path == "-" ? "stdout" : path, reason: reason) }
        if let n = Self.descriptor(named: path) {
            guard fcntl(n, F_GETFD) != -1 else { throw fail("descriptor \(n) is not open") }
            (mode, fd, ownsDescriptor, temporary) = (.stream, n, false, nil)
            return
        }
        let target = try Self.followLinks(path, fail)
        var st = stat()
        let exists = lstat(target, &st) == 0
        guard exists || errno == ENOENT else { throw fail("cannot inspect \(target): \(Self.reason(errno))") }
        let type = st.st_mode & mode_t(S_IFMT)
        if exists && (type == mode_t(S_IFIFO) || type == mode_t(S_IFCHR)) {
            // Streamed through: opening a FIFO waits for its reader, as any writer would.
            let d = open(target, O_WRONLY | O_CLOEXEC)
            guard d >= 0 else { throw fail("cannot open for writing: \(Self.reason(errno))") }
            (mode, fd, ownsDescriptor, temporary) = (.stream, d, true, nil)
            return
        }
        if exists && type != mode_t(S_IFREG) {
            let kind = type == mode_t(S_IFDIR) ? "a directory" : type == mode_t(S_IFBLK) ? "a block device" : type == mode_t(S_IFSOCK) ? "a socket" : "a special file"
            throw fail("is \(kind); give a file name (or - for stdout)")
        }
        let slash = target.lastIndex(of: "/").map { target.index(after: $0) } ?? target.startIndex
        var temp = ""
        var d: Int32 = -1
        for attempt in 0..<100 where d < 0 {
            temp = String(target[..<slash]) + "." + String(target[slash...]) + ".tmp-\(getpid())-\(attempt)"
            d = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if d < 0 && errno != EEXIST { break }
        }
        guard d >= 0 else { throw fail("cannot create a file beside it (\(Self.reason(errno)))") }
        if exists {
            // The replacement keeps the old file's permissions (and owner, where allowed).
            _ = fchmod(d, st.st_mode & 0o7777)
            _ = fchown(d, st.st_uid, st.st_gid)
        }
        (mode, fd, ownsDescriptor, temporary) = (.atomic(target: target), d, true, temp)
    }

    deinit { if !finished { discard() } }

    /// Appends bytes (all of them, retrying short writes).
    public func write(_ bytes: [UInt8]) throws(Failure) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw Failure(path: shownPath, reason: "cannot write: \(Self.reason(code))")
            }
            done += n
        }
    }

    public func write(_ text: String) throws(Failure) { try write(Array(text.utf8)) }

    /// Finishes the output: for a replaced file, fsync and rename over the
    /// target (then fsync its directory); for a stream, nothing more.
    public func commit() throws(Failure) {
        guard !finished else { return }
        finished = true
        guard case .atomic(let target) = mode, let temporary else {
            if ownsDescriptor { close(fd) }
            return
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd); unlink(temporary)
            throw Failure(path: shownPath, reason: "cannot fsync: \(Self.reason(code))")
        }
        close(fd)
        if rename(temporary, target) != 0 {
            let code = errno
            unlink(temporary)
            throw Failure(path: shownPath, reason: "cannot rename \(temporary) over it: \(Self.reason(code))")
        }
        Self.syncDirectory(of: target)
    }

    /// Abandons the output: a temporary file is removed and the target left as it was.
    public func discard() {
        guard !finished else { return }
        finished = true
        if ownsDescriptor { close(fd) }
        if let temporary { unlink(temporary) }
    }

    /// Writes `chunks` and commits; on failure nothing replaces the target.
    public static func write(_ path: String, chunks: [[UInt8]]) throws(Failure) {
        let out = try OutputFile(path)
        for chunk in chunks { try out.write(chunk) }
        try out.commit()
    }

    private var shownPath: String { path == "-" ? "stdout" : path }

    /// The path a chain of symbolic links ends at (the path itself when it is
    /// not a link); the end may not exist yet (a dangling link is created through).
    static func followLinks(_ path: String, _ fail: (String) -> Failure) throws(Failure) -> String {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(current, &st) == 0, st.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK) else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n >= 0 else { throw fail("cannot read the link \(current): \(reason(errno))") }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("/") {
                current = link
            } else {
                let dir = current.lastIndex(of: "/").map { String(current[...$0]) } ?? ""
                current = dir + link
            }
        }
        throw fail("too many levels of symbolic links")
    }

    /// Syncs the directory holding `path`, so a create or rename there survives a crash.
    public static func syncDirectory(of path: String) {
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let d = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_CLOEXEC)
        guard d >= 0 else { return }
        _ = fsync(d)
        close(d)
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}

private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
