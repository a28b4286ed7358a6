// The cell kernels over LANES-wide vectors, instantiated once per instruction set by
// CellKernels.c (private header; included with the vector type, the operations and the
// name suffix defined, inside a `#pragma clang attribute` block that sets the target).
//
// Required: VEC, LANES, V_LOAD(p), V_STORE(p, v), V_SET1(x), V_ADD, V_SUB, V_MUL, V_DIV, V_SQRT,
// V_FMA(a, b, c) = a·b + c, V_FNMA(a, b, c) = c − a·b, V_MIN(bound, x) and V_MAX(bound, x)
// returning x when x is NaN (x86's min/max return the second operand then), SUFFIX.
// It undefines them at its end.
//
// A row of `hidden` values runs in blocks of LANES; a shorter tail is staged through a
// zero-padded buffer and runs the same block, so every element sees the same operations.

#define HR_CAT_(a, b) a##b
#define HR_CAT(a, b) HR_CAT_(a, b)
#define FN(name) HR_CAT(name, SUFFIX)

static inline VEC FN(hr_tanh_)(VEC x) {
    const VEC bound = V_SET1(HR_TANH_BOUND);
    const VEC xc = V_MAX(V_SUB(V_SET1(0.0f), bound), V_MIN(bound, x));
    const VEC x2 = V_MUL(xc, xc);
    VEC p = V_FMA(x2, V_SET1(HR_P6), V_SET1(HR_P5));
    p = V_FMA(p, x2, V_SET1(HR_P4));
    p = V_FMA(p, x2, V_SET1(HR_P3));
    p = V_FMA(p, x2, V_SET1(HR_P2));
    p = V_FMA(p, x2, V_SET1(HR_P1));
    p = V_FMA(p, x2, V_SET1(HR_P0));
    VEC q = V_FMA(x2, V_SET1(HR_Q3), V_SET1(HR_Q2));
    q = V_FMA(q, x2, V_SET1(HR_Q1));
    q = V_FMA(q, x2, V_SET1(HR_Q0));
    return V_DIV(V_MUL(xc, p), q);
}

static inline VEC FN(hr_sigmoid_)(VEC x) {
    const VEC bound = V_SET1(HR_SIG_BOUND);
    const VEC xc = V_MAX(V_SUB(V_SET1(0.0f), bound), V_MIN(bound, x));
    const VEC x2 = V_MUL(xc, xc);
    VEC p = V_FMA(x2, V_SET1(HR_SP6), V_SET1(HR_SP5));
    p = V_FMA(p, x2, V_SET1(HR_SP4));
    p = V_FMA(p, x2, V_SET1(HR_SP3));
    p = V_FMA(p, x2, V_SET1(HR_SP2));
    p = V_FMA(p, x2, V_SET1(HR_SP1));
    p = V_FMA(p, x2, V_SET1(HR_SP0));
    VEC q = V_FMA(x2, V_SET1(HR_SQ3), V_SET1(HR_SQ2));
    q = V_FMA(q, x2, V_SET1(HR_SQ1));
    q = V_FMA(q, x2, V_SET1(HR_SQ0));
    return V_ADD(V_DIV(V_MUL(xc, p), q), V_SET1(0.5f));
}

static inline void FN(hr_forward_block_)(
    float *gi, float *gf, float *gg, float *go, const float *cp, float *c, float *tc, float *h) {
    const VEC i = FN(hr_sigmoid_)(V_LOAD(gi));
    const VEC f = FN(hr_sigmoid_)(V_LOAD(gf));
    const VEC g = FN(hr_tanh_)(V_LOAD(gg));
    const VEC o = FN(hr_sigmoid_)(V_LOAD(go));
    const VEC cell = V_FMA(f, V_LOAD(cp), V_MUL(i, g));
    const VEC t = FN(hr_tanh_)(cell);
    V_STORE(gi, i);
    V_STORE(gf, f);
    V_STORE(gg, g);
    V_STORE(go, o);
    V_STORE(c, cell);
    V_STORE(tc, t);
    V_STORE(h, V_MUL(o, t));
}

static void FN(hr_forward_rows_)(
    long rows, long hidden, float *gates, const float *c_prev, float *c, float *tanh_c, float *h, long h_stride) {
    for (long r = 0; r < rows; r++) {
        float *gi = gates + r * 4 * hidden, *gf = gi + hidden, *gg = gi + 2 * hidden, *go = gi + 3 * hidden;
        const float *cp = c_prev + r * hidden;
        float *cr = c + r * hidden, *tr = tanh_c + r * hidden, *hr = h + r * h_stride;
        long j = 0;
        for (; j + LANES <= hidden; j += LANES) {
            FN(hr_forward_block_)(gi + j, gf + j, gg + j, go + j, cp + j, cr + j, tr + j, hr + j);
        }
        if (j < hidden) {
            const long n = hidden - j;
            float s[8][LANES] = {{0}};
            for (long k = 0; k < n; k++) {
                s[0][k] = gi[j + k]; s[1][k] = gf[j + k]; s[2][k] = gg[j + k]; s[3][k] = go[j + k]; s[4][k] = cp[j + k];
            }
            FN(hr_forward_block_)(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
            for (long k = 0; k < n; k++) {
                gi[j + k] = s[0][k]; gf[j + k] = s[1][k]; gg[j + k] = s[2][k]; go[j + k] = s[3][k];
                cr[j + k] = s[5][k]; tr[j + k] = s[6][k]; hr[j + k] = s[7][k];
            }
        }
    }
}

static inline void FN(hr_backward_block_)(
    const float *gi, const float *gf, const float *gg, const float *go, const float *cp, const float *tcp,
    const float *dhp, float *dcp, float *di, float *df, float *dg, float *dO,
    float *bi, float *bf, float *bg, float *bo) {
    const VEC one = V_SET1(1.0f);
    const VEC i = V_LOAD(gi), f = V_LOAD(gf), g = V_LOAD(gg), o = V_LOAD(go);
    const VEC tc = V_LOAD(tcp), dh = V_LOAD(dhp);
    const VEC dc = V_FMA(V_MUL(dh, o), V_FNMA(tc, tc, one), V_LOAD(dcp));
    const VEC zi = V_MUL(V_MUL(dc, g), V_FNMA(i, i, i));
    const VEC zf = V_MUL(V_MUL(dc, V_LOAD(cp)), V_FNMA(f, f, f));
    const VEC zg = V_MUL(V_MUL(dc, i), V_FNMA(g, g, one));
    const VEC zo = V_MUL(V_MUL(dh, tc), V_FNMA(o, o, o));
    V_STORE(di, zi);
    V_STORE(df, zf);
    V_STORE(dg, zg);
    V_STORE(dO, zo);
    V_STORE(bi, V_ADD(V_LOAD(bi), zi));
    V_STORE(bf, V_ADD(V_LOAD(bf), zf));
    V_STORE(bg, V_ADD(V_LOAD(bg), zg));
    V_STORE(bo, V_ADD(V_LOAD(bo), zo));
    V_STORE(dcp, V_MUL(dc, f));
}

static void FN(hr_backward_rows_)(
    long rows, long hidden, const float *gates, const float *c_prev, const float *tanh_c, const float *dh,
    float *dc, float *d_gates, float *bias_gradient) {
    float *bi = bias_gradient, *bf = bi + hidden, *bg = bi + 2 * hidden, *bo = bi + 3 * hidden;
    for (long r = 0; r < rows; r++) {
        const float *gi = gates + r * 4 * hidden, *gf = gi + hidden, *gg = gi + 2 * hidden, *go = gi + 3 * hidden;
        float *di = d_gates + r * 4 * hidden, *df = di + hidden, *dg = di + 2 * hidden, *dO = di + 3 * hidden;
        const float *cp = c_prev + r * hidden, *tc = tanh_c + r * hidden, *dhr = dh + r * hidden;
        float *dcr = dc + r * hidden;
        long j = 0;
        for (; j + LANES <= hidden; j += LANES) {
            FN(hr_backward_block_)(gi + j, gf + j, gg + j, go + j, cp + j, tc + j, dhr + j, dcr + j,
                                   di + j, df + j, dg + j, dO + j, bi + j, bf + j, bg + j, bo + j);
        }
        if (j < hidden) {
            const long n = hidden - j;
            float s[16][LANES] = {{0}};
            for (long k = 0; k < n; k++) {
                s[0][k] = gi[j + k]; s[1][k] = gf[j + k]; s[2][k] = gg[j + k]; s[3][k] = go[j + k];
                s[4][k] = cp[j + k]; s[5][k] = tc[j + k]; s[6][k] = dhr[j + k]; s[7][k] = dcr[j + k];
                s[12][k] = bi[j + k]; s[13][k] = bf[j + k]; s[14][k] = bg[j + k]; s[15][k] = bo[j + k];
            }
            FN(hr_backward_block_)(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
                                   s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15]);
            for (long k = 0; k < n; k++) {
                dcr[j + k] = s[7][k];
                di[j + k] = s[8][k]; df[j + k] = s[9][k]; dg[j + k] = s[10][k]; dO[j + k] = s[11][k];
                bi[j + k] = s[12][k]; bf[j + k] = s[13][k]; bg[j + k] = s[14][k]; bo[j + k] = s[15][k];
            }
        }
    }
}

/// Copies `row` (width values) into each of `rows` consecutive rows at `destination`: the
/// row is read from L1 on every pass, so this is one stream of stores.
static void FN(hr_fill_rows_)(float *destination, const float *row, long width, long rows) {
    for (long r = 0; r < rows; r++) {
        float *out = destination + r * width;
        long j = 0;
        for (; j + LANES <= width; j += LANES) V_STORE(out + j, V_LOAD(row + j));
        for (; j < width; j++) out[j] = row[j];
    }
}

/// Adam over `count` parameters, the operations of LSTMAdam.swift in the same order per
/// element with no contraction into FMAs, so every level gives the same bits:
///   m ← b1·m + (1 − b1)·g,   v ← b2·v + ((1 − b2)·g)·g,
///   θ ← θ − (step_size·m) / (√v·inverse_root_correction2 + eps).
static void FN(hr_adam_)(float *parameters, const float *gradient, float *m, float *v, long count,
                         float b1, float b2, float eps, float step_size, float inverse_root_correction2) {
#pragma clang fp contract(off)
    const float c1 = 1 - b1, c2 = 1 - b2;
    const VEC vb1 = V_SET1(b1), vb2 = V_SET1(b2), vc1 = V_SET1(c1), vc2 = V_SET1(c2), veps = V_SET1(eps);
    const VEC vstep = V_SET1(step_size), virc = V_SET1(inverse_root_correction2);
    long i = 0;
    for (; i + LANES <= count; i += LANES) {
        const VEC g = V_LOAD(gradient + i);
        const VEC mi = V_ADD(V_MUL(vb1, V_LOAD(m + i)), V_MUL(vc1, g));
        const VEC vi = V_ADD(V_MUL(vb2, V_LOAD(v + i)), V_MUL(V_MUL(vc2, g), g));
        V_STORE(m + i, mi);
        V_STORE(v + i, vi);
        const VEC denominator = V_ADD(V_MUL(V_SQRT(vi), virc), veps);
        V_STORE(parameters + i, V_SUB(V_LOAD(parameters + i), V_DIV(V_MUL(vstep, mi), denominator)));
    }
    for (; i < count; i++) {
        const float g = gradient[i];
        const float mi = b1 * m[i] + c1 * g;
        const float vi = b2 * v[i] + c2 * g * g;
        m[i] = mi;
        v[i] = vi;
        parameters[i] -= step_size * mi / (__builtin_sqrtf(vi) * inverse_root_correction2 + eps);
    }
}

#undef FN
// The parameters, so the next instruction set can define its own.
#undef VEC
#undef LANES
#undef SUFFIX
#undef V_LOAD
#undef V_STORE
#undef V_SET1
#undef V_ADD
#undef V_SUB
#undef V_MUL
#undef V_DIV
#undef V_SQRT
#undef V_FMA
#undef V_FNMA
#undef V_MIN
#undef V_MAX
