import Training

extension JSONScanner {
    /// `{"steps":[…],"values":[…]}` of equal lengths.
    public mutating func curve() -> Curve? {
        var steps: [Int]?, values: [Double]?
        guard object({ r, key in
            switch key {
            case "steps" where steps == nil: steps = r.array({ s in s.int() }); return steps != nil
            case "values" where values == nil: values = r.array({ s in s.double() }); return values != nil
            default: return false
            }
        }), let steps, let values, steps.count == values.count else { return nil }
        return Curve(steps: steps, values: values)
    }

    /// `{ "name": curve, … }` with distinct names.
    public mutating func curves() -> [String: Curve]? { dictionary { $0.curve() } }

    /// `"ok"`, `"diverged"` or `"failed"`.
    public mutating func trialStatus() -> TrialStatus? { string().flatMap(TrialStatus.init(rawValue:)) }

    /// A trial config (see `ConfigReader`).
    public mutating func config() -> TrialConfig? { ConfigReader.read(&self) }
}
