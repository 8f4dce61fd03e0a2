import Foundation

/// Mean ± sample standard deviation, count and range of a set of numbers.
/// Non-finite inputs are dropped (JSON never holds them, but derived numbers can).
public struct Summary: Sendable, Equatable {
    public var n: Int
    public var mean: Double
    /// Sample standard deviation (n − 1 denominator); nil when n = 1.
    public var std: Double?
    public var min: Double
    public var max: Double

    /// nil when no finite value is given.
    public static func of(_ values: [Double]) -> Summary? {
        let xs = values.filter(\.isFinite)
        guard let lo = xs.min(), let hi = xs.max() else { return nil }
        let n = Double(xs.count)
        let mean = xs.reduce(0, +) / n
        var std: Double? = nil
        if xs.count > 1 {
            let ss = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            std = (ss / (n - 1)).squareRoot()
        }
        return Summary(n: xs.count, mean: mean, std: std, min: lo, max: hi)
    }

    /// Standard error of the mean (nil when n = 1).
    public var standardError: Double? { std.map { $0 / Double(n).squareRoot() } }
}
