import Foundation
import TrialContract

/// A parsed and checked sweep spec: the YAML a researcher wrote, expanded
/// into blocks (products of axes over a base config). Cheap to build even
/// for millions of trials: nothing per trial happens here.
public struct SweepSpec: Sendable {
    /// The file as the user named it (used in error messages).
    public let path: String
    /// `name:` from the spec, else the file name without extension.
    public let name: String
    public let description: String?
    /// `experiment:`: the reference experiments (E1 …) this sweep is; the report draws their sections.
    public internal(set) var experiments: [String] = []
    /// The YAML text as read.
    public let source: String
    /// SHA-256 (hex) of the canonical expanded definition: the sub-sweeps'
    /// base configs and axis values, independent of key order, spelling of
    /// numbers, list order of axis values, comments and `settings`.
    public let hash: String
    public let settings: SpecSettings
    /// Sub-sweep names in order ("" for a spec without `sweeps:`).
    public let sweepNames: [String]
    /// Number of grid points before duplicates across blocks are removed.
    public let pointCount: Int
    /// The data files its trials use (`data: file`), resolved and fingerprinted.
    public let dataFiles: [DataFileRecord]
    /// `halving:`: the sweep runs by successive halving (or Hyperband) over its configurations.
    public let halving: HalvingSpec?

    let blocks: [Block]
    let summaries: [AxisSummary]
    /// Where each data file is written in the spec (by its written path).
    let dataLocs: [String: Loc]
    /// The data files' label columns (by written path; none when the records were given, not read).
    let dataLabels: [String: [Double]]

    /// Default limit on the number of trials (`settings.max_trials` changes it).
    public static let defaultMaxTrials = 1_000_000

    /// Reads and parses a spec file; `dataFiles` says how its data files are
    /// learnt (read from disk, or as a result file recorded them).
    public static func load(path: String, dataFiles: DataFileSource = .read) throws -> SweepSpec {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw SweepError(.io, file: path, line: nil, path: "", "cannot read the spec (\(reason))")
        }
        return try parse(yaml: text, path: path, dataFiles: dataFiles)
    }

    public static func parse(yaml: String, path: String, dataFiles: DataFileSource = .read) throws -> SweepSpec {
        let reader = SpecReader(file: path)
        let root = try reader.root(yaml)
        let def = try SpecGrammar(reader: reader).definition(root)
        let limit = def.settings.maxTrials ?? defaultMaxTrials
        var blocks: [Block] = []
        var total = 0
        var expansion = GridExpansion(reader: reader, maxTrials: limit)
        for sweep in def.sweeps {
            for block in try expansion.blocks(for: sweep) {
                let (sum, overflow) = total.addingReportingOverflow(block.count)
                total = sum
                guard !overflow, total <= limit else {
                    throw reader.error(Loc(line: 1, path: ""),
                        "the spec has more than \(limit) trials (settings.max_trials; raise it if you mean it)", .tooLarge)
                }
                blocks.append(block)
            }
        }
        // Top-level `when`s are checked across all sub-sweeps (each need not apply to every one).
        for when in def.sweeps.first?.grid.whens.filter(\.inherited) ?? [] {
            try GridExpansion.checkUse(when, expansion.inheritedUses[when.loc.path] ?? WhenUse(), reader: reader)
        }
        let data = try DataFiles.resolve(def, blocks: blocks, specPath: path, source: dataFiles, reader: reader)
        let halving = try def.halving.map { try $0.resolve(blocks, reader: reader) }
        let fileStem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var spec = SweepSpec(path: path, name: def.name ?? fileStem, description: def.description, source: yaml,
                             hash: DataFiles.hash(definition: Self.hash(blocks, halving: halving), data.records), settings: def.settings,
                             sweepNames: def.sweeps.map(\.name), pointCount: total, dataFiles: data.records, halving: halving,
                             blocks: blocks, summaries: AxisSummary.summaries(blocks), dataLocs: data.locs, dataLabels: data.labels)
        spec.experiments = def.experiments
        return spec
    }

    /// Hash over blocks in a form that does not depend on how the YAML was written.
    static func hash(_ blocks: [Block], halving: HalvingSpec? = nil) -> String {
        let described: [JSONValue] = blocks.map { block in
            let axisFields = Set(block.factors.flatMap(\.fields).map(\.rawValue))
            let base = block.base.jsonObject.filter { !axisFields.contains($0.key) }
            let factors: [JSONValue] = block.factors.map { factor in
                let points = factor.points.map { point in
                    JSONValue.object(Dictionary(uniqueKeysWithValues: zip(factor.fields.map(\.rawValue), point.values)))
                }
                return .array(points.sorted { $0.canonicalText < $1.canonicalText })
            }
            return .object([
                "sweep": .string(block.sweep),
                "base": .object(base),
                "factors": .array(factors.sorted { $0.canonicalText < $1.canonicalText }),
            ])
        }
        var members: [String: JSONValue] = [
            "format": .integer(1),
            "blocks": .array(described.sorted { $0.canonicalText < $1.canonicalText }),
        ]
        // Only a halving spec has the member, so every other spec keeps its hash.
        if let halving { members["halving"] = halving.json }
        let text = JSONValue.object(members).canonicalText
        return CanonicalJSON.sha256Hex(text)
    }
}

/// One axis of a spec as `oversweep plan` shows it.
public struct AxisSummary: Sendable, Hashable {
    /// Sub-sweep name ("" without `sweeps:`).
    public let sweep: String
    /// Field name (`seed` for `seeds:`).
    public let field: String
    /// Values in plan order, as written (canonical spelling).
    public let values: [String]
    /// Changing it changes the shapes trials share (it splits shards).
    public let isShape: Bool
    /// Other fields it is zipped with.
    public let zippedWith: [String]
    /// "activation = leaky" for an axis of a conditional sub-grid.
    public let condition: String?
    /// For a sampled axis: its distribution and the draws ("loguniform [0.0001, 1]; 16 sobol samples, seed 0").
    public let sampled: String?

    static func summaries(_ blocks: [Block]) -> [AxisSummary] {
        struct Key: Hashable { var sweep: String; var field: String; var condition: String? }
        var order: [Key] = []
        var values: [Key: [JSONValue]] = [:]
        var facts: [Key: (Bool, [String])] = [:]
        var sampled: [Key: String] = [:]
        for block in blocks {
            for factor in block.factors {
                for (j, field) in factor.fields.enumerated() {
                    let key = Key(sweep: block.sweep, field: field.rawValue, condition: factor.condition)
                    if values[key] == nil { order.append(key); values[key] = [] }
                    for point in factor.points where !values[key]!.contains(point.values[j]) { values[key]!.append(point.values[j]) }
                    facts[key] = (factor.isShape, factor.fields.filter { $0 != field }.map(\.rawValue))
                    if let s = factor.sampling, let d = s.distributions[field] { sampled[key] = d + "; " + s.draws }
                }
            }
        }
        return order.map { key in
            AxisSummary(sweep: key.sweep, field: key.field, values: values[key]!.map(\.display),
                        isShape: facts[key]!.0, zippedWith: sampled[key] == nil ? facts[key]!.1 : [], condition: key.condition,
                        sampled: sampled[key])
        }
    }
}
