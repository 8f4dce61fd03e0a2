import Foundation
import TrialContract

/// One pass over a result log: checks the header, verifies every line's
/// checksum and hands each good trial line to the caller. Read-only; what to
/// repair is decided by the caller from the result.
struct LogScan {
    var header: StoreHeader
    /// Every bad line, in file order.
    var problems: [LineProblem] = []
    /// Offset just past the last good line (header included).
    var lastGoodEnd: UInt64 = 0
    var lastGoodLine = 0
    /// Offset just past the last line of any kind: the file's size as read.
    var end: UInt64 = 0
    /// The last good line is complete and verified but has no newline.
    var lastGoodUnterminated = false

    /// Bad lines after the last good one: a torn tail to set aside.
    var tailProblems: [LineProblem] { problems.filter { $0.line > lastGoodLine } }
    /// Bad lines before the last good one: corruption in the middle, reported and skipped.
    var middleProblems: [LineProblem] { problems.filter { $0.line < lastGoodLine } }

    enum TrialVerdict { case accepted, undecodable(String) }

    /// `onTrial` receives each verified trial line and says whether it decoded.
    static func run(_ log: any LineLog, path: String,
                    onTrial: (LogLine) -> TrialVerdict) throws -> LogScan {
        var scan: LogScan?
        var firstError: StoreError?
        var sawAnyLine = false
        try log.read { line in
            sawAnyLine = true
            if line.number == 1 {
                if line.overlongLength != nil {
                    firstError = StoreError(.notAResultFile, path: path, line: 1, "first line is longer than a header can be (not a result file)")
                    return
                }
                do {
                    let header = try readHeader(line, path: path)
                    var s = LogScan(header: header)
                    s.accept(line)
                    scan = s
                } catch let e as StoreError {
                    firstError = e
                }
                return
            }
            guard var s = scan else { return }
            defer { scan = s }
            if let p = Self.classify(line, onTrial: onTrial) {
                s.problems.append(p)
                s.end = line.end
            } else {
                s.accept(line)
            }
        }
        if let firstError { throw firstError }
        guard sawAnyLine, let scan else { throw StoreError(.empty, path: path, "empty file: no header line (not a result file)") }
        return scan
    }

    /// A line after the header: nil when it is a good trial line that `onTrial`
    /// accepted, else what is wrong with it. (Also what `ResultTail` reads with.)
    static func classify(_ line: LogLine, onTrial: (LogLine) -> TrialVerdict) -> LineProblem? {
        func problem(_ kind: LineProblem.Kind, _ detail: String = "") -> LineProblem {
            LineProblem(line: line.number, offset: line.offset, length: line.length, kind: kind, detail: detail)
        }
        if line.overlongLength != nil { return problem(line.terminated ? .tooLong : .torn) }
        if line.bytes.isEmpty && line.terminated { return problem(.unexpected, "empty line") }
        switch LineCodec.verify(line.bytes) {
        case .missingChecksum:
            return problem(line.terminated ? .missingChecksum : .torn)
        case .mismatch:
            return problem(line.terminated ? .checksumMismatch : .torn)
        case .valid:
            break
        }
        switch LineCodec.leadingKind(line.bytes) {
        case "trial":
            switch onTrial(line) {
            case .accepted: return nil
            case .undecodable(let why): return problem(.undecodable, why)
            }
        case "header":
            return problem(.unexpected, "a second header")
        case let other:
            return problem(.unexpected, "unknown kind '\(other ?? "?")'")
        }
    }

    private mutating func accept(_ line: LogLine) {
        lastGoodEnd = line.end
        lastGoodLine = line.number
        lastGoodUnterminated = !line.terminated
        end = line.end
    }

    static func readHeader(_ line: LogLine, path: String) throws -> StoreHeader {
        let data = Data(line.bytes)
        let header = try LineCodec.decodeHeader(data, path: path)
        switch LineCodec.verify(line.bytes) {
        case .valid: break
        case .missingChecksum: throw StoreError(.corruptLine, path: path, line: 1, "header line has no checksum")
        case .mismatch: throw StoreError(.corruptLine, path: path, line: 1, "header line fails its checksum (corrupted)")
        }
        return header
    }

    /// The trial id of a verified trial line: fast path for lines this codec
    /// wrote, a full decode otherwise.
    static func trialID(_ line: LogLine) -> TrialID? {
        if let id = LineCodec.fastTrialID(line.bytes) { return id }
        return try? LineCodec.decodeRecord(line.bytes).id
    }
}
