import Foundation
import Store
import TestSupport
import Testing
import TrialContract
@testable import Report

/// Random sweeps with awkward content (missing metrics, extreme and negative
/// values, empty and one-point curves, every status) must report without
/// crashing and give well-formed SVG.
@Suite struct RobustnessTests {
    @Test(arguments: 0..<12)
    func randomSweepsAlwaysReport(_ seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed))
        func pick<T>(_ xs: [T]) -> T { xs.randomElement(using: &rng)! }
        let awkward: [Double] = [0, -1, 1e-300, 1e300, 0.5, 1, 2, 1e-12, 3.25]
        var records: [TrialRecord] = []
        let count = 1 + seed * 5
        for i in 0..<count {
            let c = Fixtures.config {
                $0.seed = UInt64(i % 3)
                $0.width = pick([16, 64, 256])
                $0.alpha = pick([-1, 0, 0.5])
                $0.activation = pick([.leaky, .huber, .relu])
                $0.loss = pick([.logistic, .square])
                $0.bias = pick([false, true])
                $0.nTrain = pick([32, 128])
                $0.depth = pick([1, 3])
            }
            var metrics: [String: Double] = [:]
            for name in ["train_loss", "test_error", "train_error", "weight_change_l1", "ntk_lambda_min", "surrogate_error_min"]
            where pick([true, false]) {
                metrics[name] = pick(awkward)
            }
            var curves: [String: Curve] = [:]
            if pick([true, true, false]) {
                let n = pick([0, 1, 2, 12])
                let steps = (0..<n).map { Int(pow(2.0, Double($0))) - 1 }
                curves["train_loss"] = Curve(steps: steps, values: steps.map { _ in pick(awkward) })
                curves["train_error"] = Curve(steps: steps, values: steps.map { _ in pick([0, 0.5, 1]) })
            }
            let status: TrialStatus = pick([.ok, .ok, .ok, .diverged, .failed])
            records.append(Fixtures.record(c, status: status, sweep: pick(["", "a"]), metrics: metrics, curves: curves,
                                           message: status == .ok ? nil : "reason <\(i)>"))
        }
        let doc = SweepReport.build(records: records, experiments: ReferenceExperiment.allCases)
        #expect(doc.sections.first?.title == "Overview")
        for f in doc.figures {
            #expect(SVGProbe.parse(SVGRenderer.document(f.plot, id: f.name)) != nil, "\(f.name)")
        }
        let html = ReportWriter.html(doc)
        #expect(html.hasSuffix("</body></html>\n"))
        let md = ReportWriter.markdown(doc)
        #expect(md.contains("\(SweepReport.latest(records).count) trials"))
    }
}
