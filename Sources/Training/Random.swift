import Numerics

// Explicit, seeded randomness. A trial never touches a global RNG: every
// purpose (teacher, train points, test points, label flips, each layer's
// initial weights, minibatch order) gets its own stream derived from
// `config.seed` and the purpose's name (plus, for weights, the layer's index
// and shape). Consequences the sweeps rely on:
//   * trials that differ only in fields that are not part of a stream's name
//     (α, η, activation, loss, optimiser, steps …) but share `seed` see the
//     SAME data and the SAME initial weights — paired comparisons along an axis;
//   * growing n_train keeps the first points (the train stream is consumed in
//     order) and leaves the test set unchanged; adding layers keeps the
//     initial weights of the existing layers of the same shape;
//   * float32 and float64 runs of one config start from the same draws
//     (generated in Double, then rounded).

/// SplitMix64 (Steele, Lea, Flood 2014): used to seed and to mix names into seeds.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman, Vigna 2018): fast, 256-bit state, passes BigCrush.
public struct RandomStream: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    /// Box–Muller produces pairs; the second value is kept for the next call.
    private var spareGaussian: Double? = nil

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s = (sm.next(), sm.next(), sm.next(), sm.next())
    }

    /// The stream for one purpose of one trial: `seed` mixed with the purpose's name and integers.
    public init(seed: UInt64, purpose: String, _ parts: Int...) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a over the name, then mixed
        for byte in purpose.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var sm = SplitMix64(seed: seed ^ h)
        var mixed = sm.next()
        for p in parts {
            sm = SplitMix64(seed: mixed ^ UInt64(bitPattern: Int64(p)))
            mixed = sm.next()
        }
        self.init(seed: mixed)
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in (0, 1]: safe to take the log of.
    mutating func uniformPositive() -> Double { Double((next() >> 11) + 1) * 0x1.0p-53 }

    /// Standard normal by Box–Muller (exact transform; both values used).
    public mutating func gaussian() -> Double {
        if let g = spareGaussian { spareGaussian = nil; return g }
        let r = (-2 * Double.log(uniformPositive())).squareRoot()
        let t = 2 * Double.pi * uniform()
        spareGaussian = r * Double.sin(t)
        return r * Double.cos(t)
    }

    /// Uniform integer in 0..<n (n > 0), unbiased (Lemire's method via the stdlib).
    public mutating func below(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }
}
