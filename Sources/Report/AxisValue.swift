import Foundation
import TrialContract

/// The value of one config field (or the sub-sweep name) as the report sees
/// it: numbers sort numerically and can go on a plot axis; the rest are labels.
public enum AxisValue: Hashable, Sendable, Comparable, CustomStringConvertible {
    case number(Double)
    case flag(Bool)
    case text(String)
    /// The field is absent (an optional left unset).
    case none
    /// The field cannot affect this trial (`TrialConfig.inapplicableFields`:
    /// `alpha` under relu, `batch_size` under gd); not a value of its axis.
    case notApplicable

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
        case .notApplicable: return "n/a"
        }
    }

    private var rank: Int {
        switch self {
        case .none: return 0
        case .flag: return 1
        case .number: return 2
        case .text: return 3
        case .notApplicable: return 4
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

extension AxisValue {
    /// A config field's canonical JSON value as the report shows it.
    init(_ json: JSONValue?) {
        switch json {
        case nil, .null?: self = .none
        case .bool(let b)?: self = .flag(b)
        case .number(let s)?: self = Double(s).map(AxisValue.number) ?? .text(s)
        case .string(let s)?: self = .text(s)
        case .array(let items)?: self = .text(items.map { AxisValue($0).description }.joined(separator: ","))
        case .object?: self = .text("{…}")
        }
    }
}

extension TrialConfig {
    /// Every config field by its JSON name, read through the contract's field
    /// table, so a field added there shows up here without a change. Unset
    /// optionals are `.none`.
    public var fieldValues: [String: AxisValue] {
        Dictionary(uniqueKeysWithValues: Field.allCases.map { ($0.rawValue, AxisValue(json($0))) })
    }

    /// `fieldValues` with the fields that cannot affect this trial marked `.notApplicable`.
    public var applicableFieldValues: [String: AxisValue] {
        var values = fieldValues
        for f in inapplicableFields { values[f.rawValue] = .notApplicable }
        return values
    }
}
