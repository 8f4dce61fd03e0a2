import Foundation
import Report
import Store
import TestSupport
import TrialContract

/// Synthetic records with a known structure, built in memory.
enum Fixtures {
    static func config(_ tweak: (inout TrialConfig) -> Void) -> TrialConfig {
        var c = TrialConfig()
        c.data = .leakySynthetic
        c.loss = .square
        tweak(&c)
        return c
    }

    static func record(_ config: TrialConfig, status: TrialStatus = .ok, sweep: String = "",
                       metrics: [String: Double] = [:], curves: [String: Curve] = [:], message: String? = nil) -> TrialRecord {
        let id = TrialID(rawValue: String(format: "%016llx", UInt64(truncatingIfNeeded: config.hashValue)) + "\(config.seed)")
        return TrialRecord(id: id, sweep: sweep, config: config,
                           result: TrainingResult(status: status, message: message, metrics: metrics, curves: curves,
                                                  stepsRun: config.steps),
                           worker: "w1", host: "test", attempt: 1,
                           startedAt: Date(timeIntervalSince1970: 1_800_000_000), endedAt: Date(timeIntervalSince1970: 1_800_000_010))
    }
}

extension SplitMix {
    /// Deterministic multiplicative noise, uniform in [1 − a, 1 + a].
    mutating func factor(within a: Double) -> Double { 1 + a * (2 * uniform() - 1) }
}
