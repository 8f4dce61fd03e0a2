import Testing
import TrialContract
@testable import Training

/// Every name the core writes is in the contract's metric list, so reports,
/// exports and the coordinator's result checks know it.
@Suite struct MetricNameTests {
    @Test(arguments: [
        (DataKind.sphereTeacher, LossKind.logistic, MetricsLevel.full, 2),
        (DataKind.leakySynthetic, LossKind.square, MetricsLevel.full, 1),
        (DataKind.separated, LossKind.hinge, MetricsLevel.basic, 3),
    ])
    func everyRecordedNameIsInTheContract(data: DataKind, loss: LossKind, level: MetricsLevel, depth: Int) {
        var c = TrialConfig()
        c.data = data
        c.loss = loss
        c.metrics = level
        c.depth = depth
        c.width = 16
        c.nTrain = 24
        c.nTest = 8
        c.dim = 4
        c.steps = 120
        c.inputLayer = depth == 3 ? .fixed : .trainable
        let result = Trainer.trainShard([c], threads: 1)[0]
        #expect(result.status == .ok, "\(result.message ?? "")")
        let names = Set(result.metrics.keys).union(result.curves.keys)
        #expect(names.count > 10)
        let unknown = names.filter { !Metric.isKnown($0) }
        #expect(unknown.isEmpty, "names the contract does not list: \(unknown.sorted())")
        // And every curve the contract calls a curve is one.
        for name in result.curves.keys { #expect(Metric(rawValue: name)?.isCurve ?? true, "\(name)") }
    }

    @Test func layerNamesParseToTheirFamily() {
        #expect(LayerMetric.parse("dist_from_init_spectral_hidden2")! == (.distFromInitSpectral, "hidden2"))
        #expect(LayerMetric.parse("dist_from_init_hidden12")! == (.distFromInit, "hidden12"))
        #expect(LayerMetric.parse("grad_norm_output")! == (.gradNorm, "output"))
        #expect(LayerMetric.parse("grad_norm_hidden0") == nil)
        #expect(LayerMetric.parse("grad_norm_hidden01") == nil)
        #expect(!Metric.isKnown("train_loss\u{0}"))
        #expect(!Metric.isKnown("rate_gamma_hat"))
    }
}
