import Foundation
import Store
import TrialContract

/// What a watcher knows about a running sweep, built record by record as the
/// result file grows: each `add` costs the records added, whatever the
/// sweep's size. The file is all it reads, so "per worker" means what the
/// records say (worker, host, timings): which trials a worker holds right
/// now, or that it was lost, only the coordinator knows.
public struct SweepProgress: Sendable {
    /// Trials the spec plans; nil when the plan is not known.
    public private(set) var planned: Int?
    private let plannedIDs: Set<TrialID>?
    /// One record per trial id, the latest, in order of first appearance.
    public private(set) var records: [TrialRecord] = []
    private var position: [TrialID: Int] = [:]
    public private(set) var statusCounts: [TrialStatus: Int] = [:]
    /// Recorded trials that belong to the plan.
    public private(set) var recordedPlanned = 0
    public private(set) var workers: [String: WorkerActivity] = [:]
    /// End times of the latest trials, oldest first (at most `rateWindow`).
    private var recentEnds: [Date] = []
    public private(set) var firstStart: Date?
    public private(set) var lastEnd: Date?
    /// Lines of the file that could not be read (torn, corrupt, undecodable).
    public var unreadableLines = 0
    /// The latest diverged or failed trials, newest last.
    public private(set) var recentProblems: [TrialRecord] = []

    /// Trials the recent rate is measured over.
    public static let rateWindow = 256
    static let problemsKept = 20

    public init(plannedIDs: Set<TrialID>?) {
        self.plannedIDs = plannedIDs
        planned = plannedIDs?.count
    }

    public var isComplete: Bool { planned.map { recordedPlanned >= $0 } ?? false }

    /// A plan that is not a fixed set of ids (successive halving: a rung runs
    /// what the previous rung's results promote) is counted by the caller
    /// from the records; this sets both counts.
    public mutating func setPlanCount(planned: Int, recorded: Int) {
        self.planned = planned
        recordedPlanned = recorded
    }

    public mutating func add(_ new: [TrialRecord]) {
        for r in new { add(r) }
    }

    public mutating func add(_ r: TrialRecord) {
        if let i = position[r.id] {
            // Recorded again (a re-leased trial): it counts once, with its latest status.
            statusCounts[records[i].status, default: 0] -= 1
            records[i] = r
        } else {
            position[r.id] = records.count
            records.append(r)
            if plannedIDs?.contains(r.id) == true { recordedPlanned += 1 }
        }
        statusCounts[r.status, default: 0] += 1
        let key = r.worker.isEmpty ? "(unnamed)" : r.worker
        workers[key, default: WorkerActivity(name: key, host: r.host, firstEnd: r.endedAt, lastEnd: r.endedAt)].add(r)
        firstStart = min(firstStart ?? r.startedAt, r.startedAt)
        lastEnd = max(lastEnd ?? r.endedAt, r.endedAt)
        // Kept sorted; records arrive nearly in end-time order, so this is a short scan.
        let at = recentEnds.lastIndex { $0 <= r.endedAt }.map { $0 + 1 } ?? 0
        recentEnds.insert(r.endedAt, at: at)
        if recentEnds.count > Self.rateWindow { recentEnds.removeFirst(recentEnds.count - Self.rateWindow) }
        if r.status != .ok {
            recentProblems.append(r)
            if recentProblems.count > Self.problemsKept { recentProblems.removeFirst() }
        }
    }

    /// The numbers a view shows, as of `now`.
    public func snapshot(at now: Date) -> ProgressSnapshot {
        var s = ProgressSnapshot(planned: planned, recorded: records.count, updated: now)
        s.ok = statusCounts[.ok] ?? 0
        s.diverged = statusCounts[.diverged] ?? 0
        s.failed = statusCounts[.failed] ?? 0
        s.complete = isComplete
        s.recordedPlanned = recordedPlanned
        if let planned, planned > 0 { s.fraction = Double(recordedPlanned) / Double(planned) }
        if let first = recentEnds.first, let last = recentEnds.last, recentEnds.count >= 2, last > first {
            s.recentRate = Double(recentEnds.count - 1) / last.timeIntervalSince(first)
        }
        if let firstStart, let lastEnd, lastEnd > firstStart {
            s.elapsed = lastEnd.timeIntervalSince(firstStart)
            s.overallRate = Double(records.count) / lastEnd.timeIntervalSince(firstStart)
        }
        if let planned, !s.complete, let rate = s.recentRate ?? s.overallRate, rate > 0 {
            s.eta = Double(max(0, planned - recordedPlanned)) / rate
        }
        s.workers = workers.values.sorted { $0.name < $1.name }.map { $0.row(at: now, sweepComplete: s.complete) }
        s.problems = recentProblems.reversed().map {
            ProgressSnapshot.Problem(id: $0.id.short, sweep: $0.sweep, status: $0.status.rawValue, seed: $0.config.seed,
                                     message: $0.result.message ?? "")
        }
        s.unreadableLines = unreadableLines
        return s
    }
}

/// One worker as its records show it.
public struct WorkerActivity: Sendable {
    public var name: String
    public var host: String
    public var trials = 0, ok = 0, diverged = 0, failed = 0
    /// Training time its trials report, summed.
    public var trainingSeconds = 0.0
    public var firstEnd: Date
    public var lastEnd: Date

    mutating func add(_ r: TrialRecord) {
        trials += 1
        switch r.status {
        case .ok: ok += 1
        case .diverged: diverged += 1
        case .failed: failed += 1
        }
        trainingSeconds += r.result.timing.seconds
        if !r.host.isEmpty { host = r.host }
        firstEnd = min(firstEnd, r.endedAt)
        lastEnd = max(lastEnd, r.endedAt)
    }

    /// "active" while results keep coming at about its usual pace, else
    /// "quiet for …" (stopped, lost, or on a long trial: the file cannot tell which).
    func row(at now: Date, sweepComplete: Bool) -> ProgressSnapshot.Worker {
        let ago = max(0, now.timeIntervalSince(lastEnd))
        let gap = trials > 1 ? lastEnd.timeIntervalSince(firstEnd) / Double(trials - 1) : 0
        let patience = max(30, 3 * gap, 3 * trainingSeconds / Double(max(1, trials)))
        let state = sweepComplete ? "done" : ago <= patience ? "active" : "quiet for " + Format.duration(ago)
        return ProgressSnapshot.Worker(name: name, host: host, trials: trials, ok: ok, diverged: diverged, failed: failed,
                                       secondsPerTrial: trials > 0 ? trainingSeconds / Double(trials) : nil,
                                       lastResultAgo: ago, state: state)
    }
}

/// A view's numbers at one moment (`SweepProgress.snapshot`).
public struct ProgressSnapshot: Sendable {
    public struct Worker: Sendable, Equatable {
        public var name: String
        public var host: String
        public var trials: Int, ok: Int, diverged: Int, failed: Int
        public var secondsPerTrial: Double?
        public var lastResultAgo: Double
        public var state: String
    }

    public struct Problem: Sendable, Equatable {
        public var id: String
        public var sweep: String
        public var status: String
        public var seed: UInt64
        public var message: String
    }

    public var planned: Int?
    /// Distinct trials recorded.
    public var recorded: Int
    /// Of those, the ones the plan has.
    public var recordedPlanned = 0
    public var ok = 0, diverged = 0, failed = 0
    /// Share of the planned trials recorded.
    public var fraction: Double?
    /// Trials per second over the latest `SweepProgress.rateWindow` trials, by their end times.
    public var recentRate: Double?
    /// Trials per second from the first start to the last end.
    public var overallRate: Double?
    /// Seconds until the planned trials are recorded, at the recent rate.
    public var eta: Double?
    public var elapsed: Double?
    public var complete = false
    public var workers: [Worker] = []
    /// Latest first.
    public var problems: [Problem] = []
    public var unreadableLines = 0
    public var updated: Date

    public init(planned: Int?, recorded: Int, updated: Date) {
        self.planned = planned
        self.recorded = recorded
        self.updated = updated
    }
}
