import Foundation
import Store
import TestSupport
import Testing
import TrialContract
@testable import Report

/// The report for a sweep that is no reference experiment: axes among the
/// fields that apply, metrics and curves by axis, the best trials, failures
/// by where they are, ties and constant series, and no reference section
/// unless the spec names one.
@Suite struct AnySweepTests {
    /// optimizer gd / sgd, batch_size 16 / 64 (sgd only), activation relu / leaky with alpha −1 / 0.5 (leaky only), 2 seeds.
    static func mixedRecords() -> [TrialRecord] {
        var out: [TrialRecord] = []
        for optimizer in [OptimizerKind.gd, .sgd] {
            for batch in optimizer == .gd ? [32] : [16, 64] {
                for (activation, alphas) in [(ActivationKind.relu, [0.0]), (.leaky, [-1, 0.5])] {
                    for alpha in alphas {
                        for seed in UInt64(1)...2 {
                            let c = Fixtures.config {
                                $0.optimizer = optimizer; $0.batchSize = batch; $0.activation = activation; $0.alpha = alpha; $0.seed = seed
                            }
                            let err = 0.1 + (optimizer == .sgd ? 0.01 * Double(batch) / 16 : 0) + 0.05 * alpha + 0.001 * Double(seed)
                            out.append(Fixtures.record(c, metrics: ["train_nmse": err, "test_nmse": 2 * err],
                                                       curves: ["train_loss": Curve(steps: [1, 10, 100], values: [1, err * 2, err])]))
                        }
                    }
                }
            }
        }
        return out
    }

    @Test func fieldsThatDoNotApplyAreNotAxesNorLabels() throws {
        #expect(TrialConfig().inapplicableFields.contains(.alpha))  // relu by default
        var leaky = TrialConfig()
        leaky.activation = .leaky
        #expect(!leaky.inapplicableFields.contains(.alpha))
        var gd = TrialConfig()
        gd.optimizer = .gd
        var sgd = gd
        sgd.optimizer = .sgd
        #expect(gd.inapplicableFields.contains(.batchSize) && !sgd.inapplicableFields.contains(.batchSize))
        // Whatever the rule, a field marked inapplicable is one normalized() ignores:
        // taking its value from any other trial leaves the trial's id as it was.
        let configs = Self.mixedRecords().map(\.config)
        for c in configs {
            for f in c.inapplicableFields {
                for donor in configs {
                    var other = c
                    other.copy(f, from: donor)
                    #expect(TrialID(config: other) == TrialID(config: c), "\(f)")
                }
            }
        }

        let g = GroupedSweep(records: Self.mixedRecords())
        // batch_size 32 under gd applies to nothing; alpha 0 under relu neither.
        #expect(g.axis(.batchSize)?.values == [.number(16), .number(64)])
        #expect(g.axis(.alpha)?.values == [.number(-1), .number(0.5)])
        #expect(g.groups.count == 9)
        let gdRelu = try #require(g.groups.first { $0.records[0].config.optimizer == .gd && $0.records[0].config.activation == .relu })
        #expect(gdRelu.label == "activation=relu, optimizer=gd")
        #expect(!g.groups.contains { $0.label.contains("n/a") })
        // A field set where it does not apply is not even fixed setup.
        let relu = GroupedSweep(records: Self.mixedRecords().filter { $0.config.activation == .relu })
        #expect(!relu.constants.contains { $0.name == TrialConfig.Field.alpha.rawValue })
        #expect(relu.axis(.alpha) == nil)
    }

    @Test func metricsAndCurvesByAxisBestTrialsAndNoReferenceSections() throws {
        let doc = SweepReport.build(records: Self.mixedRecords())
        let md = ReportWriter.markdown(doc)
        #expect(!doc.sections.contains { $0.title.hasPrefix("E") })
        let byBatch = try #require(doc.tables.first { $0.caption.hasPrefix("By batch_size") })
        // batch 16: sgd, relu (α 0) and leaky (α −1, 0.5), 2 seeds: 6 trials.
        #expect(byBatch.rows.map(\.[0]) == ["16", "64"] && byBatch.rows[0][1] == "n=6")
        let values = Self.mixedRecords().filter { $0.config.optimizer == .sgd && $0.config.batchSize == 16 }.compactMap { $0.result.metrics["train_nmse"] }
        let s = try #require(Summary.of(values))
        let col = try #require(byBatch.header.firstIndex(of: "train_nmse"))
        #expect(byBatch.rows[0][col] == Format.meanStd(s))
        #expect(doc.figures.contains { $0.name.contains("curves-by-batch-size") })
        // Legends name only the fields that apply (relu series say nothing of alpha).
        let names = doc.figures.flatMap { $0.plot.series.map(\.name) }
        #expect(names.contains { $0.contains("activation=relu") } || names.contains { $0 == "optimizer=gd" || $0.hasPrefix("optimizer=") })
        #expect(!names.contains { $0.contains("n/a") }, "\(names.filter { $0.contains("n/a") })")
        // Best trials: the lowest test_nmse is leaky α = −1 under gd, seed 1.
        let best = try #require(doc.tables.first { $0.caption.hasPrefix("The 10 best") })
        #expect(best.rows[0][2] == "activation=leaky, alpha=-1, optimizer=gd" && best.rows[0][3] == "1")
        #expect(md.contains("## Best trials") && md.contains("Grid points with the lowest mean test_nmse"))
    }

    @Test func referenceSectionsOnlyWhenNamedAndSayWhyWhenTheyCannotBeDrawn() throws {
        let leaky = GroupingTests.leakyRecords()
        #expect(!SweepReport.build(records: leaky).sections.contains { $0.title.hasPrefix("E1") })
        let doc = SweepReport.build(records: leaky, experiments: [.e1, .e6])
        #expect(doc.sections.contains { $0.title.hasPrefix("E1 — error by leaky-ReLU slope") })
        let missing = try #require(doc.sections.first { $0.title == "E6 — not drawn" })
        let text = ReportWriter.markdown(ReportDocument(title: "", sections: [missing]))
        #expect(text.contains("`width` as a numeric axis"))
        #expect(ReportWriter.markdown(doc).contains("Reference experiment: E1, E6"))
    }

    @Test func failuresAreListedWithWhereTheyAre() throws {
        let doc = SweepReport.build(records: GroupingTests.leakyRecords())
        let whereTable = try #require(doc.tables.first { $0.caption.hasPrefix("Where they are") })
        // α = 0.05: one diverged (bias on), one failed (bias off), of 6.
        let row = try #require(whereTable.rows.first { $0[0] == "alpha=0.05" })
        #expect(row == ["alpha=0.05", "6", "1", "1", Format.number(2.0 / 6)])
        #expect(!whereTable.rows.contains { $0[0] == "alpha=-1" })
    }

    @Test func tiesPrintAsTies() {
        #expect(Format.ordering([("α=0", 0), ("α=-1", 0), ("α=0.5", 0.1)]) == "α=0 = α=-1 (0) < α=0.5 (0.1)")
        #expect(Format.ordering([("a", 0.0391), ("b", 0.03912), ("c", 0.2)]) == "a = b (0.0391) < c (0.2)")
        #expect(Format.ordering([("a", 2), ("b", 1)]) == "b (1) < a (2)")
        // In the E1 section of an all-zero sweep.
        let zero = GroupingTests.leakyRecords().map { r in
            var r = r
            if r.status == .ok { r.result.metrics = ["train_nmse": 0, "test_nmse": 0] }
            return r
        }
        let md = ReportWriter.markdown(SweepReport.build(records: zero, experiments: [.e1]))
        #expect(md.contains("α=-1 = α=0 = α=0.05 (0)"))
        #expect(!md.contains("(0) <"))
    }

    @Test func durationsAndClock() {
        #expect(Format.duration(3.25) == "3.2 s" || Format.duration(3.25) == "3.3 s")
        #expect(Format.duration(75) == "1m 15s")
        #expect(Format.duration(7384) == "2h 03m")
        #expect(Format.duration(.infinity) == "—")
    }
}
