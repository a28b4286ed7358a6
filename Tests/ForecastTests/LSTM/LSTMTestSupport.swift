import Foundation
import Testing

@testable import Forecast

/// Shared helpers of the LSTM tests: small specs, the Double reference path, synthetic data.
enum LSTMTestSupport {
    /// A tiny spec (defaults: F 2, H 3, T 5, horizon 2, 2 resources, 3 quantiles).
    static func spec(
        features: Int = 2, hidden: Int = 3, window: Int = 5, horizon: Int = 2, resources: Int = 2,
        quantiles: [Double] = [0.5, 0.9, 0.99], batch: Int = 4, learningRate: Double = 1e-2, maxEpochs: Int = 5,
        patience: Int = 3, seed: UInt64 = 1
    ) -> LSTMSpec {
        LSTMSpec(inputFeatures: features, hiddenSize: hidden, windowSteps: window, horizonSteps: horizon, quantiles: quantiles,
                 outputResources: resources, batchSize: batch, learningRate: learningRate, maxEpochs: maxEpochs,
                 patience: patience, clipNorm: 1, validationFraction: 0.2, seed: seed)
    }

    /// Loss and gradient through the Double workspace (libm activations): the reference path.
    /// inputs [batch × steps × F] batch-major, targets [batch × O/Q] (NaN = not measured);
    /// `residualResources` > 0 selects the residual head (`LSTMWorkspace.residualResources`).
    static func lossAndGradient(
        layout: LSTMLayout, parameters: [Double], inputs: [Double], targets: [Double], levels: [Double], batch: Int, steps: Int,
        residualResources: Int = 0
    ) -> (loss: Double, gradient: [Double]) {
        let width = layout.outputCount / levels.count
        let ws = LSTMWorkspace<Double>(layout: layout, targetWidth: width, maxBatch: batch, maxSteps: steps,
                                       residualResources: residualResources)
        ws.prepare(batch: batch, steps: steps)
        inputs.withUnsafeBufferPointer { ws.loadInputs($0.baseAddress!) }
        for i in 0..<(batch * width) { ws.targets[i] = targets[i] }
        var gradient = [Double](repeating: .nan, count: layout.parameterCount)
        let loss = parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                ws.lossAndGradient(parameters: p.baseAddress!, levels: levels, gradient: g.baseAddress!).loss
            }
        }
        return (loss, gradient)
    }

    /// Same in Float (the production kernels).
    static func lossAndGradientFloat(
        layout: LSTMLayout, parameters: [Float], inputs: [Float], targets: [Float], levels: [Float], batch: Int, steps: Int,
        residualResources: Int = 0
    ) -> (loss: Double, gradient: [Float]) {
        let width = layout.outputCount / levels.count
        let ws = LSTMWorkspace<Float>(layout: layout, targetWidth: width, maxBatch: batch, maxSteps: steps,
                                      residualResources: residualResources)
        ws.prepare(batch: batch, steps: steps)
        inputs.withUnsafeBufferPointer { ws.loadInputs($0.baseAddress!) }
        for i in 0..<(batch * width) { ws.targets[i] = targets[i] }
        var gradient = [Float](repeating: .nan, count: layout.parameterCount)
        let loss = parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                ws.lossAndGradient(parameters: p.baseAddress!, levels: levels, gradient: g.baseAddress!).loss
            }
        }
        return (loss, gradient)
    }

    /// Noisy sine windows: input feature 0 = sin(ω·t + φ) + noise, feature 1 (if any) = a
    /// constant 1; targets = the next `horizon` clean values of the sine (1 resource).
    /// Learnable: the phase is visible in the window.
    static func sineDataset(count: Int, window: Int, horizon: Int, features: Int = 1, seed: UInt64, noise: Double = 0.05)
        -> LSTMDataset
    {
        var g = SeededGenerator(seed: seed)
        var inputs: [Float] = [], targets: [Float] = []
        let omega = 2 * Double.pi / 12
        for _ in 0..<count {
            let phase = g.nextUniform() * 2 * Double.pi
            for t in 0..<window {
                inputs.append(Float(sin(omega * Double(t) + phase) + noise * g.nextNormal()))
                for _ in 1..<max(features, 1) { inputs.append(1) }
            }
            for s in 0..<horizon { targets.append(Float(sin(omega * Double(window + s) + phase))) }
        }
        return LSTMDataset(inputs: inputs, targets: targets, count: count, windowSteps: window, horizonSteps: horizon,
                           featureWidth: features, targetWidth: 1)
    }

    /// Uniform random values in [−scale, scale).
    static func uniform(_ count: Int, scale: Double = 1, _ g: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in (2 * g.nextUniform() - 1) * scale }
    }
}
