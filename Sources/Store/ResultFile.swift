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

    /// `load` for a reader that needs only some curves (`report`): each line
    /// is checked as a full decode checks it (`RecordSkimmer`, which accepts
    /// exactly what `RecordReader` accepts; what it refuses is decoded in
    /// full), the file is read on every core, and the records are those
    /// `load` returns with only the curves `curves` selects.
    public static func load(path: String, options: ReadOptions = .strict, curves: CurveSelection, pieces: Int? = nil) throws -> ResultContents {
        struct Piece: Sendable {
            var skimmer: RecordSkimmer
            var records: [TrialRecord] = []
        }
        let log = try FileLineLog(path: path, writable: false)
        let (scan, pieces) = try LogScan.runChunked(log, path: path, options: options, pieces: pieces,
                                                    start: { Piece(skimmer: RecordSkimmer(.report(curves: curves.names))) }) { piece, line in
            if let t = piece.skimmer.read(line.bytes), let r = t.record, curves.keepsOnlyNamed(t.curveNames) {
                piece.records.append(r)
                return .accepted
            }
            do {
                piece.records.append(curves.select(try LineCodec.decodeRecord(line.bytes)))
                return .accepted
            } catch {
                return .undecodable("\(error)")
            }
        }
        var parts = pieces
        var records: [TrialRecord] = []
        records.reserveCapacity(parts.reduce(0) { $0 + $1.records.count })
        for i in parts.indices {
            records += parts[i].records
            parts[i].records = []
        }
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

    /// The header line alone (the rest of the file is not read).
    public static func header(path: String, options: ReadOptions = .strict) throws -> StoreHeader {
        var reading = LogScan.Reading(path: path, options: options)
        try FileLineLog(path: path, writable: false).read(from: 0, firstLine: 1, before: 1) { line in
            try reading.take(line) { _ in .accepted }
        }
        return try reading.finish().header
    }

    /// The ids of every recorded trial (any status), without decoding records.
    public static func finishedIDs(path: String, options: ReadOptions = .strict) throws -> Set<TrialID> {
        try index(path: path, options: options).ids
    }

    /// Header, recorded ids and problems, read at resume speed.
    public static func index(path: String, options: ReadOptions = .strict) throws -> (header: StoreHeader, ids: Set<TrialID>, problems: [LineProblem]) {
        let (scan, recorded) = try RecordedTrials.read(FileLineLog(path: path, writable: false), path: path, options: options)
        return (scan.header, recorded.ids, scan.problems)
    }

    /// Counts by status and sub-sweep, and the recorded ids. Lines are
    /// checked as a full decode checks them (`RecordSkimmer`, which accepts
    /// exactly what `RecordReader` accepts; what it refuses is decoded in
    /// full), so a line that cannot be exported is not counted. A trial
    /// recorded twice counts once, with its last status.
    /// Lines are read on every core (`pieces` fixes how the file is cut; the
    /// counts never depend on it). `decodeInFull` reads every record in full
    /// on one thread instead: the reference path the skim must agree with.
    public static func summary(path: String, options: ReadOptions = .strict, pieces: Int? = nil, decodeInFull: Bool = false) throws -> ResultSummary {
        struct Piece: Sendable {
            var skimmer = RecordSkimmer(.counts)
            var trials: [(id: TrialID, sweep: String, status: TrialStatus)] = []
            /// Every line of the piece counted (right when no id repeats).
            var tally = StatusTally()
            mutating func add(_ id: TrialID, _ sweep: String, _ status: TrialStatus) {
                trials.append((id, sweep, status))
                tally.add(sweep: sweep, status: status)
            }
        }
        let log = try FileLineLog(path: path, writable: false)
        let (scan, parts): (LogScan, [Piece])
        if decodeInFull {
            var piece = Piece()
            scan = try scanRecords(log, path: path, options: options) { piece.add($0.id, $0.sweep, $0.result.status) }
            parts = [piece]
        } else {
            (scan, parts) = try LogScan.runChunked(log, path: path, options: options, pieces: pieces, start: { Piece() }) { piece, line in
                if let t = piece.skimmer.read(line.bytes) {
                    piece.add(t.id, t.sweep, t.status)
                } else {
                    do {
                        let r = try LineCodec.decodeRecord(line.bytes)
                        piece.add(r.id, r.sweep, r.result.status)
                    } catch {
                        return .undecodable("\(error)")
                    }
                }
                return .accepted
            }
        }
        let lines = parts.reduce(0) { $0 + $1.trials.count }
        var s = ResultSummary(header: scan.header, problems: scan.problems, trialLines: lines)
        s.revisions = scan.headerless ? [] : [scan.header.revision] + scan.revisions
        s.unverifiedLines = scan.unverified
        s.headerless = scan.headerless
        // This merge runs on one core. Usually no id repeats: the pieces'
        // tallies are the counts, and each line costs one set insertion.
        s.ids.reserveCapacity(lines)
        var repeated = false
        distinct: for piece in parts {
            for t in piece.trials where !s.ids.insert(t.id).inserted {
                repeated = true
                break distinct
            }
        }
        var tally = StatusTally()
        if repeated {
            // A trial recorded twice counts once, with its last line's status.
            var last: [TrialID: (sweep: String, status: TrialStatus)] = [:]
            last.reserveCapacity(lines)
            for piece in parts {
                for t in piece.trials { last[t.id] = (t.sweep, t.status) }
            }
            s.ids = Set(last.keys)
            for v in last.values { tally.add(sweep: v.sweep, status: v.status) }
        } else {
            for piece in parts { tally.merge(piece.tally) }
        }
        (s.total, s.bySweep) = tally.byName()
        s.distinctTrials = s.ids.count
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

/// Trials counted by sub-sweep and status, a line at a time: consecutive
/// lines mostly share a sub-sweep, so most lines cost an increment.
struct StatusTally: Sendable {
    private static let statuses = TrialStatus.allCases
    private var counts: [String: [Int]] = [:]
    private var sweep = ""
    private var run = [Int](repeating: 0, count: statuses.count)

    mutating func add(sweep: String, status: TrialStatus) {
        if sweep != self.sweep { flush(); self.sweep = sweep }
        run[Self.statuses.firstIndex(of: status)!] += 1
    }

    mutating func merge(_ other: StatusTally) {
        var other = other
        other.flush()
        flush()
        for (sweep, n) in other.counts { counts[sweep, default: n.map { _ in 0 }].add(n) }
    }

    /// Totals and per-sub-sweep counts by status name (only the nonzero ones).
    func byName() -> (total: [TrialStatusName: Int], bySweep: [String: [TrialStatusName: Int]]) {
        var me = self
        me.flush()
        var total: [TrialStatusName: Int] = [:], bySweep: [String: [TrialStatusName: Int]] = [:]
        for (sweep, n) in me.counts {
            for (k, c) in n.enumerated() where c > 0 {
                total[Self.statuses[k].rawValue, default: 0] += c
                bySweep[sweep, default: [:]][Self.statuses[k].rawValue, default: 0] += c
            }
        }
        return (total, bySweep)
    }

    private mutating func flush() {
        guard run.contains(where: { $0 > 0 }) else { return }
        counts[sweep, default: run.map { _ in 0 }].add(run)
        run = run.map { _ in 0 }
    }
}

extension [Int] {
    /// Adds `other` element by element (same length).
    fileprivate mutating func add(_ other: [Int]) {
        for i in indices { self[i] += other[i] }
    }
}

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

/// Which curves a reader keeps the values of (a report draws a few of a
/// record's many).
public struct CurveSelection: Sendable, Hashable {
    public var names: Set<String>
    /// A record without this curve keeps all of its curves (the reader then
    /// falls back on another); nil: every record keeps only `names`.
    public var keepAllWithout: String?

    public init(names: Set<String>, keepAllWithout: String? = nil) {
        self.names = names
        self.keepAllWithout = keepAllWithout
    }

    /// True when a record with these curves keeps only the named ones.
    func keepsOnlyNamed(_ curveNames: [String]) -> Bool {
        guard let anchor = keepAllWithout else { return true }
        return curveNames.isEmpty || curveNames.contains(anchor)
    }

    /// The record with the curves this selection keeps.
    public func select(_ record: TrialRecord) -> TrialRecord {
        guard keepsOnlyNamed(Array(record.result.curves.keys)) else { return record }
        var r = record
        r.result.curves = r.result.curves.filter { names.contains($0.key) }
        return r
    }
}
