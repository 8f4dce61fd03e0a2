import Foundation
import Report
import Store
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

    /// Deterministic multiplicative noise in [1 − a, 1 + a] (a small LCG; tests must not depend on a global RNG).
    struct Noise {
        var state: UInt64
        mutating func next(_ a: Double) -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Double(state >> 11) / Double(1 << 53)
            return 1 + a * (2 * u - 1)
        }
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversweep-report-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
