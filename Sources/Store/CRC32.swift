import CChecksum

/// CRC-32 (IEEE 802.3, the polynomial of zlib, gzip and Python's
/// `zlib.crc32`). Chosen over CRC-32C so anyone can check a line with a
/// standard library (docs/result-format.md shows how). Every line of a
/// result file is verified on every read, so it is computed by carry-less
/// multiplication folding where the CPU has it (CChecksum, about ten times
/// the speed) and by slicing-by-8 otherwise and for the last bytes.
public enum CRC32 {
    /// Whether this CPU has the folding path.
    static let canFold = oversweep_crc32_fold_available() != 0
    static let tables: [[UInt32]] = {
        var t = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (0xEDB8_8320 ^ (c >> 1)) : (c >> 1) }
            t[0][i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k][i] = (t[k - 1][i] >> 8) ^ t[0][Int(t[k - 1][i] & 0xFF)] }
        }
        return t
    }()
    static let flat: [UInt32] = tables.flatMap { $0 }

    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        checksum(bytes, seed: seed, fold: canFold)
    }

    /// `fold: false` is slicing-by-8 alone (the tests compare the two).
    static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32, fold: Bool) -> UInt32 {
        var crc = ~seed
        var i = 0
        let n = bytes.count
        if fold, n >= 64, let base = bytes.baseAddress {
            let whole = n & ~15
            crc = oversweep_crc32_fold(base.assumingMemoryBound(to: UInt8.self), whole, crc)
            i = whole
        }
        flat.withUnsafeBufferPointer { t in
            while i + 8 <= n {
                let lo = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                let hi = UInt32(bytes[i + 4]) | UInt32(bytes[i + 5]) << 8 | UInt32(bytes[i + 6]) << 16 | UInt32(bytes[i + 7]) << 24
                let x = crc ^ lo
                crc = t[7 * 256 + Int(x & 0xFF)] ^ t[6 * 256 + Int((x >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((x >> 16) & 0xFF)] ^ t[4 * 256 + Int(x >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return ~crc
    }

    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        if let r = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) { return r }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }
}
