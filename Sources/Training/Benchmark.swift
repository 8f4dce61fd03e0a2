import Foundation
import Numerics
import Dispatch
import Numerics
import TrialContract

/// The reference workloads W1–W4 and the arithmetic the bench
/// reports against: exact FLOP counts and the bytes a network needs.
public enum Benchmark {
    public struct Workload: Sendable {
        public var name: String
        public var configs: [TrialConfig]
    }

    /// W1, W2, W3, W4 in the given dtype: sphere_teacher data (margin 0), bias-free
    /// ReLU MLP, He init, trainable N(0, 1/m) output, mean logistic loss,
    /// full-batch GD, 300 steps, η = 0.1 (W3: 64 nets, seed i, η = geomspace(0.01, 1, 64)[i]).
    /// W4, a sweep shard of tiny nets: 64 step sizes geomspace(0.01, 1, 64) × seeds 0…7
    /// in the order `bench/w4.yaml` plans them (seeds fastest), d = 8, n = 64 train + 64 test, depth 2,
    /// width 32, 500 steps — the trials `bench/w4.yaml` plans.
    public static func workloads(_ dtype: DType) -> [Workload] {
        func config(d: Int, depth: Int, m: Int, n: Int, seed: UInt64, lr: Double, steps: Int = 300, nTest: Int = 0) -> TrialConfig {
            var c = TrialConfig()
            c.dtype = dtype
            c.data = .sphereTeacher
            c.dim = d
            c.nTrain = n
            c.nTest = nTest
            c.width = m
            c.depth = depth
            c.activation = .relu
            c.loss = .logistic
            c.initPreset = .he
            c.lr = lr
            c.steps = steps
            c.seed = seed
            c.namedSteps = []
            return c
        }
        let w3 = (0..<64).map { i in
            config(d: 16, depth: 2, m: 128, n: 256, seed: UInt64(i), lr: Double.pow10(-2 + 2 * Double(i) / 63))
        }
        // Step sizes as a spec's `logspace: [0.01, 1, 64]` writes them (12 significant digits).
        let (first, last) = (Foundation.log(0.01), Foundation.log(1.0))
        var w4Steps: [Double] = (0..<64).map { i in
            let x: Double = Foundation.exp(first + Double(i) * (last - first) / 63)
            return Double(String(format: "%.12g", x)) ?? x
        }
        w4Steps[0] = 0.01
        w4Steps[63] = 1
        let w4 = w4Steps.flatMap { lr in
            (0..<8).map { seed in config(d: 8, depth: 2, m: 32, n: 64, seed: UInt64(seed), lr: lr, steps: 500, nTest: 64) }
        }
        return [
            Workload(name: "W1", configs: [config(d: 32, depth: 2, m: 512, n: 1024, seed: 0, lr: 0.1)]),
            Workload(name: "W2", configs: [config(d: 32, depth: 1, m: 4096, n: 256, seed: 0, lr: 0.1)]),
            Workload(name: "W3", configs: w3),
            Workload(name: "W4", configs: w4),
        ]
    }

    /// FLOPs of one GD step as the bench counts them: forward GEMMs +
    /// weight-gradient GEMMs + input-gradient GEMMs (none below the lowest
    /// trainable layer; none for the first layer). Matrix–vector products of a
    /// scalar output count as GEMMs with N = 1.
    public static func flopsPerStep(_ c: TrialConfig) -> Double {
        let n = Double(c.optimizer == .sgd ? min(c.batchSize, c.nTrain) : c.nTrain)
        let m = Double(c.width), k = Double(c.outputs)
        let d = Double(c.generatorDim + (c.biasCoordinate == nil ? 0 : 1))
        guard let (hidden, output) = try? c.trainableLayers() else { return 0 }
        var forward = 0.0, weightGrad = 0.0, inputGrad = 0.0
        for l in 0..<c.depth {
            let cols = (l == 0 && c.inputLayer == .trainable) ? d : m
            forward += 2 * n * m * cols
            if hidden[l] { weightGrad += 2 * n * m * cols }
        }
        forward += 2 * n * m * k
        if output { weightGrad += 2 * n * m * k }
        if let lowest = hidden.firstIndex(of: true) {
            inputGrad += 2 * n * m * k                                  // into h_L
            inputGrad += 2 * n * m * m * Double(c.depth - 1 - lowest)  // h_l → h_{l−1} down to the lowest trainable
        }
        return forward + weightGrad + inputGrad
    }

    /// Bytes one network needs while training: weights, gradients and initial
    /// copies of trainable layers (plus velocities under momentum), the
    /// activations z and h of every hidden layer for the batch, outputs and
    /// their gradients, and the data in the run's dtype.
    public static func bytesNeeded(_ c: TrialConfig) -> Double {
        let size = Double(c.dtype == .float32 ? 4 : 8)
        let rows = Double(c.optimizer == .sgd ? min(c.batchSize, c.nTrain) : c.nTrain)
        let m = Double(c.width), k = Double(c.outputs)
        let d = Double(c.generatorDim + (c.biasCoordinate == nil ? 0 : 1))
        guard let (hidden, output) = try? c.trainableLayers() else { return 0 }
        var params = 0.0, trainable = 0.0
        if c.inputLayer == .fixed { params += m * d }
        for l in 0..<c.depth {
            let cols = (l == 0 && c.inputLayer == .trainable) ? d : m
            let p = m * cols + (c.bias ? m : 0)
            params += p
            if hidden[l] { trainable += p }
        }
        params += k * m
        if output { trainable += k * m + (c.bias ? k : 0) }
        let copies = 2 + (c.momentum > 0 ? 1 : 0)
        let inputCols = c.inputLayer == .fixed ? m : d
        let data = Double(c.nTrain + c.nTest) * inputCols
        let activations = 2 * Double(c.depth) * rows * m + 2 * rows * k
        return size * (params + Double(copies) * trainable + activations + data)
    }

    /// Trains `configs` with the training arithmetic only: no gradient norms,
    /// curves, test evaluation or metric probes. The bench times this against
    /// `Trainer.trainShard` to state what the bookkeeping costs.
    public static func trainWithoutBookkeeping(_ configs: [TrialConfig], threads: Int) {
        Trainer.trainShard(configs, threads: threads, bookkeeping: false) { _, _ in }
    }

    /// Best of four timed square products of size 1024 with the core's own
    /// kernels (CKernels) on one thread: their practical peak per core, GFLOP/s.
    public static func productPeak(_ dtype: DType) -> Double {
        func run<T: BLASScalar>(_: T.Type) -> Double {
            bestRate(T.self, n: 1024) { n, a, b, c in
                Product(m: n, n: n, k: n, a: a, rsa: n, csa: 1, b: b, rsb: n, csb: 1, c: c, ldc: n).run()
            }
        }
        return dtype == .float32 ? run(Float.self) : run(Double.self)
    }

    /// Best of four timed square GEMMs of size 2048 with OpenBLAS on `threads`
    /// threads: the machine's practical GEMM peak in GFLOP/s.
    public static func gemmPeak(_ dtype: DType, threads: Int) -> Double {
        BLASThreads.set(threads)
        defer { BLASThreads.set(1) }  // the trainer's setting (see Trainer)
        func run<T: BLASScalar>(_: T.Type) -> Double {
            bestRate(T.self, n: 2048) { n, a, b, c in
                T.gemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n,
                       beta: 0, c: c, ldc: n)
            }
        }
        return dtype == .float32 ? run(Float.self) : run(Double.self)
    }

    /// GFLOP/s of the fastest of four n × n × n `multiply` calls.
    private static func bestRate<T: BLASScalar>(
        _: T.Type, n: Int,
        _ multiply: (Int, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void
    ) -> Double {
        let a = Buffer<T>(n * n), b = Buffer<T>(n * n), c = Buffer<T>(n * n)
        for i in 0..<(n * n) { a.p[i] = T(Double(i % 7) - 3); b.p[i] = T(Double(i % 5) - 2) }
        var best = Double.infinity
        for _ in 0..<4 {
            let start = DispatchTime.now().uptimeNanoseconds
            multiply(n, a.p, b.p, c.p)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}

extension Double {
    /// 10^x.
    static func pow10(_ x: Double) -> Double { Double.exp10(x) }
}
