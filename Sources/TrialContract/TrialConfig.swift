// The complete description of one training run. Everything a trial's numbers
// depend on is a field here, so hashing the canonical form of this value
// (`TrialID`) identifies the run. Flat on purpose: sweep axes, CSV exports
// and report groupings all address fields by one name.

/// Names of choices, decoded from their JSON/YAML spelling. The short
/// citations ([GLL24] …) are the papers listed in docs/science.md.
public enum DataKind: String, Codable, CaseIterable, Sendable {
    /// x ~ Unif(S^{d−1}) with |βᵀx| ≥ margin, y = sign(βᵀx) ([FCG19]).
    case sphereTeacher = "sphere_teacher"
    /// Labelled clusters whose opposite-label points are ≥ separation apart ([ZCZG18], [CLB21]).
    case separated
    /// [GLL24] §5.1 regression target on S⁴ (dim 5).
    case leakySynthetic = "leaky_synthetic"
    /// [AZL19] targets on S³ (dim 4).
    case azlSincos = "azl_sincos"
    case azlTanh = "azl_tanh"
    /// A user's CSV or NPY file (`data_file`), split by `test_fraction`.
    case file
}

public enum ActivationKind: String, Codable, CaseIterable, Sendable {
    case relu, identity, leaky, huber, swish, tanh, softplus
}

public enum LossKind: String, Codable, CaseIterable, Sendable {
    case logistic, square, exponential, hinge
    case crossEntropy = "cross_entropy"
}

/// How per-sample losses are combined. The papers differ (mean, sum, ½·sum), so it is named.
public enum LossReduction: String, Codable, CaseIterable, Sendable {
    case mean
    case halfMean = "half_mean"
    case sum
    case halfSum = "half_sum"
}

public enum InputLayerKind: String, Codable, CaseIterable, Sendable {
    /// Layer 1 is W₁ ∈ ℝ^{m×d} followed by φ; it is one of the L hidden layers.
    case trainable
    /// Seed 004: a fixed linear embedding A ~ N(0, 1/m) (no activation), then L hidden m×m layers.
    case fixed
}

public enum OutputLayerKind: String, Codable, CaseIterable, Sendable {
    /// A trainable vector (or k×m matrix), Gaussian init.
    case trainable
    /// Fixed ±1 entries, half +1 and half −1 ([FCG19], [ZCZG18]; needs even m).
    case fixedSign = "fixed_sign"
    /// Fixed B ~ N(0, 1/k) ([GLL24]).
    case fixedGaussian = "fixed_gaussian"
}

/// Variance presets; each can be overridden per layer by `init_*_var`.
public enum InitPreset: String, Codable, CaseIterable, Sendable {
    /// N(0, 2/fan_in) hidden, N(0, 1/m) output.
    case he
    /// N(0, 1/fan_in) hidden, N(0, 1/m) output.
    case lecun
    /// [ZCZG18]: N(0, 2/fan_out) hidden (fan_out = m), ±1 output without 1/√m.
    case zou
    /// [AZL19]: N(0, 1/m) hidden, N(0, 1) output.
    case azl
    /// [CLB21]: N(0, 1/fan_in) hidden, N(0, 1) output.
    case chatterji
}

public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    /// Full-batch gradient descent.
    case gd
    /// Minibatch SGD (`batch_size`), optionally with momentum.
    case sgd
}

/// η = lr (constant) or η = lr / m ([FCG19]'s η = η₀/m).
public enum LRScaling: String, Codable, CaseIterable, Sendable {
    case constant
    case inverseWidth = "inverse_width"
}

public enum DType: String, Codable, CaseIterable, Sendable {
    case float32, float64
}

/// Which metrics are recorded. `full` adds the expensive ones (NTK spectrum,
/// spectral norms, activation flips), opt-in because they cost O(n²m) or more.
public enum MetricsLevel: String, Codable, CaseIterable, Sendable {
    case basic, full
}

/// One trial's settings. A field is a stored property here (with its
/// default) and one entry in `TrialConfig.Field.spec` (ConfigFields.swift),
/// which gives its name, meaning and JSON form; decoding, encoding, copying,
/// canonical text and the spec-format field list are all derived from that
/// table, and the compiler refuses a `Field` case without an entry.
public struct TrialConfig: Hashable, Sendable {
    public var seed: UInt64 = 0
    public var dtype: DType = .float64

    // Data.
    public var data: DataKind = .sphereTeacher
    public var dim: Int = 16
    public var nTrain: Int = 256
    public var nTest: Int = 256
    public var margin: Double = 0
    public var labelFlip: Double = 0
    public var noiseStd: Double? = nil
    public var separation: Double = 0.1
    public var clusters: Int = 4
    public var biasCoordinate: Double? = nil
    public var dataFile: String? = nil
    /// SHA-256 (hex) of `dataFile`'s bytes, set by the planner: the trial's
    /// identity covers it instead of the path.
    public var dataDigest: String? = nil
    public var testFraction: Double = 0.2

    // Model.
    public var width: Int = 128
    public var depth: Int = 1
    public var residual: Bool = false
    public var theta: Double = 1
    public var inputLayer: InputLayerKind = .trainable
    public var outputLayer: OutputLayerKind = .trainable
    public var outputs: Int = 1
    public var bias: Bool = false
    public var biasInitStd: Double = 0
    public var activation: ActivationKind = .relu
    public var alpha: Double = 0
    public var rescaled: Bool = false
    public var smoothing: Double = 1
    public var initPreset: InitPreset = .he
    public var initInputVar: Double? = nil
    public var initHiddenVar: Double? = nil
    public var initOutputVar: Double? = nil
    public var train: String = "all"

    // Loss and optimisation.
    public var loss: LossKind = .logistic
    public var reduction: LossReduction = .mean
    public var optimizer: OptimizerKind = .gd
    public var lr: Double = 0.1
    public var lrScaling: LRScaling = .constant
    public var batchSize: Int = 32
    public var momentum: Double = 0
    public var weightDecay: Double = 0
    public var lrDecayEvery: Int = 0
    public var lrDecayFactor: Double = 0.1
    public var steps: Int = 300
    public var metrics: MetricsLevel = .basic
    public var namedSteps: [Int] = [20, 30, 100, 200, 300, 1000]

    // Per-trial stop rules (all unset: train for `steps` steps). Optional, so
    // configs that do not use them keep the ids they always had.
    public var stopAtZeroError: Bool? = nil
    public var stopLossBelow: Double? = nil
    public var stopPlateauSteps: Int? = nil
    public var stopPlateauTolerance: Double? = nil

    public init() {}
}
