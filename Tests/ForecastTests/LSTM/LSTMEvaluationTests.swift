import Foundation
import Testing

@testable import Forecast

@Suite("LSTM evaluation")
struct LSTMEvaluationTests {
    @Test("evaluate (minibatch gather, time-major) agrees with predict on the materialised windows")
    func evaluateMatchesPredict() throws {
        // Real feature rows from two workloads, so windows start mid-series and gather has to
        // pick the right rows; one resource never measured (NaN targets are skipped).
        var g = SeededGenerator(seed: 31)
        let series = try (0..<2).map { w in
            let n = 40
            var values = LSTMTestSupport.uniform(n * 6, scale: 1, &g).map { abs($0) * 100 }
            for i in 0..<n { values[i * 6 + 5] = .nan }
            return try LSTMWorkloadSeries(workload: "w\(w)", timestamps: (0..<n).map { Int64($0) * 300 }, values: values,
                                          limits: [Double](repeating: 100, count: 6))
        }
        let spec = LSTMSpec(hiddenSize: 8, windowSteps: 6, horizonSteps: 2, quantiles: [0.5, 0.9], maxEpochs: 1, patience: 1)
        let data = try LSTMDataset(series: series, windowSteps: 6, horizonSteps: 2, stride: 3)
        var weightGenerator = SeededGenerator(seed: 2)
        let model = LSTMModel(spec: spec, parameters: LSTMLayout(spec).initialParameters(quantileCount: 2, generator: &weightGenerator))
        let evaluation = model.evaluate(data)

        let (inputs, targets) = data.materialized()
        let predicted = model.predict(windows: inputs, count: data.count)
        var sum = 0.0, measured = 0, covered = [0, 0]
        for n in 0..<targets.count where !targets[n].isNaN {
            measured += 1
            for (k, tau) in [0.5, 0.9].enumerated() {
                let u = Double(targets[n]) - Double(predicted[n * 2 + k])
                sum += u > 0 ? tau * u : (tau - 1) * u
                if u <= 0 { covered[k] += 1 }
            }
        }
        #expect(evaluation.windows == data.count)
        #expect(evaluation.measuredTargets == measured && measured == data.count * 2 * 5)
        #expect(abs(evaluation.meanPinballLoss - sum / Double(measured * 2)) < 1e-6)
        #expect(evaluation.coverageByQuantile == covered.map { Double($0) / Double(measured) })
        #expect(evaluation.medianAbsoluteErrorByResource[5].isNaN)
        // maxWindows takes evenly spaced windows.
        #expect(model.evaluate(data, maxWindows: 3).windows == 3)
    }
}
