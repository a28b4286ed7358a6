internal import CLSTMKernels

/// The elementwise halves of the LSTM step over `rows` consecutive batch rows (H wide each).
/// Formulas:
///
/// forward   gates ← [σ(z_i) ‖ σ(z_f) ‖ tanh(z_g) ‖ σ(z_o)]   (z: pre-activations, biases included)
///           c ← f ⊙ c_prev + i ⊙ g,   tanhC ← tanh(c),   h ← o ⊙ tanhC
/// backward  dc ← dc + dh ⊙ o ⊙ (1 − tanhC²)
///           dz ← [dc⊙g⊙i(1−i) ‖ dc⊙c_prev⊙f(1−f) ‖ dc⊙i⊙(1−g²) ‖ dh⊙tanhC⊙o(1−o)]
///           biasGradient += dz (summed over the rows),   dc ← dc ⊙ f
///
/// Row strides: `gates`/`dGates` 4H, `cPrevious`, `c`, `tanhC`, `dh`, `dc` H, `h` `hStride`
/// (the h part of the workspace's [x ‖ h] rows). `cPrevious` may be the same memory as `c`
/// (the online state updates in place), and `dGates` the same memory as `gates` (the
/// workspace overwrites activations with their gradients): every element is read before it
/// is written.
///
/// Float runs the C kernels of `CLSTMKernels` (AVX-512F, else AVX2+FMA, else portable
/// vectors, chosen at run time: `LSTMCellKernels`), the one path of training, `predict` and
/// the online step. Double runs the plain loops below with libm's tanh and exp: the
/// reference of the gradient tests and of the kernel tests.
extension LSTMScalar {
    static func lstmCellForward(
        rows: Int, hidden: Int, gates: UnsafeMutablePointer<Self>, cPrevious: UnsafePointer<Self>,
        c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>, h: UnsafeMutablePointer<Self>, hStride: Int
    ) {
        for r in 0..<rows {
            let gi = gates + r * 4 * hidden, gf = gi + hidden, gg = gi + 2 * hidden, go = gi + 3 * hidden
            let cp = cPrevious + r * hidden, cr = c + r * hidden, tr = tanhC + r * hidden, hr = h + r * hStride
            for j in 0..<hidden {
                let i = lstmSigmoid(gi[j])
                let f = lstmSigmoid(gf[j])
                let g = lstmTanh(gg[j])
                let o = lstmSigmoid(go[j])
                let cell = f * cp[j] + i * g
                let tc = lstmTanh(cell)
                gi[j] = i
                gf[j] = f
                gg[j] = g
                go[j] = o
                cr[j] = cell
                tr[j] = tc
                hr[j] = o * tc
            }
        }
    }

    static func lstmCellBackward(
        rows: Int, hidden: Int, gates: UnsafePointer<Self>, cPrevious: UnsafePointer<Self>, tanhC: UnsafePointer<Self>,
        dh: UnsafePointer<Self>, dc: UnsafeMutablePointer<Self>, dGates: UnsafeMutablePointer<Self>,
        biasGradient: UnsafeMutablePointer<Self>
    ) {
        let bi = biasGradient, bf = biasGradient + hidden, bg = biasGradient + 2 * hidden, bo = biasGradient + 3 * hidden
        for r in 0..<rows {
            let gi = gates + r * 4 * hidden, gf = gi + hidden, gg = gi + 2 * hidden, go = gi + 3 * hidden
            let di = dGates + r * 4 * hidden, df = di + hidden, dg = di + 2 * hidden, dO = di + 3 * hidden
            let cp = cPrevious + r * hidden, tcr = tanhC + r * hidden, dhr = dh + r * hidden, dcr = dc + r * hidden
            for j in 0..<hidden {
                let i = gi[j], f = gf[j], g = gg[j], o = go[j], tc = tcr[j], dhj = dhr[j]
                let dcj = dcr[j] + dhj * o * (1 - tc * tc)
                let zi = dcj * g * i * (1 - i)
                let zf = dcj * cp[j] * f * (1 - f)
                let zg = dcj * i * (1 - g * g)
                let zo = dhj * tc * o * (1 - o)
                di[j] = zi
                df[j] = zf
                dg[j] = zg
                dO[j] = zo
                bi[j] += zi
                bf[j] += zf
                bg[j] += zg
                bo[j] += zo
                dcr[j] = dcj * f
            }
        }
    }
}

extension LSTMScalar {
    /// Writes `row` (`width` values) into each of `rows` consecutive rows at `destination`:
    /// the first row by copy, then the rows filled so far doubled (1 → 2 → 4 … rows), so
    /// log₂(rows) + 1 `memmove`s instead of one per row. Float: the C kernels' store loop.
    static func lstmFillRows(_ destination: UnsafeMutablePointer<Self>, with row: UnsafePointer<Self>, width: Int, rows: Int) {
        destination.update(from: row, count: width)
        var filled = 1
        while filled < rows {
            let count = Swift.min(filled, rows - filled)
            (destination + filled * width).update(from: destination, count: count * width)
            filled += count
        }
    }
}

extension Float {
    /// The bias pre-fill of all T·B gate rows (3 MB at batch 64, T 48, H 64): vector stores
    /// of the row held in L1, one stream of writes instead of the doubling `memmove`s' reads
    /// and writes.
    static func lstmFillRows(_ destination: UnsafeMutablePointer<Float>, with row: UnsafePointer<Float>, width: Int, rows: Int) {
        LSTMCellKernels.fillRows(level: .best, destination, with: row, width: width, rows: rows)
    }

    static func lstmCellForward(
        rows: Int, hidden: Int, gates: UnsafeMutablePointer<Float>, cPrevious: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, hStride: Int
    ) {
        LSTMCellKernels.forward(level: .best, rows: rows, hidden: hidden, gates: gates, cPrevious: cPrevious, c: c,
                                tanhC: tanhC, h: h, hStride: hStride)
    }

    static func lstmCellBackward(
        rows: Int, hidden: Int, gates: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, dGates: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>
    ) {
        LSTMCellKernels.backward(level: .best, rows: rows, hidden: hidden, gates: gates, cPrevious: cPrevious, tanhC: tanhC,
                                 dh: dh, dc: dc, dGates: dGates, biasGradient: biasGradient)
    }
}

/// The Float kernels of `CLSTMKernels` (C: Sources/CLSTMKernels/include/CLSTMKernels.h) at
/// an explicit instruction-set level: the cell update and its backward step, the bias
/// pre-fill, Adam. Training, `predict` and the online step use `.best` (through
/// `Float.lstmCellForward`/`lstmCellBackward`/`lstmFillRows` and `LSTMAdamState.update`);
/// the tests also force the others.
///
/// Activations: Eigen's [13/6] rational tanh on x clamped to ±7.905, σ(x) = ½ + ½·tanh(x/2),
/// NaN propagating; within 4e-7 of Double tanh/σ on [−20, 20] at every level
/// (LSTMCellKernelTests sweeps it). The levels differ in rounding only (FMA contraction,
/// vector width never changes the per-element operations).
enum LSTMCellKernels {
    enum Level: CaseIterable, Sendable {
        /// Plain C over 8-lane compiler vectors (SSE2 on baseline x86-64, NEON on aarch64).
        case portable
        /// x86-64 with AVX2 and FMA: 8 lanes, fused multiply–adds.
        case avx2FMA
        /// x86-64 with AVX-512F: 16 lanes.
        case avx512

        /// The widest level this CPU and OS support (asked on each call: a few loads).
        static var best: Level { Level(headroom_lstm_best_level()) }

        /// Whether this CPU can run the level (an unsupported one runs portable).
        var isSupported: Bool { headroom_lstm_level_supported(c) != 0 }

        fileprivate var c: headroom_lstm_level {
            switch self {
            case .portable: HEADROOM_LSTM_PORTABLE
            case .avx2FMA: HEADROOM_LSTM_AVX2_FMA
            case .avx512: HEADROOM_LSTM_AVX512
            }
        }

        fileprivate init(_ level: headroom_lstm_level) {
            switch level {
            case HEADROOM_LSTM_AVX512: self = .avx512
            case HEADROOM_LSTM_AVX2_FMA: self = .avx2FMA
            default: self = .portable
            }
        }
    }

    static func forward(
        level: Level, rows: Int, hidden: Int, gates: UnsafeMutablePointer<Float>, cPrevious: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, hStride: Int
    ) {
        headroom_lstm_cell_forward(level.c, rows, hidden, gates, cPrevious, c, tanhC, h, hStride)
    }

    static func backward(
        level: Level, rows: Int, hidden: Int, gates: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>,
        tanhC: UnsafePointer<Float>, dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>,
        dGates: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>
    ) {
        headroom_lstm_cell_backward(level.c, rows, hidden, gates, cPrevious, tanhC, dh, dc, dGates, biasGradient)
    }

    static func fillRows(
        level: Level, _ destination: UnsafeMutablePointer<Float>, with row: UnsafePointer<Float>, width: Int, rows: Int
    ) {
        headroom_fill_rows(level.c, destination, row, width, rows)
    }

    /// One Adam step (formula: `LSTMAdamState`); the same bits at every level.
    static func adamUpdate(
        level: Level, parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
        v: UnsafeMutablePointer<Float>, count: Int, b1: Float, b2: Float, eps: Float, stepSize: Float,
        inverseRootCorrection2: Float
    ) {
        headroom_adam_update(level.c, parameters, gradient, m, v, count, b1, b2, eps, stepSize, inverseRootCorrection2)
    }
}
