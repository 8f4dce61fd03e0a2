import Foundation
import Testing
import TrialContract
@testable import Training

/// The per-trial stop rules: each ends training at the first step its
/// condition holds, records that step's metrics, says why it stopped, and
/// leaves the trajectory up to there exactly as an unstopped run's.
@Suite struct StopRuleTests {
    /// A separable problem that GD fits to zero training error in a few hundred steps.
    static func fitting() -> TrialConfig {
        var c = TrialConfig.sized(dim: 8, nTrain: 16, nTest: 8, width: 64, depth: 1, steps: 3000)
        c.lr = 15
        c.seed = 3
        return c
    }

    /// The run without rules, for comparison.
    static let full = Trainer.train(fitting())

    @Test func zeroTrainingErrorStopsAtTheFirstStepWithNoError() throws {
        var c = Self.fitting()
        c.stopAtZeroError = true
        let r = Trainer.train(c)
        let first = try #require(Self.full.metrics["first_step_zero_train_error"])
        #expect(r.status == .ok && r.stop == .zeroTrainError)
        #expect(Double(r.stepsRun) == first)
        #expect(r.metrics["train_error"] == 0)
        #expect(r.curves["train_loss"]?.steps.last == r.stepsRun, "the stopping step is recorded")
        #expect(Self.full.stop == .steps && Self.full.stepsRun == 3000)
        // Same trajectory up to the stop: every recorded point agrees with the full run's.
        let stopped = try #require(r.curves["train_loss"]), whole = try #require(Self.full.curves["train_loss"])
        for (step, value) in zip(stopped.steps, stopped.values) {
            if let i = whole.steps.firstIndex(of: step) { #expect(whole.values[i] == value, "step \(step)") }
        }
    }

    @Test func lossBelowStopsWhereTheLossCrossesEpsilon() throws {
        var c = Self.fitting()
        c.stopLossBelow = 1e-3
        let r = Trainer.train(c)
        #expect(r.stop == .lossBelow)
        let final = try #require(r.metrics["train_loss"])
        #expect(final < 1e-3)
        // One step earlier the loss was not yet below ε (else it would have stopped there).
        var earlier = Self.fitting()
        earlier.steps = r.stepsRun - 1
        let before = try #require(Trainer.train(earlier).metrics["train_loss"])
        #expect(before >= 1e-3)
    }

    @Test func plateauStopsWhenTheLossStopsImproving() throws {
        var c = Self.fitting()
        c.lr = 1e-9  // the loss barely moves: no relative improvement of 1e-4
        c.stopPlateauSteps = 25
        let r = Trainer.train(c)
        #expect(r.stop == .plateau)
        #expect(r.stepsRun == 25)
        c.stopPlateauSteps = nil
        c.steps = 40
        #expect(Trainer.train(c).stop == .steps)
    }

    @Test func aDivergedRunHasNoStopReason() {
        var c = Self.fitting()
        c.lr = 1e9
        c.loss = .square
        c.stopPlateauSteps = 1000
        let r = Trainer.train(c)
        #expect(r.status == .diverged)
        #expect(r.stop == nil)
    }

    /// The plateau rule alone: an improvement must beat the best loss by the tolerance.
    @Test func plateauCountsOnlyRealImprovements() {
        var c = TrialConfig()
        c.stopPlateauSteps = 3
        c.stopPlateauTolerance = 0.1
        var rule = StopRule(c)
        let losses = [1.0, 0.95, 0.93, 0.85, 0.84, 0.83, 0.80]  // 0.85 improves on 1.0 by 15 %; the rest do not
        let reasons = losses.enumerated().map { rule.check(step: $0.offset, loss: $0.element, errors: nil) }
        #expect(reasons == [nil, nil, nil, nil, nil, nil, .plateau])
    }
}
