import Foundation

/// A scalar the LSTM kernels run in: `Float` for training and scoring (the C cell kernels,
/// `LSTMScalar+CellKernels.swift`), `Double` as the reference path of the gradient tests
/// (libm's `tanh`/`exp`, so finite differences check the backpropagation algebra itself,
/// not an approximation).
protocol LSTMScalar: BLASScalar {
    /// tanh(x). Float: rational approximation below; Double: libm.
    static func lstmTanh(_ x: Self) -> Self
    /// σ(x) = 1 / (1 + e⁻ˣ) = ½ + ½·tanh(x/2).
    static func lstmSigmoid(_ x: Self) -> Self
    /// softplus(x) = log(1 + eˣ). Float: `fastSoftplus` (no libm, vectorises); Double: libm.
    static func lstmSoftplus(_ x: Self) -> Self
    /// `row` copied into `rows` consecutive rows (`LSTMScalar+CellKernels.swift`).
    static func lstmFillRows(_ destination: UnsafeMutablePointer<Self>, with row: UnsafePointer<Self>, width: Int, rows: Int)
    /// The forward cell update of `rows` batch rows (`LSTMScalar+CellKernels.swift`).
    static func lstmCellForward(
        rows: Int, hidden: Int, gates: UnsafeMutablePointer<Self>, cPrevious: UnsafePointer<Self>,
        c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>, h: UnsafeMutablePointer<Self>, hStride: Int)
    /// The backward cell step of `rows` batch rows (`LSTMScalar+CellKernels.swift`).
    static func lstmCellBackward(
        rows: Int, hidden: Int, gates: UnsafePointer<Self>, cPrevious: UnsafePointer<Self>, tanhC: UnsafePointer<Self>,
        dh: UnsafePointer<Self>, dc: UnsafeMutablePointer<Self>, dGates: UnsafeMutablePointer<Self>,
        biasGradient: UnsafeMutablePointer<Self>)
}

extension Float: LSTMScalar {
    /// tanh(x) as the [13/6] odd/even rational minimax approximation used by Eigen
    /// (`generic_fast_tanh_float`, Eigen/src/Core/MathFunctionsImpl.h), on x clamped to
    /// ±7.90531110763549805 where tanh rounds to ±1 in Float: the same function as the C cell
    /// kernels (`CLSTMKernels`), here for the quantile head's σ. Within 3e-7 of libm on
    /// [−12, 12] (LSTMQuantileHeadTests). No branches, no libm call; NaN propagates (both
    /// clamp comparisons are false).
    @inline(__always) static func lstmTanh(_ x: Float) -> Float {
        let bound: Float = 7.90531110763549805
        let xc = x > bound ? bound : (x < -bound ? -bound : x)
        let x2 = xc * xc
        var p: Float = -2.76076847742355e-16
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 - 8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        var q: Float = 1.19825839466702e-06
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        return xc * p / q
    }

    /// σ(x) = ½ + ½·tanh(x/2), the halvings folded into the coefficients (powers of two, so
    /// bit for bit the same as the unfolded form; derivation in Sources/CLSTMKernels/Activations.h).
    @inline(__always) static func lstmSigmoid(_ x: Float) -> Float {
        let bound: Float = 2 * 7.90531110763549805
        let xc = x > bound ? bound : (x < -bound ? -bound : x)
        let x2 = xc * xc
        var p: Float = -2.76076847742355e-16 / 16384
        p = p * x2 + 2.00018790482477e-13 / 4096
        p = p * x2 - 8.60467152213735e-11 / 1024
        p = p * x2 + 5.12229709037114e-08 / 256
        p = p * x2 + 1.48572235717979e-05 / 64
        p = p * x2 + 6.37261928875436e-04 / 16
        p = p * x2 + 4.89352455891786e-03 / 4
        var q: Float = 1.19825839466702e-06 / 64
        q = q * x2 + 1.18534705686654e-04 / 16
        q = q * x2 + 2.26843463243900e-03 / 4
        q = q * x2 + 4.89352518554385e-03
        return xc * p / q + 0.5
    }
    @inline(__always) static func lstmSoftplus(_ x: Float) -> Float { fastSoftplus(x) }
}

extension Double: LSTMScalar {
    static func lstmTanh(_ x: Double) -> Double { Foundation.tanh(x) }
    static func lstmSigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    /// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) (no overflow).
    static func lstmSoftplus(_ x: Double) -> Double { Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }
}
