/// The network family of SCIENCE.md §1 for one trial, with its per-batch
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
    /// Lowest hidden layer whose weights train (depth when none): backprop stops there.
    let lowestTrainable: Int

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
    func forward(_ input: UnsafePointer<T>, rows n: Int) {
        let m = width
        var prev = input, prevCols = firstInputCols
        for l in 0..<depth {
            let layer = hidden[l], zl = z[l].p, hl = h[l].p
            T.gemm(transA: false, transB: true, m: n, n: m, k: prevCols, alpha: 1, a: prev, lda: prevCols,
                   b: layer.w.p, ldb: prevCols, beta: 0, c: zl, ldc: m)
            if let b = layer.b { addRowVector(b.p, to: zl, rows: n, cols: m) }
            activation.apply(UnsafePointer(zl), hl, count: n * m)
            if residual[l] {
                let t = theta
                for i in 0..<(n * m) { hl[i] = prev[i] + t * hl[i] }
            }
            prev = UnsafePointer(hl)
            prevCols = m
        }
        let k = outputs
        if k == 1 {
            // A matrix–vector product: a plain loop beats a GEMM with N = 1.
            let v = output.w.p, c = output.b?.p[0] ?? 0
            for i in 0..<n {
                let row = prev + i * m
                var s: T = 0
                for j in 0..<m { s += row[j] * v[j] }
                f.p[i] = s + c
            }
        } else {
            T.gemm(transA: false, transB: true, m: n, n: k, k: m, alpha: 1, a: prev, lda: m,
                   b: output.w.p, ldb: m, beta: 0, c: f.p, ldc: k)
            if let b = output.b { addRowVector(b.p, to: f.p, rows: n, cols: k) }
        }
    }

    /// Gradients of every trainable layer from `df` = ∂L/∂f (rows × k), after
    /// `forward` on the same input. Overwrites z and h (they become ∂L/∂z and ∂L/∂h).
    func backward(_ input: UnsafePointer<T>, rows n: Int) {
        let m = width, k = outputs
        let hL = h[depth - 1].p
        if let gv = output.gw {
            T.gemm(transA: true, transB: false, m: k, n: m, k: n, alpha: 1, a: df.p, lda: k,
                   b: hL, ldb: m, beta: 0, c: gv.p, ldc: m)
            if let gb = output.gb { columnSums(df.p, rows: n, cols: k, into: gb.p) }
        }
        guard lowestTrainable < depth else { return }
        // ∂L/∂h_L into h_L's storage; it stays the running ∂L/∂h buffer below.
        let g = hL
        if k == 1 {
            let v = output.w.p
            for i in 0..<n {
                let d = df.p[i], row = g + i * m
                for j in 0..<m { row[j] = d * v[j] }
            }
        } else {
            T.gemm(transA: false, transB: false, m: n, n: m, k: k, alpha: 1, a: df.p, lda: k,
                   b: output.w.p, ldb: m, beta: 0, c: g, ldc: m)
        }
        for l in stride(from: depth - 1, through: lowestTrainable, by: -1) {
            let layer = hidden[l], dz = z[l].p
            let prev: UnsafePointer<T> = l == 0 ? input : UnsafePointer(h[l - 1].p)
            let prevCols = l == 0 ? firstInputCols : m
            activation.backward(UnsafePointer(dz), UnsafePointer(g), dz, count: n * m, scale: residual[l] ? theta : 1)
            if let gw = layer.gw {
                T.gemm(transA: true, transB: false, m: m, n: prevCols, k: n, alpha: 1, a: dz, lda: m,
                       b: prev, ldb: prevCols, beta: 0, c: gw.p, ldc: prevCols)
                if let gb = layer.gb { columnSums(dz, rows: n, cols: m, into: gb.p) }
            }
            if l > lowestTrainable {
                // ∂L/∂h_{l−1} = dz·W_l (+ ∂L/∂h_l through the skip connection).
                T.gemm(transA: false, transB: false, m: n, n: m, k: m, alpha: 1, a: dz, lda: m,
                       b: layer.w.p, ldb: m, beta: residual[l] ? 1 : 0, c: g, ldc: m)
            }
        }
    }

    private func addRowVector(_ b: UnsafePointer<T>, to x: UnsafeMutablePointer<T>, rows: Int, cols: Int) {
        for i in 0..<rows {
            let row = x + i * cols
            for j in 0..<cols { row[j] += b[j] }
        }
    }

    private func columnSums(_ x: UnsafePointer<T>, rows: Int, cols: Int, into out: UnsafeMutablePointer<T>) {
        out.update(repeating: 0, count: cols)
        for i in 0..<rows {
            let row = x + i * cols
            for j in 0..<cols { out[j] += row[j] }
        }
    }
}
