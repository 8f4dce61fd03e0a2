import TrialContract

/// The config's per-trial stop rules (`stop_at_zero_error`, `stop_loss_below`,
/// `stop_plateau_steps`), checked wherever the loop has the whole training
/// set's loss: every step under GD, the recorded steps under SGD. A pure
/// function of the loss trajectory, so a trial stops at the same step on
/// every host.
struct StopRule {
    let zeroError: Bool
    let lossBelow: Double?
    let plateauSteps: Int
    let tolerance: Double
    /// The best loss that counted as an improvement, and when it was reached.
    private var best = Double.infinity
    private var bestStep = 0

    init(_ config: TrialConfig) {
        zeroError = config.stopAtZeroError == true
        lossBelow = config.stopLossBelow
        plateauSteps = config.stopPlateauSteps ?? 0
        tolerance = config.stopPlateauTolerance ?? TrialConfig.defaultPlateauTolerance
    }

    var isActive: Bool { zeroError || lossBelow != nil || plateauSteps > 0 }

    /// The rule that ends training at `step`, given the training loss and
    /// (classification) the number of misclassified training samples.
    mutating func check(step: Int, loss: Double, errors: Int?) -> StopReason? {
        if zeroError, errors == 0 { return .zeroTrainError }
        if let eps = lossBelow, loss < eps { return .lossBelow }
        guard plateauSteps > 0 else { return nil }
        // An improvement must beat the best so far by `tolerance`, relative.
        if !best.isFinite || loss < best - tolerance * abs(best) {
            best = loss
            bestStep = step
            return nil
        }
        return step - bestStep >= plateauSteps ? .plateau : nil
    }
}
