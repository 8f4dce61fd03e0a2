import TrialContract

/// The reference experiments (docs/science.md §7) whose sections a report
/// draws when the sweep's spec names one (`experiment: E1`); a sweep that
/// names none gets only the generic sections.
public enum ReferenceExperiment: String, CaseIterable, Sendable {
    case e1 = "E1", e2 = "E2", e3 = "E3", e4 = "E4", e5 = "E5", e6 = "E6", e7 = "E7"

    /// "E1" or "e1".
    public init?(name: String) { self.init(rawValue: name.uppercased()) }

    /// What the data must have for the experiment's sections, said when they cannot be drawn.
    var requirement: String {
        let gamma = Metric.gammaHat.name, loss = Metric.trainLoss.name
        switch self {
        case .e1, .e3:
            return "leaky-ReLU trials with `\(TrialConfig.Field.alpha.rawValue)` as a numeric axis and a training error metric"
        case .e2:
            return "leaky-ReLU trials with ≥ 3 values of `\(TrialConfig.Field.alpha.rawValue)` and γ̂ (`\(gamma)`, or a `\(loss)` curve at t = 100 and 1000)"
        case .e4:
            return "logistic-loss trials with a huber or swish activation and `\(loss)` curves"
        case .e5:
            let axes = [TrialConfig.Field.nTrain, .separation, .depth, .width].map { "`\($0.rawValue)`" }.joined(separator: ", ")
            return "a trial that reaches zero training error, and one of \(axes) as a numeric axis"
        case .e6:
            return "`\(TrialConfig.Field.width.rawValue)` as a numeric axis and a `\(Metric.distFromInit.name)` metric"
        case .e7:
            return "a test error metric, `\(TrialConfig.Field.width.rawValue)` or `\(TrialConfig.Field.nTrain.rawValue)` as a numeric axis, "
                + "and learners to compare (`\(TrialConfig.Field.depth.rawValue)` or `\(TrialConfig.Field.train.rawValue)` varying, or azl_* data)"
        }
    }
}
