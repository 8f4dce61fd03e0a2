// The complete description of one training run. Everything a trial's numbers
// depend on is a field here, so hashing the canonical form of this value
// (Sweep's TrialID) identifies the run. Flat on purpose: sweep axes, CSV
// exports and report groupings all address fields by one name.

/// Names of choices, decoded from their JSON/YAML spelling.
public enum DataKind: String, Codable, CaseIterable, Sendable {
    /// x ~ Unif(S^{d−1}) with |βᵀx| ≥ margin, y = sign(βᵀx) (seed 000).
    case sphereTeacher = "sphere_teacher"
    /// Labelled clusters whose opposite-label points are ≥ separation apart (seeds 001, 002).
    case separated
    /// Seed 004 §5.1 regression target on S⁴ (dim 5).
    case leakySynthetic = "leaky_synthetic"
    /// Seed 003 targets on S³ (dim 4).
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
    /// Fixed ±1 entries, half +1 and half −1 (seeds 000, 001; needs even m).
    case fixedSign = "fixed_sign"
    /// Fixed B ~ N(0, 1/k) (seed 004).
    case fixedGaussian = "fixed_gaussian"
}

/// Variance presets; each can be overridden per layer by `init_*_var`.
public enum InitPreset: String, Codable, CaseIterable, Sendable {
    /// N(0, 2/fan_in) hidden, N(0, 1/m) output.
    case he
    /// N(0, 1/fan_in) hidden, N(0, 1/m) output.
    case lecun
    /// Seed 001: N(0, 2/fan_out) hidden (fan_out = m), ±1 output without 1/√m.
    case zou
    /// Seed 003: N(0, 1/m) hidden, N(0, 1) output.
    case azl
    /// Seed 002: N(0, 1/fan_in) hidden, N(0, 1) output.
    case chatterji
}

public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    /// Full-batch gradient descent.
    case gd
    /// Minibatch SGD (`batch_size`), optionally with momentum.
    case sgd
}

/// η = lr (constant) or η = lr / m (seed 000's η = η₀/m).
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

public struct TrialConfig: Hashable, Sendable {
    // Randomness and precision.
    public var seed: UInt64 = 0
    public var dtype: DType = .float64

    // Data.
    public var data: DataKind = .sphereTeacher
    /// Input dimension d (before an optional bias coordinate). Fixed by the
    /// generator for leaky_synthetic (5) and azl_* (4).
    public var dim: Int = 16
    public var nTrain: Int = 256
    public var nTest: Int = 256
    /// sphere_teacher: minimum |βᵀx| (γ₀).
    public var margin: Double = 0
    /// Classification: probability that a training label is flipped.
    public var labelFlip: Double = 0
    /// Regression: standard deviation of the additive label noise ε
    /// (nil = the generator's default: 0.1 for leaky_synthetic, 0 otherwise).
    public var noiseStd: Double? = nil
    /// separated: minimum distance φ between opposite-label points.
    public var separation: Double = 0.1
    /// separated: number of clusters.
    public var clusters: Int = 4
    /// Seed 001's bias trick: append this constant coordinate before normalising.
    public var biasCoordinate: Double? = nil
    /// data == .file: path of a CSV (features…, label) or NPY (features | label last) file.
    public var dataFile: String? = nil
    /// data == .file: fraction of rows held out as test set.
    public var testFraction: Double = 0.2

    // Model.
    public var width: Int = 128
    public var depth: Int = 1
    public var residual: Bool = false
    /// Residual scale θ (h_l = h_{l−1} + θ φ(W_l h_{l−1})).
    public var theta: Double = 1
    public var inputLayer: InputLayerKind = .trainable
    public var outputLayer: OutputLayerKind = .trainable
    /// Number of outputs k (k > 1 only with cross_entropy).
    public var outputs: Int = 1
    public var bias: Bool = false
    /// Standard deviation of bias initialisation (0 = zero init).
    public var biasInitStd: Double = 0
    public var activation: ActivationKind = .relu
    /// leaky: negative-side slope α (any finite α; α = −1 is |z|, α = 1 the identity;
    /// α > 1 is allowed so that α and 1/α can be compared, SCIENCE.md §2).
    public var alpha: Double = 0
    /// leaky: divide by √(1+α²) (seed 004, Algorithm 1).
    public var rescaled: Bool = false
    /// huber / swish smoothing parameter h.
    public var smoothing: Double = 1
    public var initPreset: InitPreset = .he
    public var initInputVar: Double? = nil
    public var initHiddenVar: Double? = nil
    public var initOutputVar: Double? = nil
    /// Which layers train: "all", "hidden", "output", or a comma list of
    /// hidden-layer indices (1-based) and "out", e.g. "1,3,out". A fixed
    /// input embedding and a fixed output layer never train.
    public var train: String = "all"

    // Loss and optimisation.
    public var loss: LossKind = .logistic
    public var reduction: LossReduction = .mean
    public var optimizer: OptimizerKind = .gd
    public var lr: Double = 0.1
    public var lrScaling: LRScaling = .constant
    /// sgd: minibatch size B.
    public var batchSize: Int = 32
    public var momentum: Double = 0
    public var weightDecay: Double = 0
    /// Step decay: multiply η by `lr_decay_factor` every `lr_decay_every` steps (0 = never).
    public var lrDecayEvery: Int = 0
    public var lrDecayFactor: Double = 0.1
    public var steps: Int = 300
    public var metrics: MetricsLevel = .basic
    /// Extra steps at which curves are sampled, on top of the log-spaced schedule.
    public var namedSteps: [Int] = [20, 30, 100, 200, 300, 1000]

    public init() {}
}

extension TrialConfig {
    /// JSON/YAML field names, in one place: decoding, encoding, "did you mean"
    /// suggestions and the spec format all use this list.
    public enum Field: String, CaseIterable, CodingKey, Sendable {
        case seed, dtype, data, dim
        case nTrain = "n_train", nTest = "n_test"
        case margin
        case labelFlip = "label_flip", noiseStd = "noise_std"
        case separation, clusters
        case biasCoordinate = "bias_coordinate"
        case dataFile = "data_file", testFraction = "test_fraction"
        case width, depth, residual, theta
        case inputLayer = "input_layer", outputLayer = "output_layer"
        case outputs, bias
        case biasInitStd = "bias_init_std"
        case activation, alpha, rescaled, smoothing
        case initPreset = "init"
        case initInputVar = "init_input_var", initHiddenVar = "init_hidden_var", initOutputVar = "init_output_var"
        case train, loss, reduction, optimizer, lr
        case lrScaling = "lr_scaling"
        case batchSize = "batch_size"
        case momentum
        case weightDecay = "weight_decay"
        case lrDecayEvery = "lr_decay_every", lrDecayFactor = "lr_decay_factor"
        case steps, metrics
        case namedSteps = "named_steps"
    }

    /// Fields a config must state; everything else has a documented default.
    public static let requiredFields: [Field] = [.data, .width, .depth, .activation, .loss, .lr, .steps]
}
