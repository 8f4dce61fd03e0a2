// The one list of metric names: what the training core records (keys of
// `TrainingResult.metrics` and `.curves`) and what reports, exports and the
// coordinator's result checks look for. A name is either a `Metric` or a
// per-layer `LayerMetric` followed by a layer name.

/// A metric recorded under a fixed name. Those with `isCurve` are also
/// sampled on the step schedule (`TrainingResult.curves`); their final
/// metric is the curve's last value.
public enum Metric: String, CaseIterable, Sendable {
    case trainLoss = "train_loss", testLoss = "test_loss"
    case trainError = "train_error", testError = "test_error"
    case trainMSE = "train_mse", testMSE = "test_mse"
    case trainNMSE = "train_nmse", testNMSE = "test_nmse"
    case surrogateError = "surrogate_error"
    case gradNorm = "grad_norm"
    case distFromInit = "dist_from_init"
    case gradNormSqOverLoss = "grad_norm_sq_over_loss"
    case weightNorm = "weight_norm"
    case gradWeightAlignment = "grad_weight_alignment"
    case actFlipFrac = "act_flip_frac"
    case lossInit = "loss_init", maxAbsFInit = "max_abs_f_init"
    case surrogateErrorMin = "surrogate_error_min", surrogateErrorArgmin = "surrogate_error_argmin"
    case firstStepZeroTrainError = "first_step_zero_train_error"
    case gammaHat = "gamma_hat"
    case lossLogLinearSlope = "loss_loglinear_slope"
    case lossLogLogSlope = "loss_loglog_slope"
    case ntkLambdaMin = "ntk_lambda_min", ntkLambdaMax = "ntk_lambda_max", ntkSamples = "ntk_samples"
    case dataDelta = "data_delta", dataPhi = "data_phi"

    public var name: String { rawValue }

    /// Sampled on the step schedule as well as recorded at the end.
    public var isCurve: Bool {
        switch self {
        case .trainLoss, .testLoss, .trainError, .testError, .trainMSE, .testMSE, .trainNMSE, .testNMSE,
             .surrogateError, .gradNorm, .distFromInit, .gradNormSqOverLoss, .weightNorm, .gradWeightAlignment, .actFlipFrac:
            return true
        default: return false
        }
    }

    /// What it measures (docs/result-format.md lists these).
    public var meaning: String {
        switch self {
        case .trainLoss: "training loss (the config's loss and reduction) over the whole training set"
        case .testLoss: "the same loss over the test set"
        case .trainError: "classification: 0-1 error on the training set"
        case .testError: "classification: 0-1 error on the test set"
        case .trainMSE: "regression: mean squared error on the training set"
        case .testMSE: "regression: mean squared error on the test set"
        case .trainNMSE: "regression: train_mse divided by the variance of the training labels"
        case .testNMSE: "regression: test_mse divided by the variance of the test labels"
        case .surrogateError: "classification: mean of −ℓ'(y f) = 1/(1+e^{y f}) over the training set (1 − p_y for cross-entropy)"
        case .gradNorm: "‖∇L‖ over all trainable parameters (the step's minibatch gradient under SGD)"
        case .distFromInit: "‖W − W(0)‖_F over all trainable layers"
        case .gradNormSqOverLoss: "‖∇L‖² / L"
        case .weightNorm: "‖V‖ over all trainable parameters"
        case .gradWeightAlignment: "cos(−∇L, V)"
        case .actFlipFrac: "metrics: full — fraction of hidden-unit activation patterns that differ from initialisation"
        case .lossInit: "training loss at initialisation"
        case .maxAbsFInit: "max |f(x)| over the training set at initialisation"
        case .surrogateErrorMin: "classification: smallest surrogate_error over the run"
        case .surrogateErrorArgmin: "classification: the step where surrogate_error_min was reached"
        case .firstStepZeroTrainError: "classification: first step at which train_error is 0 (absent if never)"
        case .gammaHat: "γ̂ = (L(1000)/L(100))^{1/900} from the train_loss curve (runs of ≥ 1000 steps)"
        case .lossLogLinearSlope: "slope of log L against t over [100, 1000] (or the last decade of shorter runs)"
        case .lossLogLogSlope: "slope of log L against log t over the last decade [T/10, T] (runs of ≥ 100 steps)"
        case .ntkLambdaMin: "metrics: full — smallest eigenvalue of the empirical NTK Gram matrix at initialisation"
        case .ntkLambdaMax: "metrics: full — largest eigenvalue of that matrix"
        case .ntkSamples: "metrics: full — number of samples in that matrix"
        case .dataDelta: "metrics: full — smallest distance between two training inputs"
        case .dataPhi: "metrics: full, classification — smallest distance between training inputs of opposite labels"
        }
    }
}

/// A metric recorded once per layer, named `<prefix>_<layer>` (layers:
/// `embedding`, `hidden1` … `hiddenL`, `output`).
/// All are curves as well as final values.
public enum LayerMetric: String, CaseIterable, Sendable {
    case distFromInit = "dist_from_init"
    case distFromInitSpectral = "dist_from_init_spectral"
    case gradNorm = "grad_norm"
    case actFlipFrac = "act_flip_frac"

    public func name(layer: String) -> String { rawValue + "_" + layer }

    public var meaning: String {
        switch self {
        case .distFromInit: "‖W_l − W_l(0)‖_F of one layer"
        case .distFromInitSpectral: "metrics: full — ‖W_l − W_l(0)‖₂ (spectral norm) of one layer"
        case .gradNorm: "‖∇_{W_l} L‖_F of one layer"
        case .actFlipFrac: "metrics: full — fraction of one hidden layer's activation patterns that differ from initialisation"
        }
    }

    /// The families, longest name first (sorted once: the coordinator parses
    /// every metric name of every result it admits).
    private static let longestFirst = allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count })

    /// The family and layer of a per-layer name (`dist_from_init_spectral_hidden2`
    /// is the spectral family, not `dist_from_init` of layer `spectral_hidden2`).
    public static func parse(_ name: String) -> (metric: LayerMetric, layer: String)? {
        for m in longestFirst {
            let prefix = m.rawValue + "_"
            guard name.hasPrefix(prefix) else { continue }
            let layer = String(name.dropFirst(prefix.count))
            if Self.isLayerName(layer) { return (m, layer) }
        }
        return nil
    }

    /// `embedding`, `output` or `hidden<n>`.
    public static func isLayerName(_ s: String) -> Bool {
        if s == "embedding" || s == "output" { return true }
        guard s.hasPrefix("hidden"), let n = Int(s.dropFirst(6)), n >= 1, String(n) == s.dropFirst(6) else { return false }
        return true
    }
}

extension Metric {
    /// Whether `name` is a metric or curve name the core can write.
    public static func isKnown(_ name: String) -> Bool {
        Metric(rawValue: name) != nil || LayerMetric.parse(name) != nil
    }
}
