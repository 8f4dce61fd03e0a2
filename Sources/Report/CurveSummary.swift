import Foundation
import Store

/// A curve averaged over the seeds of a group: at each step, the summary of
/// the values of the ok trials that have it. Diverged trials are left out
/// (their exploding values would swamp the mean), as in the final-metric tables.
public struct CurveSummary: Sendable {
    public var steps: [Int]
    public var summaries: [Summary]

    public init(steps: [Int], summaries: [Summary]) {
        self.steps = steps
        self.summaries = summaries
    }

    /// nil when no trial of the group has the curve.
    public static func of(_ name: String, in records: [TrialRecord]) -> CurveSummary? {
        var byStep: [Int: [Double]] = [:]
        for r in records where r.status == .ok {
            guard let c = r.result.curves[name] else { continue }
            for (s, v) in zip(c.steps, c.values) where v.isFinite { byStep[s, default: []].append(v) }
        }
        guard !byStep.isEmpty else { return nil }
        let steps = byStep.keys.sorted()
        var keptSteps: [Int] = []
        var summaries: [Summary] = []
        for s in steps {
            if let summary = Summary.of(byStep[s] ?? []) {
                keptSteps.append(s)
                summaries.append(summary)
            }
        }
        return CurveSummary(steps: keptSteps, summaries: summaries)
    }
}
