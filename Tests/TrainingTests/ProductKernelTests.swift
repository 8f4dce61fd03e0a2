import Testing
import TrialContract
@testable import Training

/// The CKernels guarantee the trainer's determinism rests on: every product
/// entry is one fused-multiply-add chain over k in order, on every
/// instruction-set variant, whatever the tile, packing or transposition; the
/// fused epilogues are the scalar formulas; reductions agree across variants.
@Suite struct ProductKernelTests {
    /// Deterministic pseudo-random values in [−1, 1), with exact zeros now and then (ReLU kinks).
    struct Values {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let v = Double(state >> 11) / Double(1 << 53) * 2 - 1
            return (state >> 7) % 9 == 0 ? 0 : v
        }
        mutating func array<T: BLASScalar>(_ n: Int) -> [T] { (0..<n).map { _ in T(next()) } }
    }

    /// Every variant this CPU runs (the best is always among them).
    static var variants: [Int] {
        let best = CoreKernels.force(0)
        return Array(1...best)
    }

    enum Layout: CaseIterable { case forward, weightGradient, inputGradient }

    /// Random products of m ∈ rows, n ∈ cols, k ∈ depth against the fma chain computed here.
    func check<T: BLASScalar>(_: T.Type, seed: UInt64, trials: Int = 60, rows: ClosedRange<Int> = 1...70,
                              cols: ClosedRange<Int> = 1...90, depth: ClosedRange<Int> = 0...299,
                              layouts: [Layout] = Layout.allCases) {
        var rng = Values(state: seed)
        func draw(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(rng.next().magnitude * Double(r.count)) }
        for trial in 0..<trials {
            let m = draw(rows), n = draw(cols)
            let k = draw(depth)
            let layout = layouts[trial % layouts.count]
            let accumulate = trial % 4 == 1
            let kind = trial % 5  // 0, 1: store; 2, 3: forward (with/without bias); 4: backward
            let a: [T] = rng.array(m * k + 1), b: [T] = rng.array(k * n + 1), c0: [T] = rng.array(m * n)
            let mask: [T] = rng.array(m * n), bias: [T] = rng.array(n)
            let slopes = Slopes<T>(pos: trial % 2 == 0 ? 1 : T(rng.next()), neg: trial % 3 == 0 ? 0 : T(rng.next()),
                                   ge: trial % 7 < 3)
            // A(i,k) = a[i·rsa + k·csa], B(k,j) = b[k·rsb + j·csb] as the trainer's three products use them.
            let (rsa, csa, rsb, csb): (Int, Int, Int, Int)
            switch layout {
            case .forward: (rsa, csa, rsb, csb) = (k, 1, 1, k)          // H·Wᵀ
            case .weightGradient: (rsa, csa, rsb, csb) = (1, m, n, 1)   // dZᵀ·H
            case .inputGradient: (rsa, csa, rsb, csb) = (k, 1, n, 1)    // dZ·W
            }
            var expected = [T](repeating: 0, count: m * n), expectedOut = expected
            for i in 0..<m {
                for j in 0..<n {
                    var s: T = accumulate ? c0[i * n + j] : 0
                    for q in 0..<k { s = s.addingProduct(a[i * rsa + q * csa], b[q * rsb + j * csb]) }
                    if kind == 2 || kind == 3 {
                        if kind == 2 { s = s + bias[j] }
                        let on = slopes.ge ? s >= 0 : s > 0
                        expectedOut[i * n + j] = on ? slopes.pos * s : (slopes.neg == 0 ? 0 : slopes.neg * s)
                    } else if kind == 4 {
                        let x = mask[i * n + j]
                        expectedOut[i * n + j] = s * ((slopes.ge ? x >= 0 : x > 0) ? slopes.pos : slopes.neg)
                    }
                    expected[i * n + j] = s
                }
            }
            for isa in Self.variants {
                #expect(CoreKernels.force(isa) == isa)
                defer { CoreKernels.force(0) }
                for packedB in [false, true] {
                    var c = c0, out = [T](repeating: 0, count: m * n)
                    var packed = [T](repeating: 0, count: max(1, T.packedCount(k: k, n: n)))
                    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
                    mask.withUnsafeBufferPointer { mask in bias.withUnsafeBufferPointer { bias in
                    c.withUnsafeMutableBufferPointer { c in out.withUnsafeMutableBufferPointer { out in
                    packed.withUnsafeMutableBufferPointer { packed in
                        let epilogue: Product<T>.Epilogue
                        switch kind {
                        case 2: epilogue = .forward(bias: bias.baseAddress, out: out.baseAddress, ldo: n, slopes)
                        case 3: epilogue = .forward(bias: nil, out: out.baseAddress, ldo: n, slopes)
                        case 4: epilogue = .backward(out: out.baseAddress!, mask: mask.baseAddress!, ld: n, slopes)
                        default: epilogue = .store
                        }
                        var p = Product(m: m, n: n, k: k, a: a.baseAddress!, rsa: rsa, csa: csa, b: b.baseAddress!,
                                        rsb: rsb, csb: csb, c: c.baseAddress!, ldc: n, accumulate: accumulate,
                                        epilogue: epilogue)
                        if packedB {
                            T.pack(k: k, n: n, b: b.baseAddress!, rsb: rsb, csb: csb, into: packed.baseAddress!)
                            p.b = nil
                            p.packed = UnsafePointer(packed.baseAddress!)
                        }
                        p.run()
                    } } } } } } }
                    #expect(c == expected, "\(T.self) variant \(isa) \(layout) m \(m) n \(n) k \(k) packed \(packedB)")
                    if kind >= 2 {
                        #expect(out == expectedOut, "\(T.self) variant \(isa) epilogue \(kind) m \(m) n \(n) k \(k)")
                    }
                }
            }
        }
    }

    @Test func productsAreOneFMAChainPerEntryOnEveryVariant() {
        check(Float.self, seed: 1)
        check(Double.self, seed: 2)
    }

    /// Products large enough that A is packed into micro-panels block by block
    /// (AVX-512 float64 with ≥ 16 panels of B and a block of k over 170: rows
    /// over several blocks of A, K over a packed and an unpacked block, none a
    /// multiple of a tile), and the same shapes on every other variant: the
    /// same chains.
    @Test func packedBlocksOfAGiveTheSameChains() {
        check(Double.self, seed: 10, trials: 4, rows: 150...250, cols: 256...290, depth: 420...530,
              layouts: [.forward, .inputGradient])
        check(Double.self, seed: 11, trials: 2, rows: 1...24, cols: 256...290, depth: 257...300,
              layouts: [.forward, .inputGradient])
        check(Float.self, seed: 12, trials: 2, rows: 150...250, cols: 256...290, depth: 420...530,
              layouts: [.forward, .inputGradient])
    }

    @Test func reductionsAgreeAcrossVariants() {
        var rng = Values(state: 3)
        for n in [0, 1, 7, 16, 17, 100, 1000] {
            let a: [Float] = rng.array(max(n, 1)), b: [Float] = rng.array(max(n, 1))
            var results: [[Double]] = []
            for isa in Self.variants {
                CoreKernels.force(isa)
                defer { CoreKernels.force(0) }
                results.append([Double(Float.dot(a, b, n)), Float.sumOfSquares(a, n), Float.distanceSquared(a, b, n),
                                Float.dotDouble(a, b, n)])
            }
            #expect(Set(results.map { $0.map(\.bitPattern) }).count == 1, "n = \(n): every variant gives the same bits")
            let naive = zip(a.prefix(n), b.prefix(n)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(results[0][3] - naive) <= 1e-12 * max(1, Double(n)))
            #expect(abs(results[0][1] - a.prefix(n).reduce(0.0) { $0 + Double($1) * Double($1) }) <= 1e-12 * max(1, Double(n)))
        }
    }

    /// Whole trials (fused and unfused activations, residual, biases, several
    /// outputs, SGD with momentum) give the same bits on every variant.
    @Test(arguments: [DType.float32, .float64])
    func trialsAreBitIdenticalOnEveryVariant(dtype: DType) {
        var configs: [TrialConfig] = []
        for (i, act) in [ActivationKind.relu, .leaky, .tanh, .identity].enumerated() {
            var c = TrainingBehaviourTests.small()
            c.dtype = dtype
            c.activation = act
            c.alpha = -0.5
            c.seed = UInt64(i)
            c.steps = 25
            c.bias = i % 2 == 1
            c.residual = i >= 2
            c.depth = 3
            configs.append(c)
        }
        var ce = TrainingBehaviourTests.small()
        ce.dtype = dtype
        ce.data = .separated
        ce.clusters = 6
        ce.separation = 0.05
        ce.loss = .crossEntropy
        ce.outputs = 3
        ce.optimizer = .sgd
        ce.batchSize = 8
        ce.momentum = 0.9
        configs.append(ce)
        for c in configs {
            var runs: [TrainingResult] = []
            for isa in Self.variants {
                CoreKernels.force(isa)
                defer { CoreKernels.force(0) }
                runs.append(Trainer.trainShard([c], threads: 1)[0])
            }
            #expect(runs[0].status == .ok, "\(c.activation) \(c.loss)")
            #expect(runs.allSatisfy { $0.numbers == runs[0].numbers }, "\(c.activation) \(c.loss) \(dtype)")
        }
    }
}
