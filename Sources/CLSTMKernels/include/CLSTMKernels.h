// The elementwise halves of the LSTM step (Float), and the training loop's other
// elementwise passes (the bias pre-fill, Adam), in C so that the x86-64 build can carry
// AVX2+FMA and AVX-512 versions beside the baseline one and pick at run time: Swift has no
// per-function target attributes, and its default target is baseline x86-64 (SSE2).
// No matrix product lives here: those are OpenBLAS calls (Forecast's Matrix+BLAS.swift).
//
// Formulas, one batch row (H wide) at a time, gate rows [i ‖ f ‖ g ‖ o] (PyTorch's order):
//
//   forward   gates ← [σ(z_i) ‖ σ(z_f) ‖ tanh(z_g) ‖ σ(z_o)]   (z: pre-activations, biases included)
//             c ← f ⊙ c_prev + i ⊙ g,   tanh_c ← tanh(c),   h ← o ⊙ tanh_c
//   backward  dc ← dc + dh ⊙ o ⊙ (1 − tanh_c²)
//             dz ← [dc⊙g⊙i(1−i) ‖ dc⊙c_prev⊙f(1−f) ‖ dc⊙i⊙(1−g²) ‖ dh⊙tanh_c⊙o(1−o)]
//             bias_gradient += dz,   dc ← dc ⊙ f
//
// tanh is the [13/6] rational minimax approximation of Eigen (`generic_fast_tanh_float`) on
// x clamped to ±7.90531110763549805, σ(x) = ½ + ½·tanh(x/2); both propagate NaN. Error
// against Double tanh/σ on a sweep of [−20, 20] by 1e-4 (LSTMCellKernelTests checks
// < 4e-7 at every level): tanh 3.3e-7 portable, 2.6e-7 with FMA; σ 2.3e-7 and 1.5e-7.
// ±∞ saturate to within 3e-7 of ±1 (exactly ±1 without FMA).
//
// Layout: rows are consecutive; gates and d_gates rows are 4·hidden apart, c_prev, c,
// tanh_c, dh and dc rows hidden apart, h rows h_stride apart. `c_prev` may be the same
// memory as `c` (the online state updates in place) and `d_gates` the same as `gates` (the
// workspace overwrites activations with their gradients): every element is read before it
// is written. Other arrays must not overlap.
#ifndef HEADROOM_CLSTM_KERNELS_H
#define HEADROOM_CLSTM_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set levels of the kernels. `HEADROOM_LSTM_PORTABLE` is plain C (whatever the
/// compiler makes of it for the baseline target); the others exist on x86-64 only.
typedef enum {
    HEADROOM_LSTM_PORTABLE = 0,
    HEADROOM_LSTM_AVX2_FMA = 1,
    HEADROOM_LSTM_AVX512 = 2,
} headroom_lstm_level;

/// The best level this CPU (and OS) supports: AVX-512F when present, else AVX2 with FMA,
/// else portable. Always portable off x86-64.
headroom_lstm_level headroom_lstm_best_level(void);

/// Whether `level` can run here (portable always can).
int headroom_lstm_level_supported(headroom_lstm_level level);

/// Forward cell update of `rows` rows at `level` (an unsupported level runs portable).
void headroom_lstm_cell_forward(
    headroom_lstm_level level, long rows, long hidden,
    float *gates, const float *c_prev, float *c, float *tanh_c, float *h, long h_stride);

/// Backward cell step of `rows` rows at `level`; `bias_gradient` (4·hidden) accumulates
/// the sum of the rows' dz.
void headroom_lstm_cell_backward(
    headroom_lstm_level level, long rows, long hidden,
    const float *gates, const float *c_prev, const float *tanh_c, const float *dh,
    float *dc, float *d_gates, float *bias_gradient);

/// Copies `row` (`width` values) into each of `rows` consecutive rows at `destination`
/// (the bias pre-fill of the gate pre-activations).
void headroom_fill_rows(headroom_lstm_level level, float *destination, const float *row, long width, long rows);

/// One Adam step over `count` parameters (LSTMAdam.swift has the formula): the same
/// operations in the same order per element at every level (no FMA contraction; IEEE
/// square root and division), so the result does not depend on the level.
void headroom_adam_update(
    headroom_lstm_level level, float *parameters, const float *gradient, float *m, float *v, long count,
    float b1, float b2, float eps, float step_size, float inverse_root_correction2);

/// Asks the CPU to start loading the cache lines of [start, start + bytes) (no effect on
/// any value). The minibatch gather calls it for every window before copying any, so the
/// windows' cache misses overlap instead of coming one after another.
void headroom_prefetch(const void *start, long bytes);

#ifdef __cplusplus
}
#endif

#endif
