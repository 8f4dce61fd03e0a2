import Foundation
import Store

/// A curve averaged over the seeds of a group: at each step, the summary of
/// the values of the ok trials that have it. Diverged trials are left out
/// (their exploding values would swamp the mean), as in the final-metric tables.
public struct CurveSummary: Sendable, Equatable {
    public var steps: [Int]
    public var summaries: [Summary]

    public init(steps: [Int], summaries: [Summary]) {
        self.steps = steps
        self.summaries = summaries
    }

    /// nil when no trial of the group has the curve.
    public static func of(_ name: String, in records: [TrialRecord]) -> CurveSummary? {
        if let shared = sharedSteps(name, in: records) { return ofSharedSteps(name, shared, in: records) }
        return ofByStep(name, in: records)
    }

    /// `of` for curves on any steps: each step's values gathered in a dictionary.
    static func ofByStep(_ name: String, in records: [TrialRecord]) -> CurveSummary? {
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

    /// The one step list every ok record's curve has, strictly increasing
    /// (the usual case: a sweep's curves share their schedule); nil otherwise.
    static func sharedSteps(_ name: String, in records: [TrialRecord]) -> [Int]? {
        var shared: [Int]?
        for r in records where r.status == .ok {
            guard let c = r.result.curves[name] else { continue }
            guard c.steps.count == c.values.count else { return nil }
            if let shared {
                guard c.steps == shared else { return nil }
            } else {
                guard zip(c.steps, c.steps.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
                shared = c.steps
            }
        }
        return shared
    }

    /// `of` when every curve has `steps`: the same values per step, in the
    /// same order, gathered by position instead of through a dictionary.
    static func ofSharedSteps(_ name: String, _ steps: [Int], in records: [TrialRecord]) -> CurveSummary? {
        var columns = [[Double]](repeating: [], count: steps.count)
        for r in records where r.status == .ok {
            guard let c = r.result.curves[name] else { continue }
            for (j, v) in c.values.enumerated() where v.isFinite { columns[j].append(v) }
        }
        var keptSteps: [Int] = []
        var summaries: [Summary] = []
        for (j, s) in steps.enumerated() {
            if let summary = Summary.of(columns[j]) {
                keptSteps.append(s)
                summaries.append(summary)
            }
        }
        return keptSteps.isEmpty ? nil : CurveSummary(steps: keptSteps, summaries: summaries)
    }
}
