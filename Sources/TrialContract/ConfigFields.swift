// The one table of config fields. Everything that reads, writes, copies or
// lists a config's fields goes through `Field.spec`: the JSON decoder and the
// fast reader, the lease/record writer, canonical text (trial ids), the spec
// pipeline's copying and type checks, and the field list in
// docs/spec-format.md. Adding a field is a stored property in TrialConfig.swift
// and one case here (plus its rule in `validate()` if it has one); the switch
// is exhaustive, so the compiler finds a missing entry, and
// `ConfigFieldTableTests` finds a property without a case.

extension TrialConfig {
    /// JSON/YAML field names, in encoding order.
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

        /// This field's entry in the table (built once; see `FieldSpec`).
        public var spec: FieldSpec { FieldSpec.table[ordinal] }

        /// Position in `allCases`: a case without a payload is stored as its
        /// declaration index (checked when the table is built), so this is
        /// a load, not a hash lookup (the planner copies fields per trial).
        var ordinal: Int { Int(unsafeBitCast(self, to: UInt8.self)) }

        /// The table. Required fields have no default a user may rely on.
        static func entry(_ field: Field) -> FieldSpec {
            switch field {
            case .seed: FieldSpec(field, \.seed, "seed of everything random in the trial: initial weights, generated data, minibatch order")
            case .dtype: FieldSpec(field, \.dtype, "floating-point precision of training (float64 where losses get tiny)", shape: true)
            case .data: FieldSpec(field, \.data, "data generator, or `file` for a CSV/NPY file", required: true, shape: true)
            case .dim: FieldSpec(field, \.dim, "input dimension d before an optional bias coordinate (fixed by the generator for leaky_synthetic: 5, azl_*: 4)", shape: true)
            case .nTrain: FieldSpec(field, \.nTrain, "training samples n", shape: true)
            case .nTest: FieldSpec(field, \.nTest, "test samples", shape: true)
            case .margin: FieldSpec(field, \.margin, "sphere_teacher: minimum |βᵀx| of a sample (the margin γ₀), in [0, 1)")
            case .labelFlip: FieldSpec(field, \.labelFlip, "classification: probability that a training label is flipped")
            case .noiseStd: FieldSpec(field, \.noiseStd, "regression: standard deviation of the label noise (unset: 0.1 for leaky_synthetic, 0 otherwise)")
            case .separation: FieldSpec(field, \.separation, "separated: minimum distance between points of opposite labels")
            case .clusters: FieldSpec(field, \.clusters, "separated: number of clusters")
            case .biasCoordinate: FieldSpec(field, \.biasCoordinate, "append this constant coordinate to every input before normalising (the bias trick)", shape: true)
            case .dataFile: FieldSpec(field, \.dataFile, "data: file: path of a CSV (features…, label) or NPY file (label last)", shape: true)
            case .testFraction: FieldSpec(field, \.testFraction, "data: file: fraction of rows held out as the test set", shape: true)
            case .width: FieldSpec(field, \.width, "hidden width m", required: true, shape: true)
            case .depth: FieldSpec(field, \.depth, "number of hidden layers L", required: true, shape: true)
            case .residual: FieldSpec(field, \.residual, "residual links h_l = h_{l−1} + θ φ(W_l h_{l−1}) between hidden layers (depth ≥ 2)", shape: true)
            case .theta: FieldSpec(field, \.theta, "residual scale θ")
            case .inputLayer: FieldSpec(field, \.inputLayer, "first layer: trainable W₁ with activation, or a fixed Gaussian embedding", shape: true)
            case .outputLayer: FieldSpec(field, \.outputLayer, "output layer: trainable, fixed ±1 entries (even width), or fixed Gaussian", shape: true)
            case .outputs: FieldSpec(field, \.outputs, "number of outputs k (k > 1 needs cross_entropy)", shape: true)
            case .bias: FieldSpec(field, \.bias, "hidden layers have biases", shape: true)
            case .biasInitStd: FieldSpec(field, \.biasInitStd, "standard deviation of bias initialisation (0: zeros)")
            case .activation: FieldSpec(field, \.activation, "activation φ of the hidden layers", required: true, shape: true)
            case .alpha: FieldSpec(field, \.alpha, "leaky: negative-side slope α (α = −1 is |z|, α = 1 the identity; α > 1 allowed)")
            case .rescaled: FieldSpec(field, \.rescaled, "leaky: divide φ by √(1+α²)")
            case .smoothing: FieldSpec(field, \.smoothing, "huber / swish: smoothing parameter h > 0")
            case .initPreset: FieldSpec(field, \.initPreset, "initialisation variances (each overridable by init_*_var)")
            case .initInputVar: FieldSpec(field, \.initInputVar, "variance of the first layer's weights (overrides init)")
            case .initHiddenVar: FieldSpec(field, \.initHiddenVar, "variance of the other hidden layers' weights (overrides init)")
            case .initOutputVar: FieldSpec(field, \.initOutputVar, "variance of the output weights (overrides init)")
            case .train: FieldSpec(field, \.train, "which layers train: all, hidden, output, or a list such as \"1,3,out\" (fixed layers never train)", shape: true)
            case .loss: FieldSpec(field, \.loss, "loss function", required: true, shape: true)
            case .reduction: FieldSpec(field, \.reduction, "how per-sample losses combine: mean, ½·mean, sum or ½·sum")
            case .optimizer: FieldSpec(field, \.optimizer, "full-batch gradient descent or minibatch SGD", shape: true)
            case .lr: FieldSpec(field, \.lr, "step size η (before lr_scaling and decay)", required: true)
            case .lrScaling: FieldSpec(field, \.lrScaling, "η = lr, or η = lr / m (inverse_width)")
            case .batchSize: FieldSpec(field, \.batchSize, "sgd: minibatch size B", shape: true)
            case .momentum: FieldSpec(field, \.momentum, "heavy-ball momentum in [0, 1)")
            case .weightDecay: FieldSpec(field, \.weightDecay, "L2 weight decay")
            case .lrDecayEvery: FieldSpec(field, \.lrDecayEvery, "multiply η by lr_decay_factor every this many steps (0: never)")
            case .lrDecayFactor: FieldSpec(field, \.lrDecayFactor, "step-decay factor")
            case .steps: FieldSpec(field, \.steps, "training steps", required: true, shape: true)
            case .metrics: FieldSpec(field, \.metrics, "basic, or full (adds the NTK spectrum, spectral norms, activation flips: O(n²m) or more)", shape: true)
            case .namedSteps: FieldSpec(field, \.namedSteps, "steps at which curves are sampled on top of the log-spaced schedule", shape: true)
            }
        }
    }

    /// Fields that decide the shapes and the code path of training: trials
    /// that agree on all of them can share a shard.
    public static let shapeFields: Set<Field> = Set(Field.allCases.filter { $0.spec.isShape })

    /// Fields a config must state; everything else has a documented default.
    public static let requiredFields: [Field] = Field.allCases.filter { $0.spec.required }

    /// Field names in canonical (RFC 8785) order; all ASCII, so byte order.
    public static let canonicalFieldOrder: [Field] = Field.allCases.sorted { $0.rawValue < $1.rawValue }
}
