#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a whole file so that readers see the old content or the new, never
/// a mix: a temporary file beside it, fsync, rename, fsync of the directory.
enum AtomicFile {
    static func write(path: String, chunks: [[UInt8]]) throws {
        let base = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let temp = String(path[..<base]) + "." + String(path[base...]) + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileLineLog.error(temp, "cannot create") }
        var failure: StoreError?
        outer: for chunk in chunks {
            var done = 0
            while done < chunk.count {
                let n = chunk.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + done, chunk.count - done) }
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = FileLineLog.error(temp, "cannot write")
                    break outer
                }
                done += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = FileLineLog.error(temp, "cannot fsync") }
        close(fd)
        if failure == nil && rename(temp, path) != 0 { failure = FileLineLog.error(path, "cannot rename \(temp) to") }
        if let failure {
            unlink(temp)
            throw failure
        }
        FileLineLog.syncDirectory(of: path)
    }
}

private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
