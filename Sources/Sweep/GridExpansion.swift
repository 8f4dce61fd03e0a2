import TrialContract

// Expansion turns each sub-sweep's grid into blocks: a block is a plain
// cartesian product of factors over a base config, so any of its points can
// be decoded from an index without enumerating the others. Conditional
// sub-grids split blocks on the condition's axes (the points where it holds
// get the extra factors; the rest stay as they were).

/// One value of a factor: the spec's values for its fields and a config
/// decoded with them (the fields are copied from it when assembling a trial).
struct FactorPoint: Sendable {
    var values: [JSONValue]
    var config: TrialConfig
    var loc: Loc
}

struct Factor: Sendable {
    var fields: [TrialConfig.Field]
    var points: [FactorPoint]
    /// Whether changing this factor changes the shapes a shard shares.
    var isShape: Bool
    var loc: Loc
    /// "activation = leaky" when a conditional sub-grid added it.
    var condition: String?
    /// Set for the factor of a grid's sampled axes.
    var sampling: SamplingNote? = nil

    var label: String { fields.map(\.rawValue).joined(separator: "+") }

    /// Canonical factor order: shape factors first (so consecutive trials
    /// share shapes), seeds innermost, then by field names — never the
    /// order the YAML happened to list them in.
    static func canonicalOrder(_ a: Factor, _ b: Factor) -> Bool {
        let ka = (a.isShape ? 0 : 1, a.fields.contains(.seed) ? 1 : 0, a.label)
        let kb = (b.isShape ? 0 : 1, b.fields.contains(.seed) ? 1 : 0, b.label)
        return ka < kb
    }

    func restricted(to indices: [Int]) -> Factor {
        var f = self
        f.points = indices.map { points[$0] }
        return f
    }
}

struct Block: Sendable {
    var sweep: String
    var base: TrialConfig
    var factors: [Factor]
    var loc: Loc
    /// Number of points (product of the factor sizes).
    var count: Int = 1
    /// strides[k] = product of the sizes of factors after k (mixed radix, first factor outermost).
    var strides: [Int] = []

    /// The config at mixed-radix digits `digits` (one per factor).
    func config(digits: [Int]) -> TrialConfig {
        var c = base
        for (k, factor) in factors.enumerated() {
            let point = factor.points[digits[k]].config
            for field in factor.fields { c.copy(field, from: point) }
        }
        return c
    }

    func digits(of local: Int) -> [Int] {
        var rest = local
        return strides.enumerated().map { k, stride in
            let d = rest / stride
            rest -= d * stride
            return d
        }
    }

    /// The values of the first `digits.count` factors at these digits.
    func assignment(digits: [Int]) -> [(field: String, value: JSONValue)] {
        var out: [(String, JSONValue)] = []
        for (k, factor) in factors.prefix(digits.count).enumerated() {
            for (j, field) in factor.fields.enumerated() { out.append((field.rawValue, factor.points[digits[k]].values[j])) }
        }
        return out
    }
}

/// What an inherited `when` met in one sub-sweep, so the spec can check it across all of them.
struct WhenUse: Sendable {
    var axisFound = false
    var holds = false
    var seenValues: [TrialConfig.Field: Set<JSONValue>] = [:]
}

struct GridExpansion {
    let reader: SpecReader
    var maxTrials: Int
    /// Uses of inherited `when`s, by their path in the spec.
    var inheritedUses: [String: WhenUse] = [:]

    mutating func blocks(for sweep: SubSweepDef) throws -> [Block] {
        let sweepPath = sweep.name.isEmpty ? "" : "sweeps.\(sweep.name)"
        // Each base value alone, so a bad one is reported at its own line.
        var baseObject: [String: JSONValue] = [:]
        for (field, entry) in sweep.base.sorted(by: { ($0.value.loc.line ?? 0, $0.key.rawValue) < ($1.value.loc.line ?? 0, $1.key.rawValue) }) {
            try checkDecodes([field.rawValue: entry.value], at: entry.loc)
            baseObject[field.rawValue] = entry.value
        }
        let top = try factors(sweep.grid, condition: nil).sorted(by: Factor.canonicalOrder)
        // The anchor (base + first value of every axis) must be a complete config.
        var anchor = baseObject
        for factor in top { for (j, f) in factor.fields.enumerated() { anchor[f.rawValue] = factor.points[0].values[j] } }
        let base: TrialConfig
        do {
            base = try FieldFacts.decode(anchor)
        } catch {
            let at = Loc(line: sweep.loc.line, path: sweepPath.isEmpty ? "base" : sweepPath + ".base")
            throw reader.error(at, error.message + (error.message.hasPrefix("missing") ? " (set it in base or make it an axis)" : ""))
        }
        var blocks = [Block(sweep: sweep.name, base: base, factors: top, loc: sweep.loc)]
        blocks = try applyWhens(sweep.grid.whens, to: blocks)
        return try blocks.map(finish)
    }

    /// Decodes defaults + these values; a failure is reported at `loc`.
    func checkDecodes(_ values: [String: JSONValue], at loc: Loc) throws {
        _ = try decodePoint(values, at: loc)
    }

    func decodePoint(_ values: [String: JSONValue], at loc: Loc) throws -> TrialConfig {
        var object = FieldFacts.defaults
        object.merge(values) { $1 }
        do {
            return try FieldFacts.decode(object)
        } catch {
            throw reader.error(loc, error.message)
        }
    }

    /// The grid's own axes as factors (each point decoded and checked).
    func factors(_ grid: GridDef, condition: String?) throws -> [Factor] {
        try grid.axes.map { axis in
            var seen: [[JSONValue]: Int] = [:]
            var points: [FactorPoint] = []
            for (i, values) in axis.points.enumerated() {
                let loc = axis.pointLocs[i]
                if let first = seen[values] {
                    let shown = values.map(\.display).joined(separator: ", ")
                    throw reader.error(loc, "value \(shown) appears twice in this axis (also value #\(first + 1))")
                }
                seen[values] = i
                let object = Dictionary(uniqueKeysWithValues: zip(axis.fields.map(\.rawValue), values))
                points.append(FactorPoint(values: values, config: try decodePoint(object, at: loc), loc: loc))
            }
            let isShape = axis.fields.contains { TrialConfig.shapeFields.contains($0) }
            return Factor(fields: axis.fields, points: points, isShape: isShape, loc: axis.loc, condition: condition,
                          sampling: axis.sampling)
        }
    }

    mutating func applyWhens(_ whens: [WhenDef], to start: [Block]) throws -> [Block] {
        var blocks = start
        for when in whens {
            let description = when.clauses.map { c in
                c.field.rawValue + " = " + c.values.map(\.display).joined(separator: " | ")
            }.joined(separator: ", ")
            let added = try factors(when.grid, condition: description).sorted(by: Factor.canonicalOrder)
            var next: [Block] = []
            var holds = false
            var seenValues: [TrialConfig.Field: Set<JSONValue>] = [:]
            var axisFound = false
            for block in blocks {
                let named = when.clauses.allSatisfy { c in block.factors.contains { $0.fields.contains(c.field) } }
                if when.inherited && !named {
                    // This sub-sweep lacks the condition's axes: the condition does not hold here.
                    next.append(block)
                    continue
                }
                axisFound = true
                let (matching, rest) = try split(block, on: when, seenValues: &seenValues)
                next += rest
                guard var m = matching else { continue }
                holds = true
                for factor in added {
                    for f in factor.fields {
                        if let other = m.factors.first(where: { $0.fields.contains(f) }) {
                            throw reader.error(factor.loc, "'\(f.rawValue)' is already an axis where this condition holds (at \(other.loc.path))")
                        }
                    }
                    m.factors.append(factor)
                }
                next += try applyWhens(when.grid.whens, to: [m])
            }
            if when.inherited {
                var use = inheritedUses[when.loc.path] ?? WhenUse()
                use.axisFound = use.axisFound || axisFound
                use.holds = use.holds || holds
                use.seenValues.merge(seenValues) { $0.union($1) }
                inheritedUses[when.loc.path] = use
                blocks = next
                continue
            }
            try Self.checkUse(when, WhenUse(axisFound: true, holds: holds, seenValues: seenValues), reader: reader)
            blocks = next
        }
        return blocks
    }

    /// A condition must name values its axes take, and hold somewhere.
    static func checkUse(_ when: WhenDef, _ use: WhenUse, reader: SpecReader) throws {
        let description = when.clauses.map { c in
            c.field.rawValue + " = " + c.values.map(\.display).joined(separator: " | ")
        }.joined(separator: ", ")
        if !use.axisFound, let clause = when.clauses.first {
            throw reader.error(clause.loc, "condition on '\(clause.field.rawValue)', which is not an axis of any sub-sweep")
        }
        for clause in when.clauses {
            let known = use.seenValues[clause.field] ?? []
            if let stray = clause.values.first(where: { !known.contains($0) }) {
                let shown = known.map(\.display).sorted().joined(separator: ", ")
                throw reader.error(clause.loc, "'\(stray.display)' is not a value of axis \(clause.field.rawValue) (it takes \(shown))")
            }
        }
        if !use.holds {
            throw reader.error(when.loc, "condition \(description) never holds together on this grid")
        }
    }

    /// Splits a block into the part where the condition holds (nil if none)
    /// and disjoint blocks covering the rest.
    func split(_ block: Block, on when: WhenDef, seenValues: inout [TrialConfig.Field: Set<JSONValue>]) throws -> (Block?, [Block]) {
        // For each factor the condition names: which of its points satisfy all clauses on it.
        var matchByFactor: [Int: [Bool]] = [:]
        for clause in when.clauses {
            guard let k = block.factors.firstIndex(where: { $0.fields.contains(clause.field) }) else {
                let fixed = FieldFacts.valueOf(clause.field, in: block.base).map { " (it is fixed to \($0.display) in base)" } ?? ""
                let axes = block.factors.map(\.label).joined(separator: ", ")
                throw reader.error(clause.loc,
                    "condition on '\(clause.field.rawValue)', which is not an axis here\(fixed); axes: \(axes.isEmpty ? "none" : axes)")
            }
            let j = block.factors[k].fields.firstIndex(of: clause.field)!  // found by the search above
            let allowed = Set(clause.values)
            let hits = block.factors[k].points.map { point -> Bool in
                seenValues[clause.field, default: []].insert(point.values[j])
                return allowed.contains(point.values[j])
            }
            matchByFactor[k] = zip(matchByFactor[k] ?? Array(repeating: true, count: hits.count), hits).map { $0 && $1 }
        }
        let named = matchByFactor.keys.sorted()
        func indices(_ k: Int, _ want: Bool) -> [Int] { matchByFactor[k]!.indices.filter { matchByFactor[k]![$0] == want } }
        var rest: [Block] = []
        // Disjoint cover of "not all hold": first failing factor j, earlier ones holding.
        for (n, k) in named.enumerated() {
            var b = block
            var empty = false
            for earlier in named[..<n] {
                let idx = indices(earlier, true)
                empty = empty || idx.isEmpty
                b.factors[earlier] = b.factors[earlier].restricted(to: idx)
            }
            let miss = indices(k, false)
            if empty || miss.isEmpty { continue }
            b.factors[k] = b.factors[k].restricted(to: miss)
            rest.append(b)
        }
        var matching = block
        for k in named {
            let idx = indices(k, true)
            if idx.isEmpty { return (nil, rest) }
            matching.factors[k] = matching.factors[k].restricted(to: idx)
        }
        return (matching, rest)
    }

    /// Orders the factors (shape first, so consecutive trials share shapes;
    /// seeds innermost), sizes the block and checks it for axes that cannot matter.
    func finish(_ block: Block) throws -> Block {
        var b = block
        b.factors.sort(by: Factor.canonicalOrder)
        var count = 1
        for factor in b.factors {
            let (product, overflow) = count.multipliedReportingOverflow(by: factor.points.count)
            guard !overflow, product <= maxTrials else {
                throw reader.error(b.loc, "the grid has more than \(maxTrials) trials (settings.max_trials)", .tooLarge)
            }
            count = product
        }
        b.count = count
        var strides = Array(repeating: 1, count: b.factors.count)
        for k in stride(from: b.factors.count - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * b.factors[k + 1].points.count }
        b.strides = strides
        try probeForIneffectiveAxes(b)
        return b
    }

    /// An axis whose values give the same trial somewhere (e.g. `alpha` where
    /// activation is relu: `normalized()` resets it) would run duplicates;
    /// it belongs under a `when`. Checked from the block's first point and
    /// from points that change one other factor at a time, which finds every
    /// case where one field's value makes another irrelevant.
    func probeForIneffectiveAxes(_ b: Block) throws {
        let anchorDigits = Array(repeating: 0, count: b.factors.count)
        for (k, factor) in b.factors.enumerated() where factor.points.count > 1 {
            let anchorNote = b.factors.enumerated().filter { $0.offset != k && $0.element.points.count > 1 }.flatMap { _, other in
                zip(other.fields, other.points[0].values).map { "\($0.rawValue) = \($1.display)" }
            }.joined(separator: ", ")
            var contexts: [(digits: [Int], note: String)] = [(anchorDigits, anchorNote.isEmpty ? "" : " where " + anchorNote)]
            for (g, other) in b.factors.enumerated() where g != k && other.points.count > 1 {
                let n = other.points.count
                let picks = n <= 33 ? Array(1..<n) : (1...32).map { $0 * (n - 1) / 32 }
                for q in Set(picks).sorted() {
                    var d = anchorDigits
                    d[g] = q
                    let shown = zip(other.fields, other.points[q].values).map { "\($0.rawValue) = \($1.display)" }.joined(separator: ", ")
                    contexts.append((d, " where " + shown))
                }
            }
            for context in contexts {
                var seen: [TrialConfig: Int] = [:]
                var digits = context.digits
                for p in factor.points.indices {
                    digits[k] = p
                    let normalized = b.config(digits: digits).normalized()
                    if let first = seen[normalized] {
                        let a = factor.points[first].values.map(\.display).joined(separator: ", ")
                        let c = factor.points[p].values.map(\.display).joined(separator: ", ")
                        let advice = context.note.isEmpty
                            ? " (TrialConfig.normalized() makes them equal); keep one of them"
                            : " (the config ignores \(factor.label) there); move it under a `when` so it only varies where it matters"
                        throw reader.error(factor.loc, "values \(a) and \(c) of '\(factor.label)' give the same trial\(context.note)\(advice)")
                    }
                    seen[normalized] = p
                }
            }
        }
    }
}
