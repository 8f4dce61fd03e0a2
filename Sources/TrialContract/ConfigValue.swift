// The kinds of value a config field holds, each described once: how it is
// read and written as JSON (the fast scanner/writer pair and the canonical
// form behind trial ids) and what a wrong value is told. `FieldSpec` builds a
// field's entry from its key path and these.

/// Why a JSON value cannot be a field's value: "expected an integer" (a
/// wrong kind of value), or a phrase that follows the field's name ("must be
/// a whole number (got 12.5)").
public struct ConfigValueError: Error, Sendable, Equatable {
    public let problem: String
    public init(_ problem: String) { self.problem = problem }
}

/// A type a config field can hold.
public protocol ConfigValue: Codable, Hashable, Sendable {
    /// What a value must be, for messages and docs: "an integer", "one of: a, b".
    static var expected: String { get }
    /// The value from a canonical JSON value (the spec pipeline's path).
    init(json: JSONValue) throws(ConfigValueError)
    /// The canonical JSON value; nil for an absent optional (left out of the text).
    var json: JSONValue? { get }
    /// Reads the value as `write(to:)` writes it; nil to give up (the
    /// caller then decodes with `JSONDecoder`, which names the problem).
    static func scan(_ r: inout JSONScanner) -> Self?
    /// Writes the value; false for a number JSON cannot hold (NaN, ±∞).
    func write(to w: inout JSONWriter) -> Bool
    /// Appends the canonical JSON text of `json` (what trial ids hash);
    /// false, appending nothing, for an absent optional.
    func canonical(to out: inout [UInt8]) -> Bool
    /// An absent optional: left out of every text form.
    var isAbsent: Bool { get }
    static var isInteger: Bool { get }
    static var isList: Bool { get }
    static var isOptional: Bool { get }
}

extension ConfigValue {
    public func canonical(to out: inout [UInt8]) -> Bool {
        guard let value = json else { return false }
        value.write(to: &out)
        return true
    }
    public var isAbsent: Bool { false }
    public static var isInteger: Bool { false }
    public static var isList: Bool { false }
    public static var isOptional: Bool { false }

    static func mismatch(_ json: JSONValue) -> ConfigValueError {
        ConfigValueError("expected \(expected)")
    }
}

extension Int: ConfigValue {
    public static var expected: String { "an integer" }
    public static var isInteger: Bool { true }
    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .number(let text) = json else { throw Self.mismatch(json) }
        if let n = Int(text) { self = n; return }
        guard let x = Double(text) else { throw Self.mismatch(json) }
        guard x == x.rounded() else { throw ConfigValueError("must be a whole number (got \(text))") }
        // Beyond ±2^63 an integral double has no Int; say so rather than trap.
        guard let n = Int(exactly: x) else { throw ConfigValueError("= \(text) is out of range for an integer") }
        self = n
    }
    public var json: JSONValue? { .integer(self) }
    public func canonical(to out: inout [UInt8]) -> Bool {
        CanonicalNumber.writeInteger(UInt64(magnitude), negative: self < 0, to: &out)
        return true
    }
    public static func scan(_ r: inout JSONScanner) -> Int? { r.int() }
    public func write(to w: inout JSONWriter) -> Bool { w.int(self); return true }
}

extension UInt64: ConfigValue {
    public static var expected: String { "a non-negative integer" }
    public static var isInteger: Bool { true }
    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .number(let text) = json else { throw Self.mismatch(json) }
        if let n = UInt64(text) { self = n; return }
        guard let x = Double(text) else { throw Self.mismatch(json) }
        guard x >= 0 else { throw ConfigValueError("must be an integer ≥ 0 (got \(text))") }
        guard x == x.rounded() else { throw ConfigValueError("must be a whole number (got \(text))") }
        guard let n = UInt64(exactly: x) else { throw ConfigValueError("= \(text) is out of range for an integer") }
        self = n
    }
    public var json: JSONValue? { .integer(self) }
    public func canonical(to out: inout [UInt8]) -> Bool {
        CanonicalNumber.writeInteger(self, negative: false, to: &out)
        return true
    }
    public static func scan(_ r: inout JSONScanner) -> UInt64? { r.uint() }
    public func write(to w: inout JSONWriter) -> Bool { w.uint(self); return true }
}

extension Double: ConfigValue {
    public static var expected: String { "a number" }
    public init(json: JSONValue) throws(ConfigValueError) {
        guard let x = json.doubleValue else { throw Self.mismatch(json) }
        self = x
    }
    public var json: JSONValue? { .double(self) }
    public func canonical(to out: inout [UInt8]) -> Bool {
        guard isFinite else {
            JSONValue.double(self).write(to: &out)
            return true
        }
        CanonicalNumber.write(self, to: &out)
        return true
    }
    public static func scan(_ r: inout JSONScanner) -> Double? { r.double() }
    public func write(to w: inout JSONWriter) -> Bool {
        guard isFinite else { return false }
        w.double(self)
        return true
    }
}

extension Bool: ConfigValue {
    public static var expected: String { "true or false" }
    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .bool(let b) = json else { throw Self.mismatch(json) }
        self = b
    }
    public var json: JSONValue? { .bool(self) }
    public static func scan(_ r: inout JSONScanner) -> Bool? { r.bool() }
    public func write(to w: inout JSONWriter) -> Bool { w.bool(self); return true }
}

extension String: ConfigValue {
    public static var expected: String { "a string" }
    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .string(let s) = json else { throw Self.mismatch(json) }
        self = s
    }
    public var json: JSONValue? { .string(self) }
    public static func scan(_ r: inout JSONScanner) -> String? { r.string() }
    public func write(to w: inout JSONWriter) -> Bool { w.string(self); return true }
}

extension Array: ConfigValue where Element == Int {
    public static var expected: String { "a list of integers" }
    public static var isList: Bool { true }
    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .array(let items) = json else { throw Self.mismatch(json) }
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for item in items {
            do { out.append(try Int(json: item)) } catch { throw Self.mismatch(json) }
        }
        self = out
    }
    public var json: JSONValue? { .array(map { .integer($0) }) }
    public func canonical(to out: inout [UInt8]) -> Bool {
        out.append(UInt8(ascii: "["))
        for (i, v) in enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            _ = v.canonical(to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return true
    }
    public static func scan(_ r: inout JSONScanner) -> [Int]? { r.array { $0.int() } }
    public func write(to w: inout JSONWriter) -> Bool {
        w.beginArray()
        for v in self { w.int(v) }
        w.endArray()
        return true
    }
}

/// An optional field: absent (or `null`) is nil, and nil is left out when written.
extension Optional: ConfigValue where Wrapped: ConfigValue {
    public static var expected: String { Wrapped.expected }
    public static var isInteger: Bool { Wrapped.isInteger }
    public static var isList: Bool { Wrapped.isList }
    public static var isOptional: Bool { true }
    public var isAbsent: Bool { self == nil }
    public init(json: JSONValue) throws(ConfigValueError) {
        if case .null = json { self = nil; return }
        self = try Wrapped(json: json)
    }
    public var json: JSONValue? { self?.json }
    public func canonical(to out: inout [UInt8]) -> Bool { self?.canonical(to: &out) ?? false }
    public static func scan(_ r: inout JSONScanner) -> Wrapped?? {
        if r.literal("null") { return .some(nil) }
        return Wrapped.scan(&r).map { .some($0) }
    }
    public func write(to w: inout JSONWriter) -> Bool { self?.write(to: &w) ?? true }
}

/// A field whose value is one of a fixed set of names.
public protocol ConfigChoice: ConfigValue, RawRepresentable<String>, CaseIterable {}

extension ConfigChoice {
    public static var expected: String { "one of: " + allCases.map(\.rawValue).joined(separator: ", ") }
    public init(json: JSONValue) throws(ConfigValueError) {
        guard case .string(let s) = json, let v = Self(rawValue: s) else { throw Self.mismatch(json) }
        self = v
    }
    public var json: JSONValue? { .string(rawValue) }
    public static func scan(_ r: inout JSONScanner) -> Self? { r.string().flatMap(Self.init(rawValue:)) }
    public func write(to w: inout JSONWriter) -> Bool { w.string(rawValue); return true }
}

extension DataKind: ConfigChoice {}
extension ActivationKind: ConfigChoice {}
extension LossKind: ConfigChoice {}
extension LossReduction: ConfigChoice {}
extension InputLayerKind: ConfigChoice {}
extension OutputLayerKind: ConfigChoice {}
extension InitPreset: ConfigChoice {}
extension OptimizerKind: ConfigChoice {}
extension LRScaling: ConfigChoice {}
extension DType: ConfigChoice {}
extension MetricsLevel: ConfigChoice {}
