import Foundation
import Training

extension TrialConfig {
    /// Fields that decide the shapes and the code path of training, so
    /// trials that agree on all of them can train together in one shard
    /// (batched over seeds, α, η …). Consecutive trials of a plan agree on
    /// these as long as possible.
    public static let shapeFields: Set<Field> = [
        .dtype, .data, .dim, .nTrain, .nTest, .biasCoordinate, .dataFile, .testFraction,
        .width, .depth, .residual, .inputLayer, .outputLayer, .outputs, .bias,
        .activation, .loss, .optimizer, .batchSize, .steps, .metrics, .train, .namedSteps,
    ]

    /// Fields `normalized()` may rewrite depending on other fields; all
    /// others pass through it unchanged (used to rule out duplicate trials
    /// between blocks without hashing them).
    static let rewrittenByNormalization: Set<Field> = [
        .alpha, .rescaled, .smoothing, .theta, .residual, .batchSize, .lrDecayFactor, .biasInitStd,
        .margin, .separation, .clusters, .dataFile, .testFraction, .labelFlip, .dim, .noiseStd, .namedSteps,
    ]

    /// Copies one field from another config. The switch is exhaustive, so a
    /// field added to `TrialConfig.Field` does not compile until it is here.
    mutating func copy(_ field: Field, from other: TrialConfig) {
        switch field {
        case .seed: seed = other.seed
        case .dtype: dtype = other.dtype
        case .data: data = other.data
        case .dim: dim = other.dim
        case .nTrain: nTrain = other.nTrain
        case .nTest: nTest = other.nTest
        case .margin: margin = other.margin
        case .labelFlip: labelFlip = other.labelFlip
        case .noiseStd: noiseStd = other.noiseStd
        case .separation: separation = other.separation
        case .clusters: clusters = other.clusters
        case .biasCoordinate: biasCoordinate = other.biasCoordinate
        case .dataFile: dataFile = other.dataFile
        case .testFraction: testFraction = other.testFraction
        case .width: width = other.width
        case .depth: depth = other.depth
        case .residual: residual = other.residual
        case .theta: theta = other.theta
        case .inputLayer: inputLayer = other.inputLayer
        case .outputLayer: outputLayer = other.outputLayer
        case .outputs: outputs = other.outputs
        case .bias: bias = other.bias
        case .biasInitStd: biasInitStd = other.biasInitStd
        case .activation: activation = other.activation
        case .alpha: alpha = other.alpha
        case .rescaled: rescaled = other.rescaled
        case .smoothing: smoothing = other.smoothing
        case .initPreset: initPreset = other.initPreset
        case .initInputVar: initInputVar = other.initInputVar
        case .initHiddenVar: initHiddenVar = other.initHiddenVar
        case .initOutputVar: initOutputVar = other.initOutputVar
        case .train: train = other.train
        case .loss: loss = other.loss
        case .reduction: reduction = other.reduction
        case .optimizer: optimizer = other.optimizer
        case .lr: lr = other.lr
        case .lrScaling: lrScaling = other.lrScaling
        case .batchSize: batchSize = other.batchSize
        case .momentum: momentum = other.momentum
        case .weightDecay: weightDecay = other.weightDecay
        case .lrDecayEvery: lrDecayEvery = other.lrDecayEvery
        case .lrDecayFactor: lrDecayFactor = other.lrDecayFactor
        case .steps: steps = other.steps
        case .metrics: metrics = other.metrics
        case .namedSteps: namedSteps = other.namedSteps
        }
    }
}

/// Facts about config fields the spec reader needs, found by asking the
/// config's own Codable conformance rather than restating it.
enum FieldFacts {
    /// The default config as a JSON object (every field, required ones included).
    static let defaults: [String: JSONValue] = {
        if case .object(let members) = CanonicalJSON.rawValue(TrialConfig()) { return members }
        return [:]
    }()

    /// Fields holding integers (a fractional value is refused by decoding).
    static let integerFields: Set<TrialConfig.Field> = Set(TrialConfig.Field.allCases.filter { field in
        guard defaults[field.rawValue]?.intValue != nil else { return false }
        var probe = defaults
        probe[field.rawValue] = .double(0.5)
        return (try? decode(probe)) == nil && (try? decode(defaults)) != nil
    })

    /// Fields whose values are lists (`named_steps`).
    static let listFields: Set<TrialConfig.Field> = Set(TrialConfig.Field.allCases.filter {
        if case .array = defaults[$0.rawValue] { return true }
        return false
    })

    /// Decodes a config from a JSON object through `TrialConfig`'s decoder
    /// (its messages name the field); throws `TrainingError`.
    static func decode(_ members: [String: JSONValue]) throws -> TrialConfig {
        let text = Array(JSONValue.object(members).canonicalText.utf8)
        // Every trial of a plan comes through here: the direct reader first.
        if let config = ConfigReader.read(text) { return config }
        do {
            return try JSONDecoder().decode(TrialConfig.self, from: Data(text))
        } catch let e as TrainingError {
            throw e
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Foundation refuses integer literals beyond 64 bits as "not valid JSON".
            throw TrainingError(.invalidConfig, "a number is too large for its field")
        } catch {
            throw TrainingError(.invalidConfig, "\(error)")
        }
    }
}

extension CanonicalJSON {
    /// A config's fields as given (not normalized) as a JSON object.
    static func rawValue(_ config: TrialConfig) -> JSONValue {
        (try? JSONValueEncoder.encode(config)) ?? .null
    }
}

extension TrialConfig {
    /// A field's value as `encode(to:)` writes it (nil where it writes
    /// nothing). Exhaustive, so a new field does not compile until it is
    /// here; a test checks it against the Encodable path.
    func json(_ field: Field) -> JSONValue? {
        switch field {
        case .seed: return .integer(seed)
        case .dtype: return .string(dtype.rawValue)
        case .data: return .string(data.rawValue)
        case .dim: return .integer(dim)
        case .nTrain: return .integer(nTrain)
        case .nTest: return .integer(nTest)
        case .margin: return .double(margin)
        case .labelFlip: return .double(labelFlip)
        case .noiseStd: return noiseStd.map(JSONValue.double)
        case .separation: return .double(separation)
        case .clusters: return .integer(clusters)
        case .biasCoordinate: return biasCoordinate.map(JSONValue.double)
        case .dataFile: return dataFile.map(JSONValue.string)
        case .testFraction: return .double(testFraction)
        case .width: return .integer(width)
        case .depth: return .integer(depth)
        case .residual: return .bool(residual)
        case .theta: return .double(theta)
        case .inputLayer: return .string(inputLayer.rawValue)
        case .outputLayer: return .string(outputLayer.rawValue)
        case .outputs: return .integer(outputs)
        case .bias: return .bool(bias)
        case .biasInitStd: return .double(biasInitStd)
        case .activation: return .string(activation.rawValue)
        case .alpha: return .double(alpha)
        case .rescaled: return .bool(rescaled)
        case .smoothing: return .double(smoothing)
        case .initPreset: return .string(initPreset.rawValue)
        case .initInputVar: return initInputVar.map(JSONValue.double)
        case .initHiddenVar: return initHiddenVar.map(JSONValue.double)
        case .initOutputVar: return initOutputVar.map(JSONValue.double)
        case .train: return .string(train)
        case .loss: return .string(loss.rawValue)
        case .reduction: return .string(reduction.rawValue)
        case .optimizer: return .string(optimizer.rawValue)
        case .lr: return .double(lr)
        case .lrScaling: return .string(lrScaling.rawValue)
        case .batchSize: return .integer(batchSize)
        case .momentum: return .double(momentum)
        case .weightDecay: return .double(weightDecay)
        case .lrDecayEvery: return .integer(lrDecayEvery)
        case .lrDecayFactor: return .double(lrDecayFactor)
        case .steps: return .integer(steps)
        case .metrics: return .string(metrics.rawValue)
        case .namedSteps: return .array(namedSteps.map { .integer($0) })
        }
    }

    /// Field names in canonical (RFC 8785) order; all ASCII, so byte order.
    static let canonicalFieldOrder: [Field] = Field.allCases.sorted { $0.rawValue < $1.rawValue }

    /// Canonical JSON of this config as it is (not normalized), written
    /// directly: the fast path behind trial ids.
    var canonicalText: String {
        var out = "{"
        out.reserveCapacity(1024)
        var first = true
        for field in Self.canonicalFieldOrder {
            guard let value = json(field) else { continue }
            if !first { out += "," }
            first = false
            JSONValue.writeString(field.rawValue, to: &out)
            out += ":"
            value.write(to: &out)
        }
        out += "}"
        return out
    }
}
