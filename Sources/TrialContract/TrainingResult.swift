/// How a trial ended.
public enum TrialStatus: String, Codable, Sendable, CaseIterable {
    /// Trained for every step.
    case ok
    /// The loss or the weights became NaN/inf (or exploded); curves stop there.
    case diverged
    /// The trial could not run (bad data file, invalid config reaching a worker …).
    case failed
}

/// Why training ended, for a trial that ran (`ok`): its step budget, or one
/// of the config's stop rules (`stop_*` fields). Diverged and failed trials
/// have none (their status says why).
public enum StopReason: String, Codable, Sendable, CaseIterable {
    /// Trained for every one of `steps` steps.
    case steps
    /// `stop_at_zero_error`: the training 0-1 error reached 0.
    case zeroTrainError = "zero_train_error"
    /// `stop_loss_below`: train_loss fell below ε.
    case lossBelow = "loss_below"
    /// `stop_plateau_steps`: train_loss stopped improving.
    case plateau
}

/// A metric sampled during training: `values[i]` was measured after `steps[i]` steps.
public struct Curve: Codable, Sendable, Equatable, Hashable {
    public var steps: [Int]
    public var values: [Double]

    public init(steps: [Int] = [], values: [Double] = []) {
        self.steps = steps
        self.values = values
    }

    public mutating func append(step: Int, value: Double) {
        steps.append(step)
        values.append(value)
    }
}

/// Wall-clock cost of a run. Kept apart from the metrics, which depend only
/// on the config: two runs of one config have equal metrics and curves, not
/// equal timings.
public struct Timing: Codable, Sendable, Equatable, Hashable {
    public var seconds: Double
    /// Seconds spent computing the optional metrics (NTK spectrum, norms …).
    public var metricSeconds: Double

    public init(seconds: Double = 0, metricSeconds: Double = 0) {
        self.seconds = seconds
        self.metricSeconds = metricSeconds
    }

    enum CodingKeys: String, CodingKey {
        case seconds
        case metricSeconds = "metric_seconds"
    }
}

/// What training one config produced. Every number is finite (JSON cannot
/// hold NaN); a metric that is not finite is left out and the status says why.
public struct TrainingResult: Codable, Sendable, Equatable, Hashable {
    public var status: TrialStatus
    /// Why the trial failed or diverged (nil when ok).
    public var message: String?
    /// Final and summary metrics by name (e.g. "train_loss", "test_error", "ntk_lambda_min").
    public var metrics: [String: Double]
    /// Metrics sampled on the step schedule, by name.
    public var curves: [String: Curve]
    /// Steps actually taken (< config.steps when diverged or stopped by a rule).
    public var stepsRun: Int
    /// Why an `ok` trial stopped (nil for diverged and failed trials, and in
    /// records written before stop rules existed).
    public var stop: StopReason?
    public var timing: Timing

    public init(status: TrialStatus, message: String? = nil, metrics: [String: Double] = [:],
                curves: [String: Curve] = [:], stepsRun: Int = 0, stop: StopReason? = nil, timing: Timing = Timing()) {
        self.status = status
        self.message = message
        self.metrics = metrics
        self.curves = curves
        self.stepsRun = stepsRun
        self.stop = stop
        self.timing = timing
    }

    enum CodingKeys: String, CodingKey {
        case status, message, metrics, curves
        case stepsRun = "steps_run"
        case stop
        case timing
    }

    /// The same result without wall-clock fields: what determinism compares.
    public var numbers: TrainingResult {
        var copy = self
        copy.timing = Timing()
        return copy
    }
}
