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
        do {
            return try JSONDecoder().decode(TrialConfig.self, from: Data(JSONValue.object(members).canonicalText.utf8))
        } catch let e as TrainingError {
            throw e
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
