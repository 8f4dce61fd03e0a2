import Foundation

/// Closed forms for ReLU networks with Gaussian weights (Cho & Saul's arc-cosine
/// kernels): the closed form the empirical NTK metric is tested against
/// (itself checked by Monte Carlo in AnalysisTests).
enum ArcCosineKernel {
    /// E[relu(wᵀx) relu(wᵀy)] for w ~ N(0, I): ‖x‖‖y‖ (sin θ + (π − θ) cos θ) / (2π).
    static func firstOrder(_ x: [Double], _ y: [Double]) -> Double {
        let (nx, ny, theta) = geometry(x, y)
        return nx * ny * (sin(theta) + (Double.pi - theta) * cos(theta)) / (2 * Double.pi)
    }

    /// E[1{wᵀx > 0} 1{wᵀy > 0}] for w ~ N(0, I): (π − θ) / (2π).
    static func zerothOrder(_ x: [Double], _ y: [Double]) -> Double {
        let (_, _, theta) = geometry(x, y)
        return (Double.pi - theta) / (2 * Double.pi)
    }

    /// Expected NTK Gram entry of f(x) = Σ_j a_j relu(w_jᵀx) with m hidden
    /// units, w_j ~ N(0, σ_w² I), a_j ~ N(0, σ_a²), both layers trained, no biases:
    /// E[K(x, y)] = m σ_w² κ₁(x, y) + m σ_a² κ₀(x, y) ⟨x, y⟩.
    /// Exact in expectation at every width, so K/m of an empirical Gram matrix
    /// converges to this divided by m as m grows.
    static func twoLayerReLUNTK(_ x: [Double], _ y: [Double], width m: Int,
                                       hiddenVariance: Double, outputVariance: Double) -> Double {
        let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
        return Double(m) * hiddenVariance * firstOrder(x, y) + Double(m) * outputVariance * zerothOrder(x, y) * dot
    }

    static func geometry(_ x: [Double], _ y: [Double]) -> (Double, Double, Double) {
        let nx = sqrt(x.reduce(0) { $0 + $1 * $1 })
        let ny = sqrt(y.reduce(0) { $0 + $1 * $1 })
        guard nx > 0, ny > 0 else { return (nx, ny, Double.pi / 2) }
        let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
        let c = max(-1, min(1, dot / (nx * ny)))
        return (nx, ny, acos(c))
    }
}
