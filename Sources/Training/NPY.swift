import TrialContract

/// NumPy's .npy format (v1.0 written; v1–v3 read): a magic string, a header
/// dict (`descr`, `fortran_order`, `shape`) padded to 64 bytes, then the raw
/// little-endian array in C order. Just enough to exchange data and weights
/// with numpy/PyTorch.
public enum NPY {
    /// Encodes `values` (C order, product of `shape` elements) as .npy bytes.
    public static func encode<T: BLASScalar>(_ values: [T], shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(T.npyDescriptor)', 'fortran_order': False, 'shape': \(dims), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let len = UInt16(header.utf8.count)
        bytes += [UInt8(len & 0xFF), UInt8(len >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + values.count * MemoryLayout<T>.size)
        values.withUnsafeBytes { bytes += $0 }  // x86-64 and arm64 are little-endian, as '<' says
        return bytes
    }

    /// The longest header `decode` reads (numpy's own reader stops at 10,000 bytes).
    public static let maxHeaderLength = 65_536

    /// Decodes a float/int .npy array into doubles; throws a one-line reason
    /// for anything else (Fortran order, big-endian, objects, a shape the data
    /// does not hold …). Every size is checked, overflow included, before
    /// anything is allocated, and no message repeats the file's bytes.
    public static func decode(_ bytes: [UInt8]) throws -> (shape: [Int], values: [Double]) {
        func fail(_ why: String) -> TrainingError { TrainingError(.invalidData, "not a usable .npy file: \(why)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("missing NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int, start: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        } else {
            throw fail("unsupported format version (1, 2 and 3 are read)")
        }
        guard headerLength <= maxHeaderLength else { throw fail("header longer than \(maxHeaderLength) bytes") }
        guard bytes.count >= start + headerLength else { throw fail("truncated header") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header)?.trimmingQuotes else { throw fail("no descr in header") }
        if let fortran = field("fortran_order", in: header), fortran.hasPrefix("True") {
            throw fail("Fortran order (save with np.ascontiguousarray)")
        }
        guard let shapeText = field("shape", in: header), let shape = dimensions(shapeText) else {
            throw fail("no readable shape in header (expected a tuple of non-negative integers)")
        }
        let width: Int
        switch descr {
        case "<f8", "<i8", "<u8": width = 8
        case "<f4", "<i4", "<u4": width = 4
        default: throw fail("unsupported dtype (use little-endian float64/float32/int32/int64/uint32/uint64)")
        }
        let body = start + headerLength
        guard let count = Checked.product(shape), let size = Checked.product(count, width), size <= bytes.count - body else {
            throw fail("the shape in the header needs more data than the file holds (truncated, or a wrong shape)")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let p = raw.baseAddress! + body
            for i in 0..<count {
                let at = p + i * width
                switch descr {
                case "<f8": values[i] = at.loadUnaligned(as: Double.self)
                case "<f4": values[i] = Double(at.loadUnaligned(as: Float.self))
                case "<i8": values[i] = Double(at.loadUnaligned(as: Int64.self))
                case "<u8": values[i] = Double(at.loadUnaligned(as: UInt64.self))
                case "<i4": values[i] = Double(at.loadUnaligned(as: Int32.self))
                default: values[i] = Double(at.loadUnaligned(as: UInt32.self))
                }
            }
        }
        return (shape, values)
    }

    /// The integers of a shape tuple such as `(3, 4)`, `(5,)` or `()`; nil
    /// unless every entry is a non-negative decimal that fits an Int.
    static func dimensions(_ text: String) -> [Int]? {
        guard text.hasPrefix("("), text.hasSuffix(")") else { return nil }
        var parts = text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: " ") }
        if parts.last?.isEmpty == true { parts.removeLast() }  // "(5,)"
        var shape: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let n = Int(part) else { return nil }
            shape.append(n)
        }
        return shape
    }

    /// The text after `'name':` up to the next top-level comma (or the shape's closing parenthesis).
    private static func field(_ name: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(name)':") else { return nil }
        let rest = header[r.upperBound...].trimmingCharacters(in: " ")
        if rest.hasPrefix("("), let close = rest.firstIndex(of: ")") { return String(rest[...close]) }
        return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: " ")
    }
}

private extension String {
    var trimmingQuotes: String { trimmingCharacters(in: "'\"") }
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
