import TrialContract

/// The network family of docs/science.md §1 for one trial, with its per-batch
/// buffers. Samples are rows: activations are (rows × m) matrices, so every
/// layer is one GEMM over the whole batch.
///
///   input  trainable: h₁ = φ(W₁x + b₁), W₁ ∈ ℝ^{m×d′} (counts as hidden layer 1)
///          fixed:     h₀ = A x, A ∈ ℝ^{m×d′} fixed (precomputed once per data set),
///                     then L hidden m × m layers
///   hidden plain h_l = φ(W_l h_{l−1} + b_l), or residual h_l = h_{l−1} + θ·φ(W_l h_{l−1} + b_l)
///          (residual only where h_{l−1} ∈ ℝ^m, i.e. not the trainable first layer)
///   output f = V h_L + c, V ∈ ℝ^{k×m} (c only when the output trains and biases are on)
///
/// float32 at large width: the weights W themselves are stored and updated
/// (not the displacement W − W(0)). An update smaller than half an ulp of W
/// (≈ 6e-8·|W| in float32) is lost, as in any plain float32 trainer; use
/// float64 (the default) when η·∇L ≪ |W|, e.g. lazy-regime sweeps with η = η₀/m
/// at large m. ‖W − W(0)‖ is measured against the stored W(0) in either dtype.
final class Network<T: BLASScalar> {
    let width: Int
    let depth: Int
    let outputs: Int
    let inputDim: Int
    /// Columns of the matrix fed to hidden layer 1: d′ (trainable input) or m (fixed embedding).
    let firstInputCols: Int
    let embedding: DenseLayer<T>?
    let hidden: [DenseLayer<T>]
    let residual: [Bool]
    let theta: T
    let output: DenseLayer<T>
    let activation: Activation
    /// Rows the buffers hold (n for GD, B for SGD).
    let capacity: Int
    /// Pre-activations z_l and activations h_l (capacity × m each), reused as
    /// gradient storage by the backward pass.
    let z: [Buffer<T>]
    let h: [Buffer<T>]
    let f: Buffer<T>
    let df: Buffer<T>
    /// Per-chunk partial sums of the scalar output's weight gradient (≤ 8 chunks × m).
    let outputPartials: Buffer<T>
    /// Lowest hidden layer whose weights train (depth when none): backprop stops there.
    let lowestTrainable: Int
    /// Threads for this network's row chunks (1 inside a shard trained one network per thread).
    var parallel = Parallel.serial

    init(config c: TrialConfig, inputDim: Int, capacity: Int) throws {
        let m = c.width, k = c.outputs
        let (trainsHidden, trainsOutput) = try c.trainableLayers()
        let vars = InitVariances(c, inputDim: inputDim)
        let momentum = c.momentum > 0
        width = m
        depth = c.depth
        outputs = k
        self.inputDim = inputDim
        self.capacity = capacity
        theta = T(c.theta)
        activation = Activation(c)

        func gaussian(_ name: String, _ rows: Int, _ cols: Int, variance: Double) -> [Double] {
            var rng = RandomStream(seed: c.seed, purpose: "init/" + name, rows, cols)
            let sd = variance.squareRoot()
            return (0..<(rows * cols)).map { _ in sd * rng.gaussian() }
        }
        func bias(_ name: String, _ n: Int) -> [Double]? {
            guard c.bias else { return nil }
            guard c.biasInitStd > 0 else { return [Double](repeating: 0, count: n) }
            var rng = RandomStream(seed: c.seed, purpose: "init/" + name + "/bias", n)
            return (0..<n).map { _ in c.biasInitStd * rng.gaussian() }
        }

        if c.inputLayer == .fixed {
            embedding = DenseLayer(name: "embedding", rows: m, cols: inputDim, trains: false,
                                   weights: gaussian("embedding", m, inputDim, variance: vars.input), bias: nil, momentum: false)
            firstInputCols = m
        } else {
            embedding = nil
            firstInputCols = inputDim
        }
        var layers = [DenseLayer<T>](), res = [Bool]()
        for l in 0..<c.depth {
            let cols = l == 0 ? firstInputCols : m
            let variance = (l == 0 && c.inputLayer == .trainable) ? vars.input : vars.hidden
            let name = "hidden\(l + 1)"
            layers.append(DenseLayer(name: name, rows: m, cols: cols, trains: trainsHidden[l],
                                     weights: gaussian(name, m, cols, variance: variance),
                                     bias: bias(name, m), momentum: momentum))
            res.append(c.residual && cols == m)
        }
        hidden = layers
        residual = res
        let outWeights: [Double]
        switch c.outputLayer {
        case .trainable, .fixedGaussian:
            outWeights = gaussian("output", k, m, variance: vars.output)
        case .fixedSign:
            let a = vars.output.squareRoot()
            outWeights = (0..<(k * m)).map { ($0 % m) < m / 2 ? a : -a }
        }
        output = DenseLayer(name: "output", rows: k, cols: m, trains: trainsOutput, weights: outWeights,
                            bias: trainsOutput ? bias("output", k) : nil, momentum: momentum)
        z = (0..<c.depth).map { _ in Buffer(capacity * m) }
        h = (0..<c.depth).map { _ in Buffer(capacity * m) }
        f = Buffer(capacity * k)
        df = Buffer(capacity * k)
        outputPartials = Buffer(k == 1 ? 8 * m : 0)
        lowestTrainable = trainsHidden.firstIndex(of: true) ?? c.depth
    }

    /// Every layer with parameters, input side first.
    var layers: [DenseLayer<T>] { (embedding.map { [$0] } ?? []) + hidden + [output] }
    var trainableLayers: [DenseLayer<T>] { layers.filter(\.trains) }

    /// Maps raw inputs (rows × d′) to what hidden layer 1 reads: themselves, or A·x.
    func embed(_ x: Buffer<T>, rows: Int) -> Buffer<T> {
        guard let a = embedding else { return x }
        let out = Buffer<T>(rows * width)
        if rows > 0 {
            T.gemm(transA: false, transB: true, m: rows, n: width, k: inputDim, alpha: 1, a: x.p, lda: inputDim,
                   b: a.w.p, ldb: inputDim, beta: 0, c: out.p, ldc: width)
        }
        return out
    }

    /// f = network(input) for `rows` ≤ capacity rows of `input` (rows × firstInputCols).
    /// Each layer is one pass over row chunks: GEMM rows, bias, φ, skip link
    /// (and, after the last layer, the scalar output) while the rows are in cache.
    func forward(_ input: UnsafePointer<T>, rows n: Int) {
        let m = width, k = outputs
        var prev = input, prevCols = firstInputCols
        for l in 0..<depth {
            let layer = hidden[l], zl = z[l].p, hl = h[l].p
            let x = prev, xCols = prevCols, skip = residual[l], t = theta, act = activation
            let scalarOut = l == depth - 1 && k == 1
            let v = output.w.p, c0 = output.b?.p[0] ?? 0, fp = f.p
            let chunks = Chunking.gemm(rows: n, m, xCols)
            parallel.run(chunks.count) { c in
                let r = chunks.range(c, rows: n)
                guard !r.isEmpty else { return }
                let off = r.lowerBound
                T.gemm(transA: false, transB: true, m: r.count, n: m, k: xCols, alpha: 1, a: x + off * xCols, lda: xCols,
                       b: layer.w.p, ldb: xCols, beta: 0, c: zl + off * m, ldc: m)
                if let b = layer.b { Self.addRowVector(b.p, to: zl + off * m, rows: r.count, cols: m) }
                // Row by row, so each row is still in L1 for the skip link and the output.
                for i in r {
                    let zi = zl + i * m, hi = hl + i * m, xi = x + i * m
                    act.apply(UnsafePointer(zi), hi, count: m)
                    if skip {
                        for j in 0..<m { hi[j] = xi[j] + t * hi[j] }
                    }
                    if scalarOut { fp[i] = Kernels.dot(UnsafePointer(hi), v, m) + c0 }
                }
            }
            prev = UnsafePointer(hl)
            prevCols = m
        }
        if k > 1 {
            T.gemm(transA: false, transB: true, m: n, n: k, k: m, alpha: 1, a: prev, lda: m,
                   b: output.w.p, ldb: m, beta: 0, c: f.p, ldc: k)
            if let b = output.b { Self.addRowVector(b.p, to: f.p, rows: n, cols: k) }
        }
    }

    /// Gradients of every trainable layer from `df` = ∂L/∂f (rows × k), after
    /// `forward` on the same input. Overwrites z and h: z_l becomes ∂L/∂z_l and
    /// h_L's storage holds the running ∂L/∂h (no extra buffers).
    func backward(_ input: UnsafePointer<T>, rows n: Int) {
        let m = width, k = outputs
        let g = h[depth - 1].p
        let act = activation, v = output.w.p, dfp = df.p
        let zL = z[depth - 1].p, scale = residual[depth - 1] ? theta : 1
        let trainsHidden = lowestTrainable < depth
        if k == 1 {
            // One pass over the rows of h_L and z_L: the output gradient Σᵢ dfᵢ·h_i
            // (partial sums per chunk, added in chunk order: deterministic), then
            // h_L's row becomes ∂L/∂h_L = dfᵢ·v and z_L's row ∂L/∂z_L.
            let chunks = Chunking.elementwise(rows: n, cols: m)
            let partial = outputPartials.p, gv = output.gw?.p
            parallel.run(chunks.count) { c in
                let r = chunks.range(c, rows: n)
                let acc = partial + c * m
                acc.update(repeating: 0, count: m)
                for i in r {
                    let d = dfp[i], row = g + i * m
                    if gv != nil { for j in 0..<m { acc[j] += d * row[j] } }
                    if trainsHidden {
                        for j in 0..<m { row[j] = d * v[j] }
                        act.backward(UnsafePointer(zL + i * m), UnsafePointer(row), zL + i * m, count: m, scale: scale)
                    }
                }
            }
            if let gv {
                gv.update(repeating: 0, count: m)
                for c in 0..<chunks.count {
                    let acc = partial + c * m
                    for j in 0..<m { gv[j] += acc[j] }
                }
            }
            if let gb = output.gb {
                var s: T = 0
                for i in 0..<n { s += dfp[i] }
                gb.p[0] = s
            }
            guard trainsHidden else { return }
        } else {
            if let gv = output.gw {
                T.gemm(transA: true, transB: false, m: k, n: m, k: n, alpha: 1, a: df.p, lda: k,
                       b: g, ldb: m, beta: 0, c: gv.p, ldc: m)
                if let gb = output.gb { Self.columnSums(df.p, rows: n, cols: k, into: gb.p) }
            }
            guard trainsHidden else { return }
            // ∂L/∂h_L = df·V, then ∂L/∂z_L, row chunk by row chunk.
            let chunks = Chunking.elementwise(rows: n, cols: m)
            parallel.run(chunks.count) { c in
                let r = chunks.range(c, rows: n)
                guard !r.isEmpty else { return }
                let off = r.lowerBound
                T.gemm(transA: false, transB: false, m: r.count, n: m, k: k, alpha: 1, a: dfp + off * k, lda: k,
                       b: v, ldb: m, beta: 0, c: g + off * m, ldc: m)
                act.backward(UnsafePointer(zL + off * m), UnsafePointer(g + off * m), zL + off * m,
                             count: r.count * m, scale: scale)
            }
        }
        for l in stride(from: depth - 1, through: lowestTrainable, by: -1) {
            let layer = hidden[l], dz = z[l].p
            let prev: UnsafePointer<T> = l == 0 ? input : UnsafePointer(h[l - 1].p)
            let prevCols = l == 0 ? firstInputCols : m
            if let gw = layer.gw {
                // ∂L/∂W_l = dzᵀ·h_{l−1}, split by output rows (each entry sums over all n samples).
                let chunks = Chunking.gemm(rows: m, prevCols, n)
                parallel.run(chunks.count) { c in
                    let r = chunks.range(c, rows: m)
                    guard !r.isEmpty else { return }
                    T.gemm(transA: true, transB: false, m: r.count, n: prevCols, k: n, alpha: 1, a: dz + r.lowerBound, lda: m,
                           b: prev, ldb: prevCols, beta: 0, c: gw.p + r.lowerBound * prevCols, ldc: prevCols)
                }
                if let gb = layer.gb { Self.columnSums(dz, rows: n, cols: m, into: gb.p) }
            }
            if l > lowestTrainable {
                // ∂L/∂h_{l−1} = dz·W_l (+ ∂L/∂h_l through the skip link), then ∂L/∂z_{l−1}.
                let below = z[l - 1].p, beta: T = residual[l] ? 1 : 0, scale = residual[l - 1] ? theta : 1
                let chunks = Chunking.gemm(rows: n, m, m)
                parallel.run(chunks.count) { c in
                    let r = chunks.range(c, rows: n)
                    guard !r.isEmpty else { return }
                    let off = r.lowerBound
                    T.gemm(transA: false, transB: false, m: r.count, n: m, k: m, alpha: 1, a: dz + off * m, lda: m,
                           b: layer.w.p, ldb: m, beta: beta, c: g + off * m, ldc: m)
                    act.backward(UnsafePointer(below + off * m), UnsafePointer(g + off * m), below + off * m,
                                 count: r.count * m, scale: scale)
                }
            }
        }
    }

    /// One optimiser step on every trainable layer (elementwise, in row chunks).
    func update(lr: T, momentum: T, weightDecay: T) {
        for layer in trainableLayers {
            let chunks = Chunking.elementwise(rows: layer.rows, cols: layer.cols)
            parallel.run(chunks.count) { c in
                let r = chunks.range(c, rows: layer.rows)
                guard !r.isEmpty else { return }
                layer.update(rows: r, lr: lr, momentum: momentum, weightDecay: weightDecay)
            }
        }
    }

    private static func addRowVector(_ b: UnsafePointer<T>, to x: UnsafeMutablePointer<T>, rows: Int, cols: Int) {
        for i in 0..<rows {
            let row = x + i * cols
            for j in 0..<cols { row[j] += b[j] }
        }
    }

    private static func columnSums(_ x: UnsafePointer<T>, rows: Int, cols: Int, into out: UnsafeMutablePointer<T>) {
        out.update(repeating: 0, count: cols)
        for i in 0..<rows {
            let row = x + i * cols
            for j in 0..<cols { out[j] += row[j] }
        }
    }
}
