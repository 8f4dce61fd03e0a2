import Fitting
import Foundation
import TrialContract

/// Convergence-rate estimates from a loss curve (docs/science.md §6).
public enum RateEstimates {
    /// Seed 004's per-step contraction γ̂ = (L(t₂)/L(t₁))^{1/(t₂−t₁)}, e.g. t₁ = 100,
    /// t₂ = 1000. nil when either step is missing from the curve or a loss is not positive.
    public static func contraction(_ curve: Curve, from t1: Int, to t2: Int) -> Double? {
        guard t2 > t1, let l1 = value(curve, at: t1), let l2 = value(curve, at: t2), l1 > 0, l2 > 0 else { return nil }
        return exp((log(l2) - log(l1)) / Double(t2 - t1))
    }

    /// Least-squares slope of log(value) against step over steps in [from, to]:
    /// a windowed log-linear rate (log γ̂ per step).
    public static func logLinearSlope(_ curve: Curve, from: Int, to: Int) -> Double? {
        let points = zip(curve.steps, curve.values).filter { $0.0 >= from && $0.0 <= to && $0.1 > 0 }
        return LeastSquares.fit(x: points.map { Double($0.0) }, y: points.map { log($0.1) })?.slope
    }

    /// Least-squares slope of log(value) against log(step) over steps in [from, to]
    /// ([CLB21]: J_t ∝ 1/t shows as slope −1).
    public static func logLogSlope(_ curve: Curve, from: Int, to: Int) -> Double? {
        let points = zip(curve.steps, curve.values).filter { $0.0 >= max(1, from) && $0.0 <= to && $0.1 > 0 }
        return LeastSquares.fit(x: points.map { log(Double($0.0)) }, y: points.map { log($0.1) })?.slope
    }

    static func value(_ curve: Curve, at step: Int) -> Double? {
        guard let i = curve.steps.firstIndex(of: step) else { return nil }
        return curve.values[i]
    }
}
