// The training core's compute kernels: matrix products with fused
// activation passes, and fixed-order reductions, for float and double.
//
// One binary, any x86-64: every kernel is compiled three times (AVX-512,
// AVX2+FMA, baseline x86-64) and the widest variant the CPU supports is
// chosen once at run time. The variants give bit-identical results:
//  - every product entry C(i,j) is ONE fused-multiply-add chain over
//    k = 0, 1, …, K−1 (starting from 0, or from C(i,j) when accumulating),
//    whatever the tile shape, vector width, thread split or batch it was
//    computed in (the baseline variant calls the correctly rounded fma());
//  - every reduction runs in 16 logical lanes (lane = index mod 16), each a
//    sequential sum, combined by a fixed tree.
// No floating-point contraction is left to the compiler.
#ifndef OVERSWEEP_CKERNELS_H
#define OVERSWEEP_CKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What a product does with each finished entry z = C(i,j) (after the K chain).
typedef enum {
    /// Store z.
    CK_STORE = 0,
    /// z += bias[j]; store z; out(i,j) = z·slope(z) (a piecewise-linear φ).
    CK_FORWARD = 1,
    /// Store z; out(i,j) = z·slope(mask(i,j)) (φ′ of the layer below; out may alias mask).
    CK_BACKWARD = 2,
} ck_epilogue_kind;

/// slope(x) = (x > 0, or x ≥ 0 when ge) ? pos : neg. ReLU: pos 1, neg 0, ge 0;
/// leaky: pos s, neg α·s, ge 1; identity: pos = neg = 1. The pointers are to
/// the product's type (float or double); pos and neg hold values of that type.
typedef struct {
    ck_epilogue_kind kind;
    const void *bias;
    void *out;
    ptrdiff_t ldo;
    const void *mask;
    ptrdiff_t ldm;
    double pos, neg;
    int ge;
} ck_epilogue;

/// C(i,j) = Σ_k A(i,k)·B(k,j) (+ C(i,j) first when `accumulate`), one fma
/// chain per entry, k ascending. A(i,k) = a[i·rsa + k·csa], B(k,j) =
/// b[k·rsb + j·csb], C(i,j) = c[i·ldc + j]. `epi` may be NULL (CK_STORE).
/// M, N ≥ 0; K = 0 gives 0 (or C). Single-threaded; thread-safe.
void ck_gemm_f32(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                 const float *b, ptrdiff_t rsb, ptrdiff_t csb, float *c, ptrdiff_t ldc,
                 int accumulate, const ck_epilogue *epi);
void ck_gemm_f64(int M, int N, int K, const double *a, ptrdiff_t rsa, ptrdiff_t csa,
                 const double *b, ptrdiff_t rsb, ptrdiff_t csb, double *c, ptrdiff_t ldc,
                 int accumulate, const ck_epilogue *epi);

/// B(k,j) (K × N, strides as above) rearranged for ck_gemm_packed: the
/// product's operand packed once and used by many calls (e.g. Wᵀ by every
/// row chunk of a layer). `out` holds ck_packed_count(K, N) entries. The
/// layout belongs to the variant in force: pack again after ck_set_isa.
ptrdiff_t ck_packed_count_f32(int K, int N);
ptrdiff_t ck_packed_count_f64(int K, int N);
void ck_pack_f32(int K, int N, const float *b, ptrdiff_t rsb, ptrdiff_t csb, float *out);
void ck_pack_f64(int K, int N, const double *b, ptrdiff_t rsb, ptrdiff_t csb, double *out);
/// ck_gemm with B given packed.
void ck_gemm_packed_f32(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa, const float *packed,
                        float *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi);
void ck_gemm_packed_f64(int M, int N, int K, const double *a, ptrdiff_t rsa, ptrdiff_t csa, const double *packed,
                        double *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi);

/// f[i] = (h_i · v) + c0 for rows i (h_i = h + i·ldh, m entries; dot as ck_dot).
void ck_rowdot_f32(int rows, int m, const float *h, ptrdiff_t ldh, const float *v, float c0, float *f);
void ck_rowdot_f64(int rows, int m, const double *h, ptrdiff_t ldh, const double *v, double c0, double *f);

/// Backward through a scalar output f_i = h_i · v, rows ascending: gv[j] +=
/// df_i·h_ij (gv may be NULL); then dh_ij = df_i·v_j is written over h when
/// `dh_into_h`, and dz_ij = dh_ij·slope(x_ij) over z when z is not NULL, with
/// x = h when `mask_from_h` (ReLU, where h > 0 exactly where z > 0), else z.
void ck_output_backward_f32(int rows, int m, const float *df, float *h, ptrdiff_t ldh, const float *v, float *gv,
                            int dh_into_h, float *z, ptrdiff_t ldz, float pos, float neg, int ge, int mask_from_h);
void ck_output_backward_f64(int rows, int m, const double *df, double *h, ptrdiff_t ldh, const double *v, double *gv,
                            int dh_into_h, double *z, ptrdiff_t ldz, double pos, double neg, int ge, int mask_from_h);

/// Σ a[j]·b[j], j < n (16 lanes, fixed tree).
float ck_dot_f32(const float *a, const float *b, ptrdiff_t n);
double ck_dot_f64(const double *a, const double *b, ptrdiff_t n);

/// Σ (double)a[j]², j < n (16 lanes in double, fixed tree).
double ck_sumsq_f32(const float *a, ptrdiff_t n);
double ck_sumsq_f64(const double *a, ptrdiff_t n);

/// Σ ((double)a[j] − (double)b[j])² and Σ (double)a[j]·(double)b[j], j < n
/// (16 lanes in double, fixed tree).
double ck_distsq_f32(const float *a, const float *b, ptrdiff_t n);
double ck_distsq_f64(const double *a, const double *b, ptrdiff_t n);
double ck_dotd_f32(const float *a, const float *b, ptrdiff_t n);
double ck_dotd_f64(const double *a, const double *b, ptrdiff_t n);

/// out[j] = Σ_i x[i·ld + j] for j < cols (rows ascending; exact per column order).
void ck_colsum_f32(const float *x, int rows, int cols, ptrdiff_t ld, float *out);
void ck_colsum_f64(const double *x, int rows, int cols, ptrdiff_t ld, double *out);

/// Plain gradient step w[i] −= lr·g[i] (no weight decay, no momentum).
void ck_sgd_f32(float *w, const float *g, ptrdiff_t n, float lr);
void ck_sgd_f64(double *w, const double *g, ptrdiff_t n, double lr);

/// Which variant runs: 3 = AVX-512, 2 = AVX2+FMA, 1 = baseline x86-64 (or
/// the only one on other CPUs). Chosen from the CPU at first use.
int ck_isa(void);
/// Forces a variant on the calling thread only (for tests; 0 goes back to
/// the best): returns the one in force afterwards (a variant the CPU cannot
/// run is refused). Data packed under one variant is for that variant only.
int ck_set_isa(int isa);
/// "avx512", "avx2", "baseline".
const char *ck_isa_name(int isa);

/// Peak fused-multiply-add rate of one core with the chosen variant, in
/// GFLOP/s (float32 when `dbl` is 0), timed over about `seconds`.
double ck_fma_peak(int dbl, double seconds);

#ifdef __cplusplus
}
#endif

#endif
