import Foundation
import Training

/// The value of one config field (or the sub-sweep name) as the report sees
/// it: numbers sort numerically and can go on a plot axis; the rest are labels.
public enum AxisValue: Hashable, Sendable, Comparable, CustomStringConvertible {
    case number(Double)
    case flag(Bool)
    case text(String)
    /// The field is absent (an optional left unset).
    case none

    public var number: Double? {
        if case .number(let x) = self { return x }
        return nil
    }

    public var description: String {
        switch self {
        case .number(let x): return Format.number(x, digits: 6)
        case .flag(let b): return b ? "true" : "false"
        case .text(let s): return s
        case .none: return "—"
        }
    }

    private var rank: Int {
        switch self {
        case .none: return 0
        case .flag: return 1
        case .number: return 2
        case .text: return 3
        }
    }

    public static func < (a: AxisValue, b: AxisValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.flag(let x), .flag(let y)): return !x && y
        case (.text(let x), .text(let y)): return x.localizedStandardCompare(y) == .orderedAscending
        default: return a.rank < b.rank
        }
    }
}

/// A JSON value, to read any config field generically from its encoding.
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var axisValue: AxisValue {
        switch self {
        case .null: return .none
        case .bool(let b): return .flag(b)
        case .number(let x): return .number(x)
        case .string(let s): return .text(s)
        case .array(let a): return .text(a.map(\.axisValue.description).joined(separator: ","))
        case .object: return .text("{…}")
        }
    }
}

extension TrialConfig {
    /// Every config field by its JSON name (TrialConfig.Field), read through
    /// the config's own encoding so a field added to the contract shows up here
    /// without a change. Unset optionals are `.none`.
    public var fieldValues: [String: AxisValue] {
        guard let data = try? JSONEncoder().encode(self),
              let object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return [:] }
        var values = object.mapValues(\.axisValue)
        for field in Field.allCases where values[field.rawValue] == nil { values[field.rawValue] = AxisValue.none }
        return values
    }
}
