// A JSON value whose numbers are kept in one canonical spelling, so equal
// values compare equal and serialise to the same bytes: 0.1, 0.10 and 1e-1
// are one value; 1, 1.0 and 1e0 are one value. This is what trial ids and
// spec hashes are computed over.

/// A JSON value with canonical numbers (see `JSONValue.number(_:)`).
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The canonical spelling of a finite number (`CanonicalNumber`); build with `.double` / `.integer`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A finite double in canonical spelling; NaN and ±infinity (not JSON) become the strings "NaN", "Infinity", "-Infinity".
    public static func double(_ x: Double) -> JSONValue {
        guard x.isFinite else { return .string(x.isNaN ? "NaN" : (x < 0 ? "-Infinity" : "Infinity")) }
        return .number(CanonicalNumber.format(x))
    }

    /// An integer in canonical spelling (the same bytes as an equal-valued double below 1e21).
    public static func integer<I: BinaryInteger>(_ n: I) -> JSONValue { .number(String(n)) }

    /// The number as a double, if this is a number.
    public var doubleValue: Double? {
        if case .number(let s) = self { return Double(s) }
        return nil
    }

    /// The number as an integer, if this is a number with an exact integer value.
    public var intValue: Int? {
        guard case .number(let s) = self else { return nil }
        if let n = Int(s) { return n }
        if let x = Double(s), x == x.rounded(), abs(x) < 9.0e15 { return Int(x) }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Canonical JSON text: object keys sorted by their UTF-16 code units
    /// (RFC 8785), no whitespace, numbers in canonical spelling, strings with
    /// the minimal escapes.
    public var canonicalText: String {
        var out = ""
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let s): out += s
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in JSONValue.sortedKeys(members).enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(key, to: &out)
                out += ":"
                members[key]!.write(to: &out)  // key comes from members.keys
            }
            out += "}"
        }
    }

    /// RFC 8785 orders keys by UTF-16 code units.
    static func keyOrder(_ a: String, _ b: String) -> Bool { a.utf16.lexicographicallyPrecedes(b.utf16) }

    /// Keys in RFC 8785 order; ASCII keys (the usual case) by the faster
    /// byte-wise comparison, which gives the same order for them.
    static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        let keys = Array(members.keys)
        if keys.allSatisfy({ !$0.utf8.contains { $0 >= 0x80 } }) { return keys.sorted() }
        return keys.sorted(by: keyOrder)
    }

    /// The same text as `write(to:)`, as UTF-8 bytes (trial ids hash these).
    func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let s): out += s.utf8
        case .string(let s):
            if s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                var text = ""
                JSONValue.writeString(s, to: &text)
                out += text.utf8
            } else {
                out.append(UInt8(ascii: "\""))
                out += s.utf8
                out.append(UInt8(ascii: "\""))
            }
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object:
            var text = ""
            write(to: &text)
            out += text.utf8
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        // Most strings need no escape: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// A short human spelling for listings: strings bare, everything else as canonical JSON.
    public var display: String {
        if case .string(let s) = self { return s }
        return canonicalText
    }
}

/// The one spelling of a number: the shortest digits that round-trip the
/// double, laid out as ECMAScript's Number.prototype.toString does (the
/// form RFC 8785 canonical JSON uses): plain decimals from 1e-6 up to 1e21,
/// exponent form outside; "-0" is "0".
public enum CanonicalNumber {
    public static func format(_ x: Double) -> String {
        var out: [UInt8] = []
        write(x, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `format(x)` appended as UTF-8 bytes.
    public static func write(_ x: Double, to out: inout [UInt8]) {
        if x == 0 { out.append(UInt8(ascii: "0")); return }
        // Integers below 10^15 (exact in a double) are their digits, as below: the common case, made fast.
        if x.magnitude < 1e15, x == x.rounded(.towardZero) {
            writeInteger(UInt64(x.magnitude), negative: x < 0, to: &out)
            return
        }
        // Swift's description gives the shortest round-tripping digits; take them apart.
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var exponent = 0
        decompose(abs(x).description.utf8, into: &digits, exponent: &exponent)
        let k = digits.count
        let n = exponent  // value = 0.digits × 10^n
        let zero = UInt8(ascii: "0")
        if x < 0 { out.append(UInt8(ascii: "-")) }
        if k <= n && n <= 21 {
            out += digits
            out += repeatElement(zero, count: n - k)
        } else if 0 < n && n <= 21 {
            out += digits[..<n]
            out.append(UInt8(ascii: "."))
            out += digits[n...]
        } else if -6 < n && n <= 0 {
            out += [zero, UInt8(ascii: ".")]
            out += repeatElement(zero, count: -n)
            out += digits
        } else {
            let e = n - 1
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out += digits[1...]
            }
            out += (e < 0 ? "e-" : "e+").utf8
            writeInteger(UInt64(abs(e)), negative: false, to: &out)
        }
    }

    /// Decimal digits of an integer, as `String(n)` spells it.
    public static func writeInteger(_ magnitude: UInt64, negative: Bool, to out: inout [UInt8]) {
        if negative { out.append(UInt8(ascii: "-")) }
        var n = magnitude
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        let count = withUnsafeMutableBytes(of: &buffer) { b in
            var i = b.count
            repeat {
                i -= 1
                b[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            out += b[i...]
            return b.count - i
        }
        _ = count
    }

    /// "123.45" → digits "12345", exponent 3; "1.5e-07" → "15", -6: the
    /// significant digits without leading or trailing zeros, and n with
    /// value = 0.d₁d₂… × 10ⁿ.
    static func decompose(_ s: String.UTF8View, into digits: inout [UInt8], exponent n: inout Int) {
        var exp = 0, integerDigits = 0, inFraction = false
        var i = s.startIndex
        while i != s.endIndex {
            let c = s[i]
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exp = Int(Substring(s[s.index(after: i)...])) ?? 0
                break
            }
            if c == UInt8(ascii: ".") {
                inFraction = true
            } else {
                digits.append(c)
                if !inFraction { integerDigits += 1 }
            }
            i = s.index(after: i)
        }
        n = integerDigits + exp
        let leading = digits.firstIndex { $0 != UInt8(ascii: "0") } ?? digits.count
        digits.removeFirst(leading)
        n -= leading
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty {
            digits = [UInt8(ascii: "0")]
            n = 1
        }
    }
}
