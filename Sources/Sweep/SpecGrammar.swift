import Foundation
import TrialContract
import Yams

// The spec as written, before expansion: sub-sweeps of (base, grid), a grid
// being axes, zip groups and conditional sub-grids. docs/spec-format.md
// describes the format for users.

/// One factor of a grid product: a single axis, or a zip group of axes that move together.
struct AxisDef: Sendable {
    var fields: [TrialConfig.Field]
    /// points[i][j] is the value of fields[j] at the i-th point.
    var points: [[JSONValue]]
    var pointLocs: [Loc]
    var loc: Loc
    /// Set for the factor of a grid's sampled axes (what `plan` says about them).
    var sampling: SamplingNote? = nil
}

/// `if: {field: value | [values], …}` — all clauses must hold.
struct Clause: Sendable {
    var field: TrialConfig.Field
    var values: [JSONValue]
    var loc: Loc
}

struct WhenDef: Sendable {
    var clauses: [Clause]
    var grid: GridDef
    var loc: Loc
    /// A top-level `when` copied into a sub-sweep: it may not apply to every
    /// sub-sweep, so it is checked across all of them, not in each.
    var inherited = false
}

struct GridDef: Sendable {
    var axes: [AxisDef] = []
    var whens: [WhenDef] = []

    /// Fields this grid's own axes set (not its conditional sub-grids).
    var axisFields: Set<TrialConfig.Field> { Set(axes.flatMap(\.fields)) }
}

struct SubSweepDef: Sendable {
    var name: String
    var base: [TrialConfig.Field: (value: JSONValue, loc: Loc)]
    var grid: GridDef
    var loc: Loc
}

/// `settings:` — planning knobs; none of them changes which trials exist.
public struct SpecSettings: Sendable, Equatable {
    /// Target wall time of one shard, seconds.
    public var shardSeconds: Double?
    /// Assumed throughput of one worker, GFLOP/s, for turning FLOPs into seconds.
    public var gflops: Double?
    /// Upper bound on the memory of one shard, MiB.
    public var shardMemoryMB: Double?
    /// Refuse specs with more trials than this.
    public var maxTrials: Int?
    /// At most this many trials in one shard.
    public var maxShardTrials: Int?

    public init() {}
}

struct SpecDefinition: Sendable {
    var name: String?
    var description: String?
    /// `experiment: E1` (or a list): the reference experiments the sweep is, for the report.
    var experiments: [String] = []
    var settings: SpecSettings
    var sweeps: [SubSweepDef]
    /// `halving:` as written (checked against the expansion by `SweepSpec`).
    var halving: HalvingDef? = nil
}

/// Reads the YAML tree into a `SpecDefinition`.
struct SpecGrammar {
    let reader: SpecReader
    /// No axis may have more values than this (set from settings.max_trials).
    var maxAxisValues = SweepSpec.defaultMaxTrials
    /// How sampled axes draw (the spec's `sampler:`).
    var sampler = SamplerSettings()

    static let topKeys = ["name", "description", "experiment", "settings", "sampler", "halving", "base", "grid", "sweeps"]
    static let sweepKeys = ["description", "base", "grid"]
    static let settingKeys = ["shard_seconds", "gflops", "shard_memory_mb", "max_trials", "max_shard_trials"]
    static let generatorKeys = ["range", "linspace", "logspace"]
    static var fieldNames: [String] { TrialConfig.Field.allCases.map(\.rawValue) }
    static var gridKeys: [String] { fieldNames + ["seeds", "samples", "zip", "when"] }

    func definition(_ root: Node) throws -> SpecDefinition {
        // Top-level keys starting with "x-" are free: a place to define YAML anchors.
        let top = try reader.mapping(root, "", what: "a mapping with 'base' and 'grid' at the top").filter { !$0.key.hasPrefix("x-") }
        try reader.checkKeys(top, allowed: Self.topKeys, path: "", context: "the spec")
        let def = SpecDefinition(settings: SpecSettings(), sweeps: [])
        // Settings and the sampler first: the trial limit also bounds generated
        // axes, and sampled axes draw with the sampler.
        var grammar = self
        if let s = top.first(where: { $0.key == "settings" }) {
            grammar.maxAxisValues = try settings(s.value).maxTrials ?? maxAxisValues
        }
        if let s = top.first(where: { $0.key == "sampler" }) { grammar.sampler = try samplerSettings(s.value) }
        return try grammar.definition(top, root: root, into: def)
    }

    private func definition(_ top: [(key: String, keyNode: Node, value: Node)], root: Node, into start: SpecDefinition) throws -> SpecDefinition {
        var def = start
        var base: [TrialConfig.Field: (value: JSONValue, loc: Loc)] = [:]
        var grid = GridDef()
        var sweepsNode: (Node, Node)?
        for e in top {
            switch e.key {
            case "name": def.name = try text(e.value, "name")
            case "description": def.description = try text(e.value, "description")
            case "experiment": def.experiments = try experiments(e.value)
            case "settings": def.settings = try settings(e.value)
            case "base": base = try self.base(e.value, "base")
            case "grid": grid = try self.grid(e.value, "grid")
            case "sampler": break
            case "halving": def.halving = try halving(e.value, keyNode: e.keyNode)
            default: sweepsNode = (e.keyNode, e.value)
            }
        }
        guard let (sweepsKey, sweeps) = sweepsNode else {
            def.sweeps = [SubSweepDef(name: "", base: base, grid: grid, loc: reader.loc(root, ""))]
            return def
        }
        let entries = try reader.mapping(sweeps, "sweeps", what: "a mapping of sub-sweep names to {base, grid}")
        guard !entries.isEmpty else { throw reader.error(reader.loc(sweepsKey, "sweeps"), "no sub-sweeps listed") }
        for e in entries {
            let path = "sweeps." + e.key
            let body = try reader.mapping(e.value, path, what: "a mapping with 'base' and/or 'grid'")
            try reader.checkKeys(body, allowed: Self.sweepKeys, path: path, context: "a sub-sweep")
            var sub = SubSweepDef(name: e.key, base: base, grid: GridDef(), loc: reader.loc(e.keyNode, path))
            for b in body {
                switch b.key {
                case "base": sub.base.merge(try self.base(b.value, path + ".base")) { $1 }
                case "grid": sub.grid = try self.grid(b.value, path + ".grid")
                default: _ = try text(b.value, path + ".description")
                }
            }
            // The top-level grid applies to every sub-sweep; a sub-sweep's own axis for a field replaces it.
            let own = sub.grid.axisFields
            sub.grid.axes += grid.axes.filter { Set($0.fields).isDisjoint(with: own) }
            sub.grid.whens = grid.whens.map { var w = $0; w.inherited = true; return w } + sub.grid.whens
            def.sweeps.append(sub)
        }
        return def
    }

    func text(_ node: Node, _ path: String) throws -> String {
        guard case .scalar(let s) = node else { throw reader.error(reader.loc(node, path), "expected text, found \(SpecReader.kind(node))") }
        return s.string
    }

    /// `experiment: E1` or `experiment: [E1, E3]`: names of the form E<n> (docs/science.md §7).
    /// Like `name`, it does not change which trials exist (nor the spec hash).
    func experiments(_ node: Node) throws -> [String] {
        let items: [(Node, String)]
        if case .sequence(let seq) = node {
            items = seq.enumerated().map { ($1, "experiment[\($0)]") }
        } else {
            items = [(node, "experiment")]
        }
        return try items.map { item, path in
            let name = try text(item, path).uppercased()
            guard name.count >= 2, name.hasPrefix("E"), name.dropFirst().allSatisfy(\.isNumber) else {
                throw reader.error(reader.loc(item, path), "expected a reference experiment such as E1 (docs/science.md §7), found '\(name)'")
            }
            return name
        }
    }

    func settings(_ node: Node) throws -> SpecSettings {
        var s = SpecSettings()
        let entries = try reader.mapping(node, "settings")
        try reader.checkKeys(entries, allowed: Self.settingKeys, path: "settings", context: "settings")
        for e in entries {
            let path = "settings." + e.key
            let value = try reader.json(e.value, path)
            guard let x = value.doubleValue, x > 0, x.isFinite else {
                throw reader.error(reader.loc(e.value, path), "expected a positive number, found \(SpecReader.kind(e.value))")
            }
            func integer() throws -> Int {
                guard let n = value.intValue else { throw reader.error(reader.loc(e.value, path), "expected a positive integer") }
                return n
            }
            switch e.key {
            case "shard_seconds": s.shardSeconds = x
            case "gflops": s.gflops = x
            case "shard_memory_mb": s.shardMemoryMB = x
            case "max_trials": s.maxTrials = try integer()
            default: s.maxShardTrials = try integer()
            }
        }
        return s
    }

    func field(_ key: String, _ keyNode: Node, _ path: String, allowed: [String]) throws -> TrialConfig.Field {
        if let f = TrialConfig.Field(rawValue: key) { return f }
        let hint = Suggest.closest(to: key, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
        throw reader.error(reader.loc(keyNode, path), "unknown config key '\(key)'\(hint)")
    }

    func base(_ node: Node, _ path: String) throws -> [TrialConfig.Field: (value: JSONValue, loc: Loc)] {
        var out: [TrialConfig.Field: (value: JSONValue, loc: Loc)] = [:]
        for e in try reader.mapping(node, path, what: "a mapping of config fields") {
            let p = Loc(path: path).child(e.key)
            let f = try field(e.key, e.keyNode, p, allowed: Self.fieldNames)
            out[f] = (try reader.json(e.value, p), reader.loc(e.value, p))
        }
        return out
    }

    func grid(_ node: Node, _ path: String) throws -> GridDef {
        var grid = GridDef()
        var sampled: [SampledAxis] = []
        var samples: (count: Int, loc: Loc)?
        var seen: [TrialConfig.Field: String] = [:]
        func claim(_ f: TrialConfig.Field, _ at: Node, _ p: String) throws {
            if let first = seen[f] {
                throw reader.error(reader.loc(at, p), "'\(f.rawValue)' is already an axis of this grid (at \(first))")
            }
            seen[f] = p
        }
        for e in try reader.mapping(node, path, what: "a mapping of axes") {
            let p = Loc(path: path).child(e.key)
            switch e.key {
            case "seeds":
                try claim(.seed, e.keyNode, p)
                grid.axes.append(try seeds(e.value, p))
            case "samples":
                samples = (try sampleCount(e.value, p), reader.loc(e.keyNode, p))
            case "zip":
                let groups: [Node]
                if case .sequence(let seq) = e.value { groups = Array(seq) } else { groups = [e.value] }
                guard !groups.isEmpty else { throw reader.error(reader.loc(e.value, p), "empty zip") }
                for (i, g) in groups.enumerated() {
                    let gp = e.value.sequence == nil ? p : p + "[\(i)]"
                    let axis = try zipGroup(g, gp)
                    for f in axis.fields { try claim(f, g, gp + "." + f.rawValue) }
                    grid.axes.append(axis)
                }
            case "when":
                guard case .sequence(let seq) = e.value else {
                    throw reader.error(reader.loc(e.value, p), "expected a list of {if: {…}, axes…}, found \(SpecReader.kind(e.value))")
                }
                for (i, item) in seq.enumerated() { grid.whens.append(try when(item, p + "[\(i)]")) }
            default:
                let f = try field(e.key, e.keyNode, p, allowed: Self.gridKeys)
                try claim(f, e.keyNode, p)
                if let axis = try sampledAxis(e.value, f, p) {
                    sampled.append(axis)
                    continue
                }
                let (values, locs) = try axisValues(e.value, f, p)
                grid.axes.append(AxisDef(fields: [f], points: values.map { [$0] }, pointLocs: locs, loc: reader.loc(e.keyNode, p)))
            }
        }
        if let factor = try sampledFactor(sampled, samples: samples, gridNode: node, gridPath: path) { grid.axes.append(factor) }
        return grid
    }

    func seeds(_ node: Node, _ path: String) throws -> AxisDef {
        if case .scalar = node {
            guard let n = try reader.json(node, path).intValue, n >= 1 else {
                throw reader.error(reader.loc(node, path), "seeds: expected a count ≥ 1 or a list of seeds, found \(SpecReader.kind(node))")
            }
            guard n <= maxAxisValues else {
                throw reader.error(reader.loc(node, path), "seeds: \(n) is more than the trial limit \(maxAxisValues) (settings.max_trials)", .tooLarge)
            }
            let values = (0..<n).map { JSONValue.integer($0) }
            return AxisDef(fields: [.seed], points: values.map { [$0] }, pointLocs: Array(repeating: reader.loc(node, path), count: n),
                           loc: reader.loc(node, path))
        }
        let (values, locs) = try axisValues(node, .seed, path)
        return AxisDef(fields: [.seed], points: values.map { [$0] }, pointLocs: locs, loc: reader.loc(node, path))
    }

    func zipGroup(_ node: Node, _ path: String) throws -> AxisDef {
        let entries = try reader.mapping(node, path, what: "a mapping of axes that move together")
        guard entries.count >= 1 else { throw reader.error(reader.loc(node, path), "empty zip group") }
        var fields: [TrialConfig.Field] = []
        var columns: [([JSONValue], [Loc])] = []
        for e in entries {
            let p = path + "." + e.key
            let f = e.key == "seeds" ? .seed : try field(e.key, e.keyNode, p, allowed: Self.fieldNames)
            if fields.contains(f) { throw reader.error(reader.loc(e.keyNode, p), "'\(f.rawValue)' appears twice in this zip") }
            fields.append(f)
            columns.append(try axisValues(e.value, f, p))
        }
        let lengths = columns.map(\.0.count)
        if Set(lengths).count > 1 {
            let parts = zip(fields, lengths).map { "\($0.rawValue) has \($1)" }.joined(separator: ", ")
            throw reader.error(reader.loc(node, path), "zip lengths differ: \(parts) (zipped axes move together and need equal lengths)")
        }
        let n = lengths[0]
        // Columns in field-name order, so the YAML's key order does not matter.
        let order = fields.indices.sorted { fields[$0].rawValue < fields[$1].rawValue }
        let points = (0..<n).map { i in order.map { columns[$0].0[i] } }
        return AxisDef(fields: order.map { fields[$0] }, points: points, pointLocs: (0..<n).map { columns[0].1[$0] },
                       loc: reader.loc(node, path))
    }

    func when(_ node: Node, _ path: String) throws -> WhenDef {
        let entries = try reader.mapping(node, path, what: "a mapping with 'if' and the axes it adds")
        guard let cond = entries.first(where: { $0.key == "if" }) else {
            throw reader.error(reader.loc(node, path), "a when item needs 'if: {axis: value}' naming when its axes apply")
        }
        var clauses: [Clause] = []
        for e in try reader.mapping(cond.value, path + ".if", what: "a mapping of axis: value (or [values])") {
            let p = path + ".if." + e.key
            let f = e.key == "seeds" ? .seed : try field(e.key, e.keyNode, p, allowed: Self.fieldNames)
            let v = try reader.json(e.value, p)
            var values: [JSONValue]
            if case .array(let items) = v, !FieldFacts.listFields.contains(f) { values = items } else { values = [v] }
            guard !values.isEmpty else { throw reader.error(reader.loc(e.value, p), "empty condition") }
            clauses.append(Clause(field: f, values: values, loc: reader.loc(e.keyNode, p)))
        }
        guard !clauses.isEmpty else { throw reader.error(reader.loc(cond.value, path + ".if"), "empty condition") }
        clauses.sort { $0.field.rawValue < $1.field.rawValue }
        // The rest of the item is the sub-grid; build a mapping node without 'if'.
        let rest = entries.filter { $0.key != "if" }
        guard !rest.isEmpty else { throw reader.error(reader.loc(node, path), "a when item needs at least one axis besides 'if'") }
        var mapping = Node.Mapping(rest.map { ($0.keyNode, $0.value) })
        mapping.mark = node.mark
        return WhenDef(clauses: clauses, grid: try grid(.mapping(mapping), path), loc: reader.loc(cond.keyNode, path + ".if"))
    }

    /// The values of one axis: a list, or a generator mapping.
    func axisValues(_ node: Node, _ f: TrialConfig.Field, _ path: String) throws -> ([JSONValue], [Loc]) {
        switch node {
        case .sequence(let seq):
            guard !seq.isEmpty else {
                throw reader.error(reader.loc(node, path), "empty axis: list at least one value (an empty axis would make an empty sweep)")
            }
            var values: [JSONValue] = []
            var locs: [Loc] = []
            for (i, item) in seq.enumerated() {
                let p = path + "[\(i)]"
                let v = try reader.json(item, p)
                if FieldFacts.listFields.contains(f), case .array = v {} else if FieldFacts.listFields.contains(f) {
                    throw reader.error(reader.loc(item, p), "\(f.rawValue) takes a list, so its axis is a list of lists")
                }
                values.append(v)
                locs.append(reader.loc(item, p))
            }
            return (values, locs)
        case .mapping:
            let entries = try reader.mapping(node, path)
            if let e = entries.first(where: { SampleDistribution.keys.contains($0.key) }) {
                throw reader.error(reader.loc(e.keyNode, path + "." + e.key),
                    "a sampled axis (\(e.key)) cannot be zipped; put it directly in a grid, with samples: N")
            }
            try reader.checkKeys(entries, allowed: Self.generatorKeys, path: path, context: "an axis (use a list, or one of range, linspace, logspace, or a sampled uniform, loguniform, int, choice)")
            guard entries.count == 1, let e = entries.first else {
                throw reader.error(reader.loc(node, path), "an axis takes one of range, linspace, logspace")
            }
            let p = path + "." + e.key
            let at = reader.loc(e.value, p)
            let args = try reader.json(e.value, p)
            guard case .array(let items) = args, items.allSatisfy({ $0.doubleValue != nil }) else {
                throw reader.error(at, "expected a list of numbers, e.g. \(e.key): \(Self.example(e.key))")
            }
            let values = try generate(e.key, items, f, at)
            return (values, Array(repeating: at, count: values.count))
        default:
            throw reader.error(reader.loc(node, path),
                "an axis needs a list of values (or range/linspace/logspace), found \(SpecReader.kind(node)); to fix one value, put it in base")
        }
    }

    static func example(_ generator: String) -> String {
        switch generator {
        case "range": return "[1, 5] or [0, 1, 0.25] (start, stop, step; both ends included)"
        case "linspace": return "[0, 1, 5] (start, stop, count)"
        default: return "[0.001, 1, 4] (first, last, count; geometric)"
        }
    }

    /// Numbers from a generator. Floats are rounded to 12 significant digits,
    /// so `linspace: [0, 1, 11]` gives 0.3 (the value a user would write),
    /// not 0.30000000000000004; integer fields get the nearest integers.
    func generate(_ kind: String, _ items: [JSONValue], _ f: TrialConfig.Field, _ at: Loc) throws -> [JSONValue] {
        let xs = items.compactMap(\.doubleValue)
        let integerField = FieldFacts.integerFields.contains(f)
        func fail(_ problem: String) -> SweepError { reader.error(at, "\(kind): \(problem)") }
        func count(_ x: Double) throws -> Int {
            guard x == x.rounded(), x >= 1, x <= Double(maxAxisValues) else {
                throw fail("count must be an integer from 1 to \(maxAxisValues) (got \(JSONValue.double(x).display))")
            }
            return Int(x)
        }
        var values: [Double]
        switch kind {
        case "range":
            guard xs.count == 2 || xs.count == 3 else { throw fail("expected [start, stop] or [start, stop, step]") }
            let (start, stop, step) = (xs[0], xs[1], xs.count == 3 ? xs[2] : 1)
            guard step != 0, step.isFinite else { throw fail("step must be non-zero") }
            let span = (stop - start) / step
            guard span < Double(maxAxisValues) else { throw fail("more than \(maxAxisValues) values (settings.max_trials)") }
            guard span >= -1e-9 else { throw fail("empty axis: stop \(JSONValue.double(stop).display) cannot be reached from start \(JSONValue.double(start).display) in steps of \(JSONValue.double(step).display)") }
            let n = Int((span + 1e-9).rounded(.down)) + 1
            guard n <= maxAxisValues else { throw fail("\(n) values is more than \(maxAxisValues)") }
            values = (0..<n).map { start + Double($0) * step }
        case "linspace":
            guard xs.count == 3 else { throw fail("expected [start, stop, count]") }
            let n = try count(xs[2])
            values = n == 1 ? [xs[0]] : (0..<n).map { xs[0] + Double($0) * (xs[1] - xs[0]) / Double(n - 1) }
            if n > 1 { values[n - 1] = xs[1] }
        default:
            guard xs.count == 3 else { throw fail("expected [first, last, count] (geometric, like numpy.geomspace)") }
            guard xs[0] > 0, xs[1] > 0 else { throw fail("first and last must be > 0 (values, not exponents)") }
            let n = try count(xs[2])
            let (a, b) = (log(xs[0]), log(xs[1]))
            values = n == 1 ? [xs[0]] : (0..<n).map { exp(a + Double($0) * (b - a) / Double(n - 1)) }
            if n > 1 { values[0] = xs[0]; values[n - 1] = xs[1] }
        }
        if integerField, let big = values.first(where: { !(abs($0) < 9.0e15) }) {
            throw fail("\(JSONValue.double(big).display) is out of range for '\(f.rawValue)'")
        }
        let out: [JSONValue] = values.map { x in
            if integerField { return .integer(Int64(x.rounded())) }
            return .double(Double(String(format: "%.12g", x)) ?? x)
        }
        if integerField && Set(out).count < out.count {
            throw fail("gives repeated values after rounding to integers for '\(f.rawValue)'; use fewer points")
        }
        return out
    }
}
