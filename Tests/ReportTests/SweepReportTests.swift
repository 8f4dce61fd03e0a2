import Foundation
import Store
import TestSupport
import Testing
import TrialContract
@testable import Report

@Suite struct SweepReportTests {
    /// Every figure of a document parses as XML.
    static func allFiguresWellFormed(_ doc: ReportDocument) -> Bool {
        doc.figures.allSatisfy { SVGProbe.parse(SVGRenderer.document($0.plot)) != nil }
    }

    static func text(_ doc: ReportDocument) -> String { ReportWriter.markdown(doc) }

    @Test func e1TableShowsMeanStdByAlphaAndBiasWithOrdering() throws {
        let records = GroupingTests.leakyRecords()
        let doc = SweepReport.build(records: records, experiments: [.e1])
        let e1 = try #require(doc.sections.first { $0.title.hasPrefix("E1") })
        let table = try #require(e1.blocks.compactMap { b -> Table? in if case .table(let t) = b { return t } else { return nil } }.first)
        #expect(table.header.contains("final train_nmse") && table.header.contains("final test_nmse"))
        // Row α = −1 with biases on: seeds 1…3 of 0.1 − 0.1 + 0.01·seed.
        let row = try #require(table.rows.first { $0[0] == "bias=true" && $0[1] == "-1" })
        let vals = [1.0, 2, 3].map { 0.01 * $0 }
        let mean = vals.reduce(0, +) / 3
        let std = (vals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
        #expect(row[2] == Format.number(mean) + " ± " + Format.number(std, digits: 2))
        #expect(row.last == "n=3")
        #expect(table.rows.contains { $0.last == "n=1 (1 failed)" || $0.last == "n=2 (1 failed)" })
        let md = Self.text(doc)
        #expect(md.contains("α=-1 (0.02) < α=0 (0.12) < α=0.05 (0.13)"))
        #expect(Self.allFiguresWellFormed(doc))
    }

    @Test func singleTrialAndFailedOnlyGroupsStillReport() throws {
        let one = Fixtures.record(Fixtures.config { $0.seed = 7 }, metrics: ["train_loss": 0.25, "test_error": 0.1],
                                  curves: ["train_loss": Curve(steps: [0, 1, 10, 100], values: [0.7, 0.6, 0.4, 0.25])])
        let doc = SweepReport.build(records: [one])
        let md = Self.text(doc)
        #expect(md.contains("n=1"))
        #expect(md.contains("0.25 ± —"))
        #expect(!doc.figures.isEmpty && Self.allFiguresWellFormed(doc))

        // Failed and diverged only: no metrics at all, nothing to average.
        let bad = [
            Fixtures.record(Fixtures.config { $0.width = 64 }, status: .failed, message: "bad data file"),
            Fixtures.record(Fixtures.config { $0.width = 128 }, status: .diverged,
                            curves: ["train_loss": Curve(steps: [0, 1, 2], values: [1, 50, 1e30])], message: "loss became NaN at step 3"),
        ]
        let doc2 = SweepReport.build(records: bad)
        let md2 = Self.text(doc2)
        #expect(md2.contains("n=0 (1 failed)") && md2.contains("n=0 (1 diverged)"))
        #expect(md2.contains("bad data file") && md2.contains("loss became NaN"))
        #expect(Self.allFiguresWellFormed(doc2))
        #expect(SweepReport.build(records: []).sections.count >= 1)
    }

    @Test func e6FitsTheWeightChangeSlopeAgainstWidth() throws {
        var noise = SplitMix(seed: 7)
        var rs: [TrialRecord] = []
        for m in [64, 128, 256, 512, 1024] {
            for seed in UInt64(1)...4 {
                let c = Fixtures.config { $0.width = m; $0.seed = seed; $0.residual = true; $0.lrScaling = .inverseWidth }
                let layer = 2 * pow(Double(m), -0.5) * noise.factor(within: 0.05)
                // The core's names: per layer and the total over layers.
                rs.append(Fixtures.record(c, metrics: ["dist_from_init_hidden1": layer, "dist_from_init": layer * 1.5,
                                                       "dist_from_init_spectral_hidden1": 1, "test_error": 0.1]))
            }
        }
        let doc = SweepReport.build(records: rs, experiments: [.e6])
        let e6 = try #require(doc.sections.first { $0.title.hasPrefix("E6") })
        let table = try #require(e6.blocks.compactMap { b -> Table? in if case .table(let t) = b { return t } else { return nil } }.first)
        #expect(table.rows.map(\.[0]) == ["dist_from_init", "dist_from_init_hidden1"])
        let slopeCell = try #require(table.rows.first?[2])
        let slope = try #require(Double(slopeCell.split(separator: " ")[0]))
        #expect(abs(slope + 0.5) < 0.05, "slope \(slopeCell)")
        #expect(table.rows.first?[6] == "yes")
        // At a constant step size Kηm grows with m: the −1/2 law does not apply, so no verdict.
        let constant = SweepReport.build(records: rs.map { r in
            var r = r
            r.config.lrScaling = .constant
            return r
        }, experiments: [.e6])
        let t2 = try #require(constant.tables.first { $0.header.contains("in [−0.65, −0.35]") })
        #expect(t2.rows.first?[6] == "— (Kηm varies)")
        let fig = try #require(doc.figures.first { $0.name.hasPrefix("e6") })
        let probe = try #require(SVGProbe.parse(SVGRenderer.document(fig.plot)))
        #expect(probe.texts.contains { $0.hasPrefix("fit: slope -0.") })
    }

    @Test func e4FindsTheOneOverTSlopeOfTheLogisticLoss() throws {
        var rs: [TrialRecord] = []
        for act in [ActivationKind.huber, .swish] {
            for seed in UInt64(1)...3 {
                let steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
                let c = Fixtures.config { $0.activation = act; $0.loss = .logistic; $0.data = .separated; $0.seed = seed; $0.steps = 10000 }
                let curve = Curve(steps: steps, values: steps.map { 0.5 / (0.01 * Double(seed) * Double($0) + 1) })
                rs.append(Fixtures.record(c, metrics: ["train_loss": curve.values.last ?? 0], curves: ["train_loss": curve]))
            }
        }
        let doc = SweepReport.build(records: rs, experiments: [.e4])
        let e4 = try #require(doc.sections.first { $0.title.hasPrefix("E4") })
        let table = try #require(e4.blocks.compactMap { b -> Table? in if case .table(let t) = b { return t } else { return nil } }.first)
        #expect(table.rows.count == 2)
        for row in table.rows {
            let slope = try #require(Double(row[2].split(separator: " ")[0]))
            #expect(slope < -0.85 && slope > -1.0, "\(row)")
            #expect(row[6] == "yes")
        }
        #expect(Self.text(doc).contains("within [−1.3, −0.7] (the 1/t rate, with tolerance): 2 of 2 groups"))
        #expect(Self.allFiguresWellFormed(doc))
    }

    @Test func e2CorrelatesTheRateWithG() throws {
        var rs: [TrialRecord] = []
        let alphas = [-4.0, -2, -1, -0.5, 0, 0.25, 0.5]
        for a in alphas {
            for seed in UInt64(1)...2 {
                let g = ReferenceFigures.leakyFactor(a)
                let c = Fixtures.config { $0.activation = .leaky; $0.alpha = a; $0.seed = seed; $0.steps = 1000 }
                // L(t) = γ^t with γ = 1 − 0.002·g(α): γ̂ from the curve must give back γ.
                let gamma = 1 - 0.002 * g
                let curve = Curve(steps: [0, 100, 1000], values: [1, pow(gamma, 100), pow(gamma, 1000)])
                rs.append(Fixtures.record(c, metrics: ["train_loss": pow(gamma, 1000), "ntk_lambda_min": 0.3 * g],
                                          curves: ["train_loss": curve]))
            }
        }
        let doc = SweepReport.build(records: rs, experiments: [.e2])
        let e2 = try #require(doc.sections.first { $0.title.hasPrefix("E2") })
        let md = ReportWriter.markdown(ReportDocument(title: "", sections: [e2]))
        #expect(md.contains("corr((1−γ̂)/(1−γ̂(0)), g(α)) = 1 (positive, as predicted) over 7 α values"))
        // λ_min / g(α) = 0.3 for every α.
        #expect(md.components(separatedBy: "| 0.3 |").count - 1 == alphas.count)
        #expect(Self.allFiguresWellFormed(doc))
    }

    @Test func aRepeatedTrialIDCountsOnceWithItsLastRecord() throws {
        let c = Fixtures.config { $0.seed = 1 }
        let first = Fixtures.record(c, status: .failed, message: "worker lost")
        var second = Fixtures.record(c, metrics: ["train_loss": 0.5])
        second.attempt = 2
        #expect(first.id == second.id)
        let other = Fixtures.record(Fixtures.config { $0.seed = 2 }, metrics: ["train_loss": 0.25])
        let kept = SweepReport.latest([first, other, second])
        #expect(kept.count == 2 && kept[0].attempt == 2 && kept[1].id == other.id)
        let md = Self.text(SweepReport.build(records: [first, other, second]))
        #expect(md.contains("1 records repeat a trial id") && md.contains("n=2") && !md.contains("failed)"))
    }

    @Test func writerProducesMarkdownHTMLAndStandaloneSVGs() throws {
        let dir = try TestFiles.temporaryDirectory("oversweep-report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = SweepReport.build(records: GroupingTests.leakyRecords())
        let w = try ReportWriter.write(doc, to: dir.appendingPathComponent("out"))
        let md = try String(contentsOf: w.markdown, encoding: .utf8)
        let html = try String(contentsOf: w.html, encoding: .utf8)
        #expect(md.hasPrefix("# ") && html.contains("<svg"))
        #expect(w.svgs.count == doc.figures.count && !w.svgs.isEmpty)
        for url in w.svgs {
            let svg = try String(contentsOf: url, encoding: .utf8)
            #expect(SVGProbe.parse(svg) != nil, "\(url.lastPathComponent)")
            #expect(md.contains(url.lastPathComponent))
        }
    }
}
