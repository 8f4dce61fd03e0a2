import Foundation

/// Builds JSON as bytes, fast and in a fixed member order (Foundation's
/// JSONEncoder is an order of magnitude too slow for the store's write rate
/// and the coordinator's lease rate). Shared by the result store's lines and
/// the wire protocol's bodies. Doubles are written with Swift's shortest
/// round-tripping digits.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    public init(capacity: Int = 2048) {
        bytes.reserveCapacity(capacity)
        needsComma.reserveCapacity(8)
    }

    /// Empties the writer, keeping its buffers (one writer serves many messages).
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma.removeAll(keepingCapacity: true)
    }

    public mutating func beginObject() { separator(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }
    public mutating func beginArray() { separator(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }

    /// Writes `"name":`; the value follows without a separator.
    public mutating func key(_ name: String) {
        separator()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    /// `"name":` as `key(_:)` writes it, computed once for a name used often.
    public static func quotedKey(_ name: String) -> [UInt8] {
        var w = JSONWriter(capacity: name.utf8.count + 3)
        w.appendString(name)
        w.bytes.append(UInt8(ascii: ":"))
        return w.bytes
    }

    /// Writes a key prepared by `quotedKey`.
    public mutating func key(quoted: [UInt8]) {
        separator()
        bytes.append(contentsOf: quoted)
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    public mutating func string(_ s: String) { separator(); appendString(s) }
    public mutating func int(_ v: Int) { separator(); bytes.append(contentsOf: String(v).utf8) }
    public mutating func uint(_ v: UInt64) { separator(); bytes.append(contentsOf: String(v).utf8) }
    public mutating func int64(_ v: Int64) { separator(); bytes.append(contentsOf: String(v).utf8) }
    public mutating func bool(_ v: Bool) { separator(); bytes.append(contentsOf: (v ? "true" : "false").utf8) }
    public mutating func null() { separator(); bytes.append(contentsOf: "null".utf8) }
    /// Writes one value whose bytes `write` appends (a format this writer does not know, e.g. a timestamp).
    public mutating func value(_ write: (inout [UInt8]) -> Void) { separator(); write(&bytes) }

    /// Callers check finiteness first: JSON has no NaN or infinity.
    public mutating func double(_ v: Double) {
        separator()
        // "1e-05" and "1e+16" are valid JSON numbers; integral values print as "3.0".
        bytes.append(contentsOf: v.description.utf8)
    }

    public mutating func raw(_ other: [UInt8]) { separator(); bytes.append(contentsOf: other) }

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
