import Training

/// Reads a `TrialConfig` object as `ConfigWriter` writes it, without
/// `JSONDecoder` (whose generic containers cost ~20× more). A shortcut only
/// (see `JSONScanner`): nil for an unknown or repeated key, a missing
/// required key, a `null`, an escaped string, a value of another type or
/// outside its enum — the caller then decodes with `TrialConfig`'s own
/// decoder, which names the problem. `ConfigReaderTests` checks it against
/// that decoder.
public enum ConfigReader {
    public static func read(_ bytes: [UInt8]) -> TrialConfig? {
        var r = JSONScanner(bytes)
        guard let c = read(&r), r.atEnd() else { return nil }
        return c
    }

    public static func read(_ r: inout JSONScanner) -> TrialConfig? {
        var c = TrialConfig()
        var seen = Set<TrialConfig.Field>(minimumCapacity: 64)
        guard r.object({ r, key in
            guard let field = TrialConfig.Field(rawValue: key), seen.insert(field).inserted else { return false }
            switch field {
            case .seed: guard let v = r.uint() else { return false }; c.seed = v
            case .dtype: guard let v = r.string().flatMap(DType.init(rawValue:)) else { return false }; c.dtype = v
            case .data: guard let v = r.string().flatMap(DataKind.init(rawValue:)) else { return false }; c.data = v
            case .dim: guard let v = r.int() else { return false }; c.dim = v
            case .nTrain: guard let v = r.int() else { return false }; c.nTrain = v
            case .nTest: guard let v = r.int() else { return false }; c.nTest = v
            case .margin: guard let v = r.double() else { return false }; c.margin = v
            case .labelFlip: guard let v = r.double() else { return false }; c.labelFlip = v
            case .noiseStd: guard let v = r.double() else { return false }; c.noiseStd = v
            case .separation: guard let v = r.double() else { return false }; c.separation = v
            case .clusters: guard let v = r.int() else { return false }; c.clusters = v
            case .biasCoordinate: guard let v = r.double() else { return false }; c.biasCoordinate = v
            case .dataFile: guard let v = r.string() else { return false }; c.dataFile = v
            case .testFraction: guard let v = r.double() else { return false }; c.testFraction = v
            case .width: guard let v = r.int() else { return false }; c.width = v
            case .depth: guard let v = r.int() else { return false }; c.depth = v
            case .residual: guard let v = r.bool() else { return false }; c.residual = v
            case .theta: guard let v = r.double() else { return false }; c.theta = v
            case .inputLayer: guard let v = r.string().flatMap(InputLayerKind.init(rawValue:)) else { return false }; c.inputLayer = v
            case .outputLayer: guard let v = r.string().flatMap(OutputLayerKind.init(rawValue:)) else { return false }; c.outputLayer = v
            case .outputs: guard let v = r.int() else { return false }; c.outputs = v
            case .bias: guard let v = r.bool() else { return false }; c.bias = v
            case .biasInitStd: guard let v = r.double() else { return false }; c.biasInitStd = v
            case .activation: guard let v = r.string().flatMap(ActivationKind.init(rawValue:)) else { return false }; c.activation = v
            case .alpha: guard let v = r.double() else { return false }; c.alpha = v
            case .rescaled: guard let v = r.bool() else { return false }; c.rescaled = v
            case .smoothing: guard let v = r.double() else { return false }; c.smoothing = v
            case .initPreset: guard let v = r.string().flatMap(InitPreset.init(rawValue:)) else { return false }; c.initPreset = v
            case .initInputVar: guard let v = r.double() else { return false }; c.initInputVar = v
            case .initHiddenVar: guard let v = r.double() else { return false }; c.initHiddenVar = v
            case .initOutputVar: guard let v = r.double() else { return false }; c.initOutputVar = v
            case .train: guard let v = r.string() else { return false }; c.train = v
            case .loss: guard let v = r.string().flatMap(LossKind.init(rawValue:)) else { return false }; c.loss = v
            case .reduction: guard let v = r.string().flatMap(LossReduction.init(rawValue:)) else { return false }; c.reduction = v
            case .optimizer: guard let v = r.string().flatMap(OptimizerKind.init(rawValue:)) else { return false }; c.optimizer = v
            case .lr: guard let v = r.double() else { return false }; c.lr = v
            case .lrScaling: guard let v = r.string().flatMap(LRScaling.init(rawValue:)) else { return false }; c.lrScaling = v
            case .batchSize: guard let v = r.int() else { return false }; c.batchSize = v
            case .momentum: guard let v = r.double() else { return false }; c.momentum = v
            case .weightDecay: guard let v = r.double() else { return false }; c.weightDecay = v
            case .lrDecayEvery: guard let v = r.int() else { return false }; c.lrDecayEvery = v
            case .lrDecayFactor: guard let v = r.double() else { return false }; c.lrDecayFactor = v
            case .steps: guard let v = r.int() else { return false }; c.steps = v
            case .metrics: guard let v = r.string().flatMap(MetricsLevel.init(rawValue:)) else { return false }; c.metrics = v
            case .namedSteps: guard let v = r.array({ s in s.int() }) else { return false }; c.namedSteps = v
            }
            return true
        }), TrialConfig.requiredFields.allSatisfy(seen.contains) else { return nil }
        return c
    }
}
