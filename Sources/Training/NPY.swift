import DataTable
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

    /// Decodes a float/int .npy array into doubles (`NPYReader`); throws a
    /// one-line `TrainingError` for anything else.
    public static func decode(_ bytes: [UInt8]) throws -> (shape: [Int], values: [Double]) {
        do {
            return try NPYReader.decode(bytes)
        } catch {
            throw TrainingError(.invalidData, error.message)
        }
    }
}
