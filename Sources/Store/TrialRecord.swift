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
    /// The trial's place in a successive-halving sweep (nil outside one).
    public var halving: HalvingTag?

    public init(id: TrialID, sweep: String = "", config: TrialConfig, result: TrainingResult,
                worker: String, host: String, attempt: Int, startedAt: Date, endedAt: Date,
                build: String? = nil, blas: String? = nil, halving: HalvingTag? = nil) {
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
        self.halving = halving
    }

    public var status: TrialStatus { result.status }
}

/// Where a trial sits in a successive-halving sweep (docs/spec-format.md,
/// "Successive halving"): its bracket, its rung and the budget there, and
/// the trial of the previous rung whose ranking promoted it.
public struct HalvingTag: Codable, Sendable, Hashable {
    public var bracket: Int
    public var rung: Int
    /// The budget field's value at this rung (e.g. `steps`).
    public var budget: Int
    /// The same configuration and seed one rung lower (nil on a bracket's first rung).
    public var promotedFrom: TrialID?

    public init(bracket: Int, rung: Int, budget: Int, promotedFrom: TrialID? = nil) {
        self.bracket = bracket
        self.rung = rung
        self.budget = budget
        self.promotedFrom = promotedFrom
    }

    enum CodingKeys: String, CodingKey {
        case bracket, rung, budget
        case promotedFrom = "promoted_from"
    }

    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("bracket"); w.int(bracket)
        w.key("rung"); w.int(rung)
        w.key("budget"); w.int(budget)
        if let p = promotedFrom { w.key("promoted_from"); w.string(p.rawValue) }
        w.endObject()
    }

    static func scan(_ r: inout JSONScanner) -> HalvingTag? {
        var bracket: Int?, rung: Int?, budget: Int?, from: String?
        guard r.object({ r, key in
            switch key {
            case "bracket" where bracket == nil: bracket = r.int(); return bracket != nil
            case "rung" where rung == nil: rung = r.int(); return rung != nil
            case "budget" where budget == nil: budget = r.int(); return budget != nil
            case "promoted_from" where from == nil: from = r.string(); return from != nil
            default: return false
            }
        }), let bracket, let rung, let budget else { return nil }
        return HalvingTag(bracket: bracket, rung: rung, budget: budget, promotedFrom: from.map(TrialID.init(rawValue:)))
    }
}
