import Foundation

extension TrialConfig {
    /// Throws a `ConfigError` naming the first field that
    /// cannot be trained as given.
    public func validate() throws(ConfigError) {
        func fail(_ message: String) throws(ConfigError) -> Never { throw ConfigError(message) }
        // Sizes first: a width or depth no machine can hold must not reach an allocation below.
        try SizeLimits.check(self)
        if width <= 0 { try fail("width must be > 0 (got \(width))") }
        if depth <= 0 { try fail("depth must be ≥ 1 hidden layer (got \(depth))") }
        if dim <= 0 { try fail("dim must be > 0 (got \(dim))") }
        if nTrain <= 0 { try fail("n_train must be > 0 (got \(nTrain))") }
        if nTest < 0 { try fail("n_test must be ≥ 0 (got \(nTest))") }
        if steps < 0 { try fail("steps must be ≥ 0 (got \(steps))") }
        if !(lr > 0) || !lr.isFinite { try fail("lr must be a positive finite number (got \(lr))") }
        if outputs <= 0 { try fail("outputs must be ≥ 1 (got \(outputs))") }
        if outputs > 1 && loss != .crossEntropy { try fail("outputs = \(outputs) needs loss cross_entropy") }
        if loss == .crossEntropy && outputs < 2 { try fail("loss cross_entropy needs outputs ≥ 2") }
        if outputLayer == .fixedSign && width % 2 != 0 {
            try fail("output_layer fixed_sign needs an even width (got \(width))")
        }
        if activation == .leaky && !alpha.isFinite { try fail("leaky alpha must be a finite number (got \(alpha))") }
        if (activation == .huber || activation == .swish) && !(smoothing > 0) {
            try fail("\(activation.rawValue) smoothing h must be > 0 (got \(smoothing))")
        }
        if !(theta.isFinite) { try fail("theta must be finite") }
        if !(0...1).contains(labelFlip) { try fail("label_flip must be in [0, 1] (got \(labelFlip))") }
        if let s = noiseStd, !(s >= 0) { try fail("noise_std must be ≥ 0 (got \(s))") }
        if margin < 0 || margin >= 1 { try fail("margin must be in [0, 1) (got \(margin))") }
        if separation < 0 { try fail("separation must be ≥ 0 (got \(separation))") }
        if clusters < 2 && data == .separated { try fail("separated data needs clusters ≥ 2 (got \(clusters))") }
        if isRegression && loss != .square {
            try fail("data \(data.rawValue) is a regression target: use loss square (got \(loss.rawValue))")
        }
        if data == .file && (dataFile ?? "").isEmpty { try fail("data: file needs data_file") }
        if let d = dataDigest, !Self.isSHA256Hex(d) {
            try fail("data_digest must be 64 lower-case hex digits (a SHA-256), got '\(d.prefix(80))'")
        }
        if !(0..<1).contains(testFraction) { try fail("test_fraction must be in [0, 1) (got \(testFraction))") }
        if optimizer == .sgd && batchSize <= 0 { try fail("batch_size must be > 0 (got \(batchSize))") }
        if !(0..<1).contains(momentum) { try fail("momentum must be in [0, 1) (got \(momentum))") }
        if weightDecay < 0 { try fail("weight_decay must be ≥ 0 (got \(weightDecay))") }
        if lrDecayEvery < 0 { try fail("lr_decay_every must be ≥ 0 (got \(lrDecayEvery))") }
        if !(lrDecayFactor > 0) { try fail("lr_decay_factor must be > 0 (got \(lrDecayFactor))") }
        if biasInitStd < 0 { try fail("bias_init_std must be ≥ 0 (got \(biasInitStd))") }
        for (name, v) in [("init_input_var", initInputVar), ("init_hidden_var", initHiddenVar), ("init_output_var", initOutputVar)] {
            if let v, !(v >= 0) || !v.isFinite { try fail("\(name) must be ≥ 0 (got \(v))") }
        }
        if namedSteps.contains(where: { $0 < 0 }) { try fail("named_steps must be ≥ 0") }
        if stopAtZeroError == true && isRegression {
            try fail("stop_at_zero_error needs a classification target (data \(data.rawValue) is a regression target); use stop_loss_below")
        }
        if let e = stopLossBelow, !(e > 0) || !e.isFinite { try fail("stop_loss_below must be a positive finite number (got \(e))") }
        if let p = stopPlateauSteps, p < 0 { try fail("stop_plateau_steps must be ≥ 0 (got \(p))") }
        if let t = stopPlateauTolerance, !(t >= 0 && t < 1) { try fail("stop_plateau_tolerance must be in [0, 1) (got \(t))") }
        _ = try trainableLayers()
    }

    static func isSHA256Hex(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Dimension the generator produces (before a bias coordinate).
    public var generatorDim: Int {
        switch data {
        case .leakySynthetic: return 5
        case .azlSincos, .azlTanh: return 4
        default: return dim
        }
    }

    /// Whether the data is a regression target (square loss on real labels).
    public var isRegression: Bool {
        switch data {
        case .leakySynthetic, .azlSincos, .azlTanh: return true
        default: return false
        }
    }

    /// The step size actually used at step 0 (before decay).
    public var effectiveLR: Double { lrScaling == .inverseWidth ? lr / Double(width) : lr }

    /// Number of weight layers that can train: L hidden + output.
    /// Returns, for hidden layers 1…L, whether each trains, and whether the output trains.
    public func trainableLayers() throws(ConfigError) -> (hidden: [Bool], output: Bool) {
        let outputCanTrain = outputLayer == .trainable
        switch train {
        case "all": return (Array(repeating: true, count: depth), outputCanTrain)
        case "hidden": return (Array(repeating: true, count: depth), false)
        case "output", "last":
            guard outputCanTrain else {
                throw ConfigError("train: \(train) but output_layer is \(outputLayer.rawValue) (nothing would train)")
            }
            return (Array(repeating: false, count: depth), true)
        default:
            var hidden = Array(repeating: false, count: depth)
            var output = false
            for part in train.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if part == "out" || part == "output" {
                    guard outputCanTrain else {
                        throw ConfigError("train lists 'out' but output_layer is \(outputLayer.rawValue)")
                    }
                    output = true
                } else if let i = Int(part), (1...depth).contains(i) {
                    hidden[i - 1] = true
                } else {
                    throw ConfigError(
                        "train: '\(part)' is not a hidden layer 1…\(depth) or 'out' (use all, hidden, output or a list like \"1,2,out\")")
                }
            }
            if !output && !hidden.contains(true) { throw ConfigError("train selects no layer") }
            return (hidden, output)
        }
    }

    /// Fields `normalized()` may rewrite depending on other fields; all
    /// others pass through it unchanged (the planner uses this to rule out
    /// duplicate trials between blocks without hashing them).
    /// `NormalizationTests` checks the list against `normalized()`.
    public static let rewrittenByNormalization: Set<Field> = [
        .alpha, .rescaled, .smoothing, .theta, .residual, .batchSize, .lrDecayFactor, .biasInitStd,
        .margin, .separation, .clusters, .dataFile, .dataDigest, .testFraction, .labelFlip, .dim, .noiseStd, .namedSteps,
        .stopAtZeroError, .stopPlateauSteps, .stopPlateauTolerance,
    ]

    /// `stop_plateau_tolerance` when unset: a relative improvement of 1e-4.
    public static let defaultPlateauTolerance = 1e-4

    /// The same run with every field that cannot affect it reset to its
    /// default, so two spellings of one run hash alike (e.g. `alpha` under
    /// relu, `theta` without residual links, `batch_size` under full-batch GD).
    public func normalized() -> TrialConfig {
        var c = self
        let d = TrialConfig()
        if c.activation != .leaky { c.alpha = d.alpha; c.rescaled = d.rescaled }
        if c.activation != .huber && c.activation != .swish { c.smoothing = d.smoothing }
        if !c.residual || c.depth < 2 { c.theta = d.theta; c.residual = c.residual && c.depth >= 2 }
        if c.optimizer == .gd { c.batchSize = d.batchSize }
        if c.lrDecayEvery == 0 { c.lrDecayFactor = d.lrDecayFactor }
        if !c.bias { c.biasInitStd = d.biasInitStd }
        if c.data != .sphereTeacher { c.margin = d.margin }
        if c.data != .separated { c.separation = d.separation; c.clusters = d.clusters }
        if c.data != .file { c.dataFile = nil; c.dataDigest = nil; c.testFraction = d.testFraction }
        if c.isRegression { c.labelFlip = d.labelFlip; c.dim = c.generatorDim } else { c.noiseStd = nil }
        if c.isRegression && c.noiseStd == nil { c.noiseStd = c.data == .leakySynthetic ? 0.1 : 0 }
        c.namedSteps = Array(Set(c.namedSteps)).sorted()
        // A stop rule that is off is written one way: unset.
        if c.stopAtZeroError == false { c.stopAtZeroError = nil }
        if (c.stopPlateauSteps ?? 0) == 0 {
            c.stopPlateauSteps = nil
            c.stopPlateauTolerance = nil
        } else if c.stopPlateauTolerance == Self.defaultPlateauTolerance {
            c.stopPlateauTolerance = nil
        }
        return c
    }
}
