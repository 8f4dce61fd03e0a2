import Foundation
import Training
import TrialContract

/// Runs the trials of one lease. Blocking: the worker calls it on a thread
/// of its own, never on a Swift concurrency thread.
///
/// Implementations guarantee: `onResult(i, result)` is called exactly once
/// for each `configs[i]`, as soon as that trial is finished (not at the end
/// of the shard), possibly from another thread; a trial's result depends
/// only on its config.
public protocol ShardRunner: Sendable {
    func run(_ configs: [TrialConfig], threads: Int, onResult: @escaping @Sendable (Int, TrainingResult) -> Void)
}

/// The real thing: the training core. Trials of a lease share shapes, so
/// they cost alike; each result is reported as soon as its trial is done.
public struct TrainingCoreRunner: ShardRunner {
    public init() {}
    public func run(_ configs: [TrialConfig], threads: Int, onResult: @escaping @Sendable (Int, TrainingResult) -> Void) {
        Trainer.trainShard(configs, threads: threads, onResult: onResult)
    }
}

/// A stand-in for training, for tests and dispatch benchmarks: each trial
/// "trains" for `secondsPerTrial` (sleeping or spinning) and reports
/// deterministic metrics derived from its config.
public struct SimulatedRunner: ShardRunner {
    public var secondsPerTrial: Double
    /// Burn CPU instead of sleeping (to measure overhead against real compute).
    public var spin: Bool

    public init(secondsPerTrial: Double, spin: Bool = false) {
        self.secondsPerTrial = secondsPerTrial
        self.spin = spin
    }

    public func run(_ configs: [TrialConfig], threads: Int, onResult: @escaping @Sendable (Int, TrainingResult) -> Void) {
        for (i, c) in configs.enumerated() {
            let t0 = Date()
            if secondsPerTrial > 0 {
                if spin {
                    var x = 0.0
                    while Date().timeIntervalSince(t0) < secondsPerTrial {
                        for k in 0..<1000 { x += sin(Double(k)) }
                    }
                    if x.isNaN { print("") }
                } else {
                    Thread.sleep(forTimeInterval: secondsPerTrial)
                }
            }
            // Deterministic in the config, so repeated runs agree.
            let loss = 1.0 / (1.0 + Double(c.seed % 1000) + Double(c.width) * c.lr)
            let result = TrainingResult(status: .ok, metrics: ["train_loss": loss], stepsRun: c.steps, stop: .steps,
                                        timing: Timing(seconds: Date().timeIntervalSince(t0)))
            onResult(i, result)
        }
    }
}
