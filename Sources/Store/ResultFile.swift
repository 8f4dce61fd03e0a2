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
        let scan = try LogScan.run(log, path: path) { line in
            do {
                records.append(try LineCodec.decodeRecord(line.bytes))
                return .accepted
            } catch {
                return .undecodable("\(error)")
            }
        }
        return (scan.header, records, scan.problems)
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

    /// Counts by status and sub-sweep, read at resume speed (no full decode).
    /// A trial recorded twice counts once, with its last status.
    public static func summary(path: String) throws -> ResultSummary {
        let log = try FileLineLog(path: path, writable: false)
        var status: [TrialID: (sweep: String, status: TrialStatusName)] = [:]
        var lines = 0
        let scan = try LogScan.run(log, path: path) { line in
            guard let fields = LineCodec.leadingStrings(line.bytes, count: 4), fields.count == 4,
                  fields[0].key == "kind", fields[1].key == "id", fields[2].key == "sweep", fields[3].key == "status"
            else {
                guard let r = try? LineCodec.decodeRecord(line.bytes) else { return .undecodable("cannot read id/status") }
                status[r.id] = (r.sweep, r.status.rawValue)
                lines += 1
                return .accepted
            }
            status[TrialID(rawValue: fields[1].value)] = (fields[2].value, fields[3].value)
            lines += 1
            return .accepted
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
