import Foundation
import TestSupport
import Testing
import TrialContract
@testable import Sweep

/// The halving part of a spec: how it is read and checked, how
/// configurations are grouped and dealt to brackets, and the promotion rule.
@Suite struct HalvingTests {
    static func halvingSpec(_ halving: String, grid: String = "  lr: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]\n  seeds: 2\n",
                            steps: Int = 900) -> String {
        baseYAML.replacingOccurrences(of: "steps: 10", with: "steps: \(steps)") + "\nhalving: \(halving)\ngrid:\n" + grid
    }

    @Test func rungsComeFromMinBudgetByRepeatedDivision() throws {
        #expect(try spec(Self.halvingSpec("{min_budget: 100, eta: 3}")).halving?.rungs == [100, 300, 900])
        #expect(try spec(Self.halvingSpec("{min_budget: 100, eta: 3}", steps: 1000)).halving?.rungs == [111, 333, 1000])
        #expect(try spec(Self.halvingSpec("{min_budget: 99, eta: 3}", steps: 900)).halving?.rungs == [100, 300, 900])
        #expect(try spec(Self.halvingSpec("{min_budget: 900}")).halving?.rungs == [900])
        let explicit = try #require(try spec(Self.halvingSpec("{rungs: [50, 900], eta: 4, metric: test_error, mode: max, brackets: 2}")).halving)
        #expect(explicit == HalvingSpec(budget: .steps, rungs: [50, 900], eta: 4, metric: "test_error", maximize: true, brackets: 2))
    }

    @Test func badHalvingGetsOneLine() {
        let cases: [(String, String, String)] = [
            ("{rungs: [100, 300]}", "", "the last rung must be the full budget, steps = 900 in base"),
            ("{rungs: [300, 100, 900]}", "", "rungs must increase"),
            ("{min_budget: 100, rungs: [100, 900]}", "", "give rungs or min_budget, not both"),
            ("{eta: 3}", "", "halving needs rungs"),
            ("{min_budget: 2000}", "", "above the full budget"),
            ("{min_budget: 100, eta: 1}", "", "eta must be a number above 1"),
            ("{min_budget: 100, metric: train_los}", "", "unknown metric 'train_los' (did you mean 'train_loss'?)"),
            ("{min_budget: 100, budget: lr}", "", "the budget must be an integer field"),
            ("{min_budget: 100, brackets: 4}", "", "brackets: 4 is more than the 3 rungs"),
            ("{min_budget: 100, mode: best}", "", "expected min or max"),
            ("{min_budget: 100, etaa: 3}", "", "unknown key 'etaa' in halving (did you mean 'eta'?)"),
            ("{min_budget: 100}", "  steps: [300, 900]\n", "'steps' is the halving budget"),
        ]
        for (halving, grid, expected) in cases {
            let yaml = grid.isEmpty ? Self.halvingSpec(halving) : Self.halvingSpec(halving, grid: grid)
            let e = failure(yaml)
            #expect(e?.description.contains(expected) == true, "\(halving): \(e?.description ?? "no error")")
            #expect(e?.description.contains("\n") == false)
        }
    }

    @Test func theHashCoversHalving() throws {
        let a = try spec(Self.halvingSpec("{min_budget: 100}")).hash
        #expect(try spec(Self.halvingSpec("{min_budget: 100, eta: 3}")).hash == a)
        for other in ["{min_budget: 100, eta: 2}", "{min_budget: 300}", "{min_budget: 100, metric: test_loss}", "{min_budget: 100, brackets: 2}"] {
            #expect(try spec(Self.halvingSpec(other)).hash != a, "\(other)")
        }
        let plain = baseYAML.replacingOccurrences(of: "steps: 10", with: "steps: 900") + "\ngrid:\n  lr: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]\n  seeds: 2\n"
        #expect(try spec(plain).hash != a)
    }

    @Test func configurationsAreGridPointsUpToTheSeed() throws {
        let p = try plan(Self.halvingSpec("{min_budget: 100}"))
        let s = HalvingSchedule(plan: p)
        #expect(s.units.count == 1)
        let unit = try #require(s.units.first)
        #expect(unit.configurations.count == 9 && unit.configurations.allSatisfy { $0.count == 2 })
        #expect(unit.counts == [9, 3, 1])
        #expect(s.totalTrials == 2 * (9 + 3 + 1))
        for c in unit.configurations {
            let trials = c.map { s.trial(p, index: $0, rung: 1) }
            #expect(trials.allSatisfy { $0.config.steps == 300 })
            #expect(Set(trials.map(\.config.lr)).count == 1 && Set(trials.map(\.config.seed)).count == 2)
        }
        let e = s.estimate(p)
        #expect(e.trials == s.totalTrials)
        #expect(e.budget == Double(18 * 100 + 6 * 300 + 2 * 900) && e.fullBudget == Double(18 * 900))
        #expect(e.flops < e.fullFlops)
    }

    @Test func hyperbandDealsConfigurationsToBracketsInItsProportions() throws {
        let grid = "  lr: {loguniform: [0.01, 1]}\n  samples: 90\n"
        let p = try plan(Self.halvingSpec("{min_budget: 100, brackets: 3}", grid: grid))
        let s = HalvingSchedule(plan: p)
        // K = 2: weights ⌈3/3⌉·9, ⌈3/2⌉·3, ⌈3/1⌉·1 = 9 : 6 : 3 of 90 configurations.
        #expect(s.units.map(\.bracket) == [0, 1, 2])
        #expect(s.units.map(\.configurations.count) == [45, 30, 15])
        #expect(s.units.map(\.counts) == [[45, 15, 5], [30, 10], [15]])
        let all = s.units.flatMap { $0.configurations.joined() }
        #expect(all.count == 90 && Set(all).count == 90)
        #expect(HalvingSchedule.apportion(10, weights: [9, 6, 3]) == [5, 3, 2])
        #expect(HalvingSchedule.apportion(1, weights: [9, 6, 3]) == [1, 0, 0])
    }

    static func result(_ loss: Double?, _ status: TrialStatus = .ok) -> TrainingResult {
        TrainingResult(status: status, metrics: loss.map { ["train_loss": $0] } ?? [:])
    }

    @Test func survivorsAreTheBestMeansWithTiesToTheSmallestId() {
        let ids = (0..<12).map { TrialID(rawValue: String(format: "%02x", 255 - $0)) }
        // Configurations of two trials: means 0.5, 0.2, 0.2 (tie), 0.1 but one trial failed, 0.3, missing metric.
        let candidates = [[ids[0], ids[1]], [ids[2], ids[3]], [ids[4], ids[5]], [ids[6], ids[7]], [ids[8], ids[9]], [ids[10], ids[11]]]
        let results: [TrialID: TrainingResult] = [
            ids[0]: Self.result(0.4), ids[1]: Self.result(0.6), ids[2]: Self.result(0.1), ids[3]: Self.result(0.3),
            ids[4]: Self.result(0.2), ids[5]: Self.result(0.2), ids[6]: Self.result(0.1), ids[7]: Self.result(0.1, .failed),
            ids[8]: Self.result(0.3), ids[9]: Self.result(0.3), ids[10]: Self.result(0.01), ids[11]: Self.result(nil),
        ]
        let pick = { (keep: Int, maximize: Bool, order: [Int]) in
            HalvingSchedule.survivors(order.map { candidates[$0] }, keep: keep, metric: "train_loss", maximize: maximize) { results[$0] }
                .map { order[$0] }
        }
        // The tie between configurations 1 and 2 goes to 2, whose smallest id ("fa") is below 1's ("fc").
        #expect(pick(3, false, Array(0..<6)) == [2, 1, 4])
        // Any order of the candidates picks the same configurations.
        #expect(pick(3, false, [5, 4, 3, 2, 1, 0]) == [2, 1, 4])
        #expect(pick(2, true, Array(0..<6)) == [0, 4], "largest means first; failed and missing still last")
        #expect(pick(6, false, Array(0..<6)).suffix(2).sorted() == [3, 5])
    }
}
