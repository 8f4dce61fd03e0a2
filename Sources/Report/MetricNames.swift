import Foundation
import Store
import TrialContract

/// How the report picks among the contract's metric names (`Metric`,
/// `LayerMetric`): which come first in tables, and which stands for "the
/// training error" of a sweep whatever its task.
public enum MetricNames {
    /// Shown first in tables, in this order.
    public static let headline: [Metric] = [
        .trainLoss, .testLoss, .trainError, .testError, .trainNMSE, .testNMSE, .surrogateError, .surrogateErrorMin,
    ]
    /// Final training error: 0-1 error for classification, normalised MSE for
    /// regression (MSE when the labels have no variance), else the loss.
    public static let trainError: [Metric] = [.trainError, .trainNMSE, .trainMSE, .trainLoss]
    public static let testError: [Metric] = [.testError, .testNMSE, .testMSE, .testLoss]

    /// Headline names first (in their order), the rest sorted naturally
    /// ("grad_norm_hidden2" before "grad_norm_hidden10").
    static func ordered(_ names: Set<String>) -> [String] {
        let first = headline.map(\.name).filter(names.contains)
        return first + names.subtracting(first).sorted { $0.localizedStandardCompare($1) == .orderedAscending }
    }

    /// The first of `candidates` that any record has (as a final metric, or a curve).
    static func first(_ candidates: [Metric], in names: [String]) -> String? {
        candidates.map(\.name).first(where: names.contains)
    }

    /// The metric's name when any record has it.
    static func present(_ metric: Metric, in names: [String]) -> String? {
        names.contains(metric.name) ? metric.name : nil
    }

    /// ‖W − W(0)‖_F: the total (`dist_from_init`) or one layer's (`dist_from_init_<layer>`); not the spectral variant.
    static func isWeightChange(_ name: String) -> Bool {
        name == Metric.distFromInit.name || LayerMetric.parse(name)?.metric == .distFromInit
    }
}

/// Per-trial numbers the figures extract, each nil when the trial lacks what it needs.
public enum TrialNumbers {
    public static func metric(_ name: String) -> (TrialRecord) -> Double? {
        { $0.result.metrics[name] }
    }

    public static func metric(_ m: Metric) -> (TrialRecord) -> Double? { metric(m.name) }

    /// A curve's value at exactly `step`.
    public static func curve(_ name: String, at step: Int) -> (TrialRecord) -> Double? {
        { r in
            guard let c = r.result.curves[name], let i = c.steps.lastIndex(of: step), i < c.values.count else { return nil }
            return c.values[i]
        }
    }

    /// γ̂ = (L(1000)/L(100))^{1/900} from the train_loss curve ([GLL24] Fig. 2).
    public static func gammaHatFromCurve(_ r: TrialRecord) -> Double? {
        guard let l100 = curve(Metric.trainLoss.name, at: 100)(r), let l1000 = curve(Metric.trainLoss.name, at: 1000)(r),
              l100 > 0, l1000 > 0 else { return nil }
        return Foundation.pow(l1000 / l100, 1.0 / 900)
    }

    /// First step at which the train_error curve is 0 (nil if it never is).
    public static func firstZeroStep(_ r: TrialRecord) -> Double? {
        guard let c = r.result.curves[Metric.trainError.name] else { return nil }
        for (s, v) in zip(c.steps, c.values) where v <= 0 { return Double(s) }
        return nil
    }

    /// The late phase of a loss curve: points with t ≥ T/10 (T the last step
    /// with a positive loss) and t ≥ 1, i.e. the last decade of the run.
    public static func latePhase(_ c: Curve) -> (t: [Double], y: [Double]) {
        let pts = zip(c.steps, c.values).filter { $0.0 >= 1 && $0.1 > 0 && $0.1.isFinite }
        guard let last = pts.last?.0 else { return ([], []) }
        let late = pts.filter { Double($0.0) >= Double(last) / 10 }
        return (late.map { Double($0.0) }, late.map(\.1))
    }

    /// Log-log slope of a loss curve against t over its late phase (≥ 3 points).
    public static func lateLogLogSlope(_ name: String) -> (TrialRecord) -> Double? {
        { r in
            guard let c = r.result.curves[name] else { return nil }
            let (t, y) = latePhase(c)
            guard t.count >= 3 else { return nil }
            return Fit.logLog(x: t, y: y)?.slope
        }
    }
}
