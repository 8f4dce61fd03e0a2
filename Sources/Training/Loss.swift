import Numerics
import TrialContract

/// Sums over a set of samples from one pass of the loss (all in Double, so
/// tiny float64 logistic losses and float32 runs accumulate alike).
struct LossSums {
    /// Σ per-sample loss ℓ (before the reduction's factor).
    var loss: Double = 0
    /// Misclassified samples (classification).
    var errors: Int = 0
    /// Σ surrogate −ℓ'(y f) = 1/(1+e^{y f}) (binary); Σ (1 − p_y) (cross-entropy).
    var surrogate: Double = 0
    /// Σ (f − y)² (regression).
    var squaredError: Double = 0
    var maxAbsOutput: Double = 0
    var samples: Int = 0
    /// False once an output or a loss is NaN or infinite.
    var finite = true

    mutating func add(_ o: LossSums) {
        loss += o.loss; errors += o.errors; surrogate += o.surrogate
        squaredError += o.squaredError; maxAbsOutput = max(maxAbsOutput, o.maxAbsOutput)
        samples += o.samples; finite = finite && o.finite
    }
}

/// A loss of docs/science.md §3 with its reduction. Labels: ±1 for binary
/// classification, real for regression, class index 0…k−1 for cross-entropy.
struct Loss: Sendable {
    let kind: LossKind
    let reduction: LossReduction
    let outputs: Int

    init(_ config: TrialConfig) {
        kind = config.loss
        reduction = config.reduction
        outputs = config.outputs
    }

    init(kind: LossKind, reduction: LossReduction, outputs: Int) {
        self.kind = kind
        self.reduction = reduction
        self.outputs = outputs
    }

    /// The reduction's factor c in L = c · Σᵢ ℓᵢ over n samples.
    func factor(samples n: Int) -> Double {
        switch reduction {
        case .mean: return 1 / Double(n)
        case .halfMean: return 0.5 / Double(n)
        case .sum: return 1
        case .halfSum: return 0.5
        }
    }

    /// Loss sums of outputs `f` (rows × k) against labels `y`; when `gradient`
    /// is given, writes ∂L/∂f = c·ℓ'(f) there with c = `factor`. Without
    /// `lossValue` the logistic loss itself is left out of the sums (its
    /// log1p is most of the cost, and a training step needs only ℓ′).
    func evaluate<T: BLASScalar>(_ f: UnsafePointer<T>, labels y: UnsafePointer<Double>, rows: Int,
                                 gradient: UnsafeMutablePointer<T>?, factor c: Double, lossValue: Bool = true) -> LossSums {
        var s = LossSums()
        s.samples = rows
        if kind == .crossEntropy {
            crossEntropy(f, y, rows, gradient, c, &s)
            return s
        }
        for i in 0..<rows {
            let fi = f[i].double, yi = y[i]
            if !fi.isFinite { s.finite = false; gradient?[i] = 0; continue }
            s.maxAbsOutput = max(s.maxAbsOutput, abs(fi))
            let z = yi * fi
            let l: Double, d: Double
            switch kind {
            case .logistic:
                // ℓ = log(1 + e^{−z}) = softplus(−z); −ℓ'(z) = 1/(1 + e^{z}).
                let sur = Self.sigmoid(-z)
                l = !lossValue ? 0 : z > 0 ? Double.log(onePlus: Double.exp(-z)) : -z + Double.log(onePlus: Double.exp(z))
                d = -yi * sur
                s.surrogate += sur
            case .exponential:
                l = Double.exp(-z)
                d = -yi * l
                s.surrogate += Self.sigmoid(-z)
            case .hinge:
                // Subgradient 0 at the kink z = 1.
                l = max(0, 1 - z)
                d = z < 1 ? -yi : 0
                s.surrogate += Self.sigmoid(-z)
            case .square:
                let r = fi - yi
                l = r * r
                d = 2 * r
                s.squaredError += r * r
                s.surrogate += Self.sigmoid(-z)
            case .crossEntropy:
                l = 0; d = 0
            }
            if z <= 0 { s.errors += 1 }
            s.loss += l
            if !l.isFinite { s.finite = false }
            gradient?[i] = T(c * d)
        }
        return s
    }

    private func crossEntropy<T: BLASScalar>(_ f: UnsafePointer<T>, _ y: UnsafePointer<Double>, _ rows: Int,
                                             _ gradient: UnsafeMutablePointer<T>?, _ c: Double, _ s: inout LossSums) {
        let k = outputs
        for i in 0..<rows {
            let row = f + i * k
            let label = Int(y[i])
            var top = -Double.infinity, arg = 0
            for j in 0..<k {
                let v = row[j].double
                if !v.isFinite { s.finite = false }
                s.maxAbsOutput = max(s.maxAbsOutput, abs(v))
                if v > top { top = v; arg = j }
            }
            if !s.finite || !top.isFinite { s.finite = false; continue }
            var sum = 0.0
            for j in 0..<k { sum += Double.exp(row[j].double - top) }
            let logZ = top + Double.log(sum)
            let py = Double.exp(row[label].double - logZ)
            s.loss += logZ - row[label].double
            s.surrogate += 1 - py
            if arg != label { s.errors += 1 }
            if let g = gradient {
                for j in 0..<k {
                    let p = Double.exp(row[j].double - logZ)
                    g[i * k + j] = T(c * (p - (j == label ? 1 : 0)))
                }
            }
        }
    }

    @inline(__always)
    static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + Double.exp(-z)) }
        let e = Double.exp(z)
        return e / (1 + e)
    }
}
