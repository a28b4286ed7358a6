import Foundation
import Testing

@testable import Forecast

// Golden values: Tests/ForecastTests/Fixtures/lstm.json, written by
// scripts/fixtures/gen_lstm_fixtures.py: PyTorch nn.LSTM(3, 12) + nn.Linear(12, 8) with
// float32 weights, references computed by PyTorch in float64 from those same values, for
// the plain head and for the residual head (LSTMSpec.residualToLastValue: quantiles of
// resource r + the last step's input r).
//
// Tolerances.
// * Float model (production path: sgemm, 8-lane rational tanh): 1e-6 absolute on hidden
//   states, c_T, head and quantiles. Values are O(1); per step the Float rounding of a
//   K = F + H = 15 term dot product is typically a few u = 6e-8 and the activation error
//   ≈ 2 ulp, so a few 1e-7 after 7 steps (observed: 9e-8); a wrong gate order, layout or
//   bias is off by O(0.1).
// * Double reference path (libm activations): 1e-13 on the loss and every gradient
//   entry, against PyTorch autograd in float64: the same sums in a different order, so
//   differences of a few u = 1.1e-16 relative (observed ≤ 1e-17 on gradients of O(0.1)).
@Suite("LSTM vs PyTorch fixture")
struct LSTMPyTorchFixtureTests {
    struct Fixture: Decodable {
        let inputFeatures: Int, hiddenSize: Int, steps: Int, batch: Int, horizonSteps: Int, outputResources: Int
        let quantiles: [Double]
        let inputs: [Float], targets: [Float]
        let weight_ih: [Float], weight_hh: [Float], bias_ih: [Float], bias_hh: [Float], head_weight: [Float], head_bias: [Float]
        let hidden: [Double], cell_last: [Double], head: [Double], quantiles_out: [Double], loss: Double
        let grad_weight_ih: [Double], grad_weight_hh: [Double], grad_bias_ih: [Double], grad_bias_hh: [Double]
        let grad_head_weight: [Double], grad_head_bias: [Double]
        let residual_quantiles_out: [Double], residual_loss: Double
        let residual_grad_weight_ih: [Double], residual_grad_weight_hh: [Double], residual_grad_bias_ih: [Double]
        let residual_grad_bias_hh: [Double], residual_grad_head_weight: [Double], residual_grad_head_bias: [Double]
    }

    static func load() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "lstm", withExtension: "json", subdirectory: "Fixtures"))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func model(_ f: Fixture, residual: Bool = false) throws -> LSTMModel {
        let spec = LSTMSpec(inputFeatures: f.inputFeatures, hiddenSize: f.hiddenSize, windowSteps: f.steps,
                            horizonSteps: f.horizonSteps, quantiles: f.quantiles, outputResources: f.outputResources,
                            maxEpochs: 1, patience: 1, residualToLastValue: residual)
        return try LSTMModel(spec: spec, weightIH: f.weight_ih, weightHH: f.weight_hh, biasIH: f.bias_ih, biasHH: f.bias_hh,
                             headWeight: f.head_weight, headBias: f.head_bias)
    }

    @Test("Float forward pass matches nn.LSTM: every hidden state, c_T, head and quantiles")
    func floatForward() throws {
        let f = try Self.load()
        let model = try Self.model(f)
        let (b, t, h, o) = (f.batch, f.steps, f.hiddenSize, model.spec.outputCount)
        // Quantiles through the public API.
        let predicted = model.predict(windows: f.inputs, count: b)
        for i in 0..<(b * o) { #expect(abs(Double(predicted[i]) - f.quantiles_out[i]) < 1e-6, "quantile \(i)") }
        // Internals: every h_t, c_T and the raw head.
        let ws = LSTMWorkspace<Float>(layout: model.layout, targetWidth: o / f.quantiles.count, maxBatch: b, maxSteps: t)
        ws.prepare(batch: b, steps: t)
        f.inputs.withUnsafeBufferPointer { ws.loadInputs($0.baseAddress!) }
        model.parameters.withUnsafeBufferPointer { ws.forward(parameters: $0.baseAddress!, quantileCount: f.quantiles.count) }
        var worst = 0.0
        for s in 0..<b {
            for step in 0..<t {
                for j in 0..<h {
                    let ours = Double(ws.xh[((step + 1) * b + s) * model.layout.fusedWidth + f.inputFeatures + j])
                    worst = max(worst, abs(ours - f.hidden[(s * t + step) * h + j]))
                }
            }
            for j in 0..<h { worst = max(worst, abs(Double(ws.cells[(t * b + s) * h + j]) - f.cell_last[s * h + j])) }
            for k in 0..<o { worst = max(worst, abs(Double(ws.head[s * o + k]) - f.head[s * o + k])) }
        }
        #expect(worst < 1e-6, "largest deviation from PyTorch: \(worst)")
    }

    @Test("residual head: Float quantiles match PyTorch and are exactly the plain ones + the last input value")
    func floatForwardResidual() throws {
        let f = try Self.load()
        let plain = try Self.model(f), residual = try Self.model(f, residual: true)
        let (b, t, o, q, r) = (f.batch, f.steps, plain.spec.outputCount, f.quantiles.count, f.outputResources)
        let shifted = residual.predict(windows: f.inputs, count: b), unshifted = plain.predict(windows: f.inputs, count: b)
        var worst = 0.0
        for i in 0..<(b * o) { worst = max(worst, abs(Double(shifted[i]) - f.residual_quantiles_out[i])) }
        #expect(worst < 1e-6, "largest deviation from PyTorch: \(worst)")
        for s in 0..<b {
            let last = f.inputs[((s * t) + t - 1) * f.inputFeatures..<((s * t) + t) * f.inputFeatures]
            for i in 0..<o {
                let expected = unshifted[s * o + i] + last[last.startIndex + (i / q) % r]
                #expect(shifted[s * o + i] == expected, "sequence \(s) output \(i)")
            }
        }
        // The online state adds the same value: step through sequence 0 and compare.
        var state = LSTMOnlineState(model: residual)
        for step in 0..<t { state.step(features: Array(f.inputs[(step * f.inputFeatures)..<((step + 1) * f.inputFeatures)])) }
        let online = state.forecast().values
        #expect(zip(online, shifted[0..<o]).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test("Double path matches PyTorch float64 forward, pinball loss and autograd gradients", arguments: [false, true])
    func doubleForwardAndGradients(residual: Bool) throws {
        let f = try Self.load()
        let model = try Self.model(f, residual: residual)
        let result = LSTMTestSupport.lossAndGradient(
            layout: model.layout, parameters: model.parameters.map(Double.init), inputs: f.inputs.map(Double.init),
            targets: f.targets.map(Double.init), levels: f.quantiles, batch: f.batch, steps: f.steps,
            residualResources: model.spec.residualResources)
        let expectedLoss = residual ? f.residual_loss : f.loss
        #expect(abs(result.loss - expectedLoss) < 1e-13, "loss \(result.loss) vs PyTorch \(expectedLoss)")
        // Our gradient split into PyTorch's layouts (W = [W_ih ‖ W_hh] row by row).
        let l = model.layout
        func block(_ offset: Int, _ count: Int) -> [Double] { Array(result.gradient[offset..<(offset + count)]) }
        var gIH: [Double] = [], gHH: [Double] = []
        for r in 0..<l.gateWidth {
            gIH += block(l.weightOffset + r * l.fusedWidth, l.inputFeatures)
            gHH += block(l.weightOffset + r * l.fusedWidth + l.inputFeatures, l.hiddenSize)
        }
        let pairs: [(String, [Double], [Double])] = [
            ("weight_ih", gIH, residual ? f.residual_grad_weight_ih : f.grad_weight_ih),
            ("weight_hh", gHH, residual ? f.residual_grad_weight_hh : f.grad_weight_hh),
            ("bias_ih", block(l.biasIHOffset, l.gateWidth), residual ? f.residual_grad_bias_ih : f.grad_bias_ih),
            ("bias_hh", block(l.biasHHOffset, l.gateWidth), residual ? f.residual_grad_bias_hh : f.grad_bias_hh),
            ("head.weight", block(l.headWeightOffset, l.headWeightCount), residual ? f.residual_grad_head_weight : f.grad_head_weight),
            ("head.bias", block(l.headBiasOffset, l.outputCount), residual ? f.residual_grad_head_bias : f.grad_head_bias),
        ]
        for (name, ours, theirs) in pairs {
            #expect(ours.count == theirs.count, "\(name) size")
            let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-13, "\(name): largest gradient deviation from autograd \(worst)")
        }
    }

    @Test("weights read back in PyTorch layout unchanged")
    func layoutRoundTrip() throws {
        let f = try Self.load()
        let model = try Self.model(f)
        #expect(model.weightIH == f.weight_ih)
        #expect(model.weightHH == f.weight_hh)
        #expect(model.biasIH == f.bias_ih)
        #expect(model.biasHH == f.bias_hh)
        #expect(model.headWeight == f.head_weight)
        #expect(model.headBias == f.head_bias)
    }
}
