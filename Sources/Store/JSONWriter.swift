import Foundation

/// Builds one JSON line as bytes, fast and in a fixed member order (Foundation's
/// JSONEncoder is an order of magnitude too slow for the store's write rate).
/// Doubles are written with Swift's shortest round-tripping digits.
struct JSONWriter {
    var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    init(capacity: Int = 2048) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() { separator(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }
    mutating func beginArray() { separator(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }

    /// Writes `"name":`; the value follows without a separator.
    mutating func key(_ name: String) {
        separator()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    mutating func string(_ s: String) { separator(); appendString(s) }
    mutating func int(_ v: Int) { separator(); bytes.append(contentsOf: String(v).utf8) }
    mutating func uint(_ v: UInt64) { separator(); bytes.append(contentsOf: String(v).utf8) }
    mutating func int64(_ v: Int64) { separator(); bytes.append(contentsOf: String(v).utf8) }
    mutating func bool(_ v: Bool) { separator(); bytes.append(contentsOf: (v ? "true" : "false").utf8) }
    mutating func null() { separator(); bytes.append(contentsOf: "null".utf8) }
    mutating func date(_ d: Date) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        Timestamp.append(d, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Callers check finiteness first: JSON has no NaN or infinity.
    mutating func double(_ v: Double) {
        separator()
        // "1e-05" and "1e+16" are valid JSON numbers; integral values print as "3.0".
        bytes.append(contentsOf: v.description.utf8)
    }

    mutating func raw(_ other: [UInt8]) { separator(); bytes.append(contentsOf: other) }

    private mutating func separator() {
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) } else { needsComma[needsComma.count - 1] = true }
    }

    private mutating func appendString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { u in
            var start = 0
            for (i, c) in u.enumerated() where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i]))
                switch c {
                case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
                case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
                case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
                case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: #"\u00"#.utf8)
                    bytes.append(hex[Int(c >> 4)])
                    bytes.append(hex[Int(c & 0xF)])
                }
                start = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<u.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
