import Foundation

/// Convergence-rate estimates from a loss curve (SCIENCE.md §6).
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
        return LeastSquares.slope(x: points.map { Double($0.0) }, y: points.map { log($0.1) })?.slope
    }

    /// Least-squares slope of log(value) against log(step) over steps in [from, to]
    /// (seed 002: J_t ∝ 1/t shows as slope −1).
    public static func logLogSlope(_ curve: Curve, from: Int, to: Int) -> Double? {
        let points = zip(curve.steps, curve.values).filter { $0.0 >= max(1, from) && $0.0 <= to && $0.1 > 0 }
        return LeastSquares.slope(x: points.map { log(Double($0.0)) }, y: points.map { log($0.1) })?.slope
    }

    static func value(_ curve: Curve, at step: Int) -> Double? {
        guard let i = curve.steps.firstIndex(of: step) else { return nil }
        return curve.values[i]
    }
}

/// Ordinary least squares y ≈ intercept + slope·x.
public enum LeastSquares {
    public struct Fit: Sendable, Equatable {
        public var slope: Double
        public var intercept: Double
        /// Standard error of the slope (nil with fewer than 3 points).
        public var slopeStandardError: Double?
        public var rSquared: Double
    }

    public static func slope(x: [Double], y: [Double]) -> Fit? {
        let n = min(x.count, y.count)
        guard n >= 2 else { return nil }
        let mx = x.prefix(n).reduce(0, +) / Double(n)
        let my = y.prefix(n).reduce(0, +) / Double(n)
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in 0..<n {
            sxx += (x[i] - mx) * (x[i] - mx)
            sxy += (x[i] - mx) * (y[i] - my)
            syy += (y[i] - my) * (y[i] - my)
        }
        guard sxx > 0 else { return nil }
        let b = sxy / sxx
        let a = my - b * mx
        let residual = max(0, syy - b * sxy)
        let se: Double? = n > 2 ? sqrt(residual / Double(n - 2) / sxx) : nil
        let r2 = syy > 0 ? 1 - residual / syy : 1
        return Fit(slope: b, intercept: a, slopeStandardError: se, rSquared: r2)
    }
}
