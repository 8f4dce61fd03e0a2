/// Reductions with a fixed order (CKernels: 16 lanes, lane = index mod 16,
/// combined by a fixed tree), so results do not depend on the instruction
/// set the process runs on.
enum Kernels {
    /// Σ a[j]·b[j] for j < n.
    @inline(__always)
    static func dot<T: BLASScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ n: Int) -> T { T.dot(a, b, n) }

    /// Σ Double(a[j])² for j < n.
    @inline(__always)
    static func sumOfSquares<T: BLASScalar>(_ a: UnsafePointer<T>, _ n: Int) -> Double { T.sumOfSquares(a, n) }
}
