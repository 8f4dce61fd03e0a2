import Numerics

/// A labelled data set in float64, row-major: `x[i*dim + j]`, label `y[i]`
/// (±1 for binary classification, a class index for cross-entropy, a real
/// number for regression). The trainer converts it once to the run's dtype.
public struct Dataset: Sendable, Equatable {
    public var x: [Double]
    public var y: [Double]
    public var dim: Int
    public var count: Int { y.count }

    public init(x: [Double], y: [Double], dim: Int) {
        self.x = x
        self.y = y
        self.dim = dim
    }

    /// Var(y) over the set (population variance), the NMSE denominator.
    var labelVariance: Double {
        guard !y.isEmpty else { return 0 }
        let mean = y.reduce(0, +) / Double(y.count)
        return y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(y.count)
    }

    /// Scales every row to unit Euclidean norm (zero rows stay zero).
    mutating func normalizeRows() {
        for i in 0..<count {
            var s = 0.0
            for j in 0..<dim { s += x[i * dim + j] * x[i * dim + j] }
            guard s > 0 else { continue }
            let inv = 1 / s.squareRoot()
            for j in 0..<dim { x[i * dim + j] *= inv }
        }
    }

    /// Seed 001's bias trick: append the constant μ to every row, then renormalise.
    func appendingConstant(_ mu: Double) -> Dataset {
        var out = [Double]()
        out.reserveCapacity(count * (dim + 1))
        for i in 0..<count {
            out.append(contentsOf: x[(i * dim)..<((i + 1) * dim)])
            out.append(mu)
        }
        var d = Dataset(x: out, y: y, dim: dim + 1)
        d.normalizeRows()
        return d
    }

    /// Rows `indices`, in that order.
    func rows(_ indices: [Int]) -> Dataset {
        var out = [Double]()
        out.reserveCapacity(indices.count * dim)
        for i in indices { out.append(contentsOf: x[(i * dim)..<((i + 1) * dim)]) }
        return Dataset(x: out, y: indices.map { y[$0] }, dim: dim)
    }
}

/// The train and test sets of one trial.
public struct DataSplit: Sendable, Equatable {
    public var train: Dataset
    public var test: Dataset
    /// Regression targets (NMSE reported) rather than class labels.
    public var isRegression: Bool
}
