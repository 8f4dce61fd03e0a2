#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening and reading input files so that a crafted path cannot hang or
/// exhaust a process: a FIFO, socket or device (`/dev/zero`) is refused before
/// anything is read (opened non-blocking, so a FIFO without a writer never
/// blocks), and a file larger than the caller's bound is refused from its size.
public enum RegularFile {
    /// Why a path could not be opened as a regular file.
    public enum Failure: Error, Sendable, Equatable {
        case notFound
        case isDirectory
        /// A FIFO, socket, device …: named by its kind.
        case notRegular(String)
        /// Larger than the caller allows.
        case tooLarge(size: Int, limit: Int)
        /// errno of a failed system call.
        case system(Int32)

        /// One line, no file contents.
        public var reason: String {
            switch self {
            case .notFound: return "no such file"
            case .isDirectory: return "is a directory"
            case .notRegular(let kind): return "is a \(kind), not a regular file"
            case .tooLarge(let size, let limit): return "is \(size) bytes, more than the \(limit) bytes allowed"
            case .system(let code): return String(cString: strerror(code))
            }
        }
    }

    /// Opens `path` with `flags` (plus close-on-exec) and returns its
    /// descriptor and size when it is a regular file. The file type is checked
    /// before the open (so a device is never opened) and again on the open
    /// descriptor (so a swap in between is caught too).
    public static func descriptor(_ path: String, flags: Int32, mode: mode_t = 0o644) -> Result<(fd: Int32, size: Int), Failure> {
        var st = stat()
        if stat(path, &st) == 0 {
            if let failure = typeFailure(st.st_mode) { return .failure(failure) }
        } else if errno != ENOENT || flags & O_CREAT == 0 {
            return .failure(errno == ENOENT ? .notFound : .system(errno))
        }
        let fd = open(path, flags | O_CLOEXEC | O_NONBLOCK, mode)
        guard fd >= 0 else { return .failure(errno == ENOENT ? .notFound : errno == EISDIR ? .isDirectory : .system(errno)) }
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            return .failure(.system(code))
        }
        if let failure = typeFailure(st.st_mode) {
            close(fd)
            return .failure(failure)
        }
        // Regular files ignore O_NONBLOCK, but clear it so the descriptor is ordinary.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return .success((fd, Int(st.st_size)))
    }

    /// The whole of a regular file of at most `maxBytes` bytes.
    public static func contents(_ path: String, maxBytes: Int) -> Result<[UInt8], Failure> {
        let opened = descriptor(path, flags: O_RDONLY)
        guard case .success(let (fd, size)) = opened else {
            if case .failure(let f) = opened { return .failure(f) }
            return .failure(.notFound)
        }
        defer { close(fd) }
        guard size <= maxBytes else { return .failure(.tooLarge(size: size, limit: maxBytes)) }
        // The size seen at open bounds the read (a file that grows meanwhile is cut there).
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.system(errno))
            }
            if n == 0 { break }
            done += n
        }
        bytes.removeLast(bytes.count - done)
        return .success(bytes)
    }

    static func typeFailure(_ mode: mode_t) -> Failure? {
        switch mode & mode_t(S_IFMT) {
        case mode_t(S_IFREG): return nil
        case mode_t(S_IFDIR): return .isDirectory
        case mode_t(S_IFIFO): return .notRegular("FIFO")
        case mode_t(S_IFSOCK): return .notRegular("socket")
        case mode_t(S_IFCHR): return .notRegular("character device")
        case mode_t(S_IFBLK): return .notRegular("block device")
        default: return .notRegular("special file")
        }
    }
}
