import Foundation
import TrialContract

/// Plausible trial records made from a counter, for the store's tests, its
/// hidden test subcommand and its benchmarks. Not used by real sweeps.
public enum SyntheticRecords {
    public static func make(index i: Int, prefix: String = "syn", sweep: String = "synthetic") -> TrialRecord {
        var config = TrialConfig()
        config.seed = UInt64(i % 5)
        config.width = [64, 128, 256, 512][i % 4]
        config.depth = 1 + i % 3
        config.lr = [0.01, 0.1, 1.0][i % 3]
        config.activation = .leaky
        config.alpha = Double(i % 7) / 10
        config.noiseStd = 0.1
        let steps = [0, 1, 2, 5, 10, 20, 30, 50, 100, 200, 300]
        let x = Double(i % 1000) + 1
        let loss = Curve(steps: steps, values: steps.map { 1 / (Double($0) + x) })
        let error = Curve(steps: steps, values: steps.map { 0.5 / (Double($0) / 10 + 1) + 1 / x })
        let status: TrialStatus = i % 50 == 49 ? .diverged : (i % 97 == 96 ? .failed : .ok)
        let result = TrainingResult(
            status: status, message: status == .ok ? nil : "synthetic \(status.rawValue)",
            metrics: ["train_loss": 1 / (300 + x), "test_error": 0.05 + 1 / x, "train_error": 0, "weight_norm": x.squareRoot() * 1.1],
            curves: ["train_loss": loss, "test_error": error], stepsRun: status == .diverged ? 20 : 300,
            timing: Timing(seconds: 0.25 + x / 1000, metricSeconds: 0.01))
        let start = Date(timeIntervalSinceReferenceDate: 815_000_000 + Double(i) * 0.37)
        return TrialRecord(id: TrialID(rawValue: "\(prefix)-\(String(i, radix: 16))"), sweep: sweep, config: config,
                           result: result, worker: "w\(i % 8)", host: "node\(i % 3)", attempt: 1 + i % 2,
                           startedAt: start, endedAt: start.addingTimeInterval(0.25 + x / 1000))
    }

    /// A record shaped like a real one (a depth-2 trial of examples/quick.yaml,
    /// about 10 KB as a line): every basic metric, 16 curves of 23 points on
    /// the log-spaced schedule, values with full-precision digits. What
    /// `make bench-store` writes and reads, so its figures are those of a real sweep.
    public static func realistic(index i: Int, prefix: String = "real", sweep: String = "") -> TrialRecord {
        var r = make(index: i, prefix: prefix, sweep: sweep)
        r.config.depth = 2
        r.config.activation = [ActivationKind.relu, .leaky][i % 2]
        r.config.alpha = r.config.activation == .leaky ? -0.5 : 0
        r.config.bias = i % 3 == 0
        r.config.noiseStd = nil
        let steps = [0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 32, 40, 50, 63, 79, 100, 126, 158, 200, 251, 300].prefix(23)
        let x = Double(i % 997) + 1.0 / 3.0
        var curves: [String: Curve] = [:]
        var metrics: [String: Double] = [:]
        let perLayer = ["hidden1", "hidden2", "output"]
        let names = [Metric.trainLoss, .testLoss, .trainError, .testError, .surrogateError, .gradNorm, .distFromInit,
                     .gradNormSqOverLoss, .weightNorm, .gradWeightAlignment].map(\.name)
            + perLayer.map { LayerMetric.distFromInit.name(layer: $0) } + perLayer.map { LayerMetric.gradNorm.name(layer: $0) }
        for (k, name) in names.enumerated() {
            let scale = 1 + Double(k) / 7
            let values = steps.map { t in scale / (1 + Double(t) / x) + 1e-3 / (x + Double(k)) }
            curves[name] = Curve(steps: Array(steps), values: values)
            metrics[name] = values.last
        }
        for m in [Metric.lossInit, .maxAbsFInit, .surrogateErrorMin, .surrogateErrorArgmin, .gammaHat, .lossLogLinearSlope, .lossLogLogSlope] {
            metrics[m.name] = 0.1 + 1 / (x + Double(m.name.count))
        }
        r.result.metrics = metrics
        r.result.curves = r.result.status == .failed ? [:] : curves
        return r
    }

    public static func header(name: String = "synthetic", specHash: String = "synthetic") -> StoreHeader {
        StoreHeader(sweepName: name, spec: "name: \(name)\n# synthetic records for tests and benchmarks\n", specHash: specHash,
                    toolVersion: "test", gitRevision: nil, createdAt: Date(timeIntervalSinceReferenceDate: 815_000_000.123456))
    }
}
