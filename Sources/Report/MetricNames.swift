import Foundation
import Store
import Training

/// The metric and curve names the report looks for (TrainingResult.metrics /
/// .curves keys, written by the training core). Kept in one place so they can
/// be aligned with the core; where the core may use one of several spellings,
/// every accepted one is listed, first match wins.
public enum MetricNames {
    /// Shown first in tables, in this order.
    public static let headline = [
        "train_loss", "test_loss", "train_error", "test_error", "train_nmse", "test_nmse",
        "surrogate_error", "surrogate_error_min",
    ]
    /// Final training error: 0-1 error for classification, normalised MSE for regression.
    public static let trainError = ["train_error", "train_nmse", "train_mse", "train_loss"]
    public static let testError = ["test_error", "test_nmse", "test_mse", "test_loss"]
    public static let trainLoss = "train_loss"
    /// Seed 004's rate estimate γ̂ = (L(1000)/L(100))^{1/900}; derived from the
    /// train_loss curve when no metric of these names is present.
    public static let gammaHat = ["gamma_hat", "rate_gamma_hat", "rate_gamma"]
    public static let ntkLambdaMin = ["ntk_lambda_min", "ntk_min_eigenvalue"]
    /// Steps until the training 0-1 error first reaches 0; derived from the
    /// train_error curve when absent.
    public static let stepsToZeroError = ["first_step_zero_train_error", "steps_to_zero_error", "steps_to_zero_train_error"]
    /// ‖W_l − W_l(0)‖_F: names starting with one of these prefixes — the bare
    /// prefix is the total over layers (the core's "dist_from_init"), a suffix
    /// names a layer ("dist_from_init_hidden1"); names mentioning "spec" are the
    /// spectral-norm variant and are left out.
    public static let weightChangePrefixes = ["dist_from_init", "weight_change", "weight_distance", "distance_from_init"]
    /// Best surrogate error over the run (seed 000).
    public static let surrogateErrorMin = ["surrogate_error_min", "surrogate_min"]
    /// A log-log slope of the loss against t computed by the core, if any.
    public static let lossLogLogSlope = ["loss_loglog_slope", "train_loss_loglog_slope", "loglog_slope"]

    /// Headline names first (in their order), the rest sorted naturally
    /// ("weight_change_l2" before "weight_change_l10").
    static func ordered(_ names: Set<String>) -> [String] {
        headline.filter(names.contains)
            + names.subtracting(headline).sorted { $0.localizedStandardCompare($1) == .orderedAscending }
    }

    /// The first of `candidates` that any record has as a final metric.
    static func firstMetric(_ candidates: [String], in names: [String]) -> String? {
        candidates.first(where: names.contains)
    }

    static func isWeightChange(_ name: String) -> Bool {
        weightChangePrefixes.contains { name.hasPrefix($0) } && !name.contains("spec")
    }
}

/// Per-trial numbers the figures extract, each nil when the trial lacks what it needs.
public enum TrialNumbers {
    public static func metric(_ name: String) -> (TrialRecord) -> Double? {
        { $0.result.metrics[name] }
    }

    /// A curve's value at exactly `step`.
    public static func curve(_ name: String, at step: Int) -> (TrialRecord) -> Double? {
        { r in
            guard let c = r.result.curves[name], let i = c.steps.lastIndex(of: step), i < c.values.count else { return nil }
            return c.values[i]
        }
    }

    /// γ̂ = (L(1000)/L(100))^{1/900} from the train_loss curve (seed 004 Fig. 2).
    public static func gammaHatFromCurve(_ r: TrialRecord) -> Double? {
        guard let l100 = curve(MetricNames.trainLoss, at: 100)(r), let l1000 = curve(MetricNames.trainLoss, at: 1000)(r),
              l100 > 0, l1000 > 0 else { return nil }
        return Foundation.pow(l1000 / l100, 1.0 / 900)
    }

    /// First step at which the train_error curve is 0 (nil if it never is).
    public static func firstZeroStep(_ r: TrialRecord) -> Double? {
        guard let c = r.result.curves["train_error"] else { return nil }
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
