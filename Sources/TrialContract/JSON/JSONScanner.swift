/// A one-pass reader of JSON text, the counterpart of `JSONWriter`, for the
/// hot paths that read what this project writes (wire bodies, result lines,
/// configs) without Foundation's `JSONDecoder` and its intermediate tree.
///
/// Every reader built on it is a shortcut only: it gives up (nil or false)
/// on anything it does not expect — an escaped string, a duplicate member,
/// a number out of range, malformed text — and its caller then decodes with
/// `JSONDecoder`, which accepts what it accepts and names the problem
/// otherwise. So a scanner-based reader never decides what is valid.
public struct JSONScanner {
    private let b: [UInt8]
    private var i = 0

    public init(_ bytes: [UInt8]) { b = bytes }

    /// True when only whitespace is left.
    public mutating func atEnd() -> Bool {
        skipSpace()
        return i == b.count
    }

    /// `{ "key": value, … }`; `member` reads the value and returns false to give up.
    public mutating func object(_ member: (inout JSONScanner, String) -> Bool) -> Bool {
        guard consume("{") else { return false }
        if consume("}") { return true }
        repeat {
            guard let key = string(), consume(":"), member(&self, key) else { return false }
        } while consume(",")
        return consume("}")
    }

    /// `[ element, … ]`; nil as soon as one element is nil.
    public mutating func array<T>(_ element: (inout JSONScanner) -> T?) -> [T]? {
        guard consume("[") else { return nil }
        var out: [T] = []
        if consume("]") { return out }
        repeat {
            guard let v = element(&self) else { return nil }
            out.append(v)
        } while consume(",")
        return consume("]") ? out : nil
    }

    /// `{ "name": value, … }` with distinct names; nil as soon as one value is nil.
    public mutating func dictionary<T>(_ value: (inout JSONScanner) -> T?) -> [String: T]? {
        var m: [String: T] = [:]
        guard object({ r, name in
            guard let v = value(&r), m.updateValue(v, forKey: name) == nil else { return false }
            return true
        }) else { return nil }
        return m
    }

    /// `{ "name": number, … }` with distinct names.
    public mutating func numbers() -> [String: Double]? { dictionary { $0.double() } }

    public mutating func consume(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }

    public mutating func literal(_ word: StaticString) -> Bool {
        skipSpace()
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        let matches = word.withUTF8Buffer { w in (0..<n).allSatisfy { b[i + $0] == w[$0] } }
        if matches { i += n }
        return matches
    }

    public mutating func bool() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// A string without escapes or control characters (nil otherwise: the slow path handles those).
    public mutating func string() -> String? {
        guard consume("\"") else { return nil }
        let start = i
        while i < b.count, b[i] != UInt8(ascii: "\"") {
            if b[i] == UInt8(ascii: "\\") || b[i] < 0x20 { return nil }
            i += 1
        }
        guard i < b.count else { return nil }
        defer { i += 1 }
        return String(validating: b[start..<i], as: UTF8.self)
    }

    /// A string or `null` (`.some(nil)`); nil when it is neither.
    public mutating func nullableString() -> String?? {
        if literal("null") { return .some(nil) }
        return string().map { .some($0) }
    }

    /// A finite number.
    public mutating func double() -> Double? {
        guard let t = numberText(), let v = Double(t), v.isFinite else { return nil }
        return v
    }

    /// An integer written without fraction or exponent.
    public mutating func int() -> Int? { numberText().flatMap { Int($0) } }
    public mutating func uint() -> UInt64? { numberText().flatMap { UInt64($0) } }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    /// The text of a JSON number (RFC 8259 grammar: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`).
    private mutating func numberText() -> String? {
        skipSpace()
        let start = i
        func isDigit(_ at: Int) -> Bool { at < b.count && b[at] >= UInt8(ascii: "0") && b[at] <= UInt8(ascii: "9") }
        func digits() -> Bool {
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
            return true
        }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: "0") {
            i += 1
            // `0e5` is JSON, but Foundation's JSONDecoder refuses it: leave it to
            // the decoder, which defines what is accepted (found by the mutation test).
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") { return nil }
        } else if !digits() { return nil }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() else { return nil }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() else { return nil }
        }
        guard i - start <= 40 else { return nil }
        return String(decoding: b[start..<i], as: UTF8.self)
    }
}
