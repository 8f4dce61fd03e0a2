import Fitting
import Foundation
import Testing
import TrialContract
@testable import Training

/// The docs/science.md §6 metrics against direct computations: the empirical NTK
/// against finite-difference Jacobians and against the infinite-width
/// arc-cosine kernel, and every probe metric against a recomputation from the
/// network's weights.
@Suite struct ScienceMetricsTests {
    static func tiny() -> TrialConfig {
        var c = TrialConfig.sized(dim: 3, nTrain: 5, width: 4, depth: 2, steps: 0)
        c.activation = .tanh
        c.initOutputVar = 1
        c.biasInitStd = 0.3
        return c
    }

    static func run(_ c: TrialConfig) throws -> TrialRun<Double> {
        try TrialRun<Double>(config: c, split: DataSplit.make(for: c))
    }

    /// f on the training set at the network's current weights.
    static func outputs(_ run: TrialRun<Double>) -> [Double] {
        run.net.forward(run.trainInput.p, rows: run.nTrain)
        return (0..<run.nTrain).map { run.net.f.p[$0] }
    }

    /// Σ_θ ∂f(x_i)/∂θ ∂f(x_j)/∂θ over trainable parameters, by central differences.
    static func finiteDifferenceNTK(_ run: TrialRun<Double>) -> [Double] {
        let n = run.nTrain, eps = 1e-6
        var jac: [[Double]] = []  // one column (n values) per parameter
        for layer in run.net.trainableLayers {
            for buffer in [layer.w, layer.b].compactMap({ $0 }) {
                for p in 0..<buffer.count {
                    let saved = buffer.p[p]
                    buffer.p[p] = saved + eps
                    let up = outputs(run)
                    buffer.p[p] = saved - eps
                    let down = outputs(run)
                    buffer.p[p] = saved
                    jac.append(zip(up, down).map { ($0 - $1) / (2 * eps) })
                }
            }
        }
        var k = [Double](repeating: 0, count: n * n)
        for col in jac { for i in 0..<n { for j in 0..<n { k[i * n + j] += col[i] * col[j] } } }
        return k
    }

    @Test(arguments: ["plain", "residual", "bias", "fixed-input", "subset", "leaky-rescaled", "output-only"])
    func ntkMatchesFiniteDifferenceJacobians(variant: String) throws {
        var c = Self.tiny()
        switch variant {
        case "residual": c.residual = true; c.theta = 0.7; c.activation = .softplus; c.depth = 3
        case "bias": c.bias = true
        case "fixed-input": c.inputLayer = .fixed; c.bias = true
        case "subset": c.depth = 3; c.train = "2,out"; c.bias = true
        case "leaky-rescaled": c.activation = .leaky; c.alpha = -0.5; c.rescaled = true; c.bias = true
        case "output-only": c.train = "output"; c.bias = true
        default: break
        }
        let r = try Self.run(c)
        let k = try #require(EmpiricalNTK.gram(r.net, input: r.trainInput.p, rows: r.nTrain))
        let fd = Self.finiteDifferenceNTK(r)
        let scale = fd.map(abs).max() ?? 1
        // Central differences with ε = 1e-6: truncation O(ε²) ≈ 1e-12, rounding
        // O(1e-16/ε) ≈ 1e-10 per Jacobian entry; a missing block or a wrong
        // factor is off by O(1). (leaky: no pre-activation lies within ε of 0.)
        for (a, b) in zip(k, fd) { #expect(abs(a - b) <= 1e-7 * scale, "\(variant): \(a) vs \(b)") }
        #expect(scale > 0.1, "the kernel is not trivially zero")
    }

    /// λ_min of K/m at init against the analytic infinite-width Gram matrix of a
    /// two-layer ReLU net (both layers trained, σ_w² = σ_a² = 1): the error
    /// shrinks as m grows (≈ 1/√m), averaged over 3 seeds to smooth the noise.
    @Test func ntkLambdaMinApproachesInfiniteWidth() throws {
        var c = TrialConfig.sized(dim: 4, nTrain: 8, width: 64, steps: 0)
        c.activation = .relu
        c.initInputVar = 1
        c.initOutputVar = 1
        c.metrics = .full
        var errors: [Int: Double] = [:]
        for m in [64, 1024, 16384] {
            var total = 0.0
            for seed in 0..<3 as Range<UInt64> {
                c.width = m
                c.seed = seed
                let result = Trainer.train(c)
                let empirical = try #require(result.metrics["ntk_lambda_min"]) / Double(m)
                let data = try DataSplit.make(for: c).train
                let xs = (0..<data.count).map { Array(data.x[($0 * data.dim)..<(($0 + 1) * data.dim)]) }
                var gram = [Double](repeating: 0, count: xs.count * xs.count)
                for i in xs.indices { for j in xs.indices {
                    gram[i * xs.count + j] = ArcCosineKernel.twoLayerReLUNTK(xs[i], xs[j], width: m, hiddenVariance: 1,
                                                                             outputVariance: 1) / Double(m)
                } }
                let analytic = try #require(try SymmetricEigen.eigenvalues(of: gram, n: xs.count).first)
                #expect(analytic > 0.01, "the analytic Gram is well conditioned (distinct points)")
                total += abs(empirical - analytic) / analytic
            }
            errors[m] = total / 3
        }
        let e64 = try #require(errors[64]), e1k = try #require(errors[1024]), e16k = try #require(errors[16384])
        #expect(e1k < e64 && e16k < e1k, "relative λ_min errors \(e64), \(e1k), \(e16k) shrink with m")
        // Entry errors are O(1/√m) ≈ 0.008 at m = 16384; allow a few times that, relative.
        #expect(e16k < 0.1, "relative λ_min error at m = 16384: \(e16k)")
    }

    /// Every cheap probe metric of the final step against its definition,
    /// recomputed from the trained network (the loop stops at the last step
    /// after its backward pass, so the gradient buffers hold ∇L at the final weights).
    @Test func basicMetricsMatchDirectComputation() throws {
        var c = Self.tiny()
        c.bias = true
        c.steps = 40
        c.lr = 0.5
        c.metrics = .full
        let r = try Self.run(c)
        let res = r.run()
        #expect(res.status == .ok)
        let m = res.metrics
        var grad2 = 0.0, w2 = 0.0, dot = 0.0, dist2 = 0.0
        for layer in r.net.trainableLayers {
            var g2 = 0.0
            for buf in [(layer.w, layer.gw, layer.w0), (layer.b, layer.gb, layer.b0)] {
                guard let w = buf.0, let g = buf.1, let w0 = buf.2 else { continue }
                for i in 0..<w.count {
                    g2 += g.p[i] * g.p[i]
                    w2 += w.p[i] * w.p[i]
                    dot -= w.p[i] * g.p[i]
                    dist2 += (w.p[i] - w0.p[i]) * (w.p[i] - w0.p[i])
                }
            }
            grad2 += g2
            let got = try #require(m["grad_norm_" + layer.name])
            #expect(abs(got - g2.squareRoot()) <= 1e-12 * g2.squareRoot())
            let curve = try #require(res.curves["dist_from_init_" + layer.name])
            #expect(curve.steps.last == c.steps && curve.values.last == m["dist_from_init_" + layer.name])
        }
        let loss = try #require(m["train_loss"])
        #expect(abs(try #require(m["grad_norm_sq_over_loss"]) - grad2 / loss) <= 1e-12 * grad2 / loss)
        #expect(abs(try #require(m["weight_norm"]) - w2.squareRoot()) <= 1e-12 * w2.squareRoot())
        #expect(abs(try #require(m["grad_weight_alignment"]) - dot / (w2 * grad2).squareRoot()) <= 1e-12)
        #expect(abs(try #require(res.curves["dist_from_init"]?.values.last) - dist2.squareRoot()) <= 1e-12 * dist2.squareRoot())
        #expect(abs(try #require(m["grad_norm"]) - grad2.squareRoot()) <= 1e-12 * grad2.squareRoot())

        // Spectral norms: σ_max(ΔW) = √λ_max(ΔWᵀΔW) by LAPACK.
        for layer in r.net.trainableLayers {
            let w0 = try #require(layer.w0)
            let rows = layer.rows, cols = layer.cols
            var ata = [Double](repeating: 0, count: cols * cols)
            for i in 0..<rows { for a in 0..<cols { for b in 0..<cols {
                ata[a * cols + b] += (layer.w.p[i * cols + a] - w0.p[i * cols + a]) * (layer.w.p[i * cols + b] - w0.p[i * cols + b])
            } } }
            let want = try #require(try SymmetricEigen.eigenvalues(of: ata, n: cols).last).squareRoot()
            let got = try #require(m["dist_from_init_spectral_" + layer.name])
            #expect(abs(got - want) <= 1e-6 * want, "\(layer.name): \(got) vs \(want)")
            let frobenius = try #require(m["dist_from_init_" + layer.name])
            #expect(got <= frobenius + 1e-12, "‖·‖₂ ≤ ‖·‖_F")
        }
        let spectralSteps = try #require(res.curves["dist_from_init_spectral_hidden1"]?.steps)
        #expect(spectralSteps == [1, 10, 20, 30, 40], "decades, named steps ≤ 40, and the end")

        // Data separation by brute force on the training inputs.
        let (delta, phi) = DataStatistics.separation(points: r.split.train.x, dim: r.split.train.dim, labels: r.split.train.y)
        #expect(m["data_delta"] == delta && m["data_phi"] == phi && phi >= delta)

        // NTK spectrum at init equals the eigenvalues of a fresh network's Gram matrix.
        let fresh = try Self.run(c)
        let k = try #require(EmpiricalNTK.gram(fresh.net, input: fresh.trainInput.p, rows: fresh.nTrain))
        let eig = try SymmetricEigen.eigenvalues(of: k, n: fresh.nTrain)
        #expect(m["ntk_lambda_min"] == eig.first && m["ntk_lambda_max"] == eig.last && m["ntk_samples"] == 5)
    }

    /// Flip fractions against activation patterns recomputed by hand (plain
    /// relu, no bias, depth 2) from W(0) and the final W.
    @Test func activationFlipsMatchDirectPatterns() throws {
        var c = Self.tiny()
        c.activation = .relu
        c.width = 16
        c.nTrain = 12
        c.steps = 30
        c.lr = 1
        c.metrics = .full
        let r = try Self.run(c)
        let res = r.run()
        func patterns(final: Bool) -> [[Bool]] {
            var out: [[Bool]] = [[], []]
            for s in 0..<r.nTrain {
                var h = Array(r.split.train.x[(s * 3)..<((s + 1) * 3)])
                for l in 0..<2 {
                    let layer = r.net.hidden[l]
                    let w = final ? layer.w : layer.w0!
                    var z = [Double](repeating: 0, count: layer.rows)
                    for i in 0..<layer.rows { for j in 0..<layer.cols { z[i] += w.p[i * layer.cols + j] * h[j] } }
                    out[l] += z.map { $0 > 0 }
                    h = z.map { max($0, 0) }
                }
            }
            return out
        }
        let before = patterns(final: false), after = patterns(final: true)
        var all = 0
        for l in 0..<2 {
            let flips = zip(before[l], after[l]).filter { $0 != $1 }.count
            all += flips
            let got = try #require(res.metrics["act_flip_frac_hidden\(l + 1)"])
            #expect(abs(got - Double(flips) / Double(before[l].count)) < 1e-12)
        }
        #expect(abs(try #require(res.metrics["act_flip_frac"]) - Double(all) / Double(2 * 12 * 16)) < 1e-12)
        #expect(res.curves["act_flip_frac"]?.values.first == 0, "no flips at step 0")
        #expect(all > 0, "lr 1 for 30 steps moves some units across 0")
    }

    /// Rate estimates against the train_loss curve they summarise.
    @Test func rateEstimatesMatchTheLossCurve() throws {
        var c = TrialConfig.sized(dim: 8, nTrain: 32, width: 32, steps: 1200)
        c.lr = 0.5
        let res = Trainer.train(c)
        let curve = try #require(res.curves["train_loss"])
        func at(_ t: Int) throws -> Double { curve.values[try #require(curve.steps.firstIndex(of: t))] }
        let gamma = try #require(res.metrics["gamma_hat"])
        #expect(abs(gamma - pow(try at(1000) / at(100), 1.0 / 900)) < 1e-12)
        let late = zip(curve.steps, curve.values).filter { $0.0 >= 120 && $0.0 <= 1200 }
        let fit = try #require(LeastSquares.fit(x: late.map { log(Double($0.0)) }, y: late.map { log($0.1) }))
        #expect(abs(try #require(res.metrics["loss_loglog_slope"]) - fit.slope) < 1e-12)
        #expect(try #require(res.metrics["loss_loglinear_slope"]) < 0, "the loss falls")
        var short = c
        short.steps = 500
        #expect(Trainer.train(short).metrics["gamma_hat"] == nil, "γ̂ needs L(1000)")
    }
}
