import Foundation
import Testing

@testable import Forecast

@Suite("LSTM quantile head, pinball loss and the scalar activations")
struct LSTMQuantileHeadTests {
    @Test("pinball loss and its gradient on a hand-computed case")
    func handComputed() {
        // Levels τ = [0.5, 0.9]; three groups (raw y₀, y₁) with targets 3, NaN, 0.
        // softplus(log(e − 1)) = 1, so group 0 and 2 predict q = [1, 2].
        let levels: [Double] = [0.5, 0.9]
        let s = log(M_E - 1)
        let raw: [Double] = [1, s, 7, 7, 1, s]
        let targets: [Double] = [3, .nan, 0]
        var quantiles = [Double](repeating: 0, count: 6), dRaw = [Double](repeating: .nan, count: 6)
        LSTMQuantileHead.quantiles(raw: raw, into: &quantiles, rows: 3, quantileCount: 2)
        #expect(abs(quantiles[0] - 1) < 1e-15 && abs(quantiles[1] - 2) < 1e-14)
        let (sum, measured) = LSTMQuantileHead.loss(raw: raw, quantiles: quantiles, targets: targets, levels: levels,
                                                    groups: 3, dRaw: &dRaw)
        // Group 0: u = [2, 1] → ρ = [0.5·2, 0.9·1] = [1, 0.9].
        // Group 2: u = [−1, −2] → ρ = [(0.5 − 1)(−1), (0.9 − 1)(−2)] = [0.5, 0.2].
        // L = (1 + 0.9 + 0.5 + 0.2) / (N = 2 measured × Q = 2) = 0.65.
        #expect(measured == 2)
        #expect(abs(sum - 2.6) < 1e-14)
        #expect(abs(sum / Double(measured * 2) - 0.65) < 1e-14)
        // ∂L/∂q, group 0: [−0.5, −0.9]/4; group 2: [0.5, 0.1]/4. ∂L/∂y₀ = Σ, ∂L/∂y₁ = σ(s)·∂L/∂q₁
        // with σ(log(e − 1)) = (e − 1)/e.
        let sigma = (M_E - 1) / M_E
        let expected: [Double] = [-1.4 / 4, sigma * -0.9 / 4, 0, 0, 0.6 / 4, sigma * 0.1 / 4]
        for k in 0..<6 { #expect(abs(dRaw[k] - expected[k]) < 1e-15, "dRaw[\(k)] = \(dRaw[k]), expected \(expected[k])") }
    }

    @Test("quantiles never cross, whatever the raw outputs")
    func monotone() {
        var g = SeededGenerator(seed: 9)
        let raw = LSTMTestSupport.uniform(300, scale: 30, &g).map { Float($0) }
        var quantiles = [Float](repeating: 0, count: 300)
        LSTMQuantileHead.quantiles(raw: raw, into: &quantiles, rows: 100, quantileCount: 3)
        for n in 0..<100 {
            #expect(quantiles[3 * n] <= quantiles[3 * n + 1] && quantiles[3 * n + 1] <= quantiles[3 * n + 2])
        }
    }

    @Test("Float rational tanh and sigmoid are within 3e-7 of libm on [−12, 12]")
    func activations() {
        var worstTanh: Float = 0, worstSigmoid: Float = 0
        for k in -12_000...12_000 {
            let x = Float(k) / 1000
            worstTanh = max(worstTanh, abs(Float.lstmTanh(x) - Foundation.tanh(x)))
            worstSigmoid = max(worstSigmoid, abs(Float.lstmSigmoid(x) - 1 / (1 + Foundation.exp(-x))))
        }
        #expect(worstTanh < 3e-7, "tanh error \(worstTanh)")
        #expect(worstSigmoid < 3e-7, "sigmoid error \(worstSigmoid)")
        #expect(Float.lstmTanh(.nan).isNaN)
        #expect(Float.lstmTanh(1e30) == 1 && Float.lstmTanh(-1e30) == -1)
    }

    @Test("Float softplus is within 4 ulp of log1p(exp(x)) in Double on [−87, 87]")
    func softplus() {
        var worstUlps: Float = 0, worstAt: Float = 0
        for k in -870_000...870_000 {
            let x = Float(k) / 10_000
            let exact = Foundation.log1p(Foundation.exp(-abs(Double(x)))) + max(Double(x), 0)
            let got = Float.lstmSoftplus(x)
            let ulps = abs(got - Float(exact)) / Float(exact).ulp
            if ulps > worstUlps { worstUlps = ulps; worstAt = x }
        }
        #expect(worstUlps <= 4, "softplus: \(worstUlps) ulp at x = \(worstAt)")
        #expect(Float.lstmSoftplus(.nan).isNaN)
        #expect(Float.lstmSoftplus(200) == 200)
        #expect(Float.lstmSoftplus(-200) >= 0 && Float.lstmSoftplus(-200) < 1e-37)
        #expect(Float.lstmSoftplus(0) == Float(Foundation.log(2.0)))
    }
}

extension LSTMQuantileHeadTests {
    @Test("the folded Float sigmoid is bit for bit ½ + ½·tanh(x/2) of the same rational")
    func foldedSigmoid() {
        for k in -20_000...20_000 {
            let x = Float(k) / 1000
            #expect(Float.lstmSigmoid(x) == 0.5 + 0.5 * Float.lstmTanh(0.5 * x), "x = \(x)")
        }
    }
}
