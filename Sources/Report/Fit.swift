import Fitting
import Foundation
import TrialContract

public enum Fit {
    /// Ordinary least squares over the finite (x, y) pairs (Training's `LeastSquares`).
    public static func linear(x: [Double], y: [Double]) -> LinearFit? {
        LeastSquares.fit(x: x, y: y)
    }

    /// Fits log y = c + slope·log x (natural logs; the slope is base-free) over
    /// the pairs with x > 0 and y > 0, so y ≈ e^c · x^slope.
    public static func logLog(x: [Double], y: [Double]) -> LinearFit? {
        let pairs = zip(x, y).filter { $0.0 > 0 && $0.1 > 0 && $0.0.isFinite && $0.1.isFinite }
        return linear(x: pairs.map { Foundation.log($0.0) }, y: pairs.map { Foundation.log($0.1) })
    }

    /// Pearson correlation of the finite pairs; nil with fewer than two pairs or no spread.
    public static func pearson(x: [Double], y: [Double]) -> Double? {
        LeastSquares.Moments(x: x, y: y)?.correlation
    }
}
