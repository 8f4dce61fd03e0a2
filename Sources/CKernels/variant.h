// One variant of the kernels for one float type. Included by kernels.c once
// per (instruction set, type) with:
//   T      float or double          SFX  f32 / f64 (names of the public API)
//   ISA    avx512 / avx2 / baseline VB   bytes of a vector register
//   MR     rows of a product tile   (a tile is MR × 2 vectors)
// and inside a `#pragma clang attribute` that sets the target features.
// Everything here is static; kernels.c exports it through a dispatch table.

#define CAT3_(a, b, c) a##_##b##_##c
#define CAT3(a, b, c) CAT3_(a, b, c)
#define FN(name) CAT3(name, ISA, SFX)

#define VL ((int)(VB / sizeof(T)))   // lanes of a vector
#define NR (2 * VL)                  // columns of a product tile
#define KC 256                       // depth of a block of k (the same for every variant)

typedef T FN(vec) __attribute__((ext_vector_type(VB / sizeof(T))));
typedef T FN(v16) __attribute__((ext_vector_type(16)));
typedef double FN(d16) __attribute__((ext_vector_type(16)));
#define VEC FN(vec)
#define V16 FN(v16)
#define D16 FN(d16)

static inline __attribute__((always_inline)) VEC FN(load)(const T *p) { VEC v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline __attribute__((always_inline)) void FN(store)(T *p, VEC v) { __builtin_memcpy(p, &v, sizeof v); }
static inline __attribute__((always_inline)) V16 FN(load16)(const T *p) { V16 v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline __attribute__((always_inline)) void FN(store16)(T *p, V16 v) { __builtin_memcpy(p, &v, sizeof v); }

// B packed for the tiles: for each block of KC rows (k), panels of NR
// columns, each kc × NR, zero padded to a multiple of NR columns.
static ptrdiff_t FN(npad)(int N) { return (ptrdiff_t)((N + NR - 1) / NR) * NR; }

static void FN(pack_block)(int kc, int N, const T *b, ptrdiff_t rsb, ptrdiff_t csb, T *out) {
    for (int j0 = 0; j0 < N; j0 += NR) {
        int nr = N - j0 < NR ? N - j0 : NR;
        T *p = out + (ptrdiff_t)j0 * kc;
        if (csb == 1 && nr == NR) {
            for (int k = 0; k < kc; k++) {
                const T *src = b + k * rsb + j0;
                FN(store)(p + k * NR, FN(load)(src));
                FN(store)(p + k * NR + VL, FN(load)(src + VL));
            }
        } else if (rsb == 1) {
            // Columns of B are contiguous (B = Wᵀ): read each column once.
            for (int k = 0; k < kc; k++)
                for (int j = nr; j < NR; j++) p[k * NR + j] = 0;
            for (int j = 0; j < nr; j++) {
                const T *src = b + (j0 + j) * csb;
                for (int k = 0; k < kc; k++) p[k * NR + j] = src[k];
            }
        } else {
            for (int k = 0; k < kc; k++) {
                for (int j = 0; j < nr; j++) p[k * NR + j] = b[k * rsb + (j0 + j) * csb];
                for (int j = nr; j < NR; j++) p[k * NR + j] = 0;
            }
        }
    }
}

static ptrdiff_t FN(packed_count)(int K, int N) { return (ptrdiff_t)K * FN(npad)(N); }

static void FN(pack)(int K, int N, const T *b, ptrdiff_t rsb, ptrdiff_t csb, T *out) {
    for (int pc = 0; pc < K; pc += KC) {
        int kc = K - pc < KC ? K - pc : KC;
        FN(pack_block)(kc, N, b + pc * rsb, rsb, csb, out + pc * FN(npad)(N));
    }
}

// One thread's buffer for one packed block (KC × npad(N)), grown on demand.
static _Thread_local T *FN(pack_buf);
static _Thread_local ptrdiff_t FN(pack_cap);

static T *FN(block_buffer)(int N) {
    ptrdiff_t need = KC * FN(npad)(N);
    if (need > FN(pack_cap)) {
        free(FN(pack_buf));
        FN(pack_buf) = (T *)aligned_alloc(64, sizeof(T) * (size_t)need);
        if (!FN(pack_buf)) abort();
        FN(pack_cap) = need;
    }
    return FN(pack_buf);
}

// slope(x) as in ckernels.h, for one entry and for a vector.
static inline __attribute__((always_inline)) T FN(slope1)(T x, T pos, T neg, int ge) {
    return (ge ? x >= 0 : x > 0) ? pos : neg;
}

// φ(z) of a piecewise-linear activation: pos·z or neg·z (+0 when neg is 0, as max(z, 0)).
static inline __attribute__((always_inline)) T FN(phi1)(T z, T pos, T neg, int ge) {
    return (ge ? z >= 0 : z > 0) ? pos * z : (neg == 0 ? 0 : neg * z);
}

// The chains of one tile over k < kc with A(r, k) = a[r·rsa + k·csa]
// (inlined with the packed micro-panel's constant strides, or any strides).
static inline __attribute__((always_inline)) void FN(chains)(const int mr, int kc, const T *a, ptrdiff_t rsa,
                                                            ptrdiff_t csa, const T *bp, ptrdiff_t ldp, VEC *acc0,
                                                            VEC *acc1) {
    for (int k = 0; k < kc; k++) {
        VEC b0 = FN(load)(bp + k * ldp), b1 = FN(load)(bp + k * ldp + VL);
        const T *ak = a + k * csa;
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            if (r < mr) {
                VEC x = (VEC)(ak[r * rsa]);
                acc0[r] = __builtin_elementwise_fma(x, b0, acc0[r]);
                acc1[r] = __builtin_elementwise_fma(x, b1, acc1[r]);
            }
        }
    }
}

// acc(r, ·) for r < mr: one fma chain per entry over k, then stored to c.
// `load`: start the chains from c (a previous K block, or accumulate).
// `pa`: A is a packed micro-panel, A(r, k) = a[k·MR + r] (rsa, csa unused).
static inline __attribute__((always_inline)) void FN(tile)(const int mr, const int pa, int kc, const T *a,
                                                          ptrdiff_t rsa, ptrdiff_t csa, const T *bp, ptrdiff_t ldp,
                                                          T *c, ptrdiff_t ldc, int load, const ck_epilogue *e, int i0,
                                                          int j0) {
    VEC acc0[MR], acc1[MR];
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
        if (r < mr) {
            if (load) {
                acc0[r] = FN(load)(c + r * ldc);
                acc1[r] = FN(load)(c + r * ldc + VL);
            } else {
                acc0[r] = (VEC)0;
                acc1[r] = (VEC)0;
            }
        }
    }
    if (pa) {
        FN(chains)(mr, kc, a, 1, MR, bp, ldp, acc0, acc1);
    } else if (csa == 1) {
        const T *ar[MR];
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) ar[r] = a + (r < mr ? r : 0) * rsa;
        for (int k = 0; k < kc; k++) {
            VEC b0 = FN(load)(bp + k * ldp), b1 = FN(load)(bp + k * ldp + VL);
#pragma clang loop unroll(full)
            for (int r = 0; r < MR; r++) {
                if (r < mr) {
                    VEC x = (VEC)(ar[r][k]);
                    acc0[r] = __builtin_elementwise_fma(x, b0, acc0[r]);
                    acc1[r] = __builtin_elementwise_fma(x, b1, acc1[r]);
                }
            }
        }
    } else {
        FN(chains)(mr, kc, a, rsa, csa, bp, ldp, acc0, acc1);
    }
    if (!e || e->kind == CK_STORE) {
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            if (r < mr) {
                FN(store)(c + r * ldc, acc0[r]);
                FN(store)(c + r * ldc + VL, acc1[r]);
            }
        }
        return;
    }
    // The epilogue on the registers (same operations as FN(epilogue)).
    const VEC pos = (VEC)(T)e->pos, neg = (VEC)(T)e->neg, zero = (VEC)0;
    const int ge = e->ge, negzero = e->neg == 0;
    const T *bias = (const T *)e->bias, *mask = (const T *)e->mask;
    T *outp = (T *)e->out;
    if (e->kind == CK_FORWARD) {
        VEC b0 = zero, b1 = zero;
        if (bias) { b0 = FN(load)(bias + j0); b1 = FN(load)(bias + j0 + VL); }
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            if (r < mr) {
                VEC z0 = acc0[r], z1 = acc1[r];
                if (bias) { z0 = z0 + b0; z1 = z1 + b1; }
                FN(store)(c + r * ldc, z0);
                FN(store)(c + r * ldc + VL, z1);
                if (outp) {
                    T *o = outp + (ptrdiff_t)(i0 + r) * e->ldo + j0;
                    __typeof__(z0 > z0) on0 = ge ? (z0 >= zero) : (z0 > zero);
                    __typeof__(z0 > z0) on1 = ge ? (z1 >= zero) : (z1 > zero);
                    FN(store)(o, on0 ? pos * z0 : (negzero ? zero : neg * z0));
                    FN(store)(o + VL, on1 ? pos * z1 : (negzero ? zero : neg * z1));
                }
            }
        }
    } else {
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            if (r < mr) {
                VEC z0 = acc0[r], z1 = acc1[r];
                FN(store)(c + r * ldc, z0);
                FN(store)(c + r * ldc + VL, z1);
                if (outp) {
                    const T *mk = mask + (ptrdiff_t)(i0 + r) * e->ldm + j0;
                    T *o = outp + (ptrdiff_t)(i0 + r) * e->ldo + j0;
                    VEC m0 = FN(load)(mk), m1 = FN(load)(mk + VL);
                    __typeof__(z0 > z0) on0 = ge ? (m0 >= zero) : (m0 > zero);
                    __typeof__(z0 > z0) on1 = ge ? (m1 >= zero) : (m1 > zero);
                    FN(store)(o, z0 * (on0 ? pos : neg));
                    FN(store)(o + VL, z1 * (on1 ? pos : neg));
                }
            }
        }
    }
}

// The tile for a run-time mr: one specialised copy per row count.
// `e` (NULL: plain store) is applied on the registers; i0, j0 place the tile in C.
static void FN(tile_mr)(int mr, int pa, int kc, const T *a, ptrdiff_t rsa, ptrdiff_t csa, const T *bp,
                        ptrdiff_t ldp, T *c, ptrdiff_t ldc, int load, const ck_epilogue *e, int i0, int j0) {
    switch (mr * 2 + !!pa) {
#define CASE(n)                                                                                              \
    case 2 * n: FN(tile)(n, 0, kc, a, rsa, csa, bp, ldp, c, ldc, load, e, i0, j0); break;                   \
    case 2 * n + 1: FN(tile)(n, 1, kc, a, rsa, csa, bp, ldp, c, ldc, load, e, i0, j0); break;
    CASE(1) CASE(2) CASE(3) CASE(4)
#if MR > 4
    CASE(5) CASE(6)
#endif
#if MR > 6
    CASE(7) CASE(8)
#endif
#if MR > 8
    CASE(9) CASE(10) CASE(11) CASE(12)
#endif
#undef CASE
    default: break;
    }
}

// The epilogue over a finished region rows × cols of C (row i0, column j0).
static void FN(epilogue)(const ck_epilogue *e, int rows, int cols, int i0, int j0, T *c, ptrdiff_t ldc) {
    if (!e || e->kind == CK_STORE) return;
    const T pos = (T)e->pos, neg = (T)e->neg;
    const int ge = e->ge;
    for (int r = 0; r < rows; r++) {
        T *cr = c + (ptrdiff_t)(i0 + r) * ldc + j0;
        T *out = e->out ? (T *)e->out + (ptrdiff_t)(i0 + r) * e->ldo + j0 : 0;
        if (e->kind == CK_FORWARD) {
            const T *bias = e->bias ? (const T *)e->bias + j0 : 0;
            int j = 0;
            for (; j + VL <= cols; j += VL) {
                VEC z = FN(load)(cr + j);
                if (bias) { z = z + FN(load)(bias + j); FN(store)(cr + j, z); }
                if (out) {
                    __typeof__(z > z) on = ge ? (z >= (VEC)0) : (z > (VEC)0);
                    VEC h = on ? (VEC)pos * z : (neg == 0 ? (VEC)0 : (VEC)neg * z);
                    FN(store)(out + j, h);
                }
            }
            for (; j < cols; j++) {
                T z = cr[j];
                if (bias) { z = z + bias[j]; cr[j] = z; }
                if (out) out[j] = FN(phi1)(z, pos, neg, ge);
            }
        } else if (out) {
            const T *mask = (const T *)e->mask + (ptrdiff_t)(i0 + r) * e->ldm + j0;
            int j = 0;
            for (; j + VL <= cols; j += VL) {
                VEC z = FN(load)(cr + j), m = FN(load)(mask + j);
                VEC s = ge ? (m >= (VEC)0 ? (VEC)pos : (VEC)neg) : (m > (VEC)0 ? (VEC)pos : (VEC)neg);
                FN(store)(out + j, z * s);
            }
            for (; j < cols; j++) out[j] = cr[j] * FN(slope1)(mask[j], pos, neg, ge);
        }
    }
}

// A's rows i0 … i0 + mc, columns 0 … kc packed into micro-panels of MR rows:
// panel p holds A(p·MR + r, k) at out[p·MR·kc + k·MR + r], zero past mc.
static void FN(pack_a)(int mc, int kc, const T *a, ptrdiff_t rsa, ptrdiff_t csa, T *out) {
    if (rsa == 1) {
        // Columns of A contiguous (A = dZᵀ): row k of dZ is read once, in order.
        for (int k = 0; k < kc; k++) {
            const T *ak = a + k * csa;
            int p0 = 0;
            for (; p0 + MR <= mc; p0 += MR) __builtin_memcpy(out + (ptrdiff_t)p0 * kc + k * MR, ak + p0, MR * sizeof(T));
            if (p0 < mc)
                for (int r = 0; r < MR; r++) out[(ptrdiff_t)p0 * kc + k * MR + r] = p0 + r < mc ? ak[p0 + r] : 0;
        }
        return;
    }
    for (int p0 = 0; p0 < mc; p0 += MR) {
        int mr = mc - p0 < MR ? mc - p0 : MR;
        const T *ap = a + p0 * rsa;
        T *o = out + (ptrdiff_t)p0 * kc;
        if (mr == MR && csa == 1) {
            for (int k = 0; k < kc; k++)
#pragma clang loop unroll(full)
                for (int r = 0; r < MR; r++) o[k * MR + r] = ap[r * rsa + k];
        } else {
            for (int k = 0; k < kc; k++)
                for (int r = 0; r < MR; r++) o[k * MR + r] = r < mr ? ap[r * rsa + k * csa] : 0;
        }
    }
}

// Rows of A packed per block (MC × KC entries, about a third of L2), per thread, grown on demand.
#define MC ((int)((196608 / (KC * (int)sizeof(T))) / MR * MR))
static _Thread_local T *FN(apack_buf);

static T *FN(apack_buffer)(void) {
    if (!FN(apack_buf)) {
        FN(apack_buf) = (T *)aligned_alloc(64, sizeof(T) * (size_t)MC * KC);
        if (!FN(apack_buf)) abort();
    }
    return FN(apack_buf);
}

// The tiles of rows 0 … M of one block, all against one panel of B
// (columns j0 … j0 + nr); A packed (pa) or in place.
static void FN(panel)(int M, int nr, int kc, int load, const ck_epilogue *epi, int pa, const T *a, ptrdiff_t rsa,
                      ptrdiff_t csa, const T *panel, ptrdiff_t pld, T *c, ptrdiff_t ldc, int ib, int j0) {
    T tmp[MR * NR];
    for (int i0 = 0; i0 < M; i0 += MR) {
        int mr = M - i0 < MR ? M - i0 : MR;
        const T *ai = pa ? a + (ptrdiff_t)i0 * kc : a + i0 * rsa;
        T *ci = c + (ptrdiff_t)i0 * ldc + j0;
        // The next tile's rows of C, on their way while this one computes
        // (a short-K product, e.g. K = 32, is bound by C's cache misses).
        for (int r = i0 + MR; r < M && r < i0 + 2 * MR; r++)
            for (int j = 0; j < NR * (int)sizeof(T); j += 64) __builtin_prefetch((char *)(c + (ptrdiff_t)r * ldc + j0) + j, 1, 3);
        if (nr == NR) {
            FN(tile_mr)(mr, pa, kc, ai, rsa, csa, panel, pld, ci, ldc, load, epi, ib + i0, j0);
        } else {
            // A partial tile runs on a full-width copy (B is zero padded).
            for (int r = 0; r < mr; r++)
                for (int j = 0; j < NR; j++) tmp[r * NR + j] = load && j < nr ? ci[r * ldc + j] : 0;
            FN(tile_mr)(mr, pa, kc, ai, rsa, csa, panel, pld, tmp, NR, load, 0, 0, 0);
            for (int r = 0; r < mr; r++)
                for (int j = 0; j < nr; j++) ci[r * ldc + j] = tmp[r * NR + j];
            if (epi) FN(epilogue)(epi, mr, nr, ib + i0, j0, c - (ptrdiff_t)ib * ldc, ldc);
        }
    }
}

// Whether a block packs A: when its rows are contiguous (A = H or dZ), it
// serves at least 16 panels of B (so the copy is paid back), and a tile's
// rows of A (MR × kc) would not fit in L1 next to a panel of B (kc × NR):
// float64 on AVX-512, e.g. W1's 512-wide layers. Else the tiles read A in
// place, overlapping those reads with their fmas (measured faster for fewer
// panels, short K and a transposed A, dZᵀ). Which rows of C a tile computes
// never changes an entry's chain, so neither does this choice.
static int FN(packs_a)(int N, int kc, ptrdiff_t csa) {
    return csa == 1 && N >= 16 * NR && MR * kc * (int)sizeof(T) > 16384;
}

// One block of kc rows of B against A's columns pc … pc + kc. B is packed
// (panels kc × NR, ldp = 0), or used in place (row stride ldp; N a
// multiple of NR, so no panel needs padding). A packed MC rows at a time
// (FN(packs_a)) serves every panel of B from L2, each panel of B staying
// in L1 for all of A's micro-panels.
static void FN(block)(int M, int N, int kc, int load, int last, const T *a, ptrdiff_t rsa, ptrdiff_t csa,
                      const T *bp, ptrdiff_t ldp, T *c, ptrdiff_t ldc, const ck_epilogue *epi) {
    const ck_epilogue *e = last ? epi : 0;
    ptrdiff_t pld = ldp ? ldp : NR;
    if (!FN(packs_a)(N, kc, csa)) {
        for (int j0 = 0; j0 < N; j0 += NR) {
            int nr = N - j0 < NR ? N - j0 : NR;
            const T *panel = ldp ? bp + j0 : bp + (ptrdiff_t)j0 * kc;
            FN(panel)(M, nr, kc, load, e, 0, a, rsa, csa, panel, pld, c, ldc, 0, j0);
        }
        return;
    }
    T *ap = FN(apack_buffer)();
    for (int ib = 0; ib < M; ib += MC) {
        int mc = M - ib < MC ? M - ib : MC;
        FN(pack_a)(mc, kc, a + ib * rsa, rsa, csa, ap);
        for (int j0 = 0; j0 < N; j0 += NR) {
            int nr = N - j0 < NR ? N - j0 : NR;
            const T *panel = ldp ? bp + j0 : bp + (ptrdiff_t)j0 * kc;
            FN(panel)(mc, nr, kc, load, e, 1, ap, 0, 0, panel, pld, c + (ptrdiff_t)ib * ldc, ldc, ib, j0);
        }
    }
}

static int FN(trivial)(int M, int N, int K, T *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi) {
    if (M <= 0 || N <= 0) return 1;
    if (K > 0) return 0;
    if (!accumulate)
        for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) c[(ptrdiff_t)i * ldc + j] = 0;
    FN(epilogue)(epi, M, N, 0, 0, c, ldc);
    return 1;
}

static void FN(gemm)(int M, int N, int K, const T *a, ptrdiff_t rsa, ptrdiff_t csa, const T *b, ptrdiff_t rsb,
                     ptrdiff_t csb, T *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi);

// C = A·B with few columns and many rows, computed as Cᵀ = Bᵀ·Aᵀ (the same
// chains: fma is symmetric in its factors) so that the tiles are full.
static _Thread_local T *FN(tbuf);
static _Thread_local ptrdiff_t FN(tcap);

static int FN(transposed)(int M, int N, int K, const T *a, ptrdiff_t rsa, ptrdiff_t csa, const T *b,
                          ptrdiff_t rsb, ptrdiff_t csb, T *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi) {
    if (N * 2 > NR || M < NR || (epi && epi->kind != CK_STORE)) return 0;
    ptrdiff_t need = (ptrdiff_t)N * M;
    if (need > FN(tcap)) {
        free(FN(tbuf));
        FN(tbuf) = (T *)aligned_alloc(64, sizeof(T) * (size_t)((need + 15) / 16 * 16));
        if (!FN(tbuf)) abort();
        FN(tcap) = need;
    }
    T *t = FN(tbuf);
    if (accumulate)
        for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) t[(ptrdiff_t)j * M + i] = c[(ptrdiff_t)i * ldc + j];
    FN(gemm)(N, M, K, b, csb, rsb, a, csa, rsa, t, M, accumulate, 0);
    for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) c[(ptrdiff_t)i * ldc + j] = t[(ptrdiff_t)j * M + i];
    return 1;
}

static void FN(gemm)(int M, int N, int K, const T *a, ptrdiff_t rsa, ptrdiff_t csa, const T *b, ptrdiff_t rsb,
                     ptrdiff_t csb, T *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi) {
    if (FN(trivial)(M, N, K, c, ldc, accumulate, epi)) return;
    if (FN(transposed)(M, N, K, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, epi)) return;
    // A small B with whole panels is read in place (it stays in L1); else packed per block.
    if (csb == 1 && N % NR == 0 && (ptrdiff_t)K * rsb * (ptrdiff_t)sizeof(T) <= 32768) {
        for (int pc = 0; pc < K; pc += KC) {
            int kc = K - pc < KC ? K - pc : KC;
            FN(block)(M, N, kc, accumulate || pc > 0, pc + kc == K, a + pc * csa, rsa, csa, b + pc * rsb, rsb, c,
                      ldc, epi);
        }
        return;
    }
    T *bp = FN(block_buffer)(N);
    for (int pc = 0; pc < K; pc += KC) {
        int kc = K - pc < KC ? K - pc : KC;
        FN(pack_block)(kc, N, b + pc * rsb, rsb, csb, bp);
        FN(block)(M, N, kc, accumulate || pc > 0, pc + kc == K, a + pc * csa, rsa, csa, bp, 0, c, ldc, epi);
    }
}

static void FN(gemm_packed)(int M, int N, int K, const T *a, ptrdiff_t rsa, ptrdiff_t csa, const T *packed,
                            T *c, ptrdiff_t ldc, int accumulate, const ck_epilogue *epi) {
    if (FN(trivial)(M, N, K, c, ldc, accumulate, epi)) return;
    for (int pc = 0; pc < K; pc += KC) {
        int kc = K - pc < KC ? K - pc : KC;
        FN(block)(M, N, kc, accumulate || pc > 0, pc + kc == K, a + pc * csa, rsa, csa, packed + pc * FN(npad)(N),
                  0, c, ldc, epi);
    }
}

// Reductions in 16 lanes: lane l sums the entries with index ≡ l (mod 16) in
// order; the lanes are then added by a fixed tree.
static inline __attribute__((always_inline)) T FN(tree16)(V16 s) {
    typedef T V8 __attribute__((ext_vector_type(8)));
    typedef T V4 __attribute__((ext_vector_type(4)));
    V8 s8 = s.lo + s.hi;
    V4 s4 = s8.lo + s8.hi;
    return (s4.x + s4.y) + (s4.z + s4.w);
}

static inline __attribute__((always_inline)) V16 FN(load16_tail)(const T *p, ptrdiff_t n) {
    V16 v = (V16)0;
    __builtin_memcpy(&v, p, (size_t)n * sizeof(T));
    return v;
}

static T FN(dot)(const T *a, const T *b, ptrdiff_t n) {
    V16 s = (V16)0;
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16) s = s + FN(load16)(a + j) * FN(load16)(b + j);
    if (j < n) s = s + FN(load16_tail)(a + j, n - j) * FN(load16_tail)(b + j, n - j);
    return FN(tree16)(s);
}

static double FN(sumsq)(const T *a, ptrdiff_t n) {
    D16 s = (D16)0;
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16) { D16 x = __builtin_convertvector(FN(load16)(a + j), D16); s = s + x * x; }
    if (j < n) { D16 x = __builtin_convertvector(FN(load16_tail)(a + j, n - j), D16); s = s + x * x; }
    typedef double D8 __attribute__((ext_vector_type(8)));
    typedef double D4 __attribute__((ext_vector_type(4)));
    D8 s8 = s.lo + s.hi;
    D4 s4 = s8.lo + s8.hi;
    return (s4.x + s4.y) + (s4.z + s4.w);
}

// Σ (double)(a[j] − b[j])² and Σ (double)a[j]·(double)b[j] (16 lanes in double).
static double FN(tree16d)(D16 s) {
    typedef double D8 __attribute__((ext_vector_type(8)));
    typedef double D4 __attribute__((ext_vector_type(4)));
    D8 s8 = s.lo + s.hi;
    D4 s4 = s8.lo + s8.hi;
    return (s4.x + s4.y) + (s4.z + s4.w);
}

static double FN(distsq)(const T *a, const T *b, ptrdiff_t n) {
    D16 s = (D16)0;
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16) {
        D16 d = __builtin_convertvector(FN(load16)(a + j), D16) - __builtin_convertvector(FN(load16)(b + j), D16);
        s = s + d * d;
    }
    if (j < n) {
        D16 d = __builtin_convertvector(FN(load16_tail)(a + j, n - j), D16) -
                __builtin_convertvector(FN(load16_tail)(b + j, n - j), D16);
        s = s + d * d;
    }
    return FN(tree16d)(s);
}

static double FN(dotd)(const T *a, const T *b, ptrdiff_t n) {
    D16 s = (D16)0;
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16)
        s = s + __builtin_convertvector(FN(load16)(a + j), D16) * __builtin_convertvector(FN(load16)(b + j), D16);
    if (j < n)
        s = s + __builtin_convertvector(FN(load16_tail)(a + j, n - j), D16) *
                    __builtin_convertvector(FN(load16_tail)(b + j, n - j), D16);
    return FN(tree16d)(s);
}

static void FN(colsum)(const T *x, int rows, int cols, ptrdiff_t ld, T *out) {
    int j = 0;
    for (; j + 16 <= cols; j += 16) {
        V16 s = (V16)0;
        for (int i = 0; i < rows; i++) s = s + FN(load16)(x + i * ld + j);
        FN(store16)(out + j, s);
    }
    for (; j < cols; j++) {
        T s = 0;
        for (int i = 0; i < rows; i++) s = s + x[i * ld + j];
        out[j] = s;
    }
}

static void FN(sgd)(T *w, const T *g, ptrdiff_t n, T lr) {
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16) FN(store16)(w + j, FN(load16)(w + j) - (V16)lr * FN(load16)(g + j));
    for (; j < n; j++) w[j] = w[j] - lr * g[j];
}

// f[i] = (h_i · v) + c0 for each row.
static void FN(rowdot)(int rows, int m, const T *h, ptrdiff_t ldh, const T *v, T c0, T *f) {
    for (int i = 0; i < rows; i++) f[i] = FN(dot)(h + i * ldh, v, m) + c0;
}

// dh = d·v[j…] written over h (when dh_into_h) and dz = dh·slope(x) over z
// (when z), for one row's vector at j; hv is h's vector read before.
static inline __attribute__((always_inline)) void FN(outback_vec)(VEC vd, VEC hv, const T *v, T *hi, int dh_into_h,
                                                                 T *zi, T pos, T neg, int ge, int mask_from_h, int j) {
    VEC dh = vd * FN(load)(v + j);
    if (dh_into_h) FN(store)(hi + j, dh);
    if (zi) {
        VEC x = mask_from_h ? hv : FN(load)(zi + j);
        __typeof__(x > x) on = ge ? (x >= (VEC)0) : (x > (VEC)0);
        FN(store)(zi + j, dh * (on ? (VEC)pos : (VEC)neg));
    }
}

// The same for one row's entries j0 … m, one by one.
static void FN(outback_tail)(int j0, int m, T d, T *hi, T *zi, const T *v, T *gv, int dh_into_h, T pos, T neg,
                             int ge, int mask_from_h) {
    for (int j = j0; j < m; j++) {
        T hv = hi[j];
        if (gv) gv[j] = gv[j] + d * hv;
        T dh = d * v[j];
        if (dh_into_h) hi[j] = dh;
        if (zi) zi[j] = dh * FN(slope1)(mask_from_h ? hv : zi[j], pos, neg, ge);
    }
}

// The backward pass through a scalar output f_i = h_i · v, row by row
// (rows ascending): gv[j] += df_i·h_ij (when gv); then dh_ij = df_i·v_j is
// written over h (when dh_into_h) and dz_ij = dh_ij·slope(x_ij) over z (when
// z), x = h when mask_from_h (ReLU: h > 0 exactly where z > 0), else z.
// Four rows at a time share one load and store of gv (still added row
// after row) and one load of v.
static void FN(outback)(int rows, int m, const T *df, T *h, ptrdiff_t ldh, const T *v, T *gv, int dh_into_h,
                        T *z, ptrdiff_t ldz, T pos, T neg, int ge, int mask_from_h) {
    int i = 0;
    for (; i + 4 <= rows; i += 4) {
        T *h0 = h + i * ldh, *h1 = h0 + ldh, *h2 = h1 + ldh, *h3 = h2 + ldh;
        T *z0 = z ? z + i * ldz : 0, *z1 = z ? z0 + ldz : 0, *z2 = z ? z1 + ldz : 0, *z3 = z ? z2 + ldz : 0;
        const VEC d0 = (VEC)df[i], d1 = (VEC)df[i + 1], d2 = (VEC)df[i + 2], d3 = (VEC)df[i + 3];
        int j = 0;
        for (; j + VL <= m; j += VL) {
            VEC x0 = FN(load)(h0 + j), x1 = FN(load)(h1 + j), x2 = FN(load)(h2 + j), x3 = FN(load)(h3 + j);
            if (gv) FN(store)(gv + j, (((FN(load)(gv + j) + d0 * x0) + d1 * x1) + d2 * x2) + d3 * x3);
            FN(outback_vec)(d0, x0, v, h0, dh_into_h, z0, pos, neg, ge, mask_from_h, j);
            FN(outback_vec)(d1, x1, v, h1, dh_into_h, z1, pos, neg, ge, mask_from_h, j);
            FN(outback_vec)(d2, x2, v, h2, dh_into_h, z2, pos, neg, ge, mask_from_h, j);
            FN(outback_vec)(d3, x3, v, h3, dh_into_h, z3, pos, neg, ge, mask_from_h, j);
        }
        for (int r = 0; r < 4; r++)
            FN(outback_tail)(j, m, df[i + r], h + (i + r) * ldh, z ? z + (i + r) * ldz : 0, v, gv, dh_into_h, pos, neg,
                             ge, mask_from_h);
    }
    for (; i < rows; i++) {
        const T d = df[i];
        T *hi = h + i * ldh;
        T *zi = z ? z + i * ldz : 0;
        int j = 0;
        for (; j + VL <= m; j += VL) {
            VEC vd = (VEC)d, hv = FN(load)(hi + j);
            if (gv) FN(store)(gv + j, FN(load)(gv + j) + vd * hv);
            FN(outback_vec)(vd, hv, v, hi, dh_into_h, zi, pos, neg, ge, mask_from_h, j);
        }
        FN(outback_tail)(j, m, d, hi, zi, v, gv, dh_into_h, pos, neg, ge, mask_from_h);
    }
}

// FMA throughput: 12 independent chains of vector fmas.
static double FN(fma_peak)(double seconds) {
    VEC acc[12];
    VEC m = (VEC)(T)0.999999, add = (VEC)(T)1e-7;
    for (int i = 0; i < 12; i++) acc[i] = (VEC)(T)(i + 1);
    long iters = 0;
    double start = ck_thread_seconds(), elapsed = 0;
    while (elapsed < seconds) {
        for (int rep = 0; rep < 100000; rep++) {
#pragma clang loop unroll(full)
            for (int i = 0; i < 12; i++) acc[i] = __builtin_elementwise_fma(acc[i], m, add);
        }
        iters += 100000;
        elapsed = ck_thread_seconds() - start;
    }
    VEC s = (VEC)0;
    for (int i = 0; i < 12; i++) s = s + acc[i];
    ck_sink += (double)s[0];
    return 2.0 * VL * 12 * (double)iters / elapsed / 1e9;
}

#undef VEC
#undef V16
#undef D16
#undef VL
#undef NR
#undef KC
#undef MC
#undef FN
#undef CAT3
#undef CAT3_
