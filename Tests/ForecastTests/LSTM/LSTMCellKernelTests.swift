import Foundation
import Testing

@testable import Forecast

// The C cell kernels (CLSTMKernels) at every level this CPU supports — the dispatched one
// (`.best`, what training, predict and the online step run) and the portable fallback
// forced — against the Double reference (`Double.lstmCellForward`/`lstmCellBackward`:
// the same formulas with libm's tanh and exp).
//
// Tolerances, derived:
// * activations: Eigen's rational tanh in Float arithmetic, measured on this sweep (step
//   1e-4 over [−20, 20]): worst |error| 3.3e-7 portable (no FMA, at x ≈ −5.95; ≈ 5 ulp of
//   numbers near 1), 2.6e-7 with FMA (AVX2, AVX-512); σ 2.3e-7 and 1.5e-7. Bound: 4e-7.
// * forward outputs on random inputs (gates U(−4, 4), c_prev U(−2, 2)): c = f·c_prev + i·g
//   with |c| ≤ 3 inherits the activation errors times |c_prev| + 1 plus a few ulp of
//   rounding: 2e-6 absolute; tanh(c) and h add one more tanh: 2e-6.
// * backward (dh, dc U(−1, 1)): every dz is a product of ≤ 4 factors of O(1) with relative
//   errors of a few 1e-7 each (plus the forward activations' errors): 5e-6 absolute; the
//   bias gradient sums `rows` of them.
@Suite("LSTM cell kernels (C): every level against the Double reference")
struct LSTMCellKernelTests {
    static var levels: [LSTMCellKernels.Level] { LSTMCellKernels.Level.allCases.filter(\.isSupported) }

    @Test("the dispatched level is the widest supported, and portable is always supported")
    func dispatch() {
        #expect(LSTMCellKernels.Level.portable.isSupported)
        let best = LSTMCellKernels.Level.best
        #expect(best.isSupported)
        let widest: LSTMCellKernels.Level = LSTMCellKernels.Level.avx512.isSupported ? .avx512
            : (LSTMCellKernels.Level.avx2FMA.isSupported ? .avx2FMA : .portable)
        #expect(best == widest)
    }

    @Test("tanh and σ inside the forward kernel are within 4e-7 of Double on [−20, 20]; NaN and ±∞",
          arguments: LSTMCellKernelTests.levels)
    func activationSweep(level: LSTMCellKernels.Level) {
        // Every gate section gets the same sweep x; c_prev = 0, so c = σ(x)·tanh(x).
        let hidden = 1000, rows = 400, step = 1e-4  // 400,000 points from −20 by 1e-4
        var gates = [Float](repeating: 0, count: rows * 4 * hidden)
        for r in 0..<rows {
            for j in 0..<hidden {
                let x = Float(-20 + Double(r * hidden + j) * step)
                for k in 0..<4 { gates[r * 4 * hidden + k * hidden + j] = x }
            }
        }
        let inputs = gates
        let cPrevious = [Float](repeating: 0, count: rows * hidden)
        var c = cPrevious, tanhC = cPrevious, h = cPrevious
        LSTMCellKernels.forward(level: level, rows: rows, hidden: hidden, gates: &gates, cPrevious: cPrevious, c: &c,
                                tanhC: &tanhC, h: &h, hStride: hidden)
        var worstTanh = 0.0, worstSigmoid = 0.0, worstCellTanh = 0.0
        for r in 0..<rows {
            for j in 0..<hidden {
                let x = Double(inputs[r * 4 * hidden + j])
                let sigma = 1 / (1 + Foundation.exp(-x)), tanh = Foundation.tanh(x)
                for k in [0, 1, 3] { worstSigmoid = max(worstSigmoid, abs(Double(gates[r * 4 * hidden + k * hidden + j]) - sigma)) }
                worstTanh = max(worstTanh, abs(Double(gates[r * 4 * hidden + 2 * hidden + j]) - tanh))
                let cell = Double(c[r * hidden + j])
                worstCellTanh = max(worstCellTanh, abs(Double(tanhC[r * hidden + j]) - Foundation.tanh(cell)))
            }
        }
        #expect(worstTanh < 4e-7, "\(level): tanh error \(worstTanh)")
        #expect(worstSigmoid < 4e-7, "\(level): σ error \(worstSigmoid)")
        #expect(worstCellTanh < 4e-7, "\(level): tanh(c) error \(worstCellTanh)")

        // Special values in lanes 0–3 of a 16-wide row: NaN stays NaN, ±∞ saturates.
        let specials: [Float] = [.nan, .infinity, -.infinity, 0]
        var g = [Float](repeating: 0, count: 4 * 16)
        for k in 0..<4 { for j in 0..<4 { g[k * 16 + j] = specials[j] } }
        var c1 = [Float](repeating: 0, count: 16), t1 = c1, h1 = c1
        LSTMCellKernels.forward(level: level, rows: 1, hidden: 16, gates: &g, cPrevious: [Float](repeating: 0, count: 16),
                                c: &c1, tanhC: &t1, h: &h1, hStride: 16)
        #expect(g[0].isNaN && g[16].isNaN && g[32].isNaN && g[48].isNaN && h1[0].isNaN, "\(level): NaN must propagate")
        // ±∞ clamps to the bound, where the rational is 1 in plain float arithmetic and 2 ulp
        // below 1 with FMA's different rounding (0.99999976): within the sweep's bound.
        #expect(abs(g[1] - 1) < 4e-7 && abs(g[2]) < 4e-7 && abs(g[33] - 1) < 4e-7 && abs(g[34] + 1) < 4e-7,
                "\(level): σ(±∞) = \(g[1]), \(g[2]); tanh(±∞) = \(g[33]), \(g[34])")
        #expect(g[3] == 0.5 && g[35] == 0, "\(level): σ(0), tanh(0)")
    }

    @Test("forward and backward on random inputs agree with the Double reference",
          arguments: LSTMCellKernelTests.levels, [1, 5, 16, 21, 64])
    func randomAgainstDouble(level: LSTMCellKernels.Level, hidden: Int) {
        let rows = 7, hStride = hidden + 3
        var generator = SeededGenerator(seed: UInt64(100 + hidden))
        let z = LSTMTestSupport.uniform(rows * 4 * hidden, scale: 4, &generator)
        let cp = LSTMTestSupport.uniform(rows * hidden, scale: 2, &generator)
        let dh = LSTMTestSupport.uniform(rows * hidden, scale: 1, &generator)
        let dc0 = LSTMTestSupport.uniform(rows * hidden, scale: 1, &generator)
        let bias0 = LSTMTestSupport.uniform(4 * hidden, scale: 1, &generator)

        // Double reference.
        var gD = z, cD = [Double](repeating: 0, count: rows * hidden), tD = cD
        var hD = [Double](repeating: .nan, count: rows * hStride)
        Double.lstmCellForward(rows: rows, hidden: hidden, gates: &gD, cPrevious: cp, c: &cD, tanhC: &tD, h: &hD, hStride: hStride)
        var dcD = dc0, dzD = [Double](repeating: 0, count: rows * 4 * hidden), bD = bias0
        Double.lstmCellBackward(rows: rows, hidden: hidden, gates: gD, cPrevious: cp, tanhC: tD, dh: dh, dc: &dcD,
                                dGates: &dzD, biasGradient: &bD)

        // Float kernel at `level`, with the workspace's aliasing: d_gates over gates.
        var g = z.map { Float($0) }, c = [Float](repeating: 0, count: rows * hidden), t = c
        var h = [Float](repeating: .nan, count: rows * hStride)
        let cpF = cp.map { Float($0) }
        LSTMCellKernels.forward(level: level, rows: rows, hidden: hidden, gates: &g, cPrevious: cpF, c: &c, tanhC: &t,
                                h: &h, hStride: hStride)
        func worst(_ a: [Float], _ b: [Double]) -> Double { zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0 }
        #expect(worst(g, gD) < 4e-7, "\(level) H \(hidden): gates \(worst(g, gD))")
        #expect(worst(c, cD) < 2e-6, "\(level) H \(hidden): c \(worst(c, cD))")
        #expect(worst(t, tD) < 2e-6, "\(level) H \(hidden): tanh c \(worst(t, tD))")
        var hWorst = 0.0
        for r in 0..<rows {
            for j in 0..<hidden { hWorst = max(hWorst, abs(Double(h[r * hStride + j]) - hD[r * hStride + j])) }
            for j in hidden..<hStride { #expect(h[r * hStride + j].isNaN, "the stride's gap must not be written") }
        }
        #expect(hWorst < 2e-6, "\(level) H \(hidden): h \(hWorst)")

        var dc = dc0.map { Float($0) }, bias = bias0.map { Float($0) }
        let dhF = dh.map { Float($0) }
        g.withUnsafeMutableBufferPointer { gp in
            LSTMCellKernels.backward(level: level, rows: rows, hidden: hidden, gates: UnsafePointer(gp.baseAddress!),
                                     cPrevious: cpF, tanhC: t, dh: dhF, dc: &dc, dGates: gp.baseAddress!, biasGradient: &bias)
        }
        #expect(worst(g, dzD) < 5e-6, "\(level) H \(hidden): dz \(worst(g, dzD))")
        #expect(worst(dc, dcD) < 5e-6, "\(level) H \(hidden): dc \(worst(dc, dcD))")
        #expect(worst(bias, bD) < Double(rows) * 5e-6, "\(level) H \(hidden): bias gradient \(worst(bias, bD))")
    }

    @Test("c_prev over c (the online state's in-place update) gives the out-of-place result", arguments: LSTMCellKernelTests.levels)
    func inPlaceCell(level: LSTMCellKernels.Level) {
        let rows = 3, hidden = 37
        var generator = SeededGenerator(seed: 5)
        let z = LSTMTestSupport.uniform(rows * 4 * hidden, scale: 4, &generator).map { Float($0) }
        let cp = LSTMTestSupport.uniform(rows * hidden, scale: 2, &generator).map { Float($0) }
        var (gA, gB) = (z, z)
        var cA = [Float](repeating: 0, count: rows * hidden), tA = cA, hA = cA, tB = cA, hB = cA
        var cB = cp
        LSTMCellKernels.forward(level: level, rows: rows, hidden: hidden, gates: &gA, cPrevious: cp, c: &cA, tanhC: &tA,
                                h: &hA, hStride: hidden)
        cB.withUnsafeMutableBufferPointer { c in
            LSTMCellKernels.forward(level: level, rows: rows, hidden: hidden, gates: &gB, cPrevious: UnsafePointer(c.baseAddress!),
                                    c: c.baseAddress!, tanhC: &tB, h: &hB, hStride: hidden)
        }
        #expect(gA == gB && cA == cB && tA == tB && hA == hB)
    }

    @Test("Float.lstmCellForward/Backward (training's entry points) run the dispatched level bit for bit")
    func entryPointsUseBest() {
        let rows = 4, hidden = 64
        var generator = SeededGenerator(seed: 11)
        let z = LSTMTestSupport.uniform(rows * 4 * hidden, scale: 4, &generator).map { Float($0) }
        let cp = LSTMTestSupport.uniform(rows * hidden, scale: 2, &generator).map { Float($0) }
        let dh = LSTMTestSupport.uniform(rows * hidden, scale: 1, &generator).map { Float($0) }
        var (gA, gB) = (z, z)
        var cA = [Float](repeating: 0, count: rows * hidden), tA = cA, hA = cA, cB = cA, tB = cA, hB = cA
        Float.lstmCellForward(rows: rows, hidden: hidden, gates: &gA, cPrevious: cp, c: &cA, tanhC: &tA, h: &hA, hStride: hidden)
        LSTMCellKernels.forward(level: .best, rows: rows, hidden: hidden, gates: &gB, cPrevious: cp, c: &cB, tanhC: &tB,
                                h: &hB, hStride: hidden)
        #expect(gA == gB && cA == cB && tA == tB && hA == hB)
        var dcA = [Float](repeating: 0.5, count: rows * hidden), dcB = dcA
        var dzA = [Float](repeating: 0, count: rows * 4 * hidden), dzB = dzA
        var bA = [Float](repeating: 0, count: 4 * hidden), bB = bA
        Float.lstmCellBackward(rows: rows, hidden: hidden, gates: gA, cPrevious: cp, tanhC: tA, dh: dh, dc: &dcA, dGates: &dzA,
                               biasGradient: &bA)
        LSTMCellKernels.backward(level: .best, rows: rows, hidden: hidden, gates: gB, cPrevious: cp, tanhC: tB, dh: dh, dc: &dcB,
                                 dGates: &dzB, biasGradient: &bB)
        #expect(dcA == dcB && dzA == dzB && bA == bB)
    }
}

extension LSTMCellKernelTests {
    @Test("Adam gives the same bits at every level, equal to the formula evaluated in Swift", arguments: LSTMCellKernelTests.levels)
    func adam(level: LSTMCellKernels.Level) {
        let count = 1_000 + 13  // vector blocks and a tail at every width
        var generator = SeededGenerator(seed: 21)
        let g = LSTMTestSupport.uniform(count, scale: 1, &generator).map { Float($0) }
        let m0 = LSTMTestSupport.uniform(count, scale: 0.1, &generator).map { Float($0) }
        let v0 = LSTMTestSupport.uniform(count, scale: 0.01, &generator).map { Float(abs($0)) }
        let p0 = LSTMTestSupport.uniform(count, scale: 1, &generator).map { Float($0) }
        let (b1, b2, eps, stepSize, irc): (Float, Float, Float, Float, Float) = (0.9, 0.999, 1e-8, 1.1e-3, 7.3)
        var (p, m, v) = (p0, m0, v0)
        LSTMCellKernels.adamUpdate(level: level, parameters: &p, gradient: g, m: &m, v: &v, count: count, b1: b1, b2: b2,
                                   eps: eps, stepSize: stepSize, inverseRootCorrection2: irc)
        for i in 0..<count {
            let mi = b1 * m0[i] + (1 - b1) * g[i]
            let vi = b2 * v0[i] + (1 - b2) * g[i] * g[i]
            let pi = p0[i] - stepSize * mi / (vi.squareRoot() * irc + eps)
            #expect(m[i] == mi && v[i] == vi && p[i] == pi, "\(level): element \(i)")
        }
    }

    @Test("the bias fill copies the row into every row", arguments: LSTMCellKernelTests.levels)
    func fillRows(level: LSTMCellKernels.Level) {
        for width in [1, 7, 16, 37, 256] {
            let row = (0..<width).map { Float($0) + 0.5 }
            var destination = [Float](repeating: .nan, count: 5 * width + 1)
            LSTMCellKernels.fillRows(level: level, &destination, with: row, width: width, rows: 5)
            for r in 0..<5 { #expect(Array(destination[(r * width)..<((r + 1) * width)]) == row, "\(level) width \(width) row \(r)") }
            #expect(destination[5 * width].isNaN, "\(level): wrote past the last row")
        }
    }
}
