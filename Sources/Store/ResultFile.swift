import Foundation
import TrialContract

/// Read-only access to a result file: never modifies it, takes no lock (a
/// running coordinator may be appending; a half-written last line then shows
/// up as a `.torn` problem).
public enum ResultFile {
    /// The header, every good record in file order, and every line that could
    /// not be used. Throws for a missing, empty, foreign or newer-format file.
    public static func read(path: String) throws -> (header: StoreHeader, records: [TrialRecord], problems: [LineProblem]) {
        let log = try FileLineLog(path: path, writable: false)
        return try read(log: log, path: path)
    }

    public static func read(log: any LineLog, path: String) throws -> (header: StoreHeader, records: [TrialRecord], problems: [LineProblem]) {
        var records: [TrialRecord] = []
        let scan = try scanRecords(log, path: path) { records.append($0) }
        return (scan.header, records, scan.problems)
    }

    /// One scan handing each decoded record to `each`. A line whose checksum
    /// holds but whose record does not decode is a problem here, so every
    /// command that reads records (export, report, merge, status) counts the
    /// same lines as unreadable.
    static func scanRecords(_ log: any LineLog, path: String, each: (TrialRecord) -> Void) throws -> LogScan {
        try LogScan.run(log, path: path) { line in
            do {
                each(try LineCodec.decodeRecord(line.bytes))
                return .accepted
            } catch {
                return .undecodable("\(error)")
            }
        }
    }

    /// The ids of every recorded trial (any status), without decoding records.
    public static func finishedIDs(path: String) throws -> Set<TrialID> {
        try index(path: path).ids
    }

    /// Header, recorded ids and problems, read at resume speed.
    public static func index(path: String) throws -> (header: StoreHeader, ids: Set<TrialID>, problems: [LineProblem]) {
        let log = try FileLineLog(path: path, writable: false)
        var ids = Set<TrialID>()
        let scan = try LogScan.run(log, path: path) { line in
            guard let id = LogScan.trialID(line) else { return .undecodable("no trial id") }
            ids.insert(id)
            return .accepted
        }
        return (scan.header, ids, scan.problems)
    }

    /// Counts by status and sub-sweep. Records are decoded in full (as
    /// export does), so a line that cannot be exported is not counted.
    /// A trial recorded twice counts once, with its last status.
    public static func summary(path: String) throws -> ResultSummary {
        let log = try FileLineLog(path: path, writable: false)
        var status: [TrialID: (sweep: String, status: TrialStatusName)] = [:]
        var lines = 0
        let scan = try scanRecords(log, path: path) { r in
            status[r.id] = (r.sweep, r.result.status.rawValue)
            lines += 1
        }
        var s = ResultSummary(header: scan.header, problems: scan.problems, trialLines: lines)
        for (_, v) in status {
            s.total[v.status, default: 0] += 1
            s.bySweep[v.sweep, default: [:]][v.status, default: 0] += 1
        }
        s.distinctTrials = status.count
        return s
    }
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

    public init(header: StoreHeader, problems: [LineProblem], trialLines: Int) {
        self.header = header
        self.problems = problems
        self.trialLines = trialLines
    }
}
