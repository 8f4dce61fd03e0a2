import Foundation
import TestSupport
import Testing
import TrialContract
@testable import Training

@Suite struct AnalysisTests {
    @Test func eigenvaluesOfAKnownMatrix() throws {
        // Q diag(λ) Qᵀ with Q a Householder reflection: eigenvalues are λ exactly (up to rounding).
        let n = 6
        let lambdas: [Double] = [1e-9, 0.5, 1, 2, 3, 10]
        var rng = SplitMix(seed: 7)
        var v = (0..<n).map { _ in rng.gaussian() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        v = v.map { $0 / norm }
        var q = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { q[i * n + j] = (i == j ? 1 : 0) - 2 * v[i] * v[j] } }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += q[i * n + k] * lambdas[k] * q[j * n + k] } } }
        let w = try SymmetricEigen.eigenvalues(of: a, n: n)
        for (got, want) in zip(w, lambdas) {
            // dsyev is backward stable: absolute error ≈ ε‖A‖ = 2e-16·10.
            #expect(abs(got - want) < 1e-13, "eigenvalue \(got) vs \(want)")
        }
        #expect(throws: TrainingError.self) { try SymmetricEigen.eigenvalues(of: [1, 2, 3], n: 2) }
    }

    @Test func arcCosineKernelMatchesMonteCarlo() {
        var rng = SplitMix(seed: 11)
        let d = 5
        let x = (0..<d).map { _ in rng.gaussian() }, y = (0..<d).map { _ in rng.gaussian() }
        let samples = 60_000
        var first = 0.0, zeroth = 0.0
        for _ in 0..<samples {
            let w = (0..<d).map { _ in rng.gaussian() }
            let wx = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 }, wy = zip(w, y).reduce(0) { $0 + $1.0 * $1.1 }
            first += max(wx, 0) * max(wy, 0)
            zeroth += (wx > 0 && wy > 0) ? 1 : 0
        }
        first /= Double(samples); zeroth /= Double(samples)
        // Monte Carlo standard error ~ sd/√N ≤ 1.5‖x‖‖y‖/√N here (sd of relu·relu ≤ 1.5‖x‖‖y‖); 4 standard errors.
        let scale = ArcCosineKernel.geometry(x, y).0 * ArcCosineKernel.geometry(x, y).1
        #expect(abs(first - ArcCosineKernel.firstOrder(x, y)) < 4 * scale / Double(samples).squareRoot() * 1.5)
        #expect(abs(zeroth - ArcCosineKernel.zerothOrder(x, y)) < 4 * 0.5 / Double(samples).squareRoot())
        // Same vector: κ₁(x, x) = ‖x‖²/2, κ₀ = 1/2.
        #expect(abs(ArcCosineKernel.firstOrder(x, x) - x.reduce(0) { $0 + $1 * $1 } / 2) < 1e-12)
        #expect(abs(ArcCosineKernel.zerothOrder(x, x) - 0.5) < 1e-12)
    }

    @Test func rateEstimatesRecoverKnownRates() throws {
        let gamma = 0.993
        var geometric = Curve()
        var harmonic = Curve()
        for t in [1, 10, 50, 100, 200, 500, 1000, 2000] {
            geometric.append(step: t, value: 3 * pow(gamma, Double(t)))
            harmonic.append(step: t, value: 0.2 / (Double(t) + 5))
        }
        let g = try #require(RateEstimates.contraction(geometric, from: 100, to: 1000))
        #expect(abs(g - gamma) < 1e-12)
        let s = try #require(RateEstimates.logLinearSlope(geometric, from: 100, to: 2000))
        #expect(abs(s - log(gamma)) < 1e-12)
        let ll = try #require(RateEstimates.logLogSlope(harmonic, from: 500, to: 2000))
        #expect(ll < -0.99 && ll > -1.0)  // 1/(t+5) bends slightly above −1 at t ≈ 500
        #expect(RateEstimates.contraction(geometric, from: 100, to: 999) == nil)
    }

    @Test func separationMatchesBruteForce() {
        var rng = SplitMix(seed: 3)
        let n = 40, d = 3
        let x = (0..<(n * d)).map { _ in rng.gaussian() }
        let labels = (0..<n).map { _ in rng.uniform() < 0.5 ? 1.0 : -1.0 }
        let (delta, phi) = DataStatistics.separation(points: x, dim: d, labels: labels)
        var bruteDelta = Double.infinity, brutePhi = Double.infinity
        for i in 0..<n { for j in 0..<n where i != j {
            let dist = (0..<d).map { x[i * d + $0] - x[j * d + $0] }.reduce(0) { $0 + $1 * $1 }.squareRoot()
            bruteDelta = min(bruteDelta, dist)
            if labels[i] != labels[j] { brutePhi = min(brutePhi, dist) }
        } }
        #expect(abs(delta - bruteDelta) < 1e-12 && abs(phi - brutePhi) < 1e-12)
        #expect(phi >= delta)
    }
}
