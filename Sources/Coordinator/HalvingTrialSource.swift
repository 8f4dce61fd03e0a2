import DequeModule
import Foundation
import Store
import Sweep
import TrialContract

/// The trials of a successive-halving sweep, rung by rung: a unit's (sub-sweep
/// and bracket's) next rung is served only once every trial of its current
/// rung is recorded (ok, diverged or failed), and holds the survivors that
/// `HalvingSchedule.survivors` picks from those records. Built from the
/// store's records on resume, it replays the same promotions, so a resumed
/// sweep serves exactly the trials an uninterrupted one would.
///
/// `nextShard` returns `[]` while every unit waits for results (the core then
/// asks again after the next result) and nil once every unit has finished.
/// Wrap the sink with `recording(into:)` so the source sees each record and
/// records carry their `HalvingTag`.
public final class HalvingTrialSource: TrialSource {
    public let plan: SweepPlan
    public let schedule: HalvingSchedule

    private struct UnitState {
        var rung: Int
        /// Positions in the unit's `configurations` on the current rung, in serving order.
        var configurations: [Int]
        /// Trial ids of the current rung per configuration (same order).
        var trials: [[TrialID]]
        var pending: Set<TrialID>
        var finished = false
    }

    private var units: [UnitState] = []
    /// What ranking needs from each record of this sweep's trials.
    private var results: [TrialID: TrainingResult] = [:]
    /// The unit and tag of every trial served so far (or about to be).
    private var tags: [TrialID: (unit: Int, tag: HalvingTag)] = [:]
    private var ready: Deque<[Trial]> = []
    /// Trials per chunk handed to the coordinator (each chunk is one rung of one unit).
    private let chunkSize = 32

    public let totalTrials: Int

    /// `recorded`: the records already in the store (a resume); their results
    /// decide the promotions they allow.
    public init(plan: SweepPlan, recorded: [TrialRecord] = []) {
        self.plan = plan
        schedule = HalvingSchedule(plan: plan)
        totalTrials = schedule.totalTrials
        for r in recorded { results[r.id] = Self.essentials(r.result) }
        for (u, unit) in schedule.units.enumerated() {
            units.append(UnitState(rung: unit.bracket, configurations: Array(unit.configurations.indices), trials: [], pending: []))
            enter(unit: u, rung: unit.bracket, configurations: Array(unit.configurations.indices), from: nil)
        }
    }

    /// The records of an existing result file, for a resume (none when there is no file yet).
    public static func records(in path: String) throws -> [TrialRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            return try ResultFile.read(path: path).records
        } catch let e as StoreError where e.code == .empty {
            return []
        }
    }

    /// A result without curves: all ranking and tagging need.
    private static func essentials(_ r: TrainingResult) -> TrainingResult {
        TrainingResult(status: r.status, metrics: r.metrics, stepsRun: r.stepsRun, stop: r.stop)
    }

    public func nextShard() throws -> [Trial]? {
        if let chunk = ready.popFirst() { return chunk }
        return units.allSatisfy(\.finished) ? nil : []
    }

    /// The halving tag of a trial this source serves (nil for any other trial).
    public func tag(for id: TrialID) -> HalvingTag? { tags[id]?.tag }

    /// Trials of the sweep recorded so far (of the rungs reached).
    public var recordedTrials: Int { tags.keys.reduce(0) { $0 + (results[$1] == nil ? 0 : 1) } }

    /// Where each unit (sub-sweep and bracket) stands: its current rung and how much of it is recorded.
    public var progress: [(sweep: String, bracket: Int, rung: Int, budget: Int, recorded: Int, trials: Int, finished: Bool)] {
        zip(schedule.units, units).map { unit, state in
            let trials = state.trials.joined().count
            return (unit.sweep, unit.bracket, state.rung, schedule.spec.rungs[state.rung], trials - state.pending.count, trials, state.finished)
        }
    }

    /// Takes a record just appended to the store: it may complete its rung.
    public func observe(_ record: TrialRecord) {
        guard let (u, _) = tags[record.id], results[record.id] == nil else { return }
        results[record.id] = Self.essentials(record.result)
        units[u].pending.remove(record.id)
        advance(unit: u)
    }

    /// Puts a unit on a rung: its trials are tagged, and those not yet recorded queued.
    private func enter(unit u: Int, rung: Int, configurations: [Int], from previous: [Int: [TrialID]]?) {
        let unit = schedule.units[u]
        var ids: [[TrialID]] = []
        var queued: [Trial] = []
        for c in configurations {
            var row: [TrialID] = []
            for (s, index) in unit.configurations[c].enumerated() {
                let trial = schedule.trial(plan, index: index, rung: rung)
                row.append(trial.id)
                let tag = HalvingTag(bracket: unit.bracket, rung: rung, budget: schedule.spec.rungs[rung], promotedFrom: previous?[c]?[s])
                tags[trial.id] = (u, tag)
                if results[trial.id] == nil { queued.append(trial) }
            }
            ids.append(row)
        }
        units[u].rung = rung
        units[u].configurations = configurations
        units[u].trials = ids
        units[u].pending = Set(ids.joined().filter { results[$0] == nil })
        for start in stride(from: 0, to: queued.count, by: chunkSize) {
            ready.append(Array(queued[start..<min(queued.count, start + chunkSize)]))
        }
        advance(unit: u)
    }

    /// Once a rung is complete: the survivors enter the next rung, or the unit is finished.
    private func advance(unit u: Int) {
        let state = units[u]
        guard state.pending.isEmpty, !state.finished else { return }
        let unit = schedule.units[u]
        let next = state.rung + 1
        guard next < schedule.spec.rungs.count else {
            units[u].finished = true
            return
        }
        let keep = unit.counts[next - unit.bracket]
        let spec = schedule.spec
        let best = HalvingSchedule.survivors(state.trials, keep: keep, metric: spec.metric, maximize: spec.maximize) { self.results[$0] }
        // Serve survivors in plan order, so shapes stay together.
        let promoted = best.sorted().map { state.configurations[$0] }
        var previous: [Int: [TrialID]] = [:]
        for (position, c) in state.configurations.enumerated() { previous[c] = state.trials[position] }
        enter(unit: u, rung: next, configurations: promoted, from: previous)
    }

    /// A sink that records into `inner`, tags each record with its place in
    /// the halving, and shows it to this source.
    public func recording(into inner: any ResultSink) -> any ResultSink {
        HalvingResultSink(inner: inner, source: self)
    }
}

/// Forwards to the store, adding each record's `HalvingTag` and telling the
/// source, so the next rung is computed from exactly what was recorded.
final class HalvingResultSink: ResultSink {
    let inner: any ResultSink
    let source: HalvingTrialSource

    init(inner: any ResultSink, source: HalvingTrialSource) {
        self.inner = inner
        self.source = source
    }

    func isRecorded(_ id: TrialID) -> Bool { inner.isRecorded(id) }
    var recordedCount: Int { inner.recordedCount }
    func flush() throws { try inner.flush() }

    func append(_ record: TrialRecord) throws -> Bool {
        var tagged = record
        tagged.halving = source.tag(for: record.id) ?? record.halving
        guard try inner.append(tagged) else { return false }
        source.observe(tagged)
        return true
    }
}
