import Foundation
import TrialContract

/// `metrics: full`: spectral norms ‖W_l − W_l(0)‖₂ of every trainable layer
/// (weights only), by power iteration on ΔWᵀΔW warm-started from the previous
/// evaluation. O(iterations · parameters) each time, so evaluated only at
/// decade steps (1, 10, 100, …), the config's named steps and the end.
/// Curves and final metrics `dist_from_init_spectral_<layer>`.
struct SpectralNormProbe: MetricProbe {
    /// Warm starts, by layer name.
    private var vectors: [String: [Double]] = [:]

    mutating func atRecord<T: BLASScalar>(_ run: TrialRun<T>, step: Int, _ sink: inout MetricSink) {
        guard step > 0, Self.isDecade(step) || run.config.namedSteps.contains(step) else { return }
        measure(run, step: step, &sink)
    }

    mutating func atEnd<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink) {
        let last = sink.curves[Metric.trainLoss.name]?.steps.last ?? 0
        if sink.curves.first(where: { LayerMetric.parse($0.key)?.metric == .distFromInitSpectral })?.value.steps.last == last { return }
        measure(run, step: last, &sink)
    }

    static func isDecade(_ step: Int) -> Bool {
        var s = step
        while s % 10 == 0 && s > 1 { s /= 10 }
        return s == 1
    }

    private mutating func measure<T: BLASScalar>(_ run: TrialRun<T>, step: Int, _ sink: inout MetricSink) {
        for layer in run.net.trainableLayers {
            guard let w0 = layer.w0 else { continue }
            let name = LayerMetric.distFromInitSpectral.name(layer: layer.name)
            var v = vectors[layer.name] ?? Self.startVector(layer.cols)
            let sigma = Self.spectralNorm(rows: layer.rows, cols: layer.cols, v: &v) { i, j in
                layer.w.p[i * layer.cols + j].double - w0.p[i * layer.cols + j].double
            }
            vectors[layer.name] = v
            sink.put(name, step: step, sigma)
        }
    }

    /// A fixed, generic start (not orthogonal to any particular singular vector).
    static func startVector(_ n: Int) -> [Double] {
        (0..<n).map { 1 + 0.5 * sin(Double($0) * 1.618) }
    }

    /// Largest singular value of the rows × cols matrix with entries `entry(i, j)`:
    /// power iteration v ← AᵀAv/‖AᵀAv‖ until σ changes by < 1e-9 relative (at
    /// most `maxIterations`). The matrix is materialised once in Double so each
    /// iteration is two BLAS matrix–vector products.
    static func spectralNorm(rows: Int, cols: Int, v: inout [Double], maxIterations: Int = 300,
                             entry: (Int, Int) -> Double) -> Double {
        var a = [Double](repeating: 0, count: rows * cols)
        for i in 0..<rows { for j in 0..<cols { a[i * cols + j] = entry(i, j) } }
        if v.count != cols { v = startVector(cols) }
        var u = [Double](repeating: 0, count: rows)
        var sigma = 0.0
        for _ in 0..<maxIterations {
            let vn = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard vn > 0 else { return 0 }
            for j in 0..<cols { v[j] /= vn }
            Double.gemm(transA: false, transB: false, m: rows, n: 1, k: cols, alpha: 1, a: a, lda: cols,
                        b: v, ldb: 1, beta: 0, c: &u, ldc: 1)
            let next = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            Double.gemm(transA: true, transB: false, m: cols, n: 1, k: rows, alpha: 1, a: a, lda: cols,
                        b: u, ldb: 1, beta: 0, c: &v, ldc: 1)
            if next == 0 { return 0 }
            let done = abs(next - sigma) <= 1e-9 * next
            sigma = next
            if done { break }
        }
        return sigma
    }
}

/// `metrics: full`: fraction of hidden units whose activation pattern
/// (z > 0) on the training set differs from the one at initialisation, per
/// hidden layer (`act_flip_frac_<layer>`) and over all of them
/// (`act_flip_frac`). One extra forward pass over the training set per
/// recorded step; n·m·L bytes of stored signs.
struct ActivationFlipProbe: MetricProbe {
    private var initial: [[Bool]] = []

    mutating func atInit<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink) {
        initial = Self.patterns(run)
    }

    mutating func atRecord<T: BLASScalar>(_ run: TrialRun<T>, step: Int, _ sink: inout MetricSink) {
        guard !initial.isEmpty else { return }
        let now = Self.patterns(run)
        var flipped = 0, total = 0
        for (l, (a, b)) in zip(initial, now).enumerated() {
            var f = 0
            for i in 0..<a.count where a[i] != b[i] { f += 1 }
            flipped += f
            total += a.count
            sink.put(LayerMetric.actFlipFrac.name(layer: run.net.hidden[l].name), step: step, Double(f) / Double(max(1, a.count)))
        }
        sink.put(.actFlipFrac, step: step, Double(flipped) / Double(max(1, total)))
    }

    /// z_l > 0 for every training sample and unit of every hidden layer,
    /// forwarded in chunks of the network's buffer capacity.
    static func patterns<T: BLASScalar>(_ run: TrialRun<T>) -> [[Bool]] {
        let net = run.net, m = net.width, n = run.nTrain, cols = net.firstInputCols
        var out = [[Bool]](repeating: [], count: net.depth)
        for l in 0..<net.depth { out[l].reserveCapacity(n * m) }
        var start = 0
        while start < n {
            let rows = min(net.capacity, n - start)
            net.forward(run.trainInput.p + start * cols, rows: rows)
            for l in 0..<net.depth {
                let z = net.positiveWhereZIs(l)
                for i in 0..<(rows * m) { out[l].append(z[i] > 0) }
            }
            start += rows
        }
        return out
    }
}

/// `metrics: full`: separation of the training inputs as the network sees
/// them (after a bias coordinate): `data_delta` = min_{i≠j} ‖x_i − x_j‖
/// ([GLL24]'s δ) and, for classification, `data_phi` = the minimum over
/// pairs of different labels ([ZCZG18]'s φ). O(n² d) once.
struct DataSeparationProbe: MetricProbe {
    mutating func atInit<T: BLASScalar>(_ run: TrialRun<T>, _ sink: inout MetricSink) {
        let train = run.split.train
        let (delta, phi) = DataStatistics.separation(points: train.x, dim: train.dim, labels: train.y)
        sink.set(.dataDelta, delta)
        if !run.regression { sink.set(.dataPhi, phi) }
    }
}
