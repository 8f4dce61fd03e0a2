// The JSON forms of results, shared by the wire protocol's result bodies and
// the store's result lines, so both read and write metrics and curves alike.

/// A number JSON cannot hold (NaN, ±∞), named for the message: "metric 'train_loss'".
public struct NonFiniteNumber: Error, Sendable, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "\(what) is not a finite number" }
}

extension JSONWriter {
    /// `{ "name": value, … }` in name order.
    public mutating func metrics(_ metrics: [String: Double]) throws(NonFiniteNumber) {
        beginObject()
        for name in metrics.keys.sorted() {
            let v = metrics[name] ?? 0
            guard v.isFinite else { throw NonFiniteNumber(what: "metric '\(name)'") }
            key(name); double(v)
        }
        endObject()
    }

    /// `{ "name": {"steps": […], "values": […]}, … }` in name order.
    public mutating func curves(_ curves: [String: Curve]) throws(NonFiniteNumber) {
        beginObject()
        for name in curves.keys.sorted() {
            guard let c = curves[name] else { continue }
            key(name); beginObject()
            key("steps"); beginArray(); for s in c.steps { int(s) }; endArray()
            key("values"); beginArray()
            for v in c.values {
                guard v.isFinite else { throw NonFiniteNumber(what: "curve '\(name)'") }
                double(v)
            }
            endArray()
            endObject()
        }
        endObject()
    }

    /// A config object (see `TrialConfig.write(to:)`).
    public mutating func config(_ c: TrialConfig) throws(NonFiniteNumber) {
        do { try c.write(to: &self) } catch { throw NonFiniteNumber(what: "config '\(error.field.rawValue)'") }
    }
}

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

    /// A trial config (see `TrialConfig.scan`).
    public mutating func config() -> TrialConfig? { TrialConfig.scan(&self) }
}
