// The LSTM kernels (CLSTMKernels.h): one portable instantiation of CellSIMD.h over
// 8-lane compiler vectors, and on x86-64 an AVX2+FMA one (8 lanes) and an AVX-512F one (16 lanes),
// each compiled for its instruction set through a function attribute, so the binary still
// runs on a baseline x86-64 CPU. Chosen at run time with `__builtin_cpu_supports`, which
// also checks that the OS saves the wider registers.
#include "CLSTMKernels.h"
#include "Activations.h"

// MARK: portable: 8 lanes of the compiler's generic vectors (two SSE2 registers on baseline
// x86-64, two NEON registers on aarch64; a plain scalar loop over the same formulas was 7×
// slower, clang does not vectorise it). The clamps are selects on comparison masks, so NaN
// passes through them as it does through x86's min/max.

// The helpers pass 32-byte vectors by value, which on baseline x86-64 draws -Wpsabi ("changes
// the ABI"); they are all `static` and inlined, so no call crosses an ABI boundary.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"

typedef float hr_v8f __attribute__((vector_size(32)));
typedef int hr_v8i __attribute__((vector_size(32)));

static inline hr_v8f hr_load_portable(const float *p) {
    hr_v8f v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline void hr_store_portable(float *p, hr_v8f v) { __builtin_memcpy(p, &v, sizeof v); }

/// `mask ? a : b` lane by lane (mask lanes are all ones or all zeros).
static inline hr_v8f hr_select_portable(hr_v8i mask, hr_v8f a, hr_v8f b) {
    return (hr_v8f)((mask & (hr_v8i)a) | (~mask & (hr_v8i)b));
}

#define VEC hr_v8f
#define LANES 8
#define SUFFIX portable
#define V_LOAD(p) hr_load_portable(p)
#define V_STORE(p, v) hr_store_portable((p), (v))
#define V_SET1(x) ((hr_v8f){0} + (x))
#define V_ADD(a, b) ((a) + (b))
#define V_SUB(a, b) ((a) - (b))
#define V_MUL(a, b) ((a) * (b))
#define V_DIV(a, b) ((a) / (b))
#define V_SQRT(a) __builtin_elementwise_sqrt(a)
#define V_FMA(a, b, c) ((a) * (b) + (c))
#define V_FNMA(a, b, c) ((c) - (a) * (b))
#define V_MIN(bound, x) hr_select_portable((x) > (bound), (bound), (x))
#define V_MAX(bound, x) hr_select_portable((x) < (bound), (bound), (x))
#include "CellSIMD.h"
#pragma clang diagnostic pop

#if defined(__x86_64__)
#include <immintrin.h>

// MARK: AVX2 + FMA, 8 lanes

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define VEC __m256
#define LANES 8
#define SUFFIX avx2
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps((p), (v))
#define V_SET1(x) _mm256_set1_ps(x)
#define V_ADD _mm256_add_ps
#define V_SUB _mm256_sub_ps
#define V_MUL _mm256_mul_ps
#define V_DIV _mm256_div_ps
#define V_SQRT _mm256_sqrt_ps
#define V_FMA _mm256_fmadd_ps
#define V_FNMA _mm256_fnmadd_ps
#define V_MIN _mm256_min_ps
#define V_MAX _mm256_max_ps
#include "CellSIMD.h"
#pragma clang attribute pop

// MARK: AVX-512F, 16 lanes

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#define VEC __m512
#define LANES 16
#define SUFFIX avx512
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps((p), (v))
#define V_SET1(x) _mm512_set1_ps(x)
#define V_ADD _mm512_add_ps
#define V_SUB _mm512_sub_ps
#define V_MUL _mm512_mul_ps
#define V_DIV _mm512_div_ps
#define V_SQRT _mm512_sqrt_ps
#define V_FMA _mm512_fmadd_ps
#define V_FNMA _mm512_fnmadd_ps
#define V_MIN _mm512_min_ps
#define V_MAX _mm512_max_ps
#include "CellSIMD.h"
#pragma clang attribute pop
#endif

// MARK: dispatch

int headroom_lstm_level_supported(headroom_lstm_level level) {
    switch (level) {
    case HEADROOM_LSTM_PORTABLE:
        return 1;
#if defined(__x86_64__)
    case HEADROOM_LSTM_AVX2_FMA:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case HEADROOM_LSTM_AVX512:
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return 0;
    }
}

headroom_lstm_level headroom_lstm_best_level(void) {
    if (headroom_lstm_level_supported(HEADROOM_LSTM_AVX512)) return HEADROOM_LSTM_AVX512;
    if (headroom_lstm_level_supported(HEADROOM_LSTM_AVX2_FMA)) return HEADROOM_LSTM_AVX2_FMA;
    return HEADROOM_LSTM_PORTABLE;
}

void headroom_lstm_cell_forward(
    headroom_lstm_level level, long rows, long hidden,
    float *gates, const float *c_prev, float *c, float *tanh_c, float *h, long h_stride) {
#if defined(__x86_64__)
    if (level == HEADROOM_LSTM_AVX512 && headroom_lstm_level_supported(level)) {
        hr_forward_rows_avx512(rows, hidden, gates, c_prev, c, tanh_c, h, h_stride);
        return;
    }
    if (level == HEADROOM_LSTM_AVX2_FMA && headroom_lstm_level_supported(level)) {
        hr_forward_rows_avx2(rows, hidden, gates, c_prev, c, tanh_c, h, h_stride);
        return;
    }
#endif
    (void)level;
    hr_forward_rows_portable(rows, hidden, gates, c_prev, c, tanh_c, h, h_stride);
}

void headroom_lstm_cell_backward(
    headroom_lstm_level level, long rows, long hidden,
    const float *gates, const float *c_prev, const float *tanh_c, const float *dh,
    float *dc, float *d_gates, float *bias_gradient) {
#if defined(__x86_64__)
    if (level == HEADROOM_LSTM_AVX512 && headroom_lstm_level_supported(level)) {
        hr_backward_rows_avx512(rows, hidden, gates, c_prev, tanh_c, dh, dc, d_gates, bias_gradient);
        return;
    }
    if (level == HEADROOM_LSTM_AVX2_FMA && headroom_lstm_level_supported(level)) {
        hr_backward_rows_avx2(rows, hidden, gates, c_prev, tanh_c, dh, dc, d_gates, bias_gradient);
        return;
    }
#endif
    (void)level;
    hr_backward_rows_portable(rows, hidden, gates, c_prev, tanh_c, dh, dc, d_gates, bias_gradient);
}

void headroom_prefetch(const void *start, long bytes) {
    const char *p = (const char *)start;
    for (long offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset, 0, 3);
    if (bytes > 0) __builtin_prefetch(p + bytes - 1, 0, 3);
}

void headroom_fill_rows(headroom_lstm_level level, float *destination, const float *row, long width, long rows) {
#if defined(__x86_64__)
    if (level == HEADROOM_LSTM_AVX512 && headroom_lstm_level_supported(level)) {
        hr_fill_rows_avx512(destination, row, width, rows);
        return;
    }
    if (level == HEADROOM_LSTM_AVX2_FMA && headroom_lstm_level_supported(level)) {
        hr_fill_rows_avx2(destination, row, width, rows);
        return;
    }
#endif
    (void)level;
    hr_fill_rows_portable(destination, row, width, rows);
}

void headroom_adam_update(
    headroom_lstm_level level, float *parameters, const float *gradient, float *m, float *v, long count,
    float b1, float b2, float eps, float step_size, float inverse_root_correction2) {
#if defined(__x86_64__)
    if (level == HEADROOM_LSTM_AVX512 && headroom_lstm_level_supported(level)) {
        hr_adam_avx512(parameters, gradient, m, v, count, b1, b2, eps, step_size, inverse_root_correction2);
        return;
    }
    if (level == HEADROOM_LSTM_AVX2_FMA && headroom_lstm_level_supported(level)) {
        hr_adam_avx2(parameters, gradient, m, v, count, b1, b2, eps, step_size, inverse_root_correction2);
        return;
    }
#endif
    (void)level;
    hr_adam_portable(parameters, gradient, m, v, count, b1, b2, eps, step_size, inverse_root_correction2);
}
