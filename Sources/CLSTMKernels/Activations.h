// Coefficients of the Float tanh shared by every level of the cell kernels (private header).
//
// tanh(x) ≈ x·P(x²)/Q(x²), the [13/6] odd/even rational minimax approximation used by Eigen
// (`generic_fast_tanh_float`, Eigen/src/Core/MathFunctionsImpl.h), on x clamped to
// ±7.90531110763549805, where tanh rounds to ±1 in Float. P has degree 6 in x², Q degree 3.
//
// σ(x) = ½ + ½·tanh(x/2). For y = x/2 the rational is y·P(y²)/Q(y²), and ½·y·P(y²) =
// x·P̃(x²) with P̃ᵢ = Pᵢ/4^(i+1), Q(y²) = Q̃(x²) with Q̃ᵢ = Qᵢ/4ⁱ: the scale factors are powers
// of two, so the folded form costs two multiplications less and is exact in the scaling.
#ifndef HEADROOM_LSTM_ACTIVATIONS_H
#define HEADROOM_LSTM_ACTIVATIONS_H

#define HR_TANH_BOUND 7.90531110763549805f
#define HR_P6 (-2.76076847742355e-16f)
#define HR_P5 2.00018790482477e-13f
#define HR_P4 (-8.60467152213735e-11f)
#define HR_P3 5.12229709037114e-08f
#define HR_P2 1.48572235717979e-05f
#define HR_P1 6.37261928875436e-04f
#define HR_P0 4.89352455891786e-03f
#define HR_Q3 1.19825839466702e-06f
#define HR_Q2 1.18534705686654e-04f
#define HR_Q1 2.26843463243900e-03f
#define HR_Q0 4.89352518554385e-03f

#define HR_SIG_BOUND (2 * HR_TANH_BOUND)
#define HR_SP6 (HR_P6 / 16384)
#define HR_SP5 (HR_P5 / 4096)
#define HR_SP4 (HR_P4 / 1024)
#define HR_SP3 (HR_P3 / 256)
#define HR_SP2 (HR_P2 / 64)
#define HR_SP1 (HR_P1 / 16)
#define HR_SP0 (HR_P0 / 4)
#define HR_SQ3 (HR_Q3 / 64)
#define HR_SQ2 (HR_Q2 / 16)
#define HR_SQ1 (HR_Q1 / 4)
#define HR_SQ0 HR_Q0

#endif
