/// Separation statistics of a data set (docs/science.md §6): δ = min_{i≠j} ‖x_i − x_j‖
/// ([GLL24]) and φ = the same minimum over pairs with different labels ([ZCZG18]).
public enum DataStatistics {
    /// `points` is n×d row-major; `labels` has n entries (compared for inequality).
    public static func separation(points: [Double], dim d: Int, labels: [Double]) -> (delta: Double, phi: Double) {
        let n = labels.count
        guard d > 0, points.count == n * d, n >= 2 else { return (.infinity, .infinity) }
        var delta = Double.infinity, phi = Double.infinity
        points.withUnsafeBufferPointer { x in
            for i in 0..<n {
                for j in (i + 1)..<n {
                    var s = 0.0
                    for k in 0..<d {
                        let t = x[i * d + k] - x[j * d + k]
                        s += t * t
                    }
                    delta = min(delta, s)
                    if labels[i] != labels[j] { phi = min(phi, s) }
                }
            }
        }
        return (delta.squareRoot(), phi.squareRoot())
    }
}
