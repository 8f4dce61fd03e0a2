import CBLAS
import CKernels
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

    // The core's own kernels (CKernels; see `Product` for what they guarantee).
    // Public only because the protocol is; the types they take are internal in use.
    static func product(_ p: Product<Self>)
    static func packedCount(k: Int, n: Int) -> Int
    static func pack(k: Int, n: Int, b: UnsafePointer<Self>, rsb: Int, csb: Int, into out: UnsafeMutablePointer<Self>)
    static func dot(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ n: Int) -> Self
    static func sumOfSquares(_ a: UnsafePointer<Self>, _ n: Int) -> Double
    /// Σ (a[j] − b[j])² and Σ a[j]·b[j] in Double.
    static func distanceSquared(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ n: Int) -> Double
    static func dotDouble(_ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ n: Int) -> Double
    static func columnSums(_ x: UnsafePointer<Self>, rows: Int, cols: Int, ld: Int, into out: UnsafeMutablePointer<Self>)
    /// w[i] −= lr·g[i].
    static func descend(_ w: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>, _ n: Int, lr: Self)
    /// f[i] = h_i·v + c0 for `rows` rows of h (row stride ldh, m entries).
    static func rowDots(rows: Int, m: Int, h: UnsafePointer<Self>, ldh: Int, v: UnsafePointer<Self>, c0: Self,
                        into f: UnsafeMutablePointer<Self>)
    /// Backward through a scalar output (ck_output_backward_*).
    static func outputBackward(rows: Int, m: Int, df: UnsafePointer<Self>, h: UnsafeMutablePointer<Self>, ldh: Int,
                               v: UnsafePointer<Self>, gv: UnsafeMutablePointer<Self>?, dhIntoH: Bool,
                               z: UnsafeMutablePointer<Self>?, ldz: Int, slopes: Slopes<Self>, maskFromH: Bool)
}

/// φ of a piecewise-linear activation, or φ′ times a scale: x ↦ pos when
/// x > 0 (x ≥ 0 when `ge`), else neg. ReLU, leaky ReLU and identity; the
/// product kernels apply them in their epilogue.
public struct Slopes<T: BLASScalar> {
    var pos: T
    var neg: T
    var ge: Bool
    static var identity: Slopes { Slopes(pos: 1, neg: 1, ge: false) }
    /// ReLU's shape (x > 0 ? pos : 0 with pos > 0): φ(z) > 0 exactly where z > 0.
    var keepsSign: Bool { pos > 0 && neg == 0 && !ge }
}

/// One matrix product C = A·B (+ C when `accumulate`) with the CKernels
/// guarantee: each C(i,j) is one fused-multiply-add chain over k in order,
/// so it is bit-identical whatever the instruction set, row chunk, thread
/// or batch of networks it was computed in. A(i,k) = a[i·rsa + k·csa];
/// B(k,j) = b[k·rsb + j·csb], or `packed` (from `pack`); C row-major.
public struct Product<T: BLASScalar> {
    enum Epilogue {
        case store
        /// z += bias[j]; store z; out = φ(z) (when given).
        case forward(bias: UnsafePointer<T>?, out: UnsafeMutablePointer<T>?, ldo: Int, Slopes<T>)
        /// Store z; out = z·slope(mask) (out may alias mask).
        case backward(out: UnsafeMutablePointer<T>, mask: UnsafePointer<T>, ld: Int, Slopes<T>)
    }
    var m: Int, n: Int, k: Int
    var a: UnsafePointer<T>, rsa: Int, csa: Int
    var b: UnsafePointer<T>? = nil, rsb = 0, csb = 0
    var packed: UnsafePointer<T>? = nil
    var c: UnsafeMutablePointer<T>, ldc: Int
    var accumulate = false
    var epilogue = Epilogue.store

    func run() { T.product(self) }

    /// The epilogue as CKernels takes it (pointers untyped; slopes widened to Double, exactly).
    var cEpilogue: ck_epilogue {
        var e = ck_epilogue()
        func set(_ s: Slopes<T>) { e.pos = s.pos.double; e.neg = s.neg.double; e.ge = s.ge ? 1 : 0 }
        switch epilogue {
        case .store: e.kind = CK_STORE
        case let .forward(bias, out, ldo, s):
            e.kind = CK_FORWARD; e.bias = UnsafeRawPointer(bias); e.out = UnsafeMutableRawPointer(out); e.ldo = ldo
            set(s)
        case let .backward(out, mask, ld, s):
            e.kind = CK_BACKWARD; e.out = UnsafeMutableRawPointer(out); e.ldo = ld
            e.mask = UnsafeRawPointer(mask); e.ldm = ld
            set(s)
        }
        return e
    }
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
    public static func product(_ p: Product<Float>) {
        var e = p.cEpilogue
        if let packed = p.packed {
            ck_gemm_packed_f32(Int32(p.m), Int32(p.n), Int32(p.k), p.a, p.rsa, p.csa, packed, p.c, p.ldc, p.accumulate ? 1 : 0, &e)
        } else {
            ck_gemm_f32(Int32(p.m), Int32(p.n), Int32(p.k), p.a, p.rsa, p.csa, p.b, p.rsb, p.csb, p.c, p.ldc, p.accumulate ? 1 : 0, &e)
        }
    }
    public static func packedCount(k: Int, n: Int) -> Int { ck_packed_count_f32(Int32(k), Int32(n)) }
    public static func pack(k: Int, n: Int, b: UnsafePointer<Float>, rsb: Int, csb: Int, into out: UnsafeMutablePointer<Float>) {
        ck_pack_f32(Int32(k), Int32(n), b, rsb, csb, out)
    }
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float { ck_dot_f32(a, b, n) }
    public static func sumOfSquares(_ a: UnsafePointer<Float>, _ n: Int) -> Double { ck_sumsq_f32(a, n) }
    public static func distanceSquared(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double { ck_distsq_f32(a, b, n) }
    public static func dotDouble(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double { ck_dotd_f32(a, b, n) }
    public static func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int, into out: UnsafeMutablePointer<Float>) {
        ck_colsum_f32(x, Int32(rows), Int32(cols), ld, out)
    }
    public static func descend(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int, lr: Float) { ck_sgd_f32(w, g, n, lr) }
    public static func rowDots(rows: Int, m: Int, h: UnsafePointer<Float>, ldh: Int, v: UnsafePointer<Float>, c0: Float,
                        into f: UnsafeMutablePointer<Float>) {
        ck_rowdot_f32(Int32(rows), Int32(m), h, ldh, v, c0, f)
    }
    public static func outputBackward(rows: Int, m: Int, df: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, ldh: Int,
                               v: UnsafePointer<Float>, gv: UnsafeMutablePointer<Float>?, dhIntoH: Bool,
                               z: UnsafeMutablePointer<Float>?, ldz: Int, slopes s: Slopes<Float>, maskFromH: Bool) {
        ck_output_backward_f32(Int32(rows), Int32(m), df, h, ldh, v, gv, dhIntoH ? 1 : 0, z, ldz, s.pos, s.neg, s.ge ? 1 : 0,
                               maskFromH ? 1 : 0)
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
    public static func product(_ p: Product<Double>) {
        var e = p.cEpilogue
        if let packed = p.packed {
            ck_gemm_packed_f64(Int32(p.m), Int32(p.n), Int32(p.k), p.a, p.rsa, p.csa, packed, p.c, p.ldc, p.accumulate ? 1 : 0, &e)
        } else {
            ck_gemm_f64(Int32(p.m), Int32(p.n), Int32(p.k), p.a, p.rsa, p.csa, p.b, p.rsb, p.csb, p.c, p.ldc, p.accumulate ? 1 : 0, &e)
        }
    }
    public static func packedCount(k: Int, n: Int) -> Int { ck_packed_count_f64(Int32(k), Int32(n)) }
    public static func pack(k: Int, n: Int, b: UnsafePointer<Double>, rsb: Int, csb: Int, into out: UnsafeMutablePointer<Double>) {
        ck_pack_f64(Int32(k), Int32(n), b, rsb, csb, out)
    }
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double { ck_dot_f64(a, b, n) }
    public static func sumOfSquares(_ a: UnsafePointer<Double>, _ n: Int) -> Double { ck_sumsq_f64(a, n) }
    public static func distanceSquared(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double { ck_distsq_f64(a, b, n) }
    public static func dotDouble(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double { ck_dotd_f64(a, b, n) }
    public static func columnSums(_ x: UnsafePointer<Double>, rows: Int, cols: Int, ld: Int, into out: UnsafeMutablePointer<Double>) {
        ck_colsum_f64(x, Int32(rows), Int32(cols), ld, out)
    }
    public static func descend(_ w: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>, _ n: Int, lr: Double) { ck_sgd_f64(w, g, n, lr) }
    public static func rowDots(rows: Int, m: Int, h: UnsafePointer<Double>, ldh: Int, v: UnsafePointer<Double>, c0: Double,
                        into f: UnsafeMutablePointer<Double>) {
        ck_rowdot_f64(Int32(rows), Int32(m), h, ldh, v, c0, f)
    }
    public static func outputBackward(rows: Int, m: Int, df: UnsafePointer<Double>, h: UnsafeMutablePointer<Double>, ldh: Int,
                               v: UnsafePointer<Double>, gv: UnsafeMutablePointer<Double>?, dhIntoH: Bool,
                               z: UnsafeMutablePointer<Double>?, ldz: Int, slopes s: Slopes<Double>, maskFromH: Bool) {
        ck_output_backward_f64(Int32(rows), Int32(m), df, h, ldh, v, gv, dhIntoH ? 1 : 0, z, ldz, s.pos, s.neg, s.ge ? 1 : 0,
                               maskFromH ? 1 : 0)
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

/// The core's own kernels (CKernels): the widest instruction set the CPU
/// runs, chosen at run time. A trial's numbers do not depend on it.
public enum CoreKernels {
    /// "CKernels avx512" (or avx2, baseline).
    public static var name: String { "CKernels " + String(cString: ck_isa_name(ck_isa())) }
    /// The variant in force on this thread: 3 AVX-512, 2 AVX2+FMA, 1 baseline x86-64.
    static var isa: Int { Int(ck_isa()) }
    /// Forces a variant on the calling thread (tests; 0: back to the best); returns the one in force.
    @discardableResult
    static func force(_ isa: Int) -> Int { Int(ck_set_isa(Int32(isa))) }
    /// Peak FMA rate of one core with the variant in force, GFLOP/s (timed for `seconds` of CPU).
    public static func fmaPeak(_ dtype: DType, seconds: Double = 0.3) -> Double {
        ck_fma_peak(dtype == .float64 ? 1 : 0, seconds)
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
        p = Self.allocate(count)
    }

    init(_ values: [T]) {
        count = values.count
        p = Self.allocate(count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.update(from: base, count: count) }
        }
    }

    deinit { UnsafeMutableRawPointer(p).deallocate() }

    /// Zeroed memory on a cache-line boundary. The kernels' vector loads then
    /// never straddle two lines where a row does not: malloc's 16-byte
    /// alignment made W1 float64 (rows of 4 KiB) run 20–30 % slower or not,
    /// depending on where each buffer happened to land.
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<T> {
        let n = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<T>.stride, alignment: 64)
        let p = raw.bindMemory(to: T.self, capacity: n)
        p.initialize(repeating: 0, count: n)
        return p
    }

    var array: [T] { Array(UnsafeBufferPointer(start: p, count: count)) }

    func zero() { p.update(repeating: 0, count: count) }
}
