import Foundation
import TrialContract

// Sampled axes: `lr: {loguniform: [1e-4, 1]}` and the like, drawn `samples: N`
// times together. Each draw is a point in the unit cube (scrambled Sobol or
// plain pseudo-random, from the spec's `sampler` seed), mapped to values
// with IEEE-754 arithmetic only, so the same spec gives the same trials on
// every host. docs/spec-format.md, "Sampled axes", describes it for users.

/// `sampler:` — how sampled axes draw their points.
public struct SamplerSettings: Sendable, Hashable {
    public enum Method: String, Sendable, CaseIterable { case sobol, random }
    public var method: Method = .sobol
    public var seed: UInt64 = 0
    public init() {}
}

/// How one sampled axis turns a coordinate u ∈ [0, 1) into a value.
enum SampleDistribution: Sendable, Hashable {
    case uniform(Double, Double)
    case logUniform(Double, Double)
    /// Integers lo…hi, both included.
    case integer(Int64, Int64)
    case choice([JSONValue])

    static let keys = ["uniform", "loguniform", "int", "choice"]

    var description: String {
        switch self {
        case .uniform(let a, let b): return "uniform [\(JSONValue.double(a).display), \(JSONValue.double(b).display)]"
        case .logUniform(let a, let b): return "loguniform [\(JSONValue.double(a).display), \(JSONValue.double(b).display)]"
        case .integer(let a, let b): return "int [\(a), \(b)]"
        case .choice(let values): return "choice of " + values.map(\.display).joined(separator: ", ")
        }
    }

    /// The value at u; floats rounded to 12 significant digits (as generated
    /// axes are), integer fields to the nearest integer.
    func value(at u: Double, integerField: Bool) -> JSONValue {
        func pick(_ n: Double) -> Double { min(n - 1, (u * n).rounded(.down)) }
        let x: Double
        switch self {
        case .choice(let values): return values[Int(pick(Double(values.count)))]
        case .integer(let lo, let hi): return .integer(lo + Int64(pick(Double(hi - lo) + 1)))
        case .uniform(let a, let b): x = a + u * (b - a)
        case .logUniform(let a, let b): x = Self.geometric(a, b, u)
        }
        if integerField { return .integer(Int64(x.rounded())) }
        return .double(Double(String(format: "%.12g", x)) ?? x)
    }

    /// a·(b/a)^u from square roots and products alone — operations IEEE 754
    /// rounds exactly on every host, unlike exp and log — over u's binary
    /// digits: (b/a)^u = ∏ (b/a)^(2^−k) for each digit k that is 1.
    static func geometric(_ a: Double, _ b: Double, _ u: Double) -> Double {
        var result = a
        var root = b / a
        var rest = u
        while rest > 0 && root != 1 {
            root = root.squareRoot()
            rest *= 2
            if rest >= 1 {
                result *= root
                rest -= 1
            }
        }
        return result
    }
}

/// One sampled axis as written.
struct SampledAxis: Sendable {
    var field: TrialConfig.Field
    var distribution: SampleDistribution
    var loc: Loc
}

/// Points in the unit cube for one grid's sampled axes: point i, dimension d.
struct UnitSampler {
    let settings: SamplerSettings
    /// Tells the grids of one spec apart (their key paths), so each draws its own points.
    let stream: UInt64

    init(settings: SamplerSettings, gridPath: String) {
        self.settings = settings
        stream = Self.mix(settings.seed, Self.fnv1a(gridPath))
    }

    func unit(point i: Int, dimension d: Int) -> Double {
        let key = Self.mix(stream, UInt64(d))
        switch settings.method {
        case .sobol:
            let seed = UInt32(truncatingIfNeeded: Self.splitMix(key))
            let x = Sobol.owenScramble(Sobol.point(UInt32(truncatingIfNeeded: i), dimension: d), seed: seed)
            return Double(x) / 4_294_967_296
        case .random:
            return Double(Self.mix(key, UInt64(i)) >> 11) / 9_007_199_254_740_992
        }
    }

    /// SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014).
    static func splitMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 { splitMix(a ^ splitMix(b)) }

    /// FNV-1a over UTF-8: a string hash that, unlike `Hasher`, is the same in every process.
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}

/// What `plan` says about a sampled factor.
struct SamplingNote: Sendable {
    var distributions: [TrialConfig.Field: String]
    /// "16 sobol samples, seed 0" (+ repeats dropped).
    var draws: String
}

extension SampledAxis {
    /// The factor of `count` joint draws of these axes: fields in name order
    /// (dimension d of the sampler is the d-th field), a draw that repeats an
    /// earlier one dropped (one trial runs once).
    static func factor(_ axes: [SampledAxis], count: Int, sampler: UnitSampler, loc: Loc) -> AxisDef {
        let sorted = axes.sorted { $0.field.rawValue < $1.field.rawValue }
        var points: [[JSONValue]] = []
        var seen = Set<[JSONValue]>()
        for i in 0..<count {
            let point = sorted.enumerated().map { d, axis in
                axis.distribution.value(at: sampler.unit(point: i, dimension: d), integerField: FieldFacts.integerFields.contains(axis.field))
            }
            if seen.insert(point).inserted { points.append(point) }
        }
        var draws = "\(count) \(sampler.settings.method.rawValue) samples, seed \(sampler.settings.seed)"
        if points.count < count { draws += "; \(count - points.count) repeated draws dropped" }
        let note = SamplingNote(distributions: Dictionary(uniqueKeysWithValues: sorted.map { ($0.field, $0.distribution.description) }),
                                draws: draws)
        return AxisDef(fields: sorted.map(\.field), points: points, pointLocs: Array(repeating: loc, count: points.count),
                       loc: loc, sampling: note)
    }
}
