import Foundation
import Store
import Testing
import TrialContract
@testable import Report

@Suite struct GroupingTests {
    /// α × bias × 3 seeds, with one diverged and one failed trial.
    static func leakyRecords() -> [TrialRecord] {
        var out: [TrialRecord] = []
        for alpha in [-1.0, 0, 0.05] {
            for bias in [false, true] {
                for seed in UInt64(1)...3 {
                    let c = Fixtures.config { $0.activation = .leaky; $0.alpha = alpha; $0.bias = bias; $0.seed = seed }
                    let err = 0.1 + 0.1 * alpha + (bias ? 0 : 0.05) + 0.01 * Double(seed)
                    if alpha == 0.05 && bias && seed == 1 {
                        out.append(Fixtures.record(c, status: .diverged, message: "loss became inf at step 12"))
                    } else if alpha == 0.05 && !bias && seed == 2 {
                        out.append(Fixtures.record(c, status: .failed, message: "worker lost"))
                    } else {
                        out.append(Fixtures.record(c, metrics: ["train_nmse": err, "test_nmse": 2 * err]))
                    }
                }
            }
        }
        return out
    }

    @Test func axesAreTheFieldsThatVaryExceptSeed() {
        let g = GroupedSweep(records: Self.leakyRecords())
        #expect(g.axes.map(\.name) == ["bias", "alpha"])
        #expect(g.axis(named: "alpha")?.values == [.number(-1), .number(0), .number(0.05)])
        #expect(g.axis(named: "alpha")?.isNumeric == true && g.axis(named: "bias")?.isNumeric == false)
        #expect(g.groups.count == 6)
        #expect(g.constants.contains { $0.name == "data" && $0.value == .text("leaky_synthetic") })
        #expect(!g.constants.contains { $0.name == "seed" })
    }

    @Test func groupMeanExcludesDivergedAndFailedAndCountsThem() throws {
        let g = GroupedSweep(records: Self.leakyRecords())
        let grp = try #require(g.groups.first { $0.key == [.flag(true), .number(0.05)] })
        #expect(grp.records.count == 3 && grp.okCount == 2 && grp.divergedCount == 1)
        #expect(grp.countLabel == "n=2 (1 diverged)")
        let expected = [2, 3].map { 0.1 + 0.1 * 0.05 + 0.01 * Double($0) }
        let mean = (expected[0] + expected[1]) / 2
        let std = (((expected[0] - mean) * (expected[0] - mean) + (expected[1] - mean) * (expected[1] - mean)) / 1).squareRoot()
        let s = try #require(grp.summary(metric: "train_nmse"))
        #expect(abs(s.mean - mean) < 1e-12 && abs((s.std ?? .nan) - std) < 1e-12)
    }

    /// A pooled group (an axis value over the other axes) reads the same
    /// numbers as a group built from the pooled groups' records, in the same
    /// order, and a group's metric columns are what a per-trial look-up gives
    /// (non-finite values and trials without the metric left out).
    @Test func poolingGroupsReadsWhatTheirRecordsSay() throws {
        var records = Self.leakyRecords()
        let c = Fixtures.config { $0.activation = .leaky; $0.alpha = -1; $0.bias = true; $0.seed = 9 }
        records.append(Fixtures.record(c, metrics: ["train_nmse": .infinity]))
        records.append(Fixtures.record(Fixtures.config { $0.activation = .leaky; $0.alpha = 0; $0.bias = true; $0.seed = 8 }, metrics: [:]))
        let g = GroupedSweep(records: records)
        for grp in g.groups {
            for name in ["train_nmse", "test_nmse", "absent"] {
                #expect(grp.values(metric: name) == grp.values(TrialNumbers.metric(name)))
            }
        }
        for axis in g.axes {
            for v in axis.values {
                let groups = g.groups(where: axis.name, is: v)
                let pooled = TrialGroup(key: [v], label: "", pooling: groups, metrics: ["train_nmse", "test_nmse"])
                let direct = TrialGroup(key: [v], label: "", records: g.records(where: axis.name, is: v))
                #expect(pooled.records.map(\.id) == direct.records.map(\.id))
                #expect(pooled.countLabel == direct.countLabel)
                for name in ["train_nmse", "test_nmse"] {
                    #expect(pooled.values(metric: name) == direct.values(metric: name))
                    #expect(pooled.summary(metric: name) == direct.summary(metric: name))
                }
                #expect(pooled.values(metric: "absent").isEmpty)
            }
        }
        let some = try #require(g.groups.first { !$0.values(metric: "train_nmse").isEmpty })
        #expect(some.summary(metric: "train_nmse") != nil)
    }

    @Test func subSweepNameIsAnAxis() {
        var rs = Self.leakyRecords()
        for i in rs.indices { rs[i].sweep = i % 2 == 0 ? "a" : "b" }
        let g = GroupedSweep(records: rs)
        #expect(g.axes.first?.name == "sweep")
    }

    @Test func subSweepNameThatMirrorsAnAxisIsLeftOutOfLabels() {
        var rs = Self.leakyRecords()
        for i in rs.indices { rs[i].sweep = rs[i].config.bias ? "bias_on" : "bias_off" }
        let g = GroupedSweep(records: rs)
        #expect(g.axes.map(\.name) == ["sweep", "bias", "alpha"])
        #expect(g.redundantAxes == ["sweep"])
        #expect(g.groups.first?.label == "bias=false, alpha=-1")
        #expect(g.along("alpha").map(\.context) == ["bias=false", "bias=true"])
    }

    @Test func anAxisThatFollowsThePlottedOneDoesNotSplitSeries() throws {
        // steps = 10·n_train (one-to-one), depth independent: two series of three points each.
        var rs: [TrialRecord] = []
        for n in [100, 200, 400] {
            for depth in [1, 2] {
                for seed in UInt64(0)..<2 {
                    let c = Fixtures.config { $0.nTrain = n; $0.steps = 10 * n; $0.depth = depth; $0.seed = seed }
                    rs.append(Fixtures.record(c, metrics: ["train_loss": 1 / Double(n)]))
                }
            }
        }
        let g = GroupedSweep(records: rs)
        #expect(g.redundantAxes == ["steps"])
        let along = g.along("n_train", minPoints: 2)
        #expect(along.map(\.context) == ["depth=1", "depth=2"])
        #expect(along.allSatisfy { $0.points.count == 3 })
        #expect(try #require(g.groups.first).label == "n_train=100, depth=1")
    }

    @Test func alongAnAxisGivesOneSeriesPerContext() {
        let g = GroupedSweep(records: Self.leakyRecords())
        let along = g.along("alpha")
        #expect(along.map(\.context) == ["bias=false", "bias=true"])
        #expect(along.allSatisfy { $0.points.map(\.value) == [.number(-1), .number(0), .number(0.05)] })
    }
}
