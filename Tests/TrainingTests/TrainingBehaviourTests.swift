import Foundation
import Testing
import TrialContract
@testable import Training

/// End-to-end properties of training: convergence, divergence, determinism,
/// the α ↔ 1/α symmetry of the rescaled leaky ReLU.
@Suite struct TrainingBehaviourTests {
    static func small() -> TrialConfig {
        var c = TrialConfig.sized(dim: 8, nTrain: 32, nTest: 16, width: 32, depth: 2, steps: 40)
        c.lr = 0.5
        return c
    }

    @Test func overParameterizedNetFitsSeparableData() {
        var c = Self.small()
        c.nTrain = 16
        c.nTest = 0
        c.width = 64
        c.depth = 1
        c.lr = 15
        c.steps = 4000
        c.seed = 3
        let r = Trainer.train(c)
        #expect(r.status == .ok)
        #expect(r.metrics["train_error"] == 0)
        #expect((r.metrics["train_loss"] ?? 1) < 1e-6)
        #expect((r.metrics["train_loss"] ?? 0) > 0, "the loss is tiny but representable, not rounded to 0")
        #expect(r.curves["train_loss"]?.steps.last == 4000)
        #expect(r.metrics["first_step_zero_train_error"] != nil)
    }

    @Test(arguments: [DType.float32, .float64])
    func tooLargeStepDiverges(dtype: DType) throws {
        var c = Self.small()
        c.dtype = dtype
        c.lr = 1e6
        c.loss = .square
        c.steps = 500
        let r = Trainer.train(c)
        #expect(r.status == .diverged)
        #expect(r.message?.contains("diverged at step") == true)
        #expect(r.stepsRun < 500)
        // Every number is finite, so the record encodes as JSON.
        let json = try JSONEncoder().encode(r)
        #expect(try JSONDecoder().decode(TrainingResult.self, from: json) == r)
        #expect(r.metrics.values.allSatisfy { $0.isFinite })
        #expect(r.curves.values.allSatisfy { $0.values.allSatisfy { v in v.isFinite } && $0.steps.allSatisfy { $0 <= r.stepsRun } })
    }

    /// Sixteen configs differing in α, η, seed, activation; one of them is `probe`.
    static func shard(around probe: TrialConfig) -> [TrialConfig] {
        (0..<16).map { i in
            var c = probe
            if i == 5 { return probe }
            c.seed = UInt64(100 + i)
            c.lr = 0.05 * Double(i + 1)
            c.activation = i % 3 == 0 ? .tanh : .leaky
            c.alpha = -Double(i) / 8
            return c
        }
    }

    @Test func resultsDoNotDependOnShardOrThreads() {
        var probe = Self.small()
        probe.activation = .leaky
        probe.alpha = -0.3
        probe.optimizer = .sgd
        probe.batchSize = 8
        probe.momentum = 0.9
        let alone = Trainer.train(probe).numbers
        #expect(alone.status == .ok)
        let inShard = Trainer.trainShard(Self.shard(around: probe), threads: 2)
        #expect(inShard[5].numbers == alone)
        #expect(Trainer.trainShard(Self.shard(around: probe), threads: 1).map(\.numbers) == inShard.map(\.numbers))
        #expect(inShard[4].numbers != alone, "different configs give different numbers")
    }

    @Test(arguments: [DType.float32, .float64])
    func loneNetIsBitIdenticalWithOneOrTwoBLASThreads(dtype: DType) {
        var c = Self.small()
        c.dtype = dtype
        c.width = 256
        c.nTrain = 640
        c.steps = 6
        c.bias = true
        c.momentum = 0.5
        // Big enough that forward/backward GEMMs split into several row chunks.
        #expect(Chunking.gemm(rows: c.nTrain, c.width, c.width).count > 2)
        #expect(Chunking.elementwise(rows: c.nTrain, cols: c.width).count > 1)
        let one = Trainer.trainShard([c], threads: 1)[0].numbers
        let two = Trainer.trainShard([c], threads: 2)[0].numbers
        #expect(one.status == .ok)
        #expect(one == two)
        #expect(Trainer.train(c).numbers == one, "same config twice, same numbers")
    }

    @Test func streamingCallbackReportsEveryIndexOnce() {
        let configs = Self.shard(around: Self.small())
        let seen = SeenIndices()
        Trainer.trainShard(configs, threads: 2) { i, r in seen.add(i, r.status) }
        #expect(seen.sorted == Array(0..<16))
    }

    /// φ̃_α(z) = −sign(α)·φ̃_{1/α}(−z) for the rescaled leaky ReLU (α ≠ 0), so
    /// with σ = −sign(α) the α-network with weights (W₁, W₂ … W_L, V, biases b)
    /// computes exactly the same function as the 1/α-network with weights
    /// (−W₁, −σW₂, …, −σW_L, σV, −b). The map is a fixed sign flip P of the
    /// parameters with L_{1/α}(Pθ) = L_α(θ), so GD trajectories correspond
    /// step by step: the loss curves must agree to rounding (1e-9 relative: a
    /// few hundred float64 operations per value, each off by ≤ 1e-16).
    @Test(arguments: [-0.5, 0.25, -3.0])
    func rescaledLeakyAlphaAndInverseAreExactlyEquivalent(alpha: Double) throws {
        var a = Self.small()
        a.activation = .leaky
        a.rescaled = true
        a.alpha = alpha
        a.bias = true
        a.biasInitStd = 0.2
        a.depth = 3
        var b = a
        b.alpha = 1 / alpha
        let split = try DataSplit.make(for: a)
        let runA = try TrialRun<Double>(config: a, split: split)
        let runB = try TrialRun<Double>(config: b, split: split)
        let sigma: Double = alpha > 0 ? -1 : 1
        for (l, (la, lb)) in zip(runA.net.hidden, runB.net.hidden).enumerated() {
            let s = l == 0 ? -1 : -sigma
            for i in 0..<la.w.count { lb.w.p[i] = s * la.w.p[i]; lb.w0!.p[i] = lb.w.p[i] }
            for i in 0..<la.b!.count { lb.b!.p[i] = -la.b!.p[i]; lb.b0!.p[i] = lb.b!.p[i] }
        }
        for i in 0..<runA.net.output.w.count { runB.net.output.w.p[i] = sigma * runA.net.output.w.p[i] }
        runB.net.output.b!.p[0] = runA.net.output.b!.p[0]
        let ra = runA.run(), rb = runB.run()
        #expect(ra.status == .ok && rb.status == .ok)
        let ca = try #require(ra.curves["train_loss"]), cb = try #require(rb.curves["train_loss"])
        #expect(ca.steps == cb.steps)
        #expect(ca.values.last! < 0.9 * ca.values.first!, "it trained")
        for (x, y) in zip(ca.values, cb.values) { #expect(abs(x - y) <= 1e-9 * abs(x)) }
        #expect(abs(ra.metrics["test_loss"]! - rb.metrics["test_loss"]!) <= 1e-9 * ra.metrics["test_loss"]!)
    }

    /// The same symmetry seen as a user sees it: trials sharing a seed share
    /// data and initial weights, and Gaussian init is sign-symmetric, so the
    /// final losses of α and 1/α are equal in distribution over seeds.
    /// Paired test over 24 seeds: the mean of the differences must lie within
    /// 4 standard errors of 0 (a false alarm under equal distributions has
    /// probability ≈ 6e-5; the seeds are fixed, so the outcome is too). The
    /// differences must not all vanish: the runs are not identical per seed.
    @Test func rescaledLeakyAlphaAndInverseHaveEqualLossStatistics() {
        func finalLosses(_ alpha: Double) -> [Double] {
            (0..<24).map { seed in
                var c = Self.small()
                c.seed = UInt64(seed)
                c.activation = .leaky
                c.rescaled = true
                c.alpha = alpha
                c.steps = 30
                c.nTest = 0
                return Trainer.train(c).metrics["train_loss"] ?? .nan
            }
        }
        let a = finalLosses(-0.5), b = finalLosses(-2)
        let d = zip(a, b).map { $0 - $1 }
        let mean = d.reduce(0, +) / Double(d.count)
        let sd = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count - 1)).squareRoot()
        #expect(sd > 1e-6)
        #expect(abs(mean) < 4 * sd / Double(d.count).squareRoot(), "mean difference \(mean), sd \(sd)")
    }

    @Test func sgdMomentumDecayAndWeightDecayAllChangeTheTrajectory() {
        var base = Self.small()
        base.optimizer = .sgd
        base.batchSize = 8
        let plain = Trainer.train(base)
        #expect(plain.status == .ok)
        var variants = [TrialConfig]()
        var c = base; c.momentum = 0.9; variants.append(c)
        c = base; c.weightDecay = 0.1; variants.append(c)
        c = base; c.lrDecayEvery = 10; c.lrDecayFactor = 0.1; variants.append(c)
        c = base; c.lrScaling = .inverseWidth; variants.append(c)
        for v in variants {
            let r = Trainer.train(v)
            #expect(r.status == .ok)
            #expect(r.metrics["train_loss"] != plain.metrics["train_loss"])
        }
        // Step decay by 0 steps' worth… a factor of 1 is the identity.
        c = base; c.lrDecayEvery = 10; c.lrDecayFactor = 1
        #expect(Trainer.train(c).numbers == plain.numbers)
    }

    @Test func regressionReportsNormalizedMSE() {
        var c = Self.small()
        c.data = .azlSincos
        c.loss = .square
        c.nTrain = 64
        c.lr = 0.05
        let r = Trainer.train(c)
        #expect(r.status == .ok)
        #expect(r.metrics["train_nmse"] != nil && r.metrics["test_nmse"] != nil)
        #expect(r.metrics["train_error"] == nil)
        let loss = r.curves["train_loss"]!.values
        #expect(loss.last! < loss.first!)
    }

    @Test func crossEntropyWithSeveralClasses() {
        var c = Self.small()
        c.data = .separated
        c.clusters = 6
        c.separation = 0.05
        c.loss = .crossEntropy
        c.outputs = 3
        c.steps = 60
        let r = Trainer.train(c)
        #expect(r.status == .ok)
        #expect(r.metrics["train_error"]! < r.curves["train_error"]!.values.first!)
    }

    @Test func badInputFailsWithOneLineNotATrap() {
        var c = Self.small()
        c.data = .file
        c.dataFile = "/nonexistent/oversweep-test.csv"
        let r = Trainer.train(c)
        #expect(r.status == .failed)
        #expect(r.message == "i/o: data_file /nonexistent/oversweep-test.csv: cannot read it (no such file)")
        c = Self.small()
        c.width = 0
        #expect(Trainer.train(c).message == "invalid config: width must be > 0 (got 0)")
        c = Self.small()
        c.data = .leakySynthetic
        c.loss = .logistic
        #expect(Trainer.train(c).status == .failed)
        c = Self.small()
        c.margin = 0.99
        c.dim = 64
        c.nTrain = 4
        let r2 = Trainer.train(c)
        #expect(r2.status == .failed && r2.message?.contains("margin") == true)
    }
}

/// Thread-safe set of reported indices for the streaming test.
final class SeenIndices: @unchecked Sendable {
    private let lock = NSLock()
    private var indices = [Int]()
    func add(_ i: Int, _ status: TrialStatus) { lock.lock(); indices.append(i); lock.unlock() }
    var sorted: [Int] { lock.lock(); defer { lock.unlock() }; return indices.sorted() }
}
