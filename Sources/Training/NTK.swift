import CBLAS

/// The empirical NTK Gram matrix at init and its extreme eigenvalues
/// (SCIENCE.md §6), recorded under `metrics: full` as `ntk_lambda_min`,
/// `ntk_lambda_max` and `ntk_samples`.
///
/// For a scalar output, K_ij = ⟨∇_θ f(x_i), ∇_θ f(x_j)⟩ over the trainable
/// parameters = Σ_l (Z_l Z_lᵀ) ∘ (H_{l−1} H_{l−1}ᵀ) (+ Z_l Z_lᵀ for a bias),
/// with Z_l = ∂f/∂z_l back-propagated from ∂f = 1 per sample — one forward and
/// one backward pass for all samples, no per-sample Jacobians. Accumulated
/// and diagonalised in float64 whatever the run's dtype. Uses the first
/// min(n_train, batch rows, 2048) training samples; skipped for k > 1 outputs.
struct NTKAtInit: MetricProbe {
    static let maxSamples = 2048

    mutating func atInit<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink) {
        guard run.net.outputs == 1, let (gram, n) = Self.gram(run) else { return }
        let eigen = Self.eigenvalues(gram, n)
        guard let lo = eigen.first, let hi = eigen.last else { return }
        sink.set("ntk_lambda_min", lo)
        sink.set("ntk_lambda_max", hi)
        sink.set("ntk_samples", Double(n))
    }

    /// K (n × n, row-major) at the network's current weights, and n.
    /// Overwrites the network's activation and gradient buffers.
    static func gram<T: BLASScalar>(_ run: TrialRun<T>) -> ([Double], Int)? {
        let net = run.net
        let n = min(run.nTrain, net.capacity, maxSamples), m = net.width
        guard n > 0 else { return nil }
        net.forward(run.trainInput.p, rows: n)
        var k = [Double](repeating: 0, count: n * n)
        func addProduct(_ a: UnsafePointer<T>, cols ca: Int, _ b: UnsafePointer<T>?, cols cb: Int, plusFirst: Bool) {
            // K += (A Aᵀ) ∘ (B Bᵀ) (B = nil: ∘ 1), plus A Aᵀ once more when a bias adds it.
            let aa = outer(a, rows: n, cols: ca)
            let bb = b.map { outer($0, rows: n, cols: cb) }
            for i in 0..<(n * n) { k[i] += aa[i] * (bb?[i] ?? 1) + (plusFirst ? aa[i] : 0) }
        }
        let hL = UnsafePointer(net.h[net.depth - 1].p)
        if net.output.trains {
            // ∂f/∂V = h_L: K += H_L H_Lᵀ (+ 1 for the output bias).
            let hh = outer(hL, rows: n, cols: m)
            let bias: Double = net.output.b != nil ? 1 : 0
            for i in 0..<(n * n) { k[i] += hh[i] + bias }
        }
        if net.lowestTrainable < net.depth {
            for i in 0..<n { net.df.p[i] = 1 }
            net.backward(run.trainInput.p, rows: n)
            for l in net.lowestTrainable..<net.depth where net.hidden[l].trains {
                let prev = l == 0 ? UnsafePointer(run.trainInput.p) : UnsafePointer(net.h[l - 1].p)
                let cols = l == 0 ? net.firstInputCols : m
                addProduct(UnsafePointer(net.z[l].p), cols: m, prev, cols: cols, plusFirst: net.hidden[l].b != nil)
            }
        }
        return (k, n)
    }

    /// A Aᵀ in float64 for A (rows × cols) in T.
    static func outer<T: BLASScalar>(_ a: UnsafePointer<T>, rows: Int, cols: Int) -> [Double] {
        let d = (0..<(rows * cols)).map { Double(a[$0]) }
        var out = [Double](repeating: 0, count: rows * rows)
        d.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                Double.gemm(transA: false, transB: true, m: rows, n: rows, k: cols, alpha: 1, a: p.baseAddress!, lda: cols,
                            b: p.baseAddress!, ldb: cols, beta: 0, c: o.baseAddress!, ldc: rows)
            }
        }
        return out
    }

    /// Eigenvalues of a symmetric matrix, ascending (LAPACK dsyev); empty on failure.
    static func eigenvalues(_ matrix: [Double], _ n: Int) -> [Double] {
        var a = matrix, w = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0, lwork: Int32 = -1
        var query = 0.0
        var jobz = Int8(UInt8(ascii: "N")), uplo = Int8(UInt8(ascii: "U"))
        dsyev_(&jobz, &uplo, &nn, &a, &lda, &w, &query, &lwork, &info)
        guard info == 0 else { return [] }
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: max(1, Int(lwork)))
        dsyev_(&jobz, &uplo, &nn, &a, &lda, &w, &work, &lwork, &info)
        return info == 0 ? w : []
    }
}
