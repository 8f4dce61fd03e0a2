import TrialContract
import Yams

// The grammar of sampled axes: `sampler:` at the top, `FIELD: {uniform |
// loguniform | int | choice: …}` and `samples: N` in a grid.

extension SpecGrammar {
    /// `sampler: {method: sobol | random, seed: N}`.
    func samplerSettings(_ node: Node) throws -> SamplerSettings {
        var s = SamplerSettings()
        let entries = try reader.mapping(node, "sampler", what: "a mapping with 'method' and/or 'seed'")
        try reader.checkKeys(entries, allowed: ["method", "seed"], path: "sampler", context: "sampler")
        for e in entries {
            let path = "sampler." + e.key
            let value = try reader.json(e.value, path)
            if e.key == "method" {
                guard case .string(let name) = value, let method = SamplerSettings.Method(rawValue: name) else {
                    throw reader.error(reader.loc(e.value, path), "expected sobol or random, found \(SpecReader.kind(e.value))")
                }
                s.method = method
            } else {
                guard case .number(let text) = value, let seed = UInt64(text) else {
                    throw reader.error(reader.loc(e.value, path), "expected an integer ≥ 0, found \(SpecReader.kind(e.value))")
                }
                s.seed = seed
            }
        }
        return s
    }

    /// `samples: N`.
    func sampleCount(_ node: Node, _ path: String) throws -> Int {
        guard case .scalar = node, let n = try reader.json(node, path).intValue, n >= 1 else {
            throw reader.error(reader.loc(node, path), "samples: expected a count ≥ 1, found \(SpecReader.kind(node))")
        }
        guard n <= maxAxisValues else {
            throw reader.error(reader.loc(node, path), "samples: \(n) is more than the trial limit \(maxAxisValues) (settings.max_trials)", .tooLarge)
        }
        return n
    }

    /// A sampled axis, or nil when the node is not `{uniform | loguniform | int | choice: …}`.
    func sampledAxis(_ node: Node, _ f: TrialConfig.Field, _ path: String) throws -> SampledAxis? {
        guard case .mapping = node else { return nil }
        let entries = try reader.mapping(node, path)
        guard entries.count == 1, let e = entries.first, SampleDistribution.keys.contains(e.key) else { return nil }
        let p = path + "." + e.key
        let at = reader.loc(e.value, p)
        let args = try reader.json(e.value, p)
        guard case .array(let items) = args else { throw reader.error(at, "expected a list, e.g. \(e.key): \(Self.sampleExample(e.key))") }
        let integerField = FieldFacts.integerFields.contains(f)
        func fail(_ problem: String) -> SweepError { reader.error(at, "\(e.key): \(problem)") }
        func bounds() throws -> (Double, Double) {
            let xs = items.compactMap(\.doubleValue)
            guard items.count == 2, xs.count == 2, xs.allSatisfy(\.isFinite) else { throw fail("expected [low, high], e.g. \(e.key): \(Self.sampleExample(e.key))") }
            guard xs[0] < xs[1] else { throw fail("low must be below high (got \(items[0].display), \(items[1].display))") }
            return (xs[0], xs[1])
        }
        let distribution: SampleDistribution
        switch e.key {
        case "uniform":
            if integerField { throw fail("'\(f.rawValue)' takes integers: use int: [low, high]") }
            let (a, b) = try bounds()
            distribution = .uniform(a, b)
        case "loguniform":
            let (a, b) = try bounds()
            guard a > 0 else { throw fail("low must be > 0 (values, not exponents)") }
            if integerField && !(a >= 1 && b < 9.0e15) { throw fail("integer bounds must be in [1, 9e15)") }
            distribution = .logUniform(a, b)
        case "int":
            guard items.count == 2, case .number(let lo) = items[0], case .number(let hi) = items[1],
                  let a = Int64(lo), let b = Int64(hi) else { throw fail("expected two integers [low, high], both included") }
            guard a <= b else { throw fail("low must not be above high (got \(a), \(b))") }
            guard b.subtractingReportingOverflow(a).overflow == false, Double(b - a) < 9.0e15 else { throw fail("the range is too wide") }
            distribution = .integer(a, b)
        default:
            guard !items.isEmpty else { throw fail("list at least one value") }
            if FieldFacts.listFields.contains(f), let bad = items.first(where: { if case .array = $0 { false } else { true } }) {
                throw fail("\(f.rawValue) takes a list, so its choices are lists (got \(bad.display))")
            }
            guard Set(items).count == items.count else { throw fail("a value is listed twice") }
            distribution = .choice(items)
        }
        return SampledAxis(field: f, distribution: distribution, loc: reader.loc(e.value, p))
    }

    /// The grid's sampled axes drawn `samples` times, as one factor of its product.
    func sampledFactor(_ axes: [SampledAxis], samples: (count: Int, loc: Loc)?, gridNode: Node, gridPath: String) throws -> AxisDef? {
        if axes.isEmpty {
            guard let samples else { return nil }
            throw reader.error(samples.loc, "samples: this grid has no sampled axis (uniform, loguniform, int or choice) to draw")
        }
        guard let samples else {
            let names = axes.map(\.field.rawValue).joined(separator: ", ")
            throw reader.error(reader.loc(gridNode, gridPath), "sampled axes (\(names)) need `samples: N` in the same grid: how many points to draw")
        }
        if sampler.method == .sobol && axes.count > Sobol.maxDimensions {
            throw reader.error(samples.loc, "samples: the sobol sampler draws at most \(Sobol.maxDimensions) axes of one grid (this one has \(axes.count)); use sampler: {method: random}")
        }
        return SampledAxis.factor(axes, count: samples.count, sampler: UnitSampler(settings: sampler, gridPath: gridPath), loc: samples.loc)
    }

    static func sampleExample(_ kind: String) -> String {
        switch kind {
        case "uniform": return "[0, 0.9]"
        case "loguniform": return "[0.0001, 1]"
        case "int": return "[1, 8]"
        default: return "[relu, tanh]"
        }
    }
}
