/// One weight layer W (rows = outputs × cols = inputs, row-major) with an
/// optional bias. A layer that trains also holds its gradient, its initial
/// weights (for ‖W − W(0)‖ and the NTK) and, under momentum, its velocity.
/// Everything is allocated once; nothing grows while training.
final class DenseLayer<T: BLASScalar> {
    let name: String
    let rows: Int
    let cols: Int
    let trains: Bool
    let w: Buffer<T>
    let b: Buffer<T>?
    let w0: Buffer<T>?
    let b0: Buffer<T>?
    let gw: Buffer<T>?
    let gb: Buffer<T>?
    let vw: Buffer<T>?
    let vb: Buffer<T>?

    init(name: String, rows: Int, cols: Int, trains: Bool, weights: [Double], bias: [Double]?, momentum: Bool) {
        self.name = name
        self.rows = rows
        self.cols = cols
        self.trains = trains
        w = Buffer(weights.map { T($0) })
        b = bias.map { Buffer($0.map { T($0) }) }
        w0 = trains ? Buffer(weights.map { T($0) }) : nil
        b0 = trains ? bias.map { Buffer($0.map { T($0) }) } : nil
        gw = trains ? Buffer(rows * cols) : nil
        gb = trains && bias != nil ? Buffer(rows) : nil
        vw = trains && momentum ? Buffer(rows * cols) : nil
        vb = trains && momentum && bias != nil ? Buffer(rows) : nil
    }

    /// ‖W − W(0)‖_F (bias included), in Double.
    func distanceFromInit() -> Double {
        guard let w0 else { return 0 }
        var s = T.distanceSquared(w.p, w0.p, w.count)
        if let b, let b0 { s += T.distanceSquared(b.p, b0.p, b.count) }
        return s.squareRoot()
    }

    /// ‖∇L‖²_F of this layer's parameters (0 when fixed).
    func gradientNormSquared() -> Double {
        guard let gw else { return 0 }
        return Kernels.sumOfSquares(gw.p, gw.count) + (gb.map { Kernels.sumOfSquares($0.p, $0.count) } ?? 0)
    }

    /// One optimiser step: g ← g + λW; v ← μv + g; W ← W − ηv (v = g without momentum).
    /// Weight decay applies to weights, not biases.
    /// Updates output rows `rows` (weights and their biases).
    func update(rows: Range<Int>, lr: T, momentum: T, weightDecay: T) {
        guard let gw else { return }
        let o = rows.lowerBound * cols
        step(w.p + o, gw.p + o, vw.map { $0.p + o }, rows.count * cols, lr, momentum, weightDecay)
        if let b, let gb {
            let ob = rows.lowerBound
            step(b.p + ob, gb.p + ob, vb.map { $0.p + ob }, rows.count, lr, momentum, 0)
        }
    }

    private func step(_ w: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>?,
                      _ n: Int, _ lr: T, _ mu: T, _ decay: T) {
        if let v {
            for i in 0..<n {
                let vi = mu * v[i] + (g[i] + decay * w[i])
                v[i] = vi
                w[i] -= lr * vi
            }
        } else if decay != 0 {
            for i in 0..<n { w[i] -= lr * (g[i] + decay * w[i]) }
        } else {
            T.descend(w, g, n, lr: lr)
        }
    }
}
