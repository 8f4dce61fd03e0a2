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

    /// Result format 3's curves: `"curve_steps":[…]`, the step list most curves
    /// share (absent when there are no curves), then `"curves":{…}` in name
    /// order, where a curve on those steps is its bare array of values and any
    /// other curve is `{"steps":[…],"values":[…]}` as in `curves(_:)`.
    public mutating func compactCurves(_ curves: [String: Curve]) throws(NonFiniteNumber) {
        let names = curves.keys.sorted()
        let shared = Curve.sharedSteps(names.compactMap { curves[$0] })
        if let shared {
            key("curve_steps"); beginArray(); for s in shared { int(s) }; endArray()
        }
        key("curves"); beginObject()
        for name in names {
            guard let c = curves[name] else { continue }
            guard c.values.allSatisfy(\.isFinite) else { throw NonFiniteNumber(what: "curve '\(name)'") }
            key(name)
            if c.steps == shared {
                beginArray(); for v in c.values { double(v) }; endArray()
            } else {
                beginObject()
                key("steps"); beginArray(); for s in c.steps { int(s) }; endArray()
                key("values"); beginArray(); for v in c.values { double(v) }; endArray()
                endObject()
            }
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

    /// Format 3's `curves`: each a curve object or a bare array of values (on
    /// the record's `curve_steps`, which the caller pairs them with).
    public mutating func curveForms() -> [String: CurveForm]? {
        dictionary { r in
            if r.peek() == UInt8(ascii: "[") { return r.array({ $0.double() }).map { .values($0) } }
            return r.curve().map { .curve($0) }
        }
    }

    /// `"ok"`, `"diverged"` or `"failed"`.
    public mutating func trialStatus() -> TrialStatus? { string().flatMap(TrialStatus.init(rawValue:)) }

    /// A trial config (see `TrialConfig.scan`).
    public mutating func config() -> TrialConfig? { TrialConfig.scan(&self) }
}

/// A curve as result format 3 writes it: in full, or only its values on the
/// record's shared step list (`curve_steps`).
public enum CurveForm: Sendable, Equatable, Decodable {
    case curve(Curve)
    case values([Double])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let values = try? c.decode([Double].self) { self = .values(values) } else { self = .curve(try c.decode(Curve.self)) }
    }

    /// The curves of a record: bare value arrays are put on `steps`; nil when
    /// one is there without `steps` or with another length.
    public static func resolve(_ forms: [String: CurveForm], steps: [Int]?) -> [String: Curve]? {
        var out: [String: Curve] = [:]
        out.reserveCapacity(forms.count)
        for (name, form) in forms {
            switch form {
            case .curve(let c): out[name] = c
            case .values(let v):
                guard let steps, steps.count == v.count else { return nil }
                out[name] = Curve(steps: steps, values: v)
            }
        }
        return out
    }
}

extension Curve {
    /// The step list most of these curves have (the first such in order on a
    /// tie); nil for no curves.
    public static func sharedSteps(_ curves: [Curve]) -> [Int]? {
        var best: (steps: [Int], count: Int)?
        var tried: [[Int]] = []
        for c in curves where !tried.contains(c.steps) {
            tried.append(c.steps)
            let n = curves.count(where: { $0.steps == c.steps })
            if n > (best?.count ?? 0) { best = (c.steps, n) }
            if n * 2 > curves.count { break }  // a majority: nothing can beat it
        }
        return best?.steps
    }
}
