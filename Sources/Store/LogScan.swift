import Foundation
import TrialContract

/// How readers treat lines whose checksum does not hold.
public struct ReadOptions: Sendable, Equatable {
    /// Accept a line whose checksum is absent or wrong when it parses as a
    /// complete record (or header, or revision): a file another tool rewrote,
    /// such as `jq -c 'select(…)'`, which prints 300.0 as 300. Such lines are
    /// counted (`unverified`); a file without a header line is then read too.
    /// Never used by resume: the coordinator's file stays strict.
    public var acceptEdited: Bool

    public init(acceptEdited: Bool = false) { self.acceptEdited = acceptEdited }

    public static let strict = ReadOptions()
}

/// One pass over a result log: checks the header, verifies every line's
/// checksum and hands each good trial line to the caller. Read-only; what to
/// repair is decided by the caller from the result.
struct LogScan {
    var header: StoreHeader
    /// Spec revisions after the header, in file order.
    var revisions: [SpecRevision] = []
    /// Every bad line, in file order.
    var problems: [LineProblem] = []
    /// Lines accepted without a valid checksum (`ReadOptions.acceptEdited`).
    var unverified = 0
    /// The file has no header line (read with `acceptEdited`); `header` is a placeholder.
    var headerless = false
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

    /// The spec the file's latest trials were run for: the last revision, else the header.
    var latestRevision: SpecRevision { revisions.last ?? header.revision }

    enum TrialVerdict { case accepted, undecodable(String) }

    /// `onTrial` receives each verified trial line and says whether it decoded.
    static func run(_ log: any LineLog, path: String, options: ReadOptions = .strict,
                    onTrial: (LogLine) -> TrialVerdict) throws -> LogScan {
        var reading = Reading(path: path, options: options)
        try log.read { line in try reading.take(line, onTrial: onTrial) }
        return try reading.finish()
    }

    /// A scan in progress: `run`'s state, also used for the header and each
    /// piece of `runChunked`.
    struct Reading {
        let path: String
        let options: ReadOptions
        var scan: LogScan?
        var firstError: StoreError?
        var sawAnyLine = false

        init(path: String, options: ReadOptions, continuing scan: LogScan? = nil) {
            self.path = path
            self.options = options
            self.scan = scan
        }

        mutating func take(_ line: LogLine, onTrial: (LogLine) -> TrialVerdict) throws {
            sawAnyLine = true
            if line.number == 1 && scan == nil {
                if line.overlongLength != nil {
                    firstError = StoreError(.notAResultFile, path: path, line: 1, "first line is longer than a header can be (not a result file)")
                    return
                }
                do {
                    let (header, verified) = try readHeader(line, path: path, options: options)
                    var s = LogScan(header: header)
                    if !verified { s.unverified += 1 }
                    s.accept(line)
                    scan = s
                    return
                } catch let e as StoreError {
                    // Edited files may have lost their header (`jq 'select(.status == "ok")'`): read their records.
                    guard options.acceptEdited, e.code == .notAResultFile, kind(line.bytes, options) == "trial" else {
                        firstError = e
                        return
                    }
                    var s = LogScan(header: StoreHeader(sweepName: "", spec: "", specHash: "", toolVersion: "",
                                                        createdAt: Date(timeIntervalSince1970: 0)))
                    s.headerless = true
                    scan = s
                }
            }
            guard var s = scan else { return }
            defer { scan = s }
            switch LogScan.classify(line, options: options, onTrial: onTrial) {
            case .problem(let p):
                s.problems.append(p)
                s.end = line.end
            case .trial(let verified):
                if !verified { s.unverified += 1 }
                s.accept(line)
            case .revision(let r, let verified):
                if !verified { s.unverified += 1 }
                s.revisions.append(r)
                s.accept(line)
            }
        }

        func finish() throws -> LogScan {
            if let firstError { throw firstError }
            guard sawAnyLine, let scan else { throw StoreError(.empty, path: path, "empty file: no header line (not a result file)") }
            return scan
        }
    }

    /// What a line after the header is; `verified` is false for a line taken
    /// without a valid checksum (`ReadOptions.acceptEdited`).
    enum LineOutcome {
        case trial(verified: Bool)
        case revision(SpecRevision, verified: Bool)
        case problem(LineProblem)
    }

    /// Classifies a line after the header, as every reader does (`ResultTail` too).
    static func classify(_ line: LogLine, options: ReadOptions, onTrial: (LogLine) -> TrialVerdict) -> LineOutcome {
        func problem(_ kind: LineProblem.Kind, _ detail: String = "") -> LineOutcome {
            .problem(LineProblem(line: line.number, offset: line.offset, length: line.length, kind: kind, detail: detail))
        }
        if line.overlongLength != nil { return problem(line.terminated ? .tooLong : .torn) }
        if line.bytes.isEmpty && line.terminated { return problem(.unexpected, "empty line") }
        let verdict = LineCodec.verify(line.bytes)
        if verdict != .valid {
            let failed: LineProblem.Kind = verdict == .missingChecksum ? .missingChecksum : .checksumMismatch
            guard line.terminated else { return problem(.torn) }
            guard options.acceptEdited else { return problem(failed) }
            // Believed only when it parses as a complete line of a known kind.
            switch kind(line.bytes, options) {
            case "trial":
                guard case .accepted = onTrial(line) else { return problem(failed) }
                return .trial(verified: false)
            case "revision":
                guard let r = try? LineCodec.decodeRevision(Data(line.bytes), number: line.number) else { return problem(failed) }
                return .revision(r, verified: false)
            default:
                return problem(failed)
            }
        }
        switch LineCodec.leadingKind(line.bytes) {
        case "trial":
            switch onTrial(line) {
            case .accepted: return .trial(verified: true)
            case .undecodable(let why): return problem(.undecodable, why)
            }
        case "revision":
            do {
                return .revision(try LineCodec.decodeRevision(Data(line.bytes), number: line.number), verified: true)
            } catch {
                return problem(.undecodable, "\(error)")
            }
        case "header":
            return problem(.unexpected, "a second header")
        case let other:
            return problem(.unexpected, "unknown kind '\(other ?? "?")'")
        }
    }

    /// The `kind` of a line: from its leading member, or (accepting edited
    /// lines, whose members another tool may have reordered) from a parse.
    static func kind(_ line: UnsafeRawBufferPointer, _ options: ReadOptions) -> String? {
        if let k = LineCodec.leadingKind(line) { return k }
        guard options.acceptEdited else { return nil }
        struct Probe: Decodable { var kind: String? }
        return (try? JSONDecoder().decode(Probe.self, from: Data(line)))?.kind
    }

    private mutating func accept(_ line: LogLine) {
        lastGoodEnd = line.end
        lastGoodLine = line.number
        lastGoodUnterminated = !line.terminated
        end = line.end
    }

    /// The header and whether its checksum held (only `acceptEdited` takes one that does not).
    static func readHeader(_ line: LogLine, path: String, options: ReadOptions = .strict) throws -> (StoreHeader, verified: Bool) {
        let data = Data(line.bytes)
        let header = try LineCodec.decodeHeader(data, path: path)
        switch LineCodec.verify(line.bytes) {
        case .valid: return (header, true)
        case _ where options.acceptEdited && line.terminated: return (header, false)
        case .missingChecksum: throw StoreError(.corruptLine, path: path, line: 1, "header line has no checksum")
        case .mismatch: throw StoreError(.corruptLine, path: path, line: 1, "header line fails its checksum (corrupted)")
        }
    }

    /// The trial id of a verified trial line: fast path for lines this codec
    /// wrote, a full decode otherwise.
    static func trialID(_ line: LogLine) -> TrialID? {
        if let id = LineCodec.fastTrialID(line.bytes) { return id }
        return try? LineCodec.decodeRecord(line.bytes).id
    }
}
