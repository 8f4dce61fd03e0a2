import Foundation
import TrialContract

/// Read-only access to a result file: never modifies it, takes no lock (a
/// running coordinator may be appending; a half-written last line then shows
/// up as a `.torn` problem).
public enum ResultFile {
    /// The header, every good record in file order, and every line that could
    /// not be used. Throws for a missing, empty, foreign or newer-format file.
    public static func read(path: String) throws -> (header: StoreHeader, records: [TrialRecord], problems: [LineProblem]) {
        let c = try load(path: path)
        return (c.header, c.records, c.problems)
    }

    public static func read(log: any LineLog, path: String) throws -> (header: StoreHeader, records: [TrialRecord], problems: [LineProblem]) {
        let c = try load(log: log, path: path)
        return (c.header, c.records, c.problems)
    }

    /// Everything a reader gets from a file: header, spec revisions, records, problems.
    public static func load(path: String, options: ReadOptions = .strict) throws -> ResultContents {
        try load(log: FileLineLog(path: path, writable: false), path: path, options: options)
    }

    public static func load(log: any LineLog, path: String, options: ReadOptions = .strict) throws -> ResultContents {
        var records: [TrialRecord] = []
        let scan = try scanRecords(log, path: path, options: options) { records.append($0) }
        return ResultContents(scan, records: records)
    }

    /// One scan handing each decoded record to `each`. A line whose checksum
    /// holds but whose record does not decode is a problem here, so every
    /// command that reads records (export, report, merge, status) counts the
    /// same lines as unreadable.
    static func scanRecords(_ log: any LineLog, path: String, options: ReadOptions = .strict,
                            each: (TrialRecord) -> Void) throws -> LogScan {
        try LogScan.run(log, path: path, options: options) { line in
            do {
                each(try LineCodec.decodeRecord(line.bytes))
                return .accepted
            } catch {
                return .undecodable("\(error)")
            }
        }
    }

    /// The one-line error for a file none of whose lines after the header is readable.
    public static func noReadableLines(_ problems: [LineProblem], path: String) -> String {
        let first = problems.first.map { "first: line \($0.line): \($0.kind.rawValue)" } ?? ""
        return "\(path): none of its \(problems.count) line\(problems.count == 1 ? "" : "s") after the header is readable (\(first)); "
            + "if another tool rewrote the file, --accept-edited reads lines that parse as complete records"
    }

    /// The ids of every recorded trial (any status), without decoding records.
    public static func finishedIDs(path: String, options: ReadOptions = .strict) throws -> Set<TrialID> {
        try index(path: path, options: options).ids
    }

    /// Header, recorded ids and problems, read at resume speed.
    public static func index(path: String, options: ReadOptions = .strict) throws -> (header: StoreHeader, ids: Set<TrialID>, problems: [LineProblem]) {
        let log = try FileLineLog(path: path, writable: false)
        var ids = Set<TrialID>()
        let scan = try LogScan.run(log, path: path, options: options) { line in
            guard let id = LogScan.trialID(line) else { return .undecodable("no trial id") }
            ids.insert(id)
            return .accepted
        }
        return (scan.header, ids, scan.problems)
    }

    /// Counts by status and sub-sweep, and the recorded ids. Lines are
    /// checked as a full decode checks them (`RecordSkimmer`, which accepts
    /// exactly what `RecordReader` accepts; what it refuses is decoded in
    /// full), so a line that cannot be exported is not counted. A trial
    /// recorded twice counts once, with its last status.
    public static func summary(path: String, options: ReadOptions = .strict) throws -> ResultSummary {
        let log = try FileLineLog(path: path, writable: false)
        var status: [TrialID: (sweep: String, status: TrialStatusName)] = [:]
        var lines = 0
        var skimmer = RecordSkimmer(.counts)
        let scan = try LogScan.run(log, path: path, options: options) { line in
            if let t = skimmer.read(line.bytes) {
                status[t.id] = (t.sweep, t.status.rawValue)
            } else {
                do {
                    let r = try LineCodec.decodeRecord(line.bytes)
                    status[r.id] = (r.sweep, r.result.status.rawValue)
                } catch {
                    return .undecodable("\(error)")
                }
            }
            lines += 1
            return .accepted
        }
        var s = ResultSummary(header: scan.header, problems: scan.problems, trialLines: lines)
        s.revisions = scan.headerless ? [] : [scan.header.revision] + scan.revisions
        s.unverifiedLines = scan.unverified
        s.headerless = scan.headerless
        for (id, v) in status {
            s.total[v.status, default: 0] += 1
            s.bySweep[v.sweep, default: [:]][v.status, default: 0] += 1
            s.ids.insert(id)
        }
        s.distinctTrials = status.count
        return s
    }
}

/// A result file as read: what `ResultFile.load` returns.
public struct ResultContents: Sendable {
    public var header: StoreHeader
    /// The header's spec, then every `revision` line, in file order.
    public var revisions: [SpecRevision]
    public var records: [TrialRecord]
    public var problems: [LineProblem]
    /// Lines accepted without a valid checksum (`ReadOptions.acceptEdited`).
    public var unverifiedLines: Int
    /// The file had no header line (read with `acceptEdited`).
    public var headerless: Bool

    public init(header: StoreHeader, revisions: [SpecRevision], records: [TrialRecord], problems: [LineProblem],
                unverifiedLines: Int = 0, headerless: Bool = false) {
        self.header = header
        self.revisions = revisions
        self.records = records
        self.problems = problems
        self.unverifiedLines = unverifiedLines
        self.headerless = headerless
    }

    init(_ scan: LogScan, records: [TrialRecord]) {
        header = scan.header
        revisions = scan.headerless ? [] : [scan.header.revision] + scan.revisions
        self.records = records
        problems = scan.problems
        unverifiedLines = scan.unverified
        headerless = scan.headerless
    }

    /// The spec the latest trials were run for (nil for a file without a header).
    public var latestRevision: SpecRevision? { revisions.last }
}

public typealias TrialStatusName = String

/// What `oversweep status` prints.
public struct ResultSummary: Sendable {
    public var header: StoreHeader
    public var problems: [LineProblem]
    /// Good trial lines (a duplicate id counts twice here, once below).
    public var trialLines: Int
    public var distinctTrials = 0
    /// Count by status name ("ok", "diverged", "failed").
    public var total: [TrialStatusName: Int] = [:]
    /// Sub-sweep name → status name → count.
    public var bySweep: [String: [TrialStatusName: Int]] = [:]
    /// The distinct trial ids counted.
    public var ids: Set<TrialID> = []
    /// The header's spec, then every `revision` line (empty for a file without a header).
    public var revisions: [SpecRevision] = []
    /// Lines accepted without a valid checksum (`ReadOptions.acceptEdited`).
    public var unverifiedLines = 0
    /// The file had no header line (read with `acceptEdited`).
    public var headerless = false

    public init(header: StoreHeader, problems: [LineProblem], trialLines: Int) {
        self.header = header
        self.problems = problems
        self.trialLines = trialLines
    }
}
