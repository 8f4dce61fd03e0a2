import Foundation
import Store
import Sweep
import Testing
import Training
import TrialContract
@testable import Report

/// The must-hold claims of the reference experiments (docs/science.md §7), each
/// through the real path: the example spec's plan → Trainer → the report's
/// grouping, summaries and fits. Test-sized (debug build, 2 cores): the grid of
/// the example, with fewer samples/steps/widths as stated per test; the
/// settings were chosen with release runs (docs/experiments.md) and the
/// claims also hold there at the example's own size (`make experiments`).
@Suite(.serialized) struct ReferenceExperimentTests {
    /// E1 ([GLL24] Table 1): with biases α = −1 has the lowest mean final train
    /// NMSE and ReLU / α = 0.05 the highest; without biases α = −1 (an even
    /// network) is worse than ReLU. Test size: n = 400, 400 steps, α ∈ {−2, −1, 0, 0.05}, 5 seeds.
    @Test func e1LeakyTableOrdering() throws {
        let trials = try ExampleRun.trials("e1-leaky-table1", seeds: 5) { c in
            c.nTrain = 400
            c.nTest = 100
            c.steps = 400
        }.filter { ExampleRun.asShipped || $0.config.alpha != 0.01 }
        let records = ExampleRun.records(trials)
        let g = GroupedSweep(records: records)
        func mean(_ alpha: Double, bias: Bool) throws -> Double {
            let grp = try #require(ExampleRun.group(g) { $0.alpha == alpha && $0.bias == bias })
            #expect(grp.okCount >= 5, "α=\(alpha) bias=\(bias): \(grp.countLabel)")
            return try #require(grp.summary(metric: "train_nmse")).mean
        }
        let alphas = Set(records.map(\.config.alpha)).sorted()
        let withBias = try alphas.map { ($0, try mean($0, bias: true)) }
        let lowest = try #require(withBias.min { $0.1 < $1.1 })
        print("E1 bias=true train_nmse:", withBias, "bias=false:", try alphas.map { ($0, try mean($0, bias: false)) })
        #expect(lowest.0 == -1, "with biases α = −1 trains best: \(withBias)")
        let relu = try mean(0, bias: true), leaky05 = try mean(0.05, bias: true)
        for (a, v) in withBias where ![0, 0.01, 0.05].contains(a) {
            #expect(v < min(relu, leaky05), "α = \(a) (\(v)) below ReLU (\(relu)) and α = 0.05 (\(leaky05))")
        }
        #expect(try mean(-1, bias: false) > mean(0, bias: false), "without biases the even α = −1 network trains worse than ReLU")

        let doc = SweepReport.build(records: records, experiments: [.e1])
        let section = try #require(ExampleRun.section(doc, "E1"))
        let text = section.blocks.compactMap { if case .paragraph(let p) = $0 { p } else { nil } }.joined(separator: "\n")
        #expect(text.contains("Ordering of α"), "the report states the ordering")
    }

    /// E2 ([GLL24] Fig. 2): (1 − γ̂(α))/(1 − γ̂(0)) correlates positively with
    /// g(α) over the α grid; λ_min(NTK)/g(α) printed per α. Test size: n = 100,
    /// width 32, depth 3, 1 seed (γ̂ needs 1000 steps).
    @Test func e2RateFollowsG() throws {
        let trials = try ExampleRun.trials("e2-leaky-rate", seeds: 1) { c in
            c.nTrain = 100
            c.nTest = 0
            c.width = 32
            c.depth = 3
            c.lr = 0.015
        }
        let records = ExampleRun.records(trials)
        let g = GroupedSweep(records: records)
        var gs: [Double] = [], ratios: [Double] = []
        let zero = try #require(ExampleRun.group(g) { $0.alpha == 0 }?.summary(metric: "gamma_hat")).mean
        for alpha in Set(records.map(\.config.alpha)).sorted() {
            let grp = try #require(ExampleRun.group(g) { $0.alpha == alpha })
            let gamma = try #require(grp.summary(metric: "gamma_hat")).mean
            let lam = try #require(grp.summary(metric: "ntk_lambda_min")).mean
            let ga = ReferenceFigures.leakyFactor(alpha)
            gs.append(ga)
            ratios.append((1 - gamma) / (1 - zero))
            print("E2 α=\(alpha) g=\(ga) γ̂=\(gamma) ratio=\(ratios.last!) λmin(NTK)=\(lam) λmin/g=\(lam / ga)")
        }
        let r = try #require(Fit.pearson(x: gs, y: ratios))
        print("E2 corr((1−γ̂)/(1−γ̂(0)), g) =", r)
        #expect(r > 0.3, "rate ratio correlates with g(α): r = \(r)")
        let doc = SweepReport.build(records: records, experiments: [.e2])
        #expect(ExampleRun.section(doc, "E2") != nil)
    }

    /// E4 ([CLB21]): the late-phase log-log slope of the logistic loss is in
    /// [−1.3, −0.7] for huber and swish (float64). Test size: width 32,
    /// n = 16, 1 seed (the full 20 000 steps: the last decade must be in the
    /// small-loss phase; at 5000 steps huber(h=1) is still in its steep drop).
    @Test func e4LogisticLossFallsLikeOneOverT() throws {
        let trials = try ExampleRun.trials("e4-smooth-logistic", seeds: 1) { c in
            c.width = 32
            c.nTrain = 16
            c.nTest = 0
        }
        let records = ExampleRun.records(trials)
        let g = GroupedSweep(records: records)
        for act in [ActivationKind.huber, .swish] {
            let groups = g.groups.filter { $0.records.first?.config.activation == act }
            #expect(!groups.isEmpty)
            for grp in groups {
                let slope = try #require(grp.summary(TrialNumbers.lateLogLogSlope("train_loss"))).mean
                print("E4 \(grp.label): late log-log slope \(slope)")
                #expect((-1.3)...(-0.7) ~= slope, "\(grp.label): slope \(slope)")
            }
        }
        #expect(ExampleRun.section(SweepReport.build(records: records, experiments: [.e4]), "E4") != nil)
    }

    /// E5 ([ZCZG18]): under GD the steps to zero training error grow with n
    /// (poly(n)), and every run gets there. Test size: sub-sweep `n`, GD only,
    /// n ∈ {32, 128}, m = 128, 1 seed (as shipped: n = 32…256, m = 256, 3 seeds).
    @Test func e5StepsToZeroTrainingErrorGrowWithN() throws {
        let trials = try ExampleRun.trials("e5-deep-relu-sgd", seeds: 1) { c in
            c.width = 128
            c.nTest = 0
        }.filter { $0.sweep == "n" && $0.config.optimizer == .gd && (ExampleRun.asShipped || [32, 128].contains($0.config.nTrain)) }
        let records = ExampleRun.records(trials)
        #expect(records.count >= 2)
        var steps: [Int: [Double]] = [:]
        for r in records {
            let s = try #require(r.result.metrics["first_step_zero_train_error"], "n = \(r.config.nTrain) never reached zero training error")
            steps[r.config.nTrain, default: []].append(s)
        }
        let means = steps.mapValues { $0.reduce(0, +) / Double($0.count) }
        let smallest = try #require(means.keys.min()), largest = try #require(means.keys.max())
        print("E5 GD steps to zero training error by n:", means.sorted { $0.key < $1.key })
        #expect(means[largest]! >= 2 * means[smallest]!, "n = \(largest) should need clearly more steps than n = \(smallest): \(means)")
        #expect(ExampleRun.section(SweepReport.build(records: records, experiments: [.e5]), "E5") != nil)
    }

    /// E6 ([FCG19]): the log-log slope of ‖W − W(0)‖_F against m at θ = 1 is in
    /// [−0.65, −0.35]. Test size: θ = 1, K = 400, m ≤ 256, n = 32, 1 seed.
    @Test func e6DistanceFromInitShrinksLikeInverseSqrtWidth() throws {
        let trials = try ExampleRun.trials("e6-resnet-lazy", seeds: 1) { c in
            c.nTrain = 32
            c.nTest = 0
        }.filter { ExampleRun.asShipped || ($0.config.theta == 1 && $0.config.width <= 256 && $0.config.steps == 400) }
        let records = ExampleRun.records(trials)
        let ok = records.filter { $0.status == .ok && $0.config.theta == 1 && $0.config.steps == 400 }
        #expect(Set(ok.map(\.config.width)).count >= 4)
        let fit = try #require(Fit.logLog(x: ok.map { Double($0.config.width) }, y: ok.map { $0.result.metrics["dist_from_init"] ?? .nan }))
        print("E6 θ=1 slope of dist_from_init against m:", fit.slope)
        #expect((-0.65)...(-0.35) ~= fit.slope, "slope \(fit.slope)")
        #expect(ExampleRun.section(SweepReport.build(records: records, experiments: [.e6]), "E6") != nil)
    }
}
