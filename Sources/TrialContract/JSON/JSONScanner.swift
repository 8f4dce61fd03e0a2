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

    /// A finite number. Digits are read straight from the bytes; a number of at
    /// most 15 significant digits with a small exponent is converted exactly
    /// by one correctly rounded multiplication or division (Clinger's fast
    /// path); any other goes through the standard library's correctly rounded
    /// conversion. Either way the double is the one `Double(text)` gives.
    public mutating func double() -> Double? {
        guard let n = number() else { return nil }
        if let v = n.exactDouble { return v }
        guard let v = Double(String(decoding: b[n.start..<n.end], as: UTF8.self)), v.isFinite else { return nil }
        return v
    }

    /// An integer written without fraction or exponent.
    public mutating func int() -> Int? {
        guard let n = number(), !n.hasFraction, !n.hasExponent else { return nil }
        // Up to 18 digits cannot overflow; longer ones are checked by the standard library.
        if n.integerDigits <= 18 { return n.negative ? -Int(n.mantissa) : Int(n.mantissa) }
        return Int(String(decoding: b[n.start..<n.end], as: UTF8.self))
    }

    public mutating func uint() -> UInt64? {
        guard let n = number(), !n.hasFraction, !n.hasExponent else { return nil }
        if !n.negative && n.integerDigits <= 19 { return n.mantissa }
        return UInt64(String(decoding: b[n.start..<n.end], as: UTF8.self))
    }

    // MARK: Checking without converting (validating skims)

    /// True, having moved past it, exactly when `double()` would return a
    /// value here; the number is checked by its grammar and its magnitude,
    /// and converted only when it lies at the edge of the double range.
    public mutating func skipDouble() -> Bool {
        guard let n = number() else { return false }
        if n.significantDigits == 0 { return true }  // zero, however written
        // The value lies in [10^e, 10^(e+1)) with e the leading digit's decimal exponent.
        let e = n.leadingExponent
        if e <= 307 { return true }  // below 10^308 < Double.greatestFiniteMagnitude
        if e >= 309 { return false }  // at least 10^309: infinite
        return Double(String(decoding: b[n.start..<n.end], as: UTF8.self))?.isFinite ?? false
    }

    /// True, having moved past it, exactly when `int()` would return a value here.
    public mutating func skipInt() -> Bool {
        guard let n = number(), !n.hasFraction, !n.hasExponent else { return false }
        return n.integerDigits <= 18 || Int(String(decoding: b[n.start..<n.end], as: UTF8.self)) != nil
    }

    /// True, having moved past it, exactly when `string()` would return a value
    /// here; the bytes it spans (without the quotes) are in `lastString`.
    public mutating func skipString() -> Bool {
        guard consume("\"") else { return false }
        let start = i
        var ascii = true
        while i < b.count, b[i] != UInt8(ascii: "\"") {
            let c = b[i]
            if c == UInt8(ascii: "\\") || c < 0x20 { return false }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        guard i < b.count else { return false }
        lastString = start..<i
        lastStringIsASCII = ascii
        i += 1
        return ascii || String(validating: b[start..<i - 1], as: UTF8.self) != nil
    }

    /// The bytes of the last string `skipString` passed.
    public private(set) var lastString: Range<Int> = 0..<0
    /// Whether the last string `skipString` passed is all ASCII.
    public private(set) var lastStringIsASCII = true

    /// Whether the last string `skipString` passed comes strictly after the
    /// bytes at `earlier` (an earlier `lastString`), compared byte by byte.
    public func lastString(follows earlier: Range<Int>) -> Bool {
        withBytes(earlier) { x in withBytes(lastString) { y in x.lexicographicallyPrecedes(y) } }
    }

    /// Whether the last string `skipString` passed is exactly `text`.
    public func lastStringIs(_ text: StaticString) -> Bool {
        text.withUTF8Buffer { t in t.count == lastString.count && b[lastString].elementsEqual(t) }
    }

    /// The last string `skipString` passed, as a String.
    public func lastStringValue() -> String { String(decoding: b[lastString], as: UTF8.self) }

    /// The bytes of the last string `skipString` passed.
    public func withLastString<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        withBytes(lastString) { body(UnsafeRawBufferPointer($0)) }
    }

    /// `{ "key": value, … }` as `object` reads it, with each key left in
    /// `lastString` instead of made a String (`member` gets the scanner only).
    public mutating func objectSkim(_ member: (inout JSONScanner) -> Bool) -> Bool {
        guard consume("{") else { return false }
        if consume("}") { return true }
        repeat {
            guard skipString(), consume(":"), member(&self) else { return false }
        } while consume(",")
        return consume("}")
    }

    /// `[number, …]` as `arraySkim { $0.skipDouble() }` reads it (the count,
    /// nil when that would fail), fast for arrays as `JSONWriter` writes them:
    /// numbers and bare commas are checked in one pass over the bytes, each
    /// number by its grammar and by a bound on its magnitude that no finite
    /// double can break. Anything else — whitespace, an exponent near the
    /// double range, a malformed number — sends the whole array to the
    /// general path, which decides.
    public mutating func skipDoubleArray() -> Int? {
        guard consume("[") else { return nil }
        let first = i
        let fast: (count: Int, end: Int)? = b.withUnsafeBufferPointer { p in
            let n = p.count
            var j = first, count = 0
            @inline(__always) func digit(_ k: Int) -> Bool { k < n && p[k] &- UInt8(ascii: "0") < 10 }
            // Past a run of digits, eight bytes at a time (the digits of a double are most of the array).
            @inline(__always) func digits(from k: Int) -> Int {
                var k = k
                let base = UnsafeRawPointer(p.baseAddress!)
                while k + 8 <= n {
                    let t = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: k, as: UInt64.self)) ^ 0x3030_3030_3030_3030
                    // A byte is a digit when its high nibble was 3 and its low one at most 9.
                    let bad = (t & 0xF0F0_F0F0_F0F0_F0F0) | (((t & 0x0F0F_0F0F_0F0F_0F0F) &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0)
                    if bad != 0 { return k + bad.trailingZeroBitCount / 8 }
                    k += 8
                }
                while digit(k) { k += 1 }
                return k
            }
            if j < n && p[j] == UInt8(ascii: "]") { return (0, j + 1) }
            while true {
                let start = j
                if j < n && p[j] == UInt8(ascii: "-") { j += 1 }
                guard j < n else { return nil }
                var integerDigits = 1, zero = false, fraction = false
                if p[j] == UInt8(ascii: "0") {
                    j += 1
                    zero = true
                } else if digit(j) {
                    let s = j
                    j = digits(from: j + 1)
                    integerDigits = j - s
                } else {
                    return nil
                }
                if j < n && p[j] == UInt8(ascii: ".") {
                    j += 1
                    guard digit(j) else { return nil }
                    j = digits(from: j + 1)
                    fraction = true
                }
                if j < n && (p[j] == UInt8(ascii: "e") || p[j] == UInt8(ascii: "E")) {
                    // `0e5` (the general path refuses it) and large exponents: not here.
                    guard !zero || fraction else { return nil }
                    j += 1
                    var negative = false
                    if j < n && (p[j] == UInt8(ascii: "+") || p[j] == UInt8(ascii: "-")) { negative = p[j] == UInt8(ascii: "-"); j += 1 }
                    guard digit(j) else { return nil }
                    var e = 0
                    while digit(j) { if e < 100_000 { e = e * 10 + Int(p[j] &- UInt8(ascii: "0")) }; j += 1 }
                    // Below 10^(integer digits + e): finite when that is at most 10^300.
                    if !negative && integerDigits + e > 300 { return nil }
                }
                guard j - start <= 40 else { return nil }
                count += 1
                guard j < n else { return nil }
                if p[j] == UInt8(ascii: ",") { j += 1; continue }
                if p[j] == UInt8(ascii: "]") { return (count, j + 1) }
                return nil
            }
        }
        if let fast {
            i = fast.end
            return fast.count
        }
        i = first - 1
        return arraySkim { $0.skipDouble() }
    }

    /// The next byte after whitespace, not consumed (nil at the end).
    public mutating func peek() -> UInt8? {
        skipSpace()
        return i < b.count ? b[i] : nil
    }

    /// Moves past any one JSON value, checking only its outline: strings may
    /// hold escapes, and a number is any run of `0-9 + - . e E`. Returns the
    /// bytes it spans (whitespace before it excluded), nil when there is no
    /// value here. For finding where a value ends before a precise reader
    /// judges it (`ConfigSkimmer`).
    public mutating func skipValue(depth: Int = 0) -> Range<Int>? {
        skipSpace()
        let start = i
        guard i < b.count, depth < 64 else { return nil }
        switch b[i] {
        case UInt8(ascii: "\""):
            i += 1
            while i < b.count, b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
            guard i < b.count else { return nil }
            i += 1
        case UInt8(ascii: "{"):
            i += 1
            if !consume("}") {
                repeat {
                    guard peek() == UInt8(ascii: "\""), skipValue(depth: depth + 1) != nil, consume(":"),
                          skipValue(depth: depth + 1) != nil else { return nil }
                } while consume(",")
                guard consume("}") else { return nil }
            }
        case UInt8(ascii: "["):
            i += 1
            if !consume("]") {
                repeat { guard skipValue(depth: depth + 1) != nil else { return nil } } while consume(",")
                guard consume("]") else { return nil }
            }
        case UInt8(ascii: "t"): guard literal("true") else { return nil }
        case UInt8(ascii: "f"): guard literal("false") else { return nil }
        case UInt8(ascii: "n"): guard literal("null") else { return nil }
        default:
            func isNumberByte(_ c: UInt8) -> Bool {
                c &- UInt8(ascii: "0") < 10 || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                    || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
            }
            while i < b.count, isNumberByte(b[i]) { i += 1 }
            guard i > start else { return nil }
        }
        return start..<i
    }

    /// The bytes in `range` (as `skipValue` or `lastString` give them).
    public func bytes(_ range: Range<Int>) -> ArraySlice<UInt8> { b[range] }

    /// Calls `body` with the bytes in `range`, in place.
    public func withBytes<T>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        b.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// `[ element, … ]` as `array` reads it; the count of elements, nil as soon as one fails.
    public mutating func arraySkim(_ element: (inout JSONScanner) -> Bool) -> Int? {
        guard consume("[") else { return nil }
        if consume("]") { return 0 }
        var count = 0
        repeat {
            guard element(&self) else { return nil }
            count += 1
        } while consume(",")
        return consume("]") ? count : nil
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    /// A JSON number as read: where its text is and, for the fast paths, its
    /// digits (the first 19 significant ones) and exponent.
    struct NumberParts {
        var start: Int, end: Int
        var negative = false
        var hasFraction = false, hasExponent = false
        /// Digits before the point (the leading zero of `0.5` counts).
        var integerDigits = 0
        /// Significant digits (leading zeros not counted), and the first 19 of them as an integer.
        var significantDigits = 0
        var mantissa: UInt64 = 0
        /// The value is `mantissa × 10^exponent` when `significantDigits <= 19`.
        var exponent = 0
        /// The decimal exponent of the leading significant digit.
        var leadingExponent = 0

        private static let powers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }

        /// The value when it is exactly `mantissa × 10^±k` with mantissa < 2^53 and
        /// k ≤ 22: both factors are exact doubles, so one rounding gives the
        /// correctly rounded result (Clinger 1990).
        var exactDouble: Double? {
            guard significantDigits <= 15, exponent >= -22, exponent <= 22 else { return nil }
            let m = Double(mantissa)
            let v = exponent >= 0 ? m * Self.powers[exponent] : m / Self.powers[-exponent]
            return negative ? -v : v
        }
    }

    /// Moves past a JSON number (RFC 8259 grammar:
    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, at most 40 characters),
    /// reading its digits on the way; nil when there is none.
    mutating func number() -> NumberParts? {
        skipSpace()
        var n = NumberParts(start: i, end: i)
        let zero = UInt8(ascii: "0")
        @inline(__always) func isDigit(_ at: Int) -> Bool { at < b.count && b[at] &- zero < 10 }
        if i < b.count, b[i] == UInt8(ascii: "-") { n.negative = true; i += 1 }
        var leading = 0
        if i < b.count, b[i] == zero {
            i += 1
            n.integerDigits = 1
            // `0e5` is JSON, but Foundation's JSONDecoder refuses it: leave it to
            // the decoder, which defines what is accepted (found by the mutation test).
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") { return nil }
        } else {
            guard isDigit(i) else { return nil }
            while isDigit(i) {
                // No leading zero here, so every integer digit is significant.
                if n.significantDigits < 19 { n.mantissa = n.mantissa &* 10 &+ UInt64(b[i] - zero) } else { n.exponent += 1 }
                n.significantDigits += 1
                n.integerDigits += 1
                i += 1
            }
            leading = n.integerDigits - 1
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return nil }
            n.hasFraction = true
            var position = 0
            while isDigit(i) {
                position += 1
                let d = b[i] - zero
                if n.significantDigits == 0 {
                    n.exponent -= 1  // a leading zero, or the first significant digit
                    if d != 0 { leading = -position; n.mantissa = UInt64(d); n.significantDigits = 1 }
                } else {
                    if n.significantDigits < 19 { n.mantissa = n.mantissa &* 10 &+ UInt64(d); n.exponent -= 1 }
                    n.significantDigits += 1
                }
                i += 1
            }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            n.hasExponent = true
            var negativeExponent = false
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { negativeExponent = b[i] == UInt8(ascii: "-"); i += 1 }
            guard isDigit(i) else { return nil }
            var e = 0
            while isDigit(i) { if e < 100_000 { e = e * 10 + Int(b[i] - zero) }; i += 1 }
            n.exponent += negativeExponent ? -e : e
            leading += negativeExponent ? -e : e
        }
        guard i - n.start <= 40 else { return nil }
        n.end = i
        n.leadingExponent = leading
        return n
    }
}
