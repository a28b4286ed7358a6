import Forecast
import Foundation

/// `headroom-bench risk`: cost of one `RiskEstimator.assess(forecast:allocation:into:)` call,
/// the scorer's per-tick hot path (no peer: nothing else computes this quantity).
///
/// Workload: 6 resources × 12 steps × levels [0.5, 0.9, 0.99]; 64 seeded forecasts (some
/// quantiles crossing, one resource unconstrained, one with a NaN forecast) cycled through
/// so the branch predictor cannot learn one input; allocations near the forecasts so most
/// evaluations land between or beyond knots. The assessment is reused (no allocation).
/// Timed: µs per call, median of 9 batches of 200,000 calls after a warm-up batch.
/// Prints a human summary and one machine-readable `RESULT` line.
enum RiskBench {
    static func run(_ arguments: [String]) {
        let horizonSteps = 12, levels = [0.5, 0.9, 0.99], batch = 200_000
        guard let estimator = try? RiskEstimator(levels: levels, horizonSteps: horizonSteps) else { return }
        var generator = SeededGenerator(seed: 1)
        var cases: [(forecast: [[Double]], allocation: [Double])] = []
        for _ in 0..<64 {
            var forecast: [[Double]] = [], allocation: [Double] = []
            for r in 0..<Resource.count {
                var row: [Double] = []
                for _ in 0..<horizonSteps {
                    let median = 1 + generator.nextUniform()
                    row += [median, median + 0.5 * generator.nextUniform(), median + 0.3 + generator.nextUniform()]
                }
                forecast.append(r == 4 ? [Double](repeating: .nan, count: row.count) : row)
                allocation.append(r == 5 ? .nan : 1.5 + generator.nextUniform())
            }
            cases.append((forecast, allocation))
        }
        var assessment = RiskAssessment(horizonSteps: horizonSteps)
        var sink = 0.0
        func runBatch() -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<batch {
                let c = cases[i & 63]
                estimator.assess(forecast: c.forecast, allocation: c.allocation, into: &assessment)
                sink += assessment.rawRisk
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-3 / Double(batch)
        }
        _ = runBatch()
        let times = (0..<9).map { _ in runBatch() }.sorted()
        print("risk: RiskEstimator.assess, 6 resources × \(horizonSteps) steps × \(levels.count) levels, reused assessment")
        print(String(format: "  median %.3f µs per call (min %.3f, max %.3f) [checksum %.6f]",
                     times[4], times[0], times[8], sink / Double(10 * batch)))
        print(String(format: "RESULT risk assess_us=%.4f", times[4]))
    }
}
