import Foundation
import TrialContract

/// One finished trial as the result store keeps it: the config, what
/// training produced, and where/when it ran. A line of the JSON-lines file
/// (docs/result-format.md) carries exactly one of these.
///
/// A value type whose members live in one shared, copy-on-write box: a
/// report groups, filters and pools a million records, and a copy is then
/// one reference rather than 700 bytes and a dozen retains.
public struct TrialRecord: Codable, Sendable, Hashable {
    private final class Box: @unchecked Sendable {
        // Mutated only through a uniquely referenced box (`mutable`).
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    struct Fields: Codable, Hashable, Sendable {
        var id: TrialID
        var sweep: String
        var config: TrialConfig
        var result: TrainingResult
        var worker: String
        var host: String
        var attempt: Int
        var startedAt: Date
        var endedAt: Date
        var build: String?
        var blas: String?
        var halving: HalvingTag?
    }

    private var box: Box

    private var mutable: Box {
        mutating get {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
            return box
        }
    }

    public var id: TrialID { _read { yield box.fields.id } set { mutable.fields.id = newValue } }
    public var sweep: String { _read { yield box.fields.sweep } set { mutable.fields.sweep = newValue } }
    public var config: TrialConfig { _read { yield box.fields.config } set { mutable.fields.config = newValue } }
    public var result: TrainingResult {
        _read { yield box.fields.result }
        set { mutable.fields.result = newValue }
        _modify { yield &mutable.fields.result }
    }
    public var worker: String { _read { yield box.fields.worker } set { mutable.fields.worker = newValue } }
    public var host: String { _read { yield box.fields.host } set { mutable.fields.host = newValue } }
    /// 1 for the first lease of the trial, +1 for each re-lease.
    public var attempt: Int { _read { yield box.fields.attempt } set { mutable.fields.attempt = newValue } }
    public var startedAt: Date { _read { yield box.fields.startedAt } set { mutable.fields.startedAt = newValue } }
    public var endedAt: Date { _read { yield box.fields.endedAt } set { mutable.fields.endedAt = newValue } }
    /// The worker binary: "VERSION (git REVISION[, dirty])", as `oversweep --version` prints it (nil: not known).
    public var build: String? { _read { yield box.fields.build } set { mutable.fields.build = newValue } }
    /// The BLAS kernels the worker trained on (OpenBLAS core name, e.g. "Haswell"; nil: not known).
    public var blas: String? { _read { yield box.fields.blas } set { mutable.fields.blas = newValue } }
    /// The trial's place in a successive-halving sweep (nil outside one).
    public var halving: HalvingTag? { _read { yield box.fields.halving } set { mutable.fields.halving = newValue } }

    public init(id: TrialID, sweep: String = "", config: TrialConfig, result: TrainingResult,
                worker: String, host: String, attempt: Int, startedAt: Date, endedAt: Date,
                build: String? = nil, blas: String? = nil, halving: HalvingTag? = nil) {
        box = Box(Fields(id: id, sweep: sweep, config: config, result: result, worker: worker, host: host, attempt: attempt,
                         startedAt: startedAt, endedAt: endedAt, build: build, blas: blas, halving: halving))
    }

    public var status: TrialStatus { result.status }

    public static func == (a: TrialRecord, b: TrialRecord) -> Bool { a.box.fields == b.box.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(box.fields) }

    // Coded as the plain struct it was: its members by name (`Fields`'
    // synthesized coding), absent optionals left out.
    public init(from decoder: any Decoder) throws { box = Box(try Fields(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try box.fields.encode(to: encoder) }
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
