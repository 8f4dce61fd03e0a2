import Foundation
import Store
import Sweep
import Training
import TrialContract
@testable import Report

/// Runs a reference experiment the way a user does, in process: the example
/// spec from examples/ → its Sweep plan → Trainer → records → the Report
/// module's grouping and fits. Only the coordinator/worker transport is left
/// out (it moves records, it does not change them).
///
/// A test-sized run keeps the spec's grid (every axis and value) and shrinks
/// base fields (width, n, steps, seeds) through `shrink`, so CI stays in
/// minutes; `OVERSWEEP_SCIENCE_FULL=1` (set by `make experiments`) runs the
/// example exactly as shipped.
enum ExampleRun {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var asShipped: Bool { ProcessInfo.processInfo.environment["OVERSWEEP_SCIENCE_FULL"] == "1" }

    /// The example's trials (after `shrink` unless running as shipped), with at most `seeds` seeds.
    static func trials(_ example: String, seeds: Int? = nil, shrink: (inout TrialConfig) -> Void = { _ in }) throws -> [Trial] {
        let spec = try SweepSpec.load(path: repoRoot.appendingPathComponent("examples/\(example).yaml").path)
        let plan = try SweepPlan(spec: spec)
        var out: [Trial] = []
        for t in plan.trials() {
            var c = t.config
            if !asShipped {
                if let seeds, c.seed >= UInt64(seeds) { continue }
                shrink(&c)
            }
            out.append(Trial(config: c, sweep: t.sweep))
        }
        return out
    }

    /// Trains the trials two at a time (CI has 2 cores) and wraps each result as the store would.
    static func records(_ trials: [Trial]) -> [TrialRecord] {
        let results = Trainer.trainShard(trials.map(\.config), threads: 2)
        let now = Date()
        return zip(trials, results).map { t, r in
            TrialRecord(id: t.id, sweep: t.sweep, config: t.config, result: r, worker: "test", host: "local", attempt: 1,
                        startedAt: now, endedAt: now)
        }
    }

    /// The report group (seeds aggregated) whose trials match `where`.
    static func group(_ g: GroupedSweep, _ matches: (TrialConfig) -> Bool) -> TrialGroup? {
        g.groups.first { grp in grp.records.first.map { matches($0.config) } ?? false }
    }

    /// The section of the built report whose title starts with `prefix`.
    static func section(_ doc: ReportDocument, _ prefix: String) -> Section? {
        doc.sections.first { $0.title.hasPrefix(prefix) }
    }
}
