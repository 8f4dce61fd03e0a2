/// A least-squares line y = intercept + slope·x, with standard errors and R².
public struct LinearFit: Sendable, Equatable {
    public var slope: Double
    public var intercept: Double
    /// Standard error of the slope (nil with only two points: no residual degrees of freedom).
    public var slopeStdError: Double?
    public var interceptStdError: Double?
    /// Coefficient of determination (1 when the points lie on the line; nil when all y are equal).
    public var r2: Double?
    public var n: Int

    public init(slope: Double, intercept: Double, slopeStdError: Double?, interceptStdError: Double?, r2: Double?, n: Int) {
        self.slope = slope
        self.intercept = intercept
        self.slopeStdError = slopeStdError
        self.interceptStdError = interceptStdError
        self.r2 = r2
        self.n = n
    }

    public func predict(_ x: Double) -> Double { intercept + slope * x }
}

/// Ordinary least squares: the one implementation behind the core's rate
/// estimates and the report's fits.
public enum LeastSquares {
    /// Centred second moments of the finite (x, y) pairs: what both a fit and
    /// a correlation are made of.
    public struct Moments: Sendable {
        public var pairs: [(Double, Double)]
        public var meanX: Double, meanY: Double
        public var sxx: Double, sxy: Double, syy: Double

        /// nil with fewer than two finite pairs.
        public init?(x: [Double], y: [Double]) {
            pairs = zip(x, y).filter { $0.0.isFinite && $0.1.isFinite }
            guard pairs.count >= 2 else { return nil }
            let n = Double(pairs.count)
            meanX = pairs.reduce(0) { $0 + $1.0 } / n
            meanY = pairs.reduce(0) { $0 + $1.1 } / n
            sxx = 0; sxy = 0; syy = 0
            for (a, b) in pairs {
                sxx += (a - meanX) * (a - meanX)
                sxy += (a - meanX) * (b - meanY)
                syy += (b - meanY) * (b - meanY)
            }
        }

        /// Pearson correlation; nil when x or y has no spread.
        public var correlation: Double? {
            guard sxx > 0, syy > 0 else { return nil }
            return sxy / (sxx * syy).squareRoot()
        }
    }

    /// Fits y ≈ intercept + slope·x over the finite (x, y) pairs; nil with fewer
    /// than two points or when all x are equal.
    public static func fit(x: [Double], y: [Double]) -> LinearFit? {
        guard let m = Moments(x: x, y: y) else { return nil }
        let pairs = m.pairs, n = Double(pairs.count)
        let mx = m.meanX, my = m.meanY, sxx = m.sxx, sxy = m.sxy, syy = m.syy
        // Relative test: x values that differ only by rounding count as equal.
        let sumSquares = pairs.reduce(0) { $0 + $1.0 * $1.0 }
        guard sxx > 1e-300, sxx > 1e-24 * sumSquares else { return nil }
        let slope = sxy / sxx
        let intercept = my - slope * mx
        let sse = pairs.reduce(0) { acc, p in
            let r = p.1 - (intercept + slope * p.0)
            return acc + r * r
        }
        var seSlope: Double? = nil, seIntercept: Double? = nil
        if pairs.count > 2 {
            let s2 = sse / (n - 2)
            seSlope = (s2 / sxx).squareRoot()
            seIntercept = (s2 * (1 / n + mx * mx / sxx)).squareRoot()
        }
        let r2: Double? = syy > 0 ? Swift.max(0, 1 - sse / syy) : nil
        return LinearFit(slope: slope, intercept: intercept, slopeStdError: seSlope,
                         interceptStdError: seIntercept, r2: r2, n: pairs.count)
    }
}
