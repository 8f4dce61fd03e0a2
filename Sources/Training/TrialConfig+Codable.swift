// Decoding refuses unknown keys (with a suggestion) and missing required
// fields; encoding writes every field, so an encoded config is complete.

/// A coding key for any string, used to find keys the config does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension TrialConfig: Codable {
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.container(keyedBy: AnyKey.self)
        for key in raw.allKeys where Field(rawValue: key.stringValue) == nil {
            let hint = Suggest.closest(to: key.stringValue, among: Field.allCases.map(\.rawValue))
            throw TrainingError(.invalidConfig,
                "unknown config key '\(key.stringValue)'" + (hint.map { " (did you mean '\($0)'?)" } ?? ""))
        }
        for field in Self.requiredFields where !raw.contains(AnyKey(stringValue: field.rawValue)) {
            throw TrainingError(.invalidConfig, "missing required config key '\(field.rawValue)'")
        }
        let c = try decoder.container(keyedBy: Field.self)
        self.init()
        func get<T: Decodable>(_ f: Field, _ current: T) throws -> T {
            do {
                return try c.decodeIfPresent(T.self, forKey: f) ?? current
            } catch DecodingError.dataCorrupted {
                throw TrainingError(.invalidConfig, "config key '\(f.rawValue)': \(Self.describeChoices(f))")
            } catch DecodingError.typeMismatch(let type, _) {
                throw TrainingError(.invalidConfig, "config key '\(f.rawValue)': expected \(Self.describe(type))")
            }
        }
        func opt<T: Decodable>(_ f: Field) throws -> T? {
            do {
                return try c.decodeIfPresent(T.self, forKey: f)
            } catch DecodingError.typeMismatch(let type, _) {
                throw TrainingError(.invalidConfig, "config key '\(f.rawValue)': expected \(Self.describe(type))")
            }
        }
        seed = try get(.seed, seed)
        dtype = try get(.dtype, dtype)
        data = try get(.data, data)
        dim = try get(.dim, dim)
        nTrain = try get(.nTrain, nTrain)
        nTest = try get(.nTest, nTest)
        margin = try get(.margin, margin)
        labelFlip = try get(.labelFlip, labelFlip)
        noiseStd = try opt(.noiseStd)
        separation = try get(.separation, separation)
        clusters = try get(.clusters, clusters)
        biasCoordinate = try opt(.biasCoordinate)
        dataFile = try opt(.dataFile)
        testFraction = try get(.testFraction, testFraction)
        width = try get(.width, width)
        depth = try get(.depth, depth)
        residual = try get(.residual, residual)
        theta = try get(.theta, theta)
        inputLayer = try get(.inputLayer, inputLayer)
        outputLayer = try get(.outputLayer, outputLayer)
        outputs = try get(.outputs, outputs)
        bias = try get(.bias, bias)
        biasInitStd = try get(.biasInitStd, biasInitStd)
        activation = try get(.activation, activation)
        alpha = try get(.alpha, alpha)
        rescaled = try get(.rescaled, rescaled)
        smoothing = try get(.smoothing, smoothing)
        initPreset = try get(.initPreset, initPreset)
        initInputVar = try opt(.initInputVar)
        initHiddenVar = try opt(.initHiddenVar)
        initOutputVar = try opt(.initOutputVar)
        train = try get(.train, train)
        loss = try get(.loss, loss)
        reduction = try get(.reduction, reduction)
        optimizer = try get(.optimizer, optimizer)
        lr = try get(.lr, lr)
        lrScaling = try get(.lrScaling, lrScaling)
        batchSize = try get(.batchSize, batchSize)
        momentum = try get(.momentum, momentum)
        weightDecay = try get(.weightDecay, weightDecay)
        lrDecayEvery = try get(.lrDecayEvery, lrDecayEvery)
        lrDecayFactor = try get(.lrDecayFactor, lrDecayFactor)
        steps = try get(.steps, steps)
        metrics = try get(.metrics, metrics)
        namedSteps = try get(.namedSteps, namedSteps)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Field.self)
        try c.encode(seed, forKey: .seed)
        try c.encode(dtype, forKey: .dtype)
        try c.encode(data, forKey: .data)
        try c.encode(dim, forKey: .dim)
        try c.encode(nTrain, forKey: .nTrain)
        try c.encode(nTest, forKey: .nTest)
        try c.encode(margin, forKey: .margin)
        try c.encode(labelFlip, forKey: .labelFlip)
        try c.encodeIfPresent(noiseStd, forKey: .noiseStd)
        try c.encode(separation, forKey: .separation)
        try c.encode(clusters, forKey: .clusters)
        try c.encodeIfPresent(biasCoordinate, forKey: .biasCoordinate)
        try c.encodeIfPresent(dataFile, forKey: .dataFile)
        try c.encode(testFraction, forKey: .testFraction)
        try c.encode(width, forKey: .width)
        try c.encode(depth, forKey: .depth)
        try c.encode(residual, forKey: .residual)
        try c.encode(theta, forKey: .theta)
        try c.encode(inputLayer, forKey: .inputLayer)
        try c.encode(outputLayer, forKey: .outputLayer)
        try c.encode(outputs, forKey: .outputs)
        try c.encode(bias, forKey: .bias)
        try c.encode(biasInitStd, forKey: .biasInitStd)
        try c.encode(activation, forKey: .activation)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(rescaled, forKey: .rescaled)
        try c.encode(smoothing, forKey: .smoothing)
        try c.encode(initPreset, forKey: .initPreset)
        try c.encodeIfPresent(initInputVar, forKey: .initInputVar)
        try c.encodeIfPresent(initHiddenVar, forKey: .initHiddenVar)
        try c.encodeIfPresent(initOutputVar, forKey: .initOutputVar)
        try c.encode(train, forKey: .train)
        try c.encode(loss, forKey: .loss)
        try c.encode(reduction, forKey: .reduction)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(lr, forKey: .lr)
        try c.encode(lrScaling, forKey: .lrScaling)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(momentum, forKey: .momentum)
        try c.encode(weightDecay, forKey: .weightDecay)
        try c.encode(lrDecayEvery, forKey: .lrDecayEvery)
        try c.encode(lrDecayFactor, forKey: .lrDecayFactor)
        try c.encode(steps, forKey: .steps)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(namedSteps, forKey: .namedSteps)
    }

    /// "one of: a, b, c" for enum-valued fields.
    static func describeChoices(_ f: Field) -> String {
        let choices: [String]
        switch f {
        case .dtype: choices = DType.allCases.map(\.rawValue)
        case .data: choices = DataKind.allCases.map(\.rawValue)
        case .inputLayer: choices = InputLayerKind.allCases.map(\.rawValue)
        case .outputLayer: choices = OutputLayerKind.allCases.map(\.rawValue)
        case .activation: choices = ActivationKind.allCases.map(\.rawValue)
        case .initPreset: choices = InitPreset.allCases.map(\.rawValue)
        case .loss: choices = LossKind.allCases.map(\.rawValue)
        case .reduction: choices = LossReduction.allCases.map(\.rawValue)
        case .optimizer: choices = OptimizerKind.allCases.map(\.rawValue)
        case .lrScaling: choices = LRScaling.allCases.map(\.rawValue)
        case .metrics: choices = MetricsLevel.allCases.map(\.rawValue)
        default: return "invalid value"
        }
        return "expected one of: " + choices.joined(separator: ", ")
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        default: return "\(type)"
        }
    }
}

/// "Did you mean" suggestions by edit distance.
public enum Suggest {
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let best = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
