import Foundation
import TrialContract

// Successive halving and Hyperband over a spec's configurations. A
// configuration is a grid point up to its seed; it runs at a rung's budget
// (e.g. `steps: 111`) with all its seeds, and the best 1/η of a rung's
// configurations by the mean of a metric over their seeds go on to the next
// rung. The promotions are a pure function of the recorded results (ties
// broken by trial id), so a resumed or repeated sweep promotes the same
// trials. docs/spec-format.md, "Successive halving", describes it for users.

/// `halving:` — the budget field, its rungs, η, the metric and the brackets.
public struct HalvingSpec: Sendable, Hashable {
    /// An integer config field that sets the budget of a trial (usually `steps`).
    public var budget: TrialConfig.Field
    /// Budgets of the rungs, increasing; the last is the full budget (the field's value in `base`).
    public var rungs: [Int]
    /// The reduction factor η: a rung keeps ⌊n/η⌋ of its n configurations (at least one).
    public var eta: Double
    /// The metric that ranks configurations (mean over their seeds).
    public var metric: String
    /// Rank by the largest mean instead of the smallest.
    public var maximize: Bool
    /// 1: successive halving from the first rung; B > 1: Hyperband's first B brackets.
    public var brackets: Int

    /// The spec's canonical description (part of the spec hash).
    var json: JSONValue {
        .object([
            "budget": .string(budget.rawValue), "rungs": .array(rungs.map { .integer($0) }), "eta": .double(eta),
            "metric": .string(metric), "maximize": .bool(maximize), "brackets": .integer(brackets),
        ])
    }

    /// Configurations on each rung of a bracket that starts with `n` of them.
    public func counts(startingWith n: Int, bracket: Int) -> [Int] {
        var counts = [n]
        for _ in (bracket + 1)..<rungs.count { counts.append(max(1, Int((Double(counts.last!) / eta).rounded(.down)))) }
        return n == 0 ? [] : counts
    }

    /// Hyperband's share of the configurations for each bracket: bracket b
    /// starts at rung b and gets ⌈(K+1)/(K−b+1)⌉·η^(K−b) parts (K = rungs − 1),
    /// so the brackets that start low try the most configurations.
    func bracketWeights() -> [Double] {
        let k = rungs.count - 1
        return (0..<brackets).map { b in
            var power = 1.0
            for _ in 0..<(k - b) { power *= eta }
            return (Double(k + 1) / Double(k - b + 1)).rounded(.up) * power
        }
    }
}

/// The configurations of a planned halving sweep, split into units (one per
/// sub-sweep and bracket), and the rules that move them from rung to rung.
public struct HalvingSchedule: Sendable {
    public let spec: HalvingSpec

    public struct Unit: Sendable {
        public let sweep: String
        public let bracket: Int
        /// Each configuration as the plan indices of its trials (one per seed), in plan order.
        public let configurations: [[Int]]
        /// Configurations on each of the bracket's rungs (rung `bracket` first).
        public let counts: [Int]
        /// Rung numbers this unit runs: bracket…last.
        public var rungs: Range<Int> { bracket..<(bracket + counts.count) }
    }

    public let units: [Unit]
    /// Configs that carry each rung's budget, to copy the budget field from.
    let budgetConfigs: [TrialConfig]

    /// Groups the plan's trials into configurations (same config up to the
    /// seed), per sub-sweep, and deals them to brackets: by the order of
    /// their ids (a fixed pseudo-random order), in Hyperband's proportions.
    public init(plan: SweepPlan) {
        let spec = plan.spec.halving!  // only built for a halving spec
        self.spec = spec
        var order: [String] = []
        var bySweep: [String: (keys: [TrialID], trials: [TrialID: [Int]])] = [:]
        for index in 0..<plan.trialCount {
            let trial = plan.trial(at: index)
            var unseeded = trial.config
            unseeded.seed = 0
            let key = TrialID(config: unseeded)
            if bySweep[trial.sweep] == nil { order.append(trial.sweep); bySweep[trial.sweep] = ([], [:]) }
            if bySweep[trial.sweep]!.trials[key] == nil { bySweep[trial.sweep]!.keys.append(key) }
            bySweep[trial.sweep]!.trials[key, default: []].append(index)
        }
        var units: [Unit] = []
        let weights = spec.bracketWeights()
        for sweep in order {
            let (keys, trials) = bySweep[sweep]!
            let shares = Self.apportion(keys.count, weights: weights)
            let dealt = keys.sorted()
            var start = 0
            for (b, share) in shares.enumerated() {
                let mine = Set(dealt[start..<(start + share)])
                start += share
                let configurations = keys.filter { mine.contains($0) }.map { trials[$0]! }
                guard !configurations.isEmpty else { continue }
                units.append(Unit(sweep: sweep, bracket: b, configurations: configurations,
                                  counts: spec.counts(startingWith: configurations.count, bracket: b)))
            }
        }
        self.units = units
        // The field is an integer field and each rung a valid value of it (checked when the spec was read).
        budgetConfigs = spec.rungs.map { r in
            (try? TrialConfig(json: FieldFacts.defaults.merging([spec.budget.rawValue: .integer(Int64(r))]) { $1 })) ?? TrialConfig()
        }
    }

    /// Largest-remainder shares of n in proportion to the weights (ties to the lower index).
    static func apportion(_ n: Int, weights: [Double]) -> [Int] {
        let total = weights.reduce(0, +)
        let exact = weights.map { Double(n) * $0 / total }
        var shares = exact.map { Int($0.rounded(.down)) }
        let byRemainder = exact.indices.sorted { (exact[$0] - Double(shares[$0]), -$0) > (exact[$1] - Double(shares[$1]), -$1) }
        for i in byRemainder.prefix(n - shares.reduce(0, +)) { shares[i] += 1 }
        return shares
    }

    /// The trial of plan index `index` at `rung`: the budget field set to the rung's budget.
    public func trial(_ plan: SweepPlan, index: Int, rung: Int) -> Trial {
        let trial = plan.trial(at: index)
        var config = trial.config
        config.copy(spec.budget, from: budgetConfigs[rung])
        return Trial(config: config, sweep: trial.sweep)
    }

    /// Trials of the whole sweep when every rung is filled: Σ over units and
    /// rungs of configurations × seeds (the largest seed counts, when they differ).
    public var totalTrials: Int {
        units.reduce(0) { total, unit in
            let seeds = unit.configurations.map(\.count).sorted(by: >)
            return total + unit.counts.reduce(0) { $0 + seeds.prefix($1).reduce(0, +) }
        }
    }

    /// The configurations that go on from a rung: the `keep` best by the mean
    /// of the metric over each one's trials, smallest first (largest with
    /// `maximize`); a configuration with a trial that failed, diverged or
    /// lacks a finite value of the metric ranks last; ties go to the
    /// configuration whose smallest trial id is smaller. Returns positions in
    /// `candidates`, best first. `result` must know every candidate trial.
    public static func survivors(_ candidates: [[TrialID]], keep: Int, metric: String, maximize: Bool,
                                 result: (TrialID) -> TrainingResult?) -> [Int] {
        let scored: [(score: Double, tie: TrialID, position: Int)] = candidates.enumerated().map { position, ids in
            var sum = 0.0
            for id in ids {
                guard let r = result(id), r.status == .ok, let v = r.metrics[metric], v.isFinite else {
                    return (.infinity, ids.min()!, position)
                }
                sum += maximize ? -v : v
            }
            return (sum / Double(ids.count), ids.min()!, position)
        }
        return scored.sorted { ($0.score, $0.tie) < ($1.score, $1.tie) }.prefix(keep).map(\.position)
    }
}

extension HalvingSchedule {
    /// What the halving will run, against the full grid (every configuration
    /// at the full budget): trials, budget units and estimated FLOPs per rung.
    public struct Estimate: Sendable {
        public struct Rung: Sendable {
            public var rung: Int
            public var budget: Int
            public var configurations: Int
            public var trials: Int
        }
        /// Per unit (sub-sweep and bracket), its rungs.
        public var units: [(sweep: String, bracket: Int, rungs: [Rung])]
        public var trials: Int
        /// Σ budget over the trials (e.g. training steps), and the full grid's.
        public var budget: Double, fullBudget: Double
        /// Estimated FLOPs (`TrialCost`, each rung at its units' mean configuration), and the full grid's.
        public var flops: Double, fullFlops: Double
    }

    public func estimate(_ plan: SweepPlan) -> Estimate {
        var out = Estimate(units: [], trials: 0, budget: 0, fullBudget: Double(plan.trialCount) * Double(spec.rungs.last!),
                           flops: 0, fullFlops: plan.totalFlops)
        for unit in units {
            let seeds = unit.configurations.map(\.count).sorted(by: >)
            var rungs: [Estimate.Rung] = []
            for (j, count) in unit.counts.enumerated() {
                let rung = unit.bracket + j
                let trials = seeds.prefix(count).reduce(0, +)
                rungs.append(.init(rung: rung, budget: spec.rungs[rung], configurations: count, trials: trials))
                out.trials += trials
                out.budget += Double(trials) * Double(spec.rungs[rung])
                let flops = unit.configurations.map { TrialCost(config: trial(plan, index: $0[0], rung: rung).config).flops }
                out.flops += Double(trials) * flops.reduce(0, +) / Double(flops.count)
            }
            out.units.append((unit.sweep, unit.bracket, rungs))
        }
        return out
    }
}
