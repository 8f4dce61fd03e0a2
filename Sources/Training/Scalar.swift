import CBLAS
import Numerics
import TrialContract

/// A float type the core trains in: Float or Double. Everything generic in
/// this module is constrained to it and lives in this one module, so the
/// optimiser specialises each use for both types (no dynamic dispatch in loops).
public protocol BLASScalar: BinaryFloatingPoint, Real, Sendable {
    /// C ← α·op(A)·op(B) + β·C, row-major; op(X) = Xᵀ when the flag is set.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// NumPy dtype descriptor ("<f4", "<f8").
    static var npyDescriptor: String { get }
    static var dtype: DType { get }
    /// Widened to Double by the type's own conversion: generic code that the
    /// optimiser leaves unspecialised would otherwise go through
    /// `Double.init<Source: BinaryFloatingPoint>`, which casts dynamically
    /// (it was 15% of a W1 run, in the per-step gradient-norm check).
    var double: Double { get }
}

@inline(__always)
private func order(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: BLASScalar {
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, order(transA), order(transB), blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static var npyDescriptor: String { "<f4" }
    @inline(__always) public var double: Double { Double(self) }
    public static var dtype: DType { .float32 }
}

extension Double: BLASScalar {
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, order(transA), order(transB), blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static var npyDescriptor: String { "<f8" }
    @inline(__always) public var double: Double { self }
    public static var dtype: DType { .float64 }
}

/// Which BLAS kernels this process runs: OpenBLAS's core name ("Haswell",
/// "SkylakeX", …), picked from the CPU or forced by `OPENBLAS_CORETYPE`.
/// Trials give bit-identical results on workers with the same kernels only.
public enum BLASKernels {
    public static var name: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return "OpenBLAS " + String(cString: p).split(separator: " ").joined(separator: " ")
    }
}

/// OpenBLAS's thread count is process-wide; the trainer sets it per shard.
enum BLASThreads {
    static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    static var current: Int { Int(openblas_get_num_threads()) }
}

/// A fixed-size, uninitialised-then-zeroed buffer owned by one network on one
/// thread. Raw memory rather than Array: no copy-on-write or bounds checks in
/// the hot loops, and the size is fixed at construction (nothing grows per step).
final class Buffer<T: BLASScalar> {
    let count: Int
    let p: UnsafeMutablePointer<T>

    init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }

    init(_ values: [T]) {
        count = values.count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.update(from: base, count: count) }
        }
    }

    deinit { p.deallocate() }

    var array: [T] { Array(UnsafeBufferPointer(start: p, count: count)) }

    func zero() { p.update(repeating: 0, count: count) }
}
