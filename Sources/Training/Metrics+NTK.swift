import Foundation
import TrialContract

/// The empirical neural tangent kernel K(x, x') = Σ_θ ∂f(x)/∂θ · ∂f(x')/∂θ of a
/// scalar-output network over its trainable parameters, in float64 whatever
/// the training dtype (docs/science.md §6).
///
/// No per-sample Jacobians: for a weight layer z_l = W_l h_{l−1} + b_l,
/// ∂f/∂W_l = δ_l h_{l−1}ᵀ with δ_l = ∂f/∂z_l, so its block of the kernel is
/// (Δ_l Δ_lᵀ) ∘ (H_{l−1} H_{l−1}ᵀ + 1) (the + 1 only with a bias), where the
/// rows of Δ_l and H_{l−1} are the samples; the output layer adds
/// H_L H_Lᵀ (+ 1 with an output bias). Cost O(L n² m) in GEMMs plus the
/// n × n eigen-decomposition; memory 2 L n m + n² doubles.
enum EmpiricalNTK {
    /// The n × n Gram matrix (row-major) of `net` at its current weights on the
    /// first `n` rows of `input` (rows × firstInputCols: raw x, or A·x under a
    /// fixed embedding). nil for a network with several outputs.
    static func gram<T: BLASScalar>(_ net: Network<T>, input: UnsafePointer<T>, rows n: Int) -> [Double]? {
        guard net.outputs == 1, n > 0 else { return nil }
        let m = net.width, depth = net.depth
        let d0 = net.firstInputCols
        let h0 = (0..<(n * d0)).map { input[$0].double }
        // Forward in float64, keeping every pre-activation z_l and activation h_l.
        var zs = [[Double]](), hs = [[Double]]()
        var prev = h0, prevCols = d0
        for l in 0..<depth {
            let layer = net.hidden[l]
            let w = layer.w.array.map(Double.init)
            var z = [Double](repeating: 0, count: n * m)
            Double.gemm(transA: false, transB: true, m: n, n: m, k: prevCols, alpha: 1, a: prev, lda: prevCols,
                        b: w, ldb: prevCols, beta: 0, c: &z, ldc: m)
            if let b = layer.b {
                for i in 0..<n { for j in 0..<m { z[i * m + j] += b.p[j].double } }
            }
            var h = [Double](repeating: 0, count: n * m)
            z.withUnsafeBufferPointer { zp in
                h.withUnsafeMutableBufferPointer { hp in
                    net.activation.apply(zp.baseAddress!, hp.baseAddress!, count: n * m)
                }
            }
            if net.residual[l] {
                let t = net.theta.double
                for i in 0..<(n * m) { h[i] = prev[i] + t * h[i] }
            }
            zs.append(z)
            hs.append(h)
            prev = h
            prevCols = m
        }

        var k = [Double](repeating: 0, count: n * n)
        /// k += (A Aᵀ) ∘ (B Bᵀ + c), A: n × a, B: n × b.
        func addBlock(_ a: [Double], _ aCols: Int, _ b: [Double]?, _ bCols: Int, plus c: Double) {
            var ga = [Double](repeating: 0, count: n * n)
            Double.gemm(transA: false, transB: true, m: n, n: n, k: aCols, alpha: 1, a: a, lda: aCols,
                        b: a, ldb: aCols, beta: 0, c: &ga, ldc: n)
            guard let b else {
                for i in 0..<(n * n) { k[i] += ga[i] }
                return
            }
            var gb = [Double](repeating: 0, count: n * n)
            Double.gemm(transA: false, transB: true, m: n, n: n, k: bCols, alpha: 1, a: b, lda: bCols,
                        b: b, ldb: bCols, beta: 0, c: &gb, ldc: n)
            for i in 0..<(n * n) { k[i] += ga[i] * (gb[i] + c) }
        }

        // Output layer f = V h_L + c: ∂f/∂V = h_L, ∂f/∂c = 1.
        let v = net.output.w.array.map(Double.init)
        if net.output.trains {
            addBlock(hs[depth - 1], m, nil, 0, plus: 0)
            if net.output.b != nil { for i in 0..<(n * n) { k[i] += 1 } }
        }
        guard net.lowestTrainable < depth else { return k }

        // Backward: g = ∂f/∂h_l for every sample, δ_l = ∂f/∂z_l.
        var g = [Double](repeating: 0, count: n * m)
        for i in 0..<n { for j in 0..<m { g[i * m + j] = v[j] } }
        for l in stride(from: depth - 1, through: net.lowestTrainable, by: -1) {
            let layer = net.hidden[l]
            var delta = [Double](repeating: 0, count: n * m)
            let scale = net.residual[l] ? net.theta.double : 1
            zs[l].withUnsafeBufferPointer { zp in
                g.withUnsafeBufferPointer { gp in
                    delta.withUnsafeMutableBufferPointer { dp in
                        net.activation.backward(zp.baseAddress!, gp.baseAddress!, dp.baseAddress!, count: n * m, scale: scale)
                    }
                }
            }
            if layer.trains {
                let below = l == 0 ? h0 : hs[l - 1]
                addBlock(delta, m, below, l == 0 ? d0 : m, plus: layer.b != nil ? 1 : 0)
            }
            if l > net.lowestTrainable {
                // ∂f/∂h_{l−1} = δ_l W_l (+ ∂f/∂h_l through the skip link).
                let w = layer.w.array.map(Double.init)
                var next = net.residual[l] ? g : [Double](repeating: 0, count: n * m)
                Double.gemm(transA: false, transB: false, m: n, n: m, k: m, alpha: 1, a: delta, lda: m,
                            b: w, ldb: m, beta: 1, c: &next, ldc: m)
                g = next
            }
        }
        return k
    }
}

/// `metrics: full`: λ_min and λ_max of the empirical NTK Gram matrix at
/// initialisation on the training set (at most `maxSamples` of it: the
/// eigen-decomposition is O(n³)). Metrics `ntk_lambda_min`, `ntk_lambda_max`,
/// `ntk_samples` (rows used; a principal submatrix has λ_min ≥ the full one's).
/// Scalar-output networks only.
struct NTKSpectrumProbe: MetricProbe {
    static let maxSamples = 2048

    mutating func atInit<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink) {
        let n = min(run.nTrain, Self.maxSamples)
        guard let k = EmpiricalNTK.gram(run.net, input: run.trainInput.p, rows: n),
              let eig = try? SymmetricEigen.eigenvalues(of: k, n: n), let lo = eig.first, let hi = eig.last else { return }
        sink.set(.ntkLambdaMin, lo)
        sink.set(.ntkLambdaMax, hi)
        sink.set(.ntkSamples, Double(n))
    }
}
