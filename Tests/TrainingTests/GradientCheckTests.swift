import Testing
import TrialContract
@testable import Training

/// Backprop against central finite differences, float64, every trainable
/// parameter of tiny networks (d = 3, m = 4, n = 6).
///
/// Tolerance: relative error ‖g_fd − g‖ / max(‖g_fd‖, ‖g‖) < 1e-6. With
/// ε = 1e-5 the truncation error of central differences is O(ε²·|ℓ'''|) ≈ 1e-10
/// and the rounding error O(1e-16·|L|/ε) ≈ 1e-11, far below the bound; a wrong
/// gradient (missing factor, transposed matrix) is off by O(1).
///
/// Kinks: relu and leaky are not differentiable at z = 0, hinge at y·f = 1,
/// huber's second derivative jumps at 0 and h. A central difference across a
/// kink is off by O(1) for relu/leaky/hinge. Rather than one-sided checks we
/// pick smooth points: the seed is chosen so that every pre-activation and
/// every hinge margin is ≥ 1e-3 away from its kink, far more than ε times
/// any ∂z/∂w here (≤ ~10), so no difference quotient straddles a kink and the
/// derivative checked is the one backprop uses on that side.
@Suite struct GradientCheckTests {
    static func base() -> TrialConfig {
        var c = TrialConfig.sized(dim: 3, nTrain: 6, width: 4, depth: 2, steps: 0)
        c.initOutputVar = 1   // O(1) outputs, so the loss is not flat
        c.biasInitStd = 0.3
        return c
    }

    /// L(θ) on the whole training set, as the trainer computes it.
    static func loss(_ run: TrialRun<Double>) -> (Double, LossSums) {
        let net = run.net
        net.forward(run.trainInput.p, rows: run.nTrain)
        let s = run.split.train.y.withUnsafeBufferPointer {
            run.loss.evaluate(net.f.p, labels: $0.baseAddress!, rows: run.nTrain, gradient: net.df.p,
                              factor: run.loss.factor(samples: run.nTrain))
        }
        return (run.loss.factor(samples: run.nTrain) * s.loss, s)
    }

    /// Smallest distance of any pre-activation (and hinge margin) to a kink.
    static func distanceToKinks(_ run: TrialRun<Double>) -> Double {
        // Under ReLU the forward pass keeps h only; the check reads z, then the
        // gradients are checked on the trainer's own path.
        run.net.keepsPreActivations = true
        defer { run.net.keepsPreActivations = false }
        _ = loss(run)
        var d = Double.infinity
        for l in 0..<run.net.depth {
            for i in 0..<(run.nTrain * run.net.width) { d = min(d, abs(run.net.z[l].p[i])) }
            if case let .huber(h) = run.net.activation.kind {
                for i in 0..<(run.nTrain * run.net.width) { d = min(d, abs(run.net.z[l].p[i] - h)) }
            }
        }
        if run.loss.kind == .hinge {
            for i in 0..<run.nTrain { d = min(d, abs(1 - run.split.train.y[i] * run.net.f.p[i])) }
        }
        return d
    }

    /// A run of `config` at the first seed whose point is ≥ 1e-3 from every kink.
    static func smoothRun(_ config: TrialConfig) throws -> TrialRun<Double> {
        var c = config
        for seed in UInt64(0)..<200 {
            c.seed = seed
            let run = try TrialRun<Double>(config: c, split: DataSplit.make(for: c))
            if distanceToKinks(run) >= 1e-3 { return run }
        }
        throw TrainingError(.invalidConfig, "no smooth point found")
    }

    /// Relative error of backprop against central differences over every trainable parameter.
    static func relativeError(_ config: TrialConfig) throws -> Double {
        let run = try smoothRun(config)
        _ = loss(run)
        run.net.backward(run.trainInput.p, rows: run.nTrain)
        var analytic = [Double](), numeric = [Double]()
        let eps = 1e-5
        for layer in run.net.trainableLayers {
            analytic += layer.gw!.array + (layer.gb?.array ?? [])
            for buffer in [layer.w] + (layer.b.map { [$0] } ?? []) {
                for i in 0..<buffer.count {
                    let saved = buffer.p[i]
                    buffer.p[i] = saved + eps
                    let plus = loss(run).0
                    buffer.p[i] = saved - eps
                    let minus = loss(run).0
                    buffer.p[i] = saved
                    numeric.append((plus - minus) / (2 * eps))
                }
            }
        }
        #expect(!analytic.isEmpty)
        let diff = zip(analytic, numeric).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        let scale = max(analytic.map { $0 * $0 }.reduce(0, +), numeric.map { $0 * $0 }.reduce(0, +)).squareRoot()
        #expect(scale > 1e-8, "gradient vanishes: nothing checked")
        return diff / scale
    }

    static let activations: [(ActivationKind, Double, Bool)] = [
        (.relu, 0, false), (.identity, 0, false), (.tanh, 0, false), (.softplus, 0, false),
        (.leaky, 0.2, false), (.leaky, -1, true), (.leaky, -2.5, true), (.huber, 0.5, false), (.swish, 0.7, false),
    ]

    @Test(arguments: LossKind.allCases)
    func everyActivationWithEveryLoss(loss: LossKind) throws {
        for (act, param, rescaled) in Self.activations {
            var c = Self.base()
            c.loss = loss
            c.outputs = loss == .crossEntropy ? 3 : 1
            c.activation = act
            c.alpha = act == .leaky ? param : 0
            c.smoothing = param > 0 ? param : 1
            c.rescaled = rescaled
            c.bias = true
            c.residual = true
            c.depth = 3
            c.reduction = loss == .square ? .halfMean : .mean
            let e = try Self.relativeError(c)
            #expect(e < 1e-6, "\(act) α/h=\(param) × \(loss): relative error \(e)")
        }
    }

    @Test(arguments: [false, true], [false, true])
    func everyArchitectureOption(residual: Bool, bias: Bool) throws {
        for input in InputLayerKind.allCases {
            for output in OutputLayerKind.allCases {
                for act in [ActivationKind.tanh, .leaky] {
                    var c = Self.base()
                    c.residual = residual
                    c.theta = 0.7
                    c.bias = bias
                    c.inputLayer = input
                    c.outputLayer = output
                    c.activation = act
                    c.alpha = act == .leaky ? -0.5 : 0
                    c.depth = 3
                    let e = try Self.relativeError(c)
                    #expect(e < 1e-6, "residual \(residual) bias \(bias) input \(input) output \(output) \(act): \(e)")
                }
            }
        }
    }

    @Test(arguments: ["all", "hidden", "output", "1", "2", "3", "1,3", "2,out", "1,out"])
    func layerSubsets(train: String) throws {
        var c = Self.base()
        c.depth = 3
        c.bias = true
        c.residual = true
        c.activation = .softplus
        c.train = train
        let e = try Self.relativeError(c)
        #expect(e < 1e-6, "train \(train): \(e)")
        // Fixed layers hold no gradient and never move.
        let (hidden, output) = try c.trainableLayers()
        let run = try TrialRun<Double>(config: c, split: DataSplit.make(for: c))
        #expect(run.net.hidden.map(\.trains) == hidden && run.net.output.trains == output)
        #expect(run.net.hidden.allSatisfy { ($0.gw == nil) != $0.trains })
    }

    @Test func reductionsScaleTheGradient() throws {
        for r in LossReduction.allCases {
            var c = Self.base()
            c.loss = .square
            c.reduction = r
            let e = try Self.relativeError(c)
            #expect(e < 1e-6, "\(r): \(e)")
        }
    }
}
