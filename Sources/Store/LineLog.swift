/// One line handed to a `LineLog` reader. `bytes` (newline excluded) is valid
/// only inside the callback.
public struct LogLine {
    /// 1-based line number.
    public let number: Int
    /// Byte offset of the line's first byte.
    public let offset: UInt64
    public let bytes: UnsafeRawBufferPointer
    /// False only for a last line that has no newline (a write cut short).
    public let terminated: Bool
    /// Set for a line longer than the log's line limit: its length in bytes
    /// (`bytes` is then empty; the line is unreadable and was never held in memory).
    public var overlongLength: Int? = nil

    /// Length in bytes, newline excluded.
    public var length: Int { overlongLength ?? bytes.count }
    /// Offset just past the line (and its newline).
    public var end: UInt64 { offset + UInt64(length) + (terminated ? 1 : 0) }
}

/// The seam beneath the result store: an append-only log of newline-terminated
/// lines. Resume, dedupe and merge are written once on top of it.
///
/// Every implementation guarantees:
/// - `read(from:firstLine:_:)` visits the lines from byte `position` (a line
///   start) to the current end, in order; only the very last line may be
///   unterminated, and it is passed with `terminated == false`.
/// - `append(_:)` adds bytes made of whole lines at the end and returns only
///   once they are durable (survive a crash of the process or machine). If it
///   throws, the lines may be partly there; the next open sets them aside.
public protocol LineLog: AnyObject {
    func read(from position: UInt64, firstLine: Int, _ body: (LogLine) throws -> Void) throws
    func append(_ bytes: [UInt8]) throws
}

extension LineLog {
    public func read(_ body: (LogLine) throws -> Void) throws { try read(from: 0, firstLine: 1, body) }
}

/// A `LineLog` in memory: deterministic, for tests of the logic above the log.
public final class MemoryLineLog: LineLog, @unchecked Sendable {
    public private(set) var bytes: [UInt8]
    /// Number of successful appends (each one a "sync").
    public private(set) var appendCount = 0

    public init(bytes: [UInt8] = []) { self.bytes = bytes }

    public func read(from position: UInt64, firstLine: Int, _ body: (LogLine) throws -> Void) throws {
        try bytes.withUnsafeBytes { all in
            var start = Int(min(position, UInt64(all.count)))
            var number = firstLine
            while start < all.count {
                let newline = all[start...].firstIndex(of: 0x0A)
                let end = newline ?? all.count
                try body(LogLine(number: number, offset: UInt64(start), bytes: UnsafeRawBufferPointer(rebasing: all[start..<end]),
                                 terminated: newline != nil))
                start = end + 1
                number += 1
            }
        }
    }

    public func append(_ more: [UInt8]) throws {
        bytes.append(contentsOf: more)
        appendCount += 1
    }

    /// Cuts the log (as a crash or the recovery of a torn tail would).
    public func truncate(to size: UInt64) { bytes.removeLast(max(0, bytes.count - Int(size))) }
}
