import Foundation
import Testing

@testable import Forecast

// Online stepping uses a 1-row sgemm per step where the batch forward uses a B-row sgemm and
// a separate input-projection sgemm: the same sums in a different blocking, so results agree
// to Float rounding, not bit for bit. Tolerance 1e-5 absolute on O(1) outputs (≈ 100 ulp).
@Suite("LSTM online state")
struct LSTMOnlineStateTests {
    /// An untrained model of the standard feature layout with random PyTorch-style weights.
    static func model(hidden: Int = 16, window: Int = 10, seed: UInt64 = 3) -> LSTMModel {
        let spec = LSTMSpec(hiddenSize: hidden, windowSteps: window, horizonSteps: 3, maxEpochs: 1, patience: 1)
        var g = SeededGenerator(seed: seed)
        let layout = LSTMLayout(spec)
        return LSTMModel(spec: spec, parameters: layout.initialParameters(quantileCount: 3, generator: &g))
    }

    @Test("stepping through a window gives the batch forward pass's forecast")
    func stepEqualsBatch() {
        let model = Self.model()
        var g = SeededGenerator(seed: 8)
        let f = model.spec.inputFeatures, t = model.spec.windowSteps
        let window = LSTMTestSupport.uniform(t * f, scale: 1, &g).map { Float($0) }
        var state = LSTMOnlineState(model: model)
        for step in 0..<t { state.step(features: Array(window[(step * f)..<((step + 1) * f)])) }
        let online = state.forecast(), batch = model.predict(window: window)
        #expect(state.stepsTaken == t)
        let worst = zip(online.values, batch.values).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "online vs batch: \(worst)")
        // reset() returns to the unconditional forecast, still shifted by the last features
        // (the residual head: the last observed values are kept); a fresh state has none.
        state.reset()
        #expect(state.hidden.allSatisfy { $0 == 0 } && state.cell.allSatisfy { $0 == 0 })
        let fresh = LSTMOnlineState(model: model).forecast(), afterReset = state.forecast()
        let q = model.spec.quantiles.count, r = model.spec.outputResources
        for i in fresh.values.indices {
            #expect(afterReset.values[i] == fresh.values[i] + window[(t - 1) * f + (i / q) % r], "output \(i)")
        }
    }

    @Test("the head for some resources writes exactly their entries of the full forecast, bit for bit, and nothing else")
    func resourceSubsetHead() {
        // Horizon 3 × 3 quantiles: 9 rows per resource, so runs of resources start at rows
        // that are not multiples of the kernels' blocking.
        let model = Self.model(seed: 12)
        var g = SeededGenerator(seed: 13)
        let f = model.spec.inputFeatures, o = model.spec.outputCount
        let r = model.spec.outputResources, q = model.spec.quantiles.count
        var state = LSTMOnlineState(model: model)
        for _ in 0..<7 { state.step(features: LSTMTestSupport.uniform(f, scale: 1, &g).map { Float($0) }) }
        let full = state.forecast().values
        let sentinel: Float = -12345
        for mask in [UInt32(0b000001), 0b111000, 0b010101, 0b101110, 0b111111, 0b100000] {
            var values = [Float](repeating: sentinel, count: o), scratch = [Float](repeating: 0, count: o)
            values.withUnsafeMutableBufferPointer { v in
                scratch.withUnsafeMutableBufferPointer { s in state.forecast(into: v.baseAddress!, scratch: s.baseAddress!, resources: mask) }
            }
            for i in 0..<o {
                let resource = (i / q) % r
                if mask & (1 << UInt32(resource)) != 0 {
                    #expect(values[i].bitPattern == full[i].bitPattern, "mask \(mask) output \(i): \(values[i]) vs \(full[i])")
                } else {
                    #expect(values[i] == sentinel, "mask \(mask) output \(i) was written")
                }
            }
        }
    }

    @Test("a state holding a NaN or an infinity is degenerate, a finite one (however large) is not")
    func degenerateState() {
        let healthy = Self.model(seed: 14)
        let layout = LSTMLayout(healthy.spec)
        var g = SeededGenerator(seed: 15)
        let features = LSTMTestSupport.uniform(healthy.spec.inputFeatures, scale: 1, &g).map { Float($0) }
        var state = LSTMOnlineState(model: healthy)
        state.step(features: features)
        #expect(!state.isDegenerate)
        // A weight into the first gate row made non-finite poisons the cell (and h) at one step.
        for bad in [Float.nan, .infinity, -.infinity] {
            var parameters = healthy.parameters
            for k in 0..<layout.fusedWidth { parameters[layout.weightOffset + k] = bad }
            var poisoned = LSTMOnlineState(model: LSTMModel(spec: healthy.spec, parameters: parameters))
            #expect(!poisoned.isDegenerate)
            poisoned.step(features: features)
            #expect(poisoned.isDegenerate, "weight \(bad)")
            poisoned.reset()
            #expect(!poisoned.isDegenerate)
        }
    }

    @Test("a batch forecast (sgemm path) equals one-window forecasts (sgemv path)")
    func batchEqualsSingle() {
        let model = Self.model()
        var g = SeededGenerator(seed: 10)
        let f = model.spec.inputFeatures, t = model.spec.windowSteps, o = model.spec.outputCount
        let windows = LSTMTestSupport.uniform(5 * t * f, scale: 1, &g).map { Float($0) }
        let batch = model.predict(windows: windows, count: 5)
        for k in 0..<5 {
            let single = model.predict(window: Array(windows[(k * t * f)..<((k + 1) * t * f)]))
            let worst = zip(single.values, batch[(k * o)..<((k + 1) * o)]).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "window \(k): \(worst)")
        }
    }

    @Test("raw samples stepped online give the features and forecast of the batch builder")
    func rawSamples() throws {
        let model = Self.model()
        let n = 30
        var g = SeededGenerator(seed: 2)
        let timestamps = (0..<n).map { 1_700_000_000 + Int64($0) * 300 }
        var values = LSTMTestSupport.uniform(n * 6, scale: 1, &g).map { abs($0) * 1e6 }
        values[7] = .nan
        values[13] = .nan
        let limits = [4e6, .nan, 2e6, .nan, 1e7, .nan]
        let series = try LSTMWorkloadSeries(workload: "w", timestamps: timestamps, values: values, limits: limits)
        var state = LSTMOnlineState(model: model, scaling: series.scaling)
        let f = LSTMFeatureLayout.count, t = model.spec.windowSteps
        for i in 0..<n {
            if i == n - t { state.reset() }   // the last window only, as the batch sees it
            state.step(timestampSeconds: timestamps[i], values: Array(values[(i * 6)..<((i + 1) * 6)]))
        }
        let batch = model.predict(window: Array(series.features[((n - t) * f)...]))
        let worst = zip(state.forecast().values, batch.values).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5)
        // Unscaling multiplies by each resource's scale.
        let si = batch.unscaled(by: series.scaling)
        #expect(abs(si[0] - Double(batch[step: 0, resource: 0, level: 0]) * 4e6) < 1e-3)
    }

    @Test("cold start: a workload with a few samples gets monotone forecasts from the global model")
    func coldStart() {
        let model = Self.model()
        var g = SeededGenerator(seed: 12)
        let short = LSTMTestSupport.uniform(3 * model.spec.inputFeatures, scale: 0.5, &g).map { Float($0) }
        let forecast = model.predict(window: short)   // 3 steps instead of 10
        #expect(forecast.values.allSatisfy { $0.isFinite })
        for s in 0..<3 { for r in 0..<6 {
            #expect(forecast[step: s, resource: r, level: 0] < forecast[step: s, resource: r, level: 1])
            #expect(forecast[step: s, resource: r, level: 1] < forecast[step: s, resource: r, level: 2])
        } }
        var state = LSTMOnlineState(model: model)
        for k in 0..<3 { state.step(features: Array(short[(k * 16)..<((k + 1) * 16)])) }
        #expect(zip(state.forecast().values, forecast.values).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}
