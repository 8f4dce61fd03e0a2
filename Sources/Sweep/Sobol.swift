// Scrambled Sobol points for sampled axes: the unscrambled sequence from
// Joe & Kuo's direction numbers, then a nested uniform (Owen) scramble per
// dimension by Burley's hash. Integer arithmetic only, so every host draws
// the same points.

/// The Sobol sequence in base 2, 32 bits per coordinate, up to
/// `maxDimensions` dimensions, with random access to point `index`.
enum Sobol {
    static let maxDimensions = 32

    /// Initial direction numbers (degree s, coefficients a, m₁…m_s) of
    /// dimensions 2…32 — the first 31 lines of `new-joe-kuo-6.21201`, S. Joe
    /// and F. Y. Kuo, "Constructing Sobol sequences with better
    /// two-dimensional projections", SIAM J. Sci. Comput. 30 (2008)
    /// 2635–2654; https://web.maths.unsw.edu.au/~fkuo/sobol/. Dimension 1 is
    /// the van der Corput sequence (all mᵢ = 1).
    static let initialNumbers: [(s: Int, a: UInt32, m: [UInt32])] = [
        (1, 0, [1]), (2, 1, [1, 3]), (3, 1, [1, 3, 1]), (3, 2, [1, 1, 1]), (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]), (5, 2, [1, 1, 5, 5, 17]), (5, 4, [1, 1, 5, 5, 5]), (5, 7, [1, 1, 7, 11, 19]),
        (5, 11, [1, 1, 5, 1, 1]), (5, 13, [1, 1, 1, 3, 11]), (5, 14, [1, 3, 5, 5, 31]),
        (6, 1, [1, 3, 3, 9, 7, 49]), (6, 13, [1, 1, 1, 15, 21, 21]), (6, 16, [1, 3, 1, 13, 27, 49]),
        (6, 19, [1, 1, 1, 15, 7, 5]), (6, 22, [1, 3, 1, 15, 13, 25]), (6, 25, [1, 1, 5, 5, 19, 61]),
        (7, 1, [1, 3, 7, 11, 23, 15, 103]), (7, 4, [1, 3, 7, 13, 13, 15, 69]), (7, 7, [1, 1, 3, 13, 7, 35, 63]),
        (7, 8, [1, 3, 5, 9, 1, 25, 53]), (7, 14, [1, 3, 1, 13, 9, 35, 107]), (7, 19, [1, 3, 1, 5, 27, 61, 31]),
        (7, 21, [1, 1, 5, 11, 19, 41, 61]), (7, 28, [1, 3, 5, 3, 3, 13, 69]), (7, 31, [1, 1, 7, 13, 1, 19, 1]),
        (7, 32, [1, 3, 7, 5, 13, 19, 59]), (7, 37, [1, 1, 3, 9, 25, 29, 41]), (7, 41, [1, 3, 5, 13, 23, 1, 55]),
        (7, 42, [1, 3, 7, 3, 13, 59, 17]),
    ]

    /// directions[d][k]: the direction number v_{k+1} of dimension d, left-aligned in 32 bits.
    static let directions: [[UInt32]] = (0..<maxDimensions).map { d in
        guard d > 0 else { return (0..<32).map { UInt32(1) << (31 - $0) } }
        let (s, a, m) = initialNumbers[d - 1]
        var v = [UInt32](repeating: 0, count: 33)  // 1-based, as in Joe and Kuo's code
        for i in 1...s { v[i] = m[i - 1] << (32 - i) }
        if s < 32 {
            for i in (s + 1)...32 {
                v[i] = v[i - s] ^ (v[i - s] >> UInt32(s))
                for k in stride(from: 1, to: s, by: 1) where (a >> UInt32(s - 1 - k)) & 1 == 1 { v[i] ^= v[i - k] }
            }
        }
        return Array(v[1...32])
    }

    /// Coordinate `dimension` of point `index` (Gray-code order, so the first
    /// 2^k points of any dimension are the 2^k intervals of width 2^−k, one each).
    static func point(_ index: UInt32, dimension: Int) -> UInt32 {
        var gray = index ^ (index >> 1)
        var x: UInt32 = 0
        var k = 0
        while gray != 0 {
            if gray & 1 == 1 { x ^= directions[dimension][k] }
            gray >>= 1
            k += 1
        }
        return x
    }

    /// A nested uniform (Owen) scramble of a 32-bit coordinate: each bit is
    /// flipped by a function of the bits above it and the seed, so the
    /// points stay a (t, m, s)-net — every elementary interval keeps its
    /// share of points — while their positions become random. B. Burley,
    /// "Practical Hash-based Owen Scrambling", JCGT 9(4), 2020: the
    /// Laine–Karras permutation with his constants, applied to the bit-reversed value.
    static func owenScramble(_ x: UInt32, seed: UInt32) -> UInt32 {
        var v = x.bitReversed
        v &+= seed
        v ^= v &* 0x6c50_b47c
        v ^= v &* 0xb82f_1e52
        v ^= v &* 0xc7af_e638
        v ^= v &* 0x8d22_f6e6
        return v.bitReversed
    }
}

extension UInt32 {
    var bitReversed: UInt32 {
        var v = self
        v = ((v >> 1) & 0x5555_5555) | ((v & 0x5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333) | ((v & 0x3333_3333) << 2)
        v = ((v >> 4) & 0x0f0f_0f0f) | ((v & 0x0f0f_0f0f) << 4)
        v = ((v >> 8) & 0x00ff_00ff) | ((v & 0x00ff_00ff) << 8)
        return (v >> 16) | (v << 16)
    }
}
