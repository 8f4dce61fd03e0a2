import Numerics
import TrialContract

/// An activation φ with its parameters resolved from the config (docs/science.md §2).
/// The kind is switched on once per layer pass, outside the element loops.
struct Activation: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case relu, identity, tanh, softplus
        /// z ≥ 0: scale·z; z < 0: scale·α·z (scale = 1/√(1+α²) when rescaled, else 1).
        case leaky(alpha: Double, scale: Double)
        case huber(h: Double)
        case swish(h: Double)
    }

    let kind: Kind

    init(_ config: TrialConfig) {
        switch config.activation {
        case .relu: kind = .relu
        case .identity: kind = .identity
        case .tanh: kind = .tanh
        case .softplus: kind = .softplus
        case .leaky:
            let a = config.alpha
            kind = .leaky(alpha: a, scale: config.rescaled ? 1 / (1 + a * a).squareRoot() : 1)
        case .huber: kind = .huber(h: config.smoothing)
        case .swish: kind = .swish(h: config.smoothing)
        }
    }

    init(kind: Kind) { self.kind = kind }

    /// φ as slopes for the product kernels' epilogue: ReLU, leaky and identity
    /// (nil for the others, which run `apply` after the product). Same
    /// roundings as `apply`.
    func forwardSlopes<T: BLASScalar>() -> Slopes<T>? {
        switch kind {
        case .relu: return Slopes(pos: 1, neg: 0, ge: false)
        case .identity: return .identity
        case let .leaky(alpha, scale): return Slopes(pos: T(scale), neg: T(alpha * scale), ge: true)
        default: return nil
        }
    }

    /// scale·φ′ as slopes (nil where `backward` must run instead). Same
    /// roundings as `backward`.
    func backwardSlopes<T: BLASScalar>(scale: T) -> Slopes<T>? {
        switch kind {
        case .relu: return Slopes(pos: scale, neg: 0, ge: false)
        case .identity: return Slopes(pos: scale, neg: scale, ge: false)
        case let .leaky(alpha, s): return Slopes(pos: scale * T(s), neg: scale * T(alpha * s), ge: true)
        default: return nil
        }
    }

    /// h[i] = φ(z[i]).
    func apply<T: BLASScalar>(_ z: UnsafePointer<T>, _ h: UnsafeMutablePointer<T>, count: Int) {
        switch kind {
        case .relu:
            for i in 0..<count { let v = z[i]; h[i] = v > 0 ? v : 0 }
        case .identity:
            h.update(from: z, count: count)
        case .tanh:
            for i in 0..<count { h[i] = T.tanh(z[i]) }
        case .softplus:
            for i in 0..<count { h[i] = Self.softplus(z[i]) }
        case let .leaky(alpha, scale):
            let pos = T(scale), neg = T(alpha * scale)
            for i in 0..<count { let v = z[i]; h[i] = v >= 0 ? pos * v : neg * v }
        case let .huber(hh):
            let h2 = T(hh), inv2h = T(1 / (2 * hh)), half = T(hh / 2)
            for i in 0..<count {
                let v = z[i]
                h[i] = v < 0 ? 0 : (v <= h2 ? v * v * inv2h : v - half)
            }
        case let .swish(hh):
            let c = T(2 / hh), inv = T(1 / 1.1)
            for i in 0..<count { let v = z[i]; h[i] = v * Self.sigmoid(c * v) * inv }
        }
    }

    /// dz[i] = scale · dh[i] · φ'(z[i]). `dz` may alias `dh`.
    func backward<T: BLASScalar>(_ z: UnsafePointer<T>, _ dh: UnsafePointer<T>, _ dz: UnsafeMutablePointer<T>,
                                 count: Int, scale: T) {
        switch kind {
        case .relu:
            // φ'(0) = 0 (docs/science.md §2).
            // Written as a multiply by a selected slope, not a selected store, so it vectorises.
            let zero: T = 0
            for i in 0..<count { dz[i] = dh[i] * (z[i] > 0 ? scale : zero) }
        case .identity:
            for i in 0..<count { dz[i] = scale * dh[i] }
        case .tanh:
            for i in 0..<count { let t = T.tanh(z[i]); dz[i] = scale * dh[i] * (1 - t * t) }
        case .softplus:
            for i in 0..<count { dz[i] = scale * dh[i] * Self.sigmoid(z[i]) }
        case let .leaky(alpha, s):
            // The slope at 0 is the right one (φ(z) = z for z ≥ 0).
            let pos = scale * T(s), neg = scale * T(alpha * s)
            for i in 0..<count { dz[i] = dh[i] * (z[i] >= 0 ? pos : neg) }
        case let .huber(hh):
            let h2 = T(hh), invh = T(1 / hh)
            for i in 0..<count {
                let v = z[i]
                dz[i] = v < 0 ? 0 : scale * dh[i] * (v <= h2 ? v * invh : 1)
            }
        case let .swish(hh):
            // d/dz [z σ(cz)] / 1.1 = (σ + c z σ (1 − σ)) / 1.1
            let c = T(2 / hh), inv = T(1 / 1.1)
            for i in 0..<count {
                let v = z[i], s = Self.sigmoid(c * v)
                dz[i] = scale * dh[i] * (s + c * v * s * (1 - s)) * inv
            }
        }
    }

    /// log(1 + eᶻ) without overflow or cancellation.
    @inline(__always)
    static func softplus<T: BLASScalar>(_ z: T) -> T {
        z > 0 ? z + T.log(onePlus: T.exp(-z)) : T.log(onePlus: T.exp(z))
    }

    /// 1 / (1 + e⁻ᶻ) without overflow.
    @inline(__always)
    static func sigmoid<T: BLASScalar>(_ z: T) -> T {
        if z >= 0 { return 1 / (1 + T.exp(-z)) }
        let e = T.exp(z)
        return e / (1 + e)
    }
}
