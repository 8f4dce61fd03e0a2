import TrialContract

extension TrialConfig {
    /// The fields whose value cannot change this trial: those that
    /// `normalized()` resets or rewrites whatever they hold, given the other
    /// fields (`alpha` under relu, `batch_size` under gd, `dim` of a regression
    /// generator). Found by asking `normalized()` itself, so a rule added there
    /// is followed here: a field applies when two different values of it
    /// survive normalisation as two different values.
    public var inapplicableFields: Set<Field> {
        var out = Set<Field>()
        for probe in Self.normalizationProbes {
            var a = self, b = self
            a.copy(probe.field, from: probe.a)
            b.copy(probe.field, from: probe.b)
            if a.normalized().json(probe.field) == b.normalized().json(probe.field) { out.insert(probe.field) }
        }
        return out
    }

    /// For each field `normalized()` may rewrite: two configs holding two
    /// unlikely, different values of it (of whatever type the field takes).
    private static let normalizationProbes: [(field: Field, a: TrialConfig, b: TrialConfig)] = {
        let defaults = TrialConfig().jsonObject
        let pairs: [(JSONValue, JSONValue)] = [
            (.double(0.123456789), .double(0.987654321)),
            (.integer(7919), .integer(7907)),
            (.string("probe-a"), .string("probe-b")),
            (.array([.integer(7919)]), .array([.integer(7907)])),
            (.bool(true), .bool(false)),
        ]
        return rewrittenByNormalization.sorted { $0.rawValue < $1.rawValue }.compactMap { field in
            func config(_ v: JSONValue) -> TrialConfig? {
                var members = defaults
                members[field.rawValue] = v
                return try? TrialConfig(json: members)
            }
            for (x, y) in pairs {
                if let a = config(x), let b = config(y) { return (field, a, b) }
            }
            return nil
        }
    }()
}
