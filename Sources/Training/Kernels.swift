/// Small loops the compiler cannot vectorise on its own: a floating-point
/// sum is a dependency chain unless split into independent partial sums.
/// The split is fixed (8 lanes, then the tail), so results are deterministic.
enum Kernels {
    /// Σ a[j]·b[j] for j < n.
    @inline(__always)
    static func dot<T: BLASScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ n: Int) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
        var j = 0
        while j + 8 <= n {
            s0 += a[j] * b[j]; s1 += a[j + 1] * b[j + 1]; s2 += a[j + 2] * b[j + 2]; s3 += a[j + 3] * b[j + 3]
            s4 += a[j + 4] * b[j + 4]; s5 += a[j + 5] * b[j + 5]; s6 += a[j + 6] * b[j + 6]; s7 += a[j + 7] * b[j + 7]
            j += 8
        }
        var s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
        while j < n { s += a[j] * b[j]; j += 1 }
        return s
    }

    /// Σ Double(a[j])² for j < n.
    static func sumOfSquares<T: BLASScalar>(_ a: UnsafePointer<T>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var j = 0
        while j + 4 <= n {
            let a0 = a[j].double, a1 = a[j + 1].double, a2 = a[j + 2].double, a3 = a[j + 3].double
            s0 += a0 * a0; s1 += a1 * a1; s2 += a2 * a2; s3 += a3 * a3
            j += 4
        }
        var s = (s0 + s1) + (s2 + s3)
        while j < n { let v = a[j].double; s += v * v; j += 1 }
        return s
    }
}
