import Training

/// Reads a `TrialConfig` object as `ConfigWriter` writes it, without
/// `JSONDecoder` and its generic containers (several times slower). A shortcut only
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
        /// Stores a value that was read; false (give up) when there was none.
        func set<V>(_ value: V?, _ store: (V) -> Void) -> Bool {
            guard let value else { return false }
            store(value)
            return true
        }
        guard r.object({ r, key in
            guard let field = TrialConfig.Field(rawValue: key), seen.insert(field).inserted else { return false }
            switch field {
            case .seed: return set(r.uint()) { c.seed = $0 }
            case .dtype: return set(r.string().flatMap(DType.init(rawValue:))) { c.dtype = $0 }
            case .data: return set(r.string().flatMap(DataKind.init(rawValue:))) { c.data = $0 }
            case .dim: return set(r.int()) { c.dim = $0 }
            case .nTrain: return set(r.int()) { c.nTrain = $0 }
            case .nTest: return set(r.int()) { c.nTest = $0 }
            case .margin: return set(r.double()) { c.margin = $0 }
            case .labelFlip: return set(r.double()) { c.labelFlip = $0 }
            case .noiseStd: return set(r.double()) { c.noiseStd = $0 }
            case .separation: return set(r.double()) { c.separation = $0 }
            case .clusters: return set(r.int()) { c.clusters = $0 }
            case .biasCoordinate: return set(r.double()) { c.biasCoordinate = $0 }
            case .dataFile: return set(r.string()) { c.dataFile = $0 }
            case .testFraction: return set(r.double()) { c.testFraction = $0 }
            case .width: return set(r.int()) { c.width = $0 }
            case .depth: return set(r.int()) { c.depth = $0 }
            case .residual: return set(r.bool()) { c.residual = $0 }
            case .theta: return set(r.double()) { c.theta = $0 }
            case .inputLayer: return set(r.string().flatMap(InputLayerKind.init(rawValue:))) { c.inputLayer = $0 }
            case .outputLayer: return set(r.string().flatMap(OutputLayerKind.init(rawValue:))) { c.outputLayer = $0 }
            case .outputs: return set(r.int()) { c.outputs = $0 }
            case .bias: return set(r.bool()) { c.bias = $0 }
            case .biasInitStd: return set(r.double()) { c.biasInitStd = $0 }
            case .activation: return set(r.string().flatMap(ActivationKind.init(rawValue:))) { c.activation = $0 }
            case .alpha: return set(r.double()) { c.alpha = $0 }
            case .rescaled: return set(r.bool()) { c.rescaled = $0 }
            case .smoothing: return set(r.double()) { c.smoothing = $0 }
            case .initPreset: return set(r.string().flatMap(InitPreset.init(rawValue:))) { c.initPreset = $0 }
            case .initInputVar: return set(r.double()) { c.initInputVar = $0 }
            case .initHiddenVar: return set(r.double()) { c.initHiddenVar = $0 }
            case .initOutputVar: return set(r.double()) { c.initOutputVar = $0 }
            case .train: return set(r.string()) { c.train = $0 }
            case .loss: return set(r.string().flatMap(LossKind.init(rawValue:))) { c.loss = $0 }
            case .reduction: return set(r.string().flatMap(LossReduction.init(rawValue:))) { c.reduction = $0 }
            case .optimizer: return set(r.string().flatMap(OptimizerKind.init(rawValue:))) { c.optimizer = $0 }
            case .lr: return set(r.double()) { c.lr = $0 }
            case .lrScaling: return set(r.string().flatMap(LRScaling.init(rawValue:))) { c.lrScaling = $0 }
            case .batchSize: return set(r.int()) { c.batchSize = $0 }
            case .momentum: return set(r.double()) { c.momentum = $0 }
            case .weightDecay: return set(r.double()) { c.weightDecay = $0 }
            case .lrDecayEvery: return set(r.int()) { c.lrDecayEvery = $0 }
            case .lrDecayFactor: return set(r.double()) { c.lrDecayFactor = $0 }
            case .steps: return set(r.int()) { c.steps = $0 }
            case .metrics: return set(r.string().flatMap(MetricsLevel.init(rawValue:))) { c.metrics = $0 }
            case .namedSteps: return set(r.array({ s in s.int() })) { c.namedSteps = $0 }
            }
        }), TrialConfig.requiredFields.allSatisfy(seen.contains) else { return nil }
        return c
    }
}
