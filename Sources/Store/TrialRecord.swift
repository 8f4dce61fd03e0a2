import Foundation
import TrialContract

/// One finished trial as the result store keeps it: the config, what
/// training produced, and where/when it ran. A line of the JSON-lines file
/// (docs/result-format.md) carries exactly one of these.
public struct TrialRecord: Codable, Sendable, Hashable {
    public var id: TrialID
    public var sweep: String
    public var config: TrialConfig
    public var result: TrainingResult
    public var worker: String
    public var host: String
    /// 1 for the first lease of the trial, +1 for each re-lease.
    public var attempt: Int
    public var startedAt: Date
    public var endedAt: Date
    /// The worker binary: "VERSION (git REVISION[, dirty])", as `oversweep --version` prints it (nil: not known).
    public var build: String?
    /// The BLAS kernels the worker trained on (OpenBLAS core name, e.g. "Haswell"; nil: not known).
    public var blas: String?

    public init(id: TrialID, sweep: String = "", config: TrialConfig, result: TrainingResult,
                worker: String, host: String, attempt: Int, startedAt: Date, endedAt: Date,
                build: String? = nil, blas: String? = nil) {
        self.id = id
        self.sweep = sweep
        self.config = config
        self.result = result
        self.worker = worker
        self.host = host
        self.attempt = attempt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.build = build
        self.blas = blas
    }

    public var status: TrialStatus { result.status }
}
