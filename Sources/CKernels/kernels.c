// Instantiates variant.h for each instruction set and float type, and picks
// the widest variant the CPU runs (see ckernels.h for the guarantees).
#include "ckernels.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

// Bit-identical variants need the same roundings everywhere: no a·b + c
// contracted into an fma in one variant and not in another.
#pragma clang fp contract(off)
// Vector arguments and results only pass between static, always-inlined
// helpers of one variant: no ABI is at stake.
#pragma clang diagnostic ignored "-Wpsabi"

static double ck_thread_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// Keeps the peak loop's results alive.
static volatile double ck_sink;

#if defined(__x86_64__)

#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma,avx2,bmi2"))), apply_to = function)
#define ISA avx512
#define VB 64
#define MR 12
#define T float
#define SFX f32
#define EPI ck_epilogue_f32
#include "variant.h"
#undef T
#undef SFX
#undef EPI
#define T double
#define SFX f64
#define EPI ck_epilogue_f64
#include "variant.h"
#undef T
#undef SFX
#undef EPI
#undef ISA
#undef VB
#undef MR
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma,bmi2"))), apply_to = function)
#define ISA avx2
#define VB 32
#define MR 6
#define T float
#define SFX f32
#define EPI ck_epilogue_f32
#include "variant.h"
#undef T
#undef SFX
#undef EPI
#define T double
#define SFX f64
#define EPI ck_epilogue_f64
#include "variant.h"
#undef T
#undef SFX
#undef EPI
#undef ISA
#undef VB
#undef MR
#pragma clang attribute pop

#endif

// Baseline x86-64 (SSE2; fma() is a correctly rounded library call), and the
// only variant on other CPUs.
#define ISA baseline
#define VB 16
#define MR 4
#define T float
#define SFX f32
#define EPI ck_epilogue_f32
#include "variant.h"
#undef T
#undef SFX
#undef EPI
#define T double
#define SFX f64
#define EPI ck_epilogue_f64
#include "variant.h"
#undef T
#undef SFX
#undef EPI
#undef ISA
#undef VB
#undef MR

typedef struct {
    void (*gemm_f32)(int, int, int, const float *, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t,
                     float *, ptrdiff_t, int, const ck_epilogue_f32 *);
    void (*gemm_f64)(int, int, int, const double *, ptrdiff_t, ptrdiff_t, const double *, ptrdiff_t, ptrdiff_t,
                     double *, ptrdiff_t, int, const ck_epilogue_f64 *);
    float (*dot_f32)(const float *, const float *, ptrdiff_t);
    double (*dot_f64)(const double *, const double *, ptrdiff_t);
    double (*sumsq_f32)(const float *, ptrdiff_t);
    double (*sumsq_f64)(const double *, ptrdiff_t);
    void (*colsum_f32)(const float *, int, int, ptrdiff_t, float *);
    void (*colsum_f64)(const double *, int, int, ptrdiff_t, double *);
    void (*sgd_f32)(float *, const float *, ptrdiff_t, float);
    void (*sgd_f64)(double *, const double *, ptrdiff_t, double);
    double (*fma_peak_f32)(double);
    double (*fma_peak_f64)(double);
    ptrdiff_t (*packed_count_f32)(int, int);
    ptrdiff_t (*packed_count_f64)(int, int);
    void (*pack_f32)(int, int, const float *, ptrdiff_t, ptrdiff_t, float *);
    void (*pack_f64)(int, int, const double *, ptrdiff_t, ptrdiff_t, double *);
    void (*gemm_packed_f32)(int, int, int, const float *, ptrdiff_t, ptrdiff_t, const float *, float *, ptrdiff_t,
                            int, const ck_epilogue_f32 *);
    void (*gemm_packed_f64)(int, int, int, const double *, ptrdiff_t, ptrdiff_t, const double *, double *,
                            ptrdiff_t, int, const ck_epilogue_f64 *);
    void (*rowdot_f32)(int, int, const float *, ptrdiff_t, const float *, float, float *);
    void (*rowdot_f64)(int, int, const double *, ptrdiff_t, const double *, double, double *);
    void (*outback_f32)(int, int, const float *, float *, ptrdiff_t, const float *, float *, int, float *,
                        ptrdiff_t, float, float, int, int);
    void (*outback_f64)(int, int, const double *, double *, ptrdiff_t, const double *, double *, int, double *,
                        ptrdiff_t, double, double, int, int);
    double (*distsq_f32)(const float *, const float *, ptrdiff_t);
    double (*distsq_f64)(const double *, const double *, ptrdiff_t);
    double (*dotd_f32)(const float *, const float *, ptrdiff_t);
    double (*dotd_f64)(const double *, const double *, ptrdiff_t);
} ck_table;

#define TABLE(isa)                                                                                     \
    {gemm_##isa##_f32, gemm_##isa##_f64, dot_##isa##_f32, dot_##isa##_f64, sumsq_##isa##_f32,         \
     sumsq_##isa##_f64, colsum_##isa##_f32, colsum_##isa##_f64, sgd_##isa##_f32, sgd_##isa##_f64,     \
     fma_peak_##isa##_f32, fma_peak_##isa##_f64, packed_count_##isa##_f32, packed_count_##isa##_f64,      \
     pack_##isa##_f32, pack_##isa##_f64, gemm_packed_##isa##_f32, gemm_packed_##isa##_f64,              \
     rowdot_##isa##_f32, rowdot_##isa##_f64, outback_##isa##_f32, outback_##isa##_f64,                  \
     distsq_##isa##_f32, distsq_##isa##_f64, dotd_##isa##_f32, dotd_##isa##_f64}

static const ck_table ck_tables[4] = {
    TABLE(baseline),
    TABLE(baseline),
#if defined(__x86_64__)
    TABLE(avx2),
    TABLE(avx512),
#else
    TABLE(baseline),
    TABLE(baseline),
#endif
};

static int ck_best_isa(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw"))
        return 3;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 2;
#endif
    return 1;
}

static _Atomic int ck_best;
// A test's choice for its own thread (0: none); other threads keep the best.
static _Thread_local int ck_forced;

static inline int ck_current(void) {
    if (ck_forced) return ck_forced;
    int isa = atomic_load_explicit(&ck_best, memory_order_relaxed);
    if (!isa) {
        isa = ck_best_isa();
        atomic_store(&ck_best, isa);
    }
    return isa;
}

static inline const ck_table *ck_t(void) { return &ck_tables[ck_current()]; }

int ck_isa(void) { return ck_current(); }

int ck_set_isa(int isa) {
    ck_forced = 0;
    if (isa >= 1 && isa <= ck_current()) ck_forced = isa;
    return ck_current();
}

const char *ck_isa_name(int isa) {
    switch (isa) {
    case 3: return "avx512";
    case 2: return "avx2";
    default: return "baseline";
    }
}

void ck_gemm_f32(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa, const float *b, ptrdiff_t rsb,
                 ptrdiff_t csb, float *c, ptrdiff_t ldc, int accumulate, const ck_epilogue_f32 *epi) {
    ck_t()->gemm_f32(M, N, K, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, epi);
}
void ck_gemm_f64(int M, int N, int K, const double *a, ptrdiff_t rsa, ptrdiff_t csa, const double *b,
                 ptrdiff_t rsb, ptrdiff_t csb, double *c, ptrdiff_t ldc, int accumulate, const ck_epilogue_f64 *epi) {
    ck_t()->gemm_f64(M, N, K, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, epi);
}
float ck_dot_f32(const float *a, const float *b, ptrdiff_t n) { return ck_t()->dot_f32(a, b, n); }
double ck_dot_f64(const double *a, const double *b, ptrdiff_t n) { return ck_t()->dot_f64(a, b, n); }
double ck_sumsq_f32(const float *a, ptrdiff_t n) { return ck_t()->sumsq_f32(a, n); }
double ck_sumsq_f64(const double *a, ptrdiff_t n) { return ck_t()->sumsq_f64(a, n); }
void ck_colsum_f32(const float *x, int rows, int cols, ptrdiff_t ld, float *out) { ck_t()->colsum_f32(x, rows, cols, ld, out); }
void ck_colsum_f64(const double *x, int rows, int cols, ptrdiff_t ld, double *out) { ck_t()->colsum_f64(x, rows, cols, ld, out); }
void ck_sgd_f32(float *w, const float *g, ptrdiff_t n, float lr) { ck_t()->sgd_f32(w, g, n, lr); }
void ck_sgd_f64(double *w, const double *g, ptrdiff_t n, double lr) { ck_t()->sgd_f64(w, g, n, lr); }
double ck_fma_peak(int dbl, double seconds) { return dbl ? ck_t()->fma_peak_f64(seconds) : ck_t()->fma_peak_f32(seconds); }

ptrdiff_t ck_packed_count_f32(int K, int N) { return ck_t()->packed_count_f32(K, N); }
ptrdiff_t ck_packed_count_f64(int K, int N) { return ck_t()->packed_count_f64(K, N); }
void ck_pack_f32(int K, int N, const float *b, ptrdiff_t rsb, ptrdiff_t csb, float *out) { ck_t()->pack_f32(K, N, b, rsb, csb, out); }
void ck_pack_f64(int K, int N, const double *b, ptrdiff_t rsb, ptrdiff_t csb, double *out) { ck_t()->pack_f64(K, N, b, rsb, csb, out); }
void ck_gemm_packed_f32(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa, const float *packed,
                        float *c, ptrdiff_t ldc, int accumulate, const ck_epilogue_f32 *epi) {
    ck_t()->gemm_packed_f32(M, N, K, a, rsa, csa, packed, c, ldc, accumulate, epi);
}
void ck_gemm_packed_f64(int M, int N, int K, const double *a, ptrdiff_t rsa, ptrdiff_t csa, const double *packed,
                        double *c, ptrdiff_t ldc, int accumulate, const ck_epilogue_f64 *epi) {
    ck_t()->gemm_packed_f64(M, N, K, a, rsa, csa, packed, c, ldc, accumulate, epi);
}
void ck_rowdot_f32(int rows, int m, const float *h, ptrdiff_t ldh, const float *v, float c0, float *f) { ck_t()->rowdot_f32(rows, m, h, ldh, v, c0, f); }
void ck_rowdot_f64(int rows, int m, const double *h, ptrdiff_t ldh, const double *v, double c0, double *f) { ck_t()->rowdot_f64(rows, m, h, ldh, v, c0, f); }
void ck_output_backward_f32(int rows, int m, const float *df, float *h, ptrdiff_t ldh, const float *v, float *gv,
                            int dh_into_h, float *z, ptrdiff_t ldz, float pos, float neg, int ge, int mask_from_h) {
    ck_t()->outback_f32(rows, m, df, h, ldh, v, gv, dh_into_h, z, ldz, pos, neg, ge, mask_from_h);
}
void ck_output_backward_f64(int rows, int m, const double *df, double *h, ptrdiff_t ldh, const double *v, double *gv,
                            int dh_into_h, double *z, ptrdiff_t ldz, double pos, double neg, int ge, int mask_from_h) {
    ck_t()->outback_f64(rows, m, df, h, ldh, v, gv, dh_into_h, z, ldz, pos, neg, ge, mask_from_h);
}
double ck_distsq_f32(const float *a, const float *b, ptrdiff_t n) { return ck_t()->distsq_f32(a, b, n); }
double ck_distsq_f64(const double *a, const double *b, ptrdiff_t n) { return ck_t()->distsq_f64(a, b, n); }
double ck_dotd_f32(const float *a, const float *b, ptrdiff_t n) { return ck_t()->dotd_f32(a, b, n); }
double ck_dotd_f64(const double *a, const double *b, ptrdiff_t n) { return ck_t()->dotd_f64(a, b, n); }
