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
#include "types.h"
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma,bmi2"))), apply_to = function)
#define ISA avx2
#define VB 32
#define MR 6
#include "types.h"
#pragma clang attribute pop
#endif

// Baseline x86-64 (SSE2; fma() is a correctly rounded library call), and the
// only variant on other CPUs.
#define ISA baseline
#define VB 16
#define MR 4
#include "types.h"

// The dispatch table: one entry per kernel and type.
#define MEMBERS(T, SFX)                                                                                      \
    void (*gemm_##SFX)(int, int, int, const T *, ptrdiff_t, ptrdiff_t, const T *, ptrdiff_t, ptrdiff_t, T *,  \
                       ptrdiff_t, int, const ck_epilogue *);                                                 \
    void (*gemm_packed_##SFX)(int, int, int, const T *, ptrdiff_t, ptrdiff_t, const T *, T *, ptrdiff_t, int, \
                              const ck_epilogue *);                                                          \
    ptrdiff_t (*packed_count_##SFX)(int, int);                                                               \
    void (*pack_##SFX)(int, int, const T *, ptrdiff_t, ptrdiff_t, T *);                                      \
    T (*dot_##SFX)(const T *, const T *, ptrdiff_t);                                                         \
    double (*sumsq_##SFX)(const T *, ptrdiff_t);                                                             \
    double (*distsq_##SFX)(const T *, const T *, ptrdiff_t);                                                 \
    double (*dotd_##SFX)(const T *, const T *, ptrdiff_t);                                                   \
    void (*colsum_##SFX)(const T *, int, int, ptrdiff_t, T *);                                               \
    void (*sgd_##SFX)(T *, const T *, ptrdiff_t, T);                                                         \
    void (*rowdot_##SFX)(int, int, const T *, ptrdiff_t, const T *, T, T *);                                 \
    void (*outback_##SFX)(int, int, const T *, T *, ptrdiff_t, const T *, T *, int, T *, ptrdiff_t, T, T, int, int); \
    double (*fma_peak_##SFX)(double);

typedef struct {
    MEMBERS(float, f32)
    MEMBERS(double, f64)
} ck_table;

#define ENTRIES(isa, SFX)                                                                                    \
    gemm_##isa##_##SFX, gemm_packed_##isa##_##SFX, packed_count_##isa##_##SFX, pack_##isa##_##SFX,          \
    dot_##isa##_##SFX, sumsq_##isa##_##SFX, distsq_##isa##_##SFX, dotd_##isa##_##SFX, colsum_##isa##_##SFX,  \
    sgd_##isa##_##SFX, rowdot_##isa##_##SFX, outback_##isa##_##SFX, fma_peak_##isa##_##SFX
#define TABLE(isa) {ENTRIES(isa, f32), ENTRIES(isa, f64)}

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

#define WRAPPERS(T, SFX)                                                                                     \
    void ck_gemm_##SFX(int M, int N, int K, const T *a, ptrdiff_t rsa, ptrdiff_t csa, const T *b, ptrdiff_t rsb,  \
                       ptrdiff_t csb, T *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi) {             \
        ck_t()->gemm_##SFX(M, N, K, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, epi);                          \
    }                                                                                                        \
    void ck_gemm_packed_##SFX(int M, int N, int K, const T *a, ptrdiff_t rsa, ptrdiff_t csa, const T *packed,    \
                              T *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi) {                     \
        ck_t()->gemm_packed_##SFX(M, N, K, a, rsa, csa, packed, c, ldc, accumulate, epi);                        \
    }                                                                                                        \
    ptrdiff_t ck_packed_count_##SFX(int K, int N) { return ck_t()->packed_count_##SFX(K, N); }                   \
    void ck_pack_##SFX(int K, int N, const T *b, ptrdiff_t rsb, ptrdiff_t csb, T *out) {                          \
        ck_t()->pack_##SFX(K, N, b, rsb, csb, out);                                                              \
    }                                                                                                        \
    T ck_dot_##SFX(const T *a, const T *b, ptrdiff_t n) { return ck_t()->dot_##SFX(a, b, n); }                   \
    double ck_sumsq_##SFX(const T *a, ptrdiff_t n) { return ck_t()->sumsq_##SFX(a, n); }                        \
    double ck_distsq_##SFX(const T *a, const T *b, ptrdiff_t n) { return ck_t()->distsq_##SFX(a, b, n); }        \
    double ck_dotd_##SFX(const T *a, const T *b, ptrdiff_t n) { return ck_t()->dotd_##SFX(a, b, n); }            \
    void ck_colsum_##SFX(const T *x, int rows, int cols, ptrdiff_t ld, T *out) {                                 \
        ck_t()->colsum_##SFX(x, rows, cols, ld, out);                                                            \
    }                                                                                                        \
    void ck_sgd_##SFX(T *w, const T *g, ptrdiff_t n, T lr) { ck_t()->sgd_##SFX(w, g, n, lr); }                   \
    void ck_rowdot_##SFX(int rows, int m, const T *h, ptrdiff_t ldh, const T *v, T c0, T *f) {                   \
        ck_t()->rowdot_##SFX(rows, m, h, ldh, v, c0, f);                                                         \
    }                                                                                                        \
    void ck_output_backward_##SFX(int rows, int m, const T *df, T *h, ptrdiff_t ldh, const T *v, T *gv,          \
                                  int dh_into_h, T *z, ptrdiff_t ldz, T pos, T neg, int ge, int mask_from_h) {   \
        ck_t()->outback_##SFX(rows, m, df, h, ldh, v, gv, dh_into_h, z, ldz, pos, neg, ge, mask_from_h);         \
    }

WRAPPERS(float, f32)
WRAPPERS(double, f64)

double ck_fma_peak(int dbl, double seconds) { return dbl ? ck_t()->fma_peak_f64(seconds) : ck_t()->fma_peak_f32(seconds); }
