import TrialContract
import Yams

// The grammar of `halving:` (successive halving and Hyperband), read into a
// `HalvingDef` and checked against the expanded blocks into a `HalvingSpec`.

/// `halving:` as written, with where each part is.
struct HalvingDef: Sendable {
    var budget: TrialConfig.Field = .steps
    var budgetLoc: Loc
    var rungs: [Int]?
    var minBudget: Int?
    var eta = 3.0
    var metric = "train_loss"
    var maximize = false
    var brackets = 1
    var loc: Loc
}

extension SpecGrammar {
    static let halvingKeys = ["budget", "rungs", "min_budget", "eta", "metric", "mode", "brackets"]

    func halving(_ node: Node, keyNode: Node) throws -> HalvingDef {
        let entries = try reader.mapping(node, "halving", what: "a mapping with budget, rungs or min_budget, eta, metric, mode, brackets")
        try reader.checkKeys(entries, allowed: Self.halvingKeys, path: "halving", context: "halving")
        var def = HalvingDef(budgetLoc: reader.loc(node, "halving"), loc: reader.loc(keyNode, "halving"))
        for e in entries {
            let path = "halving." + e.key
            let at = reader.loc(e.value, path)
            let value = try reader.json(e.value, path)
            func integer(atLeast low: Int) throws -> Int {
                guard let n = value.intValue, n >= low else { throw reader.error(at, "expected an integer ≥ \(low), found \(SpecReader.kind(e.value))") }
                return n
            }
            switch e.key {
            case "budget":
                guard case .string(let name) = value else { throw reader.error(at, "expected a config field such as steps") }
                let f = try field(name, e.value, path, allowed: Self.fieldNames)
                guard FieldFacts.integerFields.contains(f), !f.spec.isOptional else {
                    throw reader.error(at, "the budget must be an integer field such as steps ('\(name)' is \(f.spec.expected))")
                }
                def.budget = f
                def.budgetLoc = at
            case "rungs":
                guard case .array(let items) = value, !items.isEmpty else { throw reader.error(at, "expected a list of budgets, e.g. [100, 300, 900]") }
                let rungs = items.compactMap(\.intValue)
                guard rungs.count == items.count, rungs.allSatisfy({ $0 >= 1 }) else { throw reader.error(at, "rungs must be integers ≥ 1") }
                guard zip(rungs, rungs.dropFirst()).allSatisfy({ $0 < $1 }) else { throw reader.error(at, "rungs must increase") }
                def.rungs = rungs
            case "min_budget": def.minBudget = try integer(atLeast: 1)
            case "eta":
                guard let x = value.doubleValue, x > 1, x <= 1000 else { throw reader.error(at, "eta must be a number above 1 (e.g. 3: keep the best third)") }
                def.eta = x
            case "metric":
                guard case .string(let name) = value else { throw reader.error(at, "expected a metric name such as train_loss") }
                guard Metric.isKnown(name) else {
                    let hint = Suggest.closest(to: name, among: Metric.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""
                    throw reader.error(at, "unknown metric '\(name)'\(hint)")
                }
                def.metric = name
            case "mode":
                guard case .string(let mode) = value, mode == "min" || mode == "max" else { throw reader.error(at, "expected min or max") }
                def.maximize = mode == "max"
            default:
                def.brackets = try integer(atLeast: 1)
            }
        }
        if def.rungs != nil && def.minBudget != nil {
            throw reader.error(def.loc, "give rungs or min_budget, not both")
        }
        if def.rungs == nil && def.minBudget == nil {
            throw reader.error(def.loc, "halving needs rungs: [budgets…] or min_budget: N (the first rung's budget)")
        }
        return def
    }
}

extension HalvingDef {
    /// Checks the definition against the expanded blocks: the budget field is
    /// fixed (not an axis) to one value, the full budget, which is the last rung.
    func resolve(_ blocks: [Block], reader: SpecReader) throws -> HalvingSpec {
        let name = budget.rawValue
        if let block = blocks.first(where: { $0.factors.contains { $0.fields.contains(budget) } }) {
            let axis = block.factors.first { $0.fields.contains(budget) }!
            throw reader.error(axis.loc, "'\(name)' is the halving budget: fix it in base to the full budget instead of making it an axis")
        }
        let values = Set(blocks.compactMap { $0.base.json(budget)?.intValue })
        guard values.count == 1, let full = values.first, full >= 1 else {
            throw reader.error(budgetLoc, "the halving budget '\(name)' must have one value ≥ 1 in every sub-sweep's base (the full budget); found \(values.sorted())")
        }
        var rungs: [Int]
        if let given = self.rungs {
            guard given.last == full else {
                throw reader.error(loc, "the last rung must be the full budget, \(name) = \(full) in base (rungs end at \(given.last!))")
            }
            rungs = given
        } else {
            // Budgets full·η^−k down to min_budget, by repeated division (no pow or log, so every host agrees).
            let low = Double(minBudget!)
            guard low <= Double(full) else { throw reader.error(loc, "min_budget \(minBudget!) is above the full budget, \(name) = \(full)") }
            var budgets = [Double(full)]
            while budgets.last! / eta >= low * (1 - 1e-12) { budgets.append(budgets.last! / eta) }
            rungs = budgets.reversed().map { Int($0.rounded()) }
            guard Set(rungs).count == rungs.count else {
                throw reader.error(loc, "rungs \(rungs) repeat after rounding to integers; raise min_budget or eta")
            }
        }
        guard brackets <= rungs.count else {
            throw reader.error(loc, "brackets: \(brackets) is more than the \(rungs.count) rungs (\(rungs.map(String.init).joined(separator: ", ")))")
        }
        return HalvingSpec(budget: budget, rungs: rungs, eta: eta, metric: metric, maximize: maximize, brackets: brackets)
    }
}
