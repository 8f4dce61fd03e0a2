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
    /// gradient storage by the backward pass. Under ReLU (no skip link) the
    /// forward pass writes h only: h > 0 exactly where z > 0, which is all the
    /// backward pass needs, and z_l's buffer only holds ∂L/∂z_l.
    let z: [Buffer<T>]
    let h: [Buffer<T>]
    let f: Buffer<T>
    let df: Buffer<T>
    /// Per-chunk partial sums of the scalar output's weight gradient (≤ 8 chunks × m).
    let outputPartials: Buffer<T>
    /// A hidden layer's Wᵀ packed for the product kernels (re-packed at each
    /// layer of each forward pass; sized for the largest layer).
    let packedWeights: Buffer<T>
    /// Layers whose forward pass may write h only (see `z`).
    private let hOnlyByShape: [Bool]
    /// Every forward pass writes z as well (for a caller that reads z itself).
    var keepsPreActivations = false
    /// Layers whose forward pass writes h only.
    var hOnly: [Bool] { keepsPreActivations ? hOnlyByShape.map { _ in false } : hOnlyByShape }
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
        packedWeights = Buffer(hidden.map { T.packedCount(k: $0.cols, n: $0.rows) }.max() ?? 0)
        let act = activation
        hOnlyByShape = res.map { skip in !skip && (act.forwardSlopes() as Slopes<T>?)?.keepsSign == true }
        self.layers = (embedding.map { [$0] } ?? []) + hidden + [output]
        trainableLayers = self.layers.filter(\.trains)
    }

    /// The buffer whose entries are > 0 exactly where z_l > 0 after `forward`.
    func positiveWhereZIs(_ l: Int) -> UnsafePointer<T> { UnsafePointer(hOnly[l] ? h[l].p : z[l].p) }

    /// Every layer with parameters, input side first (built once: the step loop reads them).
    let layers: [DenseLayer<T>]
    let trainableLayers: [DenseLayer<T>]

    /// Maps raw inputs (rows × d′) to what hidden layer 1 reads: themselves, or A·x.
    func embed(_ x: Buffer<T>, rows: Int) -> Buffer<T> {
        guard let a = embedding else { return x }
        let out = Buffer<T>(rows * width)
        Product(m: rows, n: width, k: inputDim, a: x.p, rsa: inputDim, csa: 1, b: a.w.p, rsb: 1, csb: inputDim,
                c: out.p, ldc: width).run()
        return out
    }

    /// f = network(input) for `rows` ≤ capacity rows of `input` (rows × firstInputCols).
    /// Each layer is one pass over row chunks: the product with bias and φ in
    /// its epilogue (or φ and the skip link after it), then the scalar output,
    /// while the rows are in cache.
    func forward(_ input: UnsafePointer<T>, rows n: Int) {
        let m = width, k = outputs
        var prev = input, prevCols = firstInputCols
        for l in 0..<depth {
            let layer = hidden[l], zl = z[l].p, hl = h[l].p
            let x = prev, xCols = prevCols, skip = residual[l], t = theta, act = activation
            let scalarOut = l == depth - 1 && k == 1
            let v = output.w.p, c0 = output.b?.p[0] ?? 0, fp = f.p
            // Wᵀ once for all row chunks: B(k, j) = W[j, k].
            T.pack(k: xCols, n: m, b: layer.w.p, rsb: 1, csb: xCols, into: packedWeights.p)
            let packed = UnsafePointer(packedWeights.p)
            let fused: Slopes<T>? = skip ? nil : act.forwardSlopes()
            let out = hOnly[l] ? hl : zl
            let bias = layer.b.map { UnsafePointer($0.p) }
            let chunks = Chunking.gemm(rows: n, m, xCols)
            parallel.run(chunks.count) { c in
                let r = chunks.range(c, rows: n)
                guard !r.isEmpty else { return }
                let off = r.lowerBound
                Product(m: r.count, n: m, k: xCols, a: x + off * xCols, rsa: xCols, csa: 1, packed: packed,
                        c: out + off * m, ldc: m,
                        epilogue: .forward(bias: bias, out: fused == nil ? nil : hl + off * m, ldo: m, fused ?? .identity)).run()
                if fused == nil {
                    for i in r {
                        let zi = zl + i * m, hi = hl + i * m, xi = x + i * m
                        act.apply(UnsafePointer(zi), hi, count: m)
                        if skip {
                            for j in 0..<m { hi[j] = xi[j] + t * hi[j] }
                        }
                    }
                }
                if scalarOut { T.rowDots(rows: r.count, m: m, h: hl + off * m, ldh: m, v: v, c0: c0, into: fp + off) }
            }
            prev = UnsafePointer(hl)
            prevCols = m
        }
        if k > 1 {
            Product(m: n, n: k, k: m, a: prev, rsa: m, csa: 1, b: output.w.p, rsb: 1, csb: m, c: f.p, ldc: k,
                    epilogue: .forward(bias: output.b.map { UnsafePointer($0.p) }, out: nil, ldo: k, .identity)).run()
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
        let topSlopes: Slopes<T>? = act.backwardSlopes(scale: scale)
        if k == 1 {
            // One pass over the rows of h_L and z_L: the output gradient Σᵢ dfᵢ·h_i
            // (partial sums per chunk, added in chunk order: deterministic), then
            // ∂L/∂h_L = dfᵢ·v (kept in h_L's row where the skip link or φ′ needs it)
            // and z_L's row ∂L/∂z_L.
            let chunks = Chunking.elementwise(rows: n, cols: m)
            let partial = outputPartials.p, gv = output.gw?.p
            let keepDH = residual[depth - 1] || topSlopes == nil
            let topOnlyH = hOnly[depth - 1]
            parallel.run(chunks.count) { c in
                let r = chunks.range(c, rows: n)
                let acc = partial + c * m
                acc.update(repeating: 0, count: m)
                guard !r.isEmpty else { return }
                let off = r.lowerBound
                T.outputBackward(rows: r.count, m: m, df: dfp + off, h: g + off * m, ldh: m, v: v,
                                 gv: gv == nil ? nil : acc, dhIntoH: trainsHidden && keepDH,
                                 z: trainsHidden && topSlopes != nil ? zL + off * m : nil, ldz: m,
                                 slopes: topSlopes ?? .identity, maskFromH: topOnlyH)
                if trainsHidden && topSlopes == nil {
                    act.backward(UnsafePointer(zL + off * m), UnsafePointer(g + off * m), zL + off * m,
                                 count: r.count * m, scale: scale)
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
                Product(m: k, n: m, k: n, a: df.p, rsa: 1, csa: k, b: g, rsb: m, csb: 1, c: gv.p, ldc: m).run()
                if let gb = output.gb { T.columnSums(df.p, rows: n, cols: k, ld: k, into: gb.p) }
            }
            guard trainsHidden else { return }
            // ∂L/∂h_L = df·V, then ∂L/∂z_L, row chunk by row chunk. (ReLU: the mask is h_L,
            // read before the product overwrites it only when φ′ is not fused.)
            // With h_L as the mask, ∂L/∂h_L goes straight to z_L's buffer (nothing else needs it:
            // no skip link there) so that the product never overwrites its own mask.
            let topMask = positiveWhereZIs(depth - 1), dh = hOnly[depth - 1] ? zL : g
            let chunks = Chunking.elementwise(rows: n, cols: m)
            parallel.run(chunks.count) { c in
                let r = chunks.range(c, rows: n)
                guard !r.isEmpty else { return }
                let off = r.lowerBound
                let epilogue: Product<T>.Epilogue = topSlopes.map { .backward(out: zL + off * m, mask: topMask + off * m, ld: m, $0) } ?? .store
                Product(m: r.count, n: m, k: k, a: dfp + off * k, rsa: k, csa: 1, b: v, rsb: m, csb: 1,
                        c: dh + off * m, ldc: m, epilogue: epilogue).run()
                if topSlopes == nil {
                    act.backward(UnsafePointer(zL + off * m), UnsafePointer(g + off * m), zL + off * m,
                                 count: r.count * m, scale: scale)
                }
            }
        }
        for l in stride(from: depth - 1, through: lowestTrainable, by: -1) {
            let layer = hidden[l], dz = z[l].p
            let prev: UnsafePointer<T> = l == 0 ? input : UnsafePointer(h[l - 1].p)
            let prevCols = l == 0 ? firstInputCols : m
            if let gw = layer.gw {
                // ∂L/∂W_l = dzᵀ·h_{l−1} (each entry sums over all n samples). Split by
                // columns when there are many (each chunk then packs only its own
                // columns of h_{l−1}), else by output rows.
                let byColumns = prevCols >= 128
                let chunks = byColumns ? Chunking.gemm(rows: prevCols, m, n, align: 64) : Chunking.gemm(rows: m, prevCols, n)
                parallel.run(chunks.count) { c in
                    let r = chunks.range(c, rows: byColumns ? prevCols : m)
                    guard !r.isEmpty else { return }
                    if byColumns {
                        Product(m: m, n: r.count, k: n, a: dz, rsa: 1, csa: m, b: prev + r.lowerBound, rsb: prevCols,
                                csb: 1, c: gw.p + r.lowerBound, ldc: prevCols).run()
                    } else {
                        Product(m: r.count, n: prevCols, k: n, a: dz + r.lowerBound, rsa: 1, csa: m, b: prev, rsb: prevCols,
                                csb: 1, c: gw.p + r.lowerBound * prevCols, ldc: prevCols).run()
                    }
                }
                if let gb = layer.gb { T.columnSums(dz, rows: n, cols: m, ld: m, into: gb.p) }
            }
            if l > lowestTrainable {
                // ∂L/∂h_{l−1} = dz·W_l (+ ∂L/∂h_l through the skip link), then ∂L/∂z_{l−1}.
                let below = z[l - 1].p, belowMask = positiveWhereZIs(l - 1), skip = residual[l], scale = residual[l - 1] ? theta : 1
                let slopes: Slopes<T>? = act.backwardSlopes(scale: scale)
                // W_l packed once for all row chunks (the forward pass is done with the buffer).
                T.pack(k: m, n: m, b: layer.w.p, rsb: m, csb: 1, into: packedWeights.p)
                let packed = UnsafePointer(packedWeights.p)
                let chunks = Chunking.gemm(rows: n, m, m)
                parallel.run(chunks.count) { c in
                    let r = chunks.range(c, rows: n)
                    guard !r.isEmpty else { return }
                    let off = r.lowerBound
                    let epilogue: Product<T>.Epilogue = slopes.map { .backward(out: below + off * m, mask: belowMask + off * m, ld: m, $0) } ?? .store
                    Product(m: r.count, n: m, k: m, a: dz + off * m, rsa: m, csa: 1, packed: packed,
                            c: g + off * m, ldc: m, accumulate: skip, epilogue: epilogue).run()
                    if slopes == nil {
                        act.backward(UnsafePointer(below + off * m), UnsafePointer(g + off * m), below + off * m,
                                     count: r.count * m, scale: scale)
                    }
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
}
