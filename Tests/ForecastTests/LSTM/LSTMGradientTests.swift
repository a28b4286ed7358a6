import Foundation
import Testing

@testable import Forecast

// Analytic gradients (BPTT in LSTMWorkspace+Backward) against central finite differences.
//
// Reference path: Double, libm tanh/exp (LSTMScalar's Double conformance), so the check is
// of the backpropagation algebra, not of an activation approximation. Central differences
// with step δ = 1e-6 have truncation error O(δ²·|L‴|) ≈ 1e-12 and rounding error
// O(u·|L|/δ) ≈ 1e-16/1e-6 = 1e-10 (observed worst: 4e-11), so agreement to 1e-8 (absolute;
// the gradients here are O(1e-3 … 1)) has a 100× margin while any wrong term in the chain
// rule is off by ≥ 1e-3.
// The loss is piecewise smooth (pinball kinks at u = 0); the random targets keep every
// |u| ≫ δ, so no difference straddles a kink.
//
// The Float kernels (8-lane SIMD + scalar tail, rational tanh) are then checked against
// the Double gradient: Float rounding (u = 6e-8) accumulated over T steps and the ≈ 2 ulp
// activation error give relative differences ≈ 1e-5; we allow 1e-3 of the largest
// gradient entry, still far below what a kernel bug produces (order 1).
@Suite("LSTM gradients")
struct LSTMGradientTests {
    /// A random tiny problem: parameters, inputs, targets (one NaN).
    static func problem(features f: Int, hidden h: Int, steps t: Int, batch b: Int, horizon: Int, resources r: Int,
                        levels: [Double], seed: UInt64) -> (LSTMLayout, [Double], [Double], [Double]) {
        var g = SeededGenerator(seed: seed)
        let layout = LSTMLayout(inputFeatures: f, hiddenSize: h, outputCount: horizon * r * levels.count)
        let parameters = LSTMTestSupport.uniform(layout.parameterCount, scale: 0.6, &g)
        let inputs = LSTMTestSupport.uniform(b * t * f, scale: 1.5, &g)
        var targets = LSTMTestSupport.uniform(b * horizon * r, scale: 2, &g)
        targets[1] = .nan
        return (layout, parameters, inputs, targets)
    }

    /// Residual head (`residualResources` 2: quantiles + the last input values, which here
    /// are O(1.5), so the targets sit at different u than on the plain head) and plain head.
    @Test("every parameter's gradient matches central differences (Double)", arguments: [0, 2])
    func finiteDifferences(residualResources: Int) {
        let levels = [0.5, 0.9, 0.99]
        let (layout, parameters, inputs, targets) = Self.problem(features: 2, hidden: 3, steps: 5, batch: 3, horizon: 2,
                                                                 resources: 2, levels: levels, seed: 11)
        let analytic = LSTMTestSupport.lossAndGradient(layout: layout, parameters: parameters, inputs: inputs, targets: targets,
                                                       levels: levels, batch: 3, steps: 5,
                                                       residualResources: residualResources).gradient
        let delta = 1e-6
        var worst = 0.0
        for k in 0..<layout.parameterCount {
            var plus = parameters, minus = parameters
            plus[k] += delta
            minus[k] -= delta
            let lp = LSTMTestSupport.lossAndGradient(layout: layout, parameters: plus, inputs: inputs, targets: targets,
                                                     levels: levels, batch: 3, steps: 5, residualResources: residualResources).loss
            let lm = LSTMTestSupport.lossAndGradient(layout: layout, parameters: minus, inputs: inputs, targets: targets,
                                                     levels: levels, batch: 3, steps: 5, residualResources: residualResources).loss
            let numeric = (lp - lm) / (2 * delta)
            worst = max(worst, abs(numeric - analytic[k]))
            #expect(abs(numeric - analytic[k]) < 1e-8, "parameter \(k): analytic \(analytic[k]), numeric \(numeric)")
        }
        // The check must not be vacuous: the gradient is far from zero.
        #expect(analytic.map(abs).max()! > 1e-2)
        #expect(worst < 1e-8)
    }

    @Test("Float kernels (SIMD body + scalar tail) agree with the Double reference", arguments: [0, 3])
    func floatMatchesDouble(residualResources: Int) {
        let levels = [0.5, 0.9]
        // H = 12: one 8-lane block and a 4-element tail per gate.
        let (layout, parameters, inputs, targets) = Self.problem(features: 3, hidden: 12, steps: 9, batch: 5, horizon: 2,
                                                                 resources: 3, levels: levels, seed: 5)
        let reference = LSTMTestSupport.lossAndGradient(layout: layout, parameters: parameters, inputs: inputs, targets: targets,
                                                        levels: levels, batch: 5, steps: 9, residualResources: residualResources)
        let float = LSTMTestSupport.lossAndGradientFloat(
            layout: layout, parameters: parameters.map { Float($0) }, inputs: inputs.map { Float($0) },
            targets: targets.map { Float($0) }, levels: levels.map { Float($0) }, batch: 5, steps: 9,
            residualResources: residualResources)
        #expect(abs(float.loss - reference.loss) < 1e-5 * max(1, reference.loss))
        let scale = reference.gradient.map(abs).max()!
        for k in 0..<layout.parameterCount {
            #expect(abs(Double(float.gradient[k]) - reference.gradient[k]) < 1e-3 * scale,
                    "parameter \(k): Float \(float.gradient[k]), Double \(reference.gradient[k])")
        }
    }

    @Test("b_ih and b_hh receive the same gradient; NaN-only targets give zero loss and gradient")
    func degenerate() {
        let levels = [0.5]
        let (layout, parameters, inputs, _) = Self.problem(features: 2, hidden: 4, steps: 3, batch: 2, horizon: 1,
                                                           resources: 2, levels: levels, seed: 3)
        let targets = [Double](repeating: .nan, count: 4)
        let result = LSTMTestSupport.lossAndGradient(layout: layout, parameters: parameters, inputs: inputs, targets: targets,
                                                     levels: levels, batch: 2, steps: 3)
        #expect(result.loss == 0)
        #expect(result.gradient.allSatisfy { $0 == 0 })
        let measured = LSTMTestSupport.lossAndGradient(layout: layout, parameters: parameters, inputs: inputs,
                                                       targets: [0.3, -0.2, 1.0, 0.1], levels: levels, batch: 2, steps: 3)
        let gIH = measured.gradient[layout.biasIHOffset..<(layout.biasIHOffset + layout.gateWidth)]
        let gHH = measured.gradient[layout.biasHHOffset..<(layout.biasHHOffset + layout.gateWidth)]
        #expect(Array(gIH) == Array(gHH))
    }
}
