import Foundation
import Testing

@testable import Forecast

// RiskEstimator: per-step exceedance, horizon max, independence across resources,
// expected steps to breach. Hand-computed cases put each allocation exactly on a knot, so
// p = 1 − level exactly (0.5, 0.1, 0.01) and the expected values are exact fractions
// (tolerance 1e-12 for rounding).

@Suite("Risk: estimator")
struct RiskEstimatorTests {
    static let levels = [0.5, 0.9, 0.99]

    /// Quantiles [a, a+1, a+2] shifted so that `allocation` sits on the knot with exceedance p.
    static func step(allocation a: Double, exceedance p: Double) -> [Double] {
        switch p {
        case 0.5: return [a, a + 1, a + 2]
        case 0.1: return [a - 1, a, a + 1]
        case 0.01: return [a - 2, a - 1, a]
        default: fatalError("use 0.5, 0.1 or 0.01")
        }
    }

    static func row(allocation: Double, exceedances: [Double]) -> [Double] {
        exceedances.flatMap { step(allocation: allocation, exceedance: $0) }
    }

    /// cpu p = [0.01, 0.5, 0.1, 0.1], memory p = [0.1, 0.01, 0.01, 0.01]; disk read has a
    /// NaN forecast under a tight limit, disk write is unconstrained, network receive has no
    /// forecast array, network transmit has an infinite limit.
    static func handCase() -> (forecast: [[Double]], allocation: [Double]) {
        let nanRow = [Double](repeating: .nan, count: 12)
        let forecast = [
            row(allocation: 10, exceedances: [0.01, 0.5, 0.1, 0.1]),
            row(allocation: 100, exceedances: [0.1, 0.01, 0.01, 0.01]),
            nanRow,
            row(allocation: 1, exceedances: [0.5, 0.5, 0.5, 0.5]),
            [],
            row(allocation: 1, exceedances: [0.5, 0.5, 0.5, 0.5]),
        ]
        return (forecast, [10, 100, 0.001, .nan, 5, .infinity])
    }

    @Test("hand-computed case: horizon exceedance, raw risk, resource at risk, steps to breach")
    func handComputed() throws {
        let estimator = try RiskEstimator(levels: Self.levels, horizonSteps: 4)
        let (forecast, allocation) = Self.handCase()
        let a = estimator.assess(forecast: forecast, allocation: allocation)
        #expect(abs(a.horizonExceedance(.cpuCores) - 0.5) < 1e-12)
        #expect(abs(a.horizonExceedance(.memoryBytes) - 0.1) < 1e-12)
        #expect(a.horizonExceedance(.diskReadBytesPerSecond).isNaN)
        #expect(a.horizonExceedance(.diskWriteBytesPerSecond) == 0)
        #expect(a.horizonExceedance(.networkReceiveBytesPerSecond).isNaN)
        #expect(a.horizonExceedance(.networkTransmitBytesPerSecond) == 0)
        #expect(abs(a.stepExceedance(.cpuCores, step: 3) - 0.1) < 1e-12)
        // 1 − (1 − 0.5)(1 − 0.1)
        #expect(abs(a.rawRisk - 0.55) < 1e-12)
        #expect(a.resourceAtRisk == .cpuCores)
        // Step maxima [0.1, 0.5, 0.1, 0.1] → F = [0.1, 0.5, 0.5, 0.5];
        // E[T | T ≤ 4] = (1·0.1 + 2·0.4) / 0.5 = 1.8.
        for (f, expected) in zip(a.breachByStep, [0.1, 0.5, 0.5, 0.5]) { #expect(abs(f - expected) < 1e-12) }
        let steps = try #require(a.expectedStepsToBreach)
        #expect(abs(steps - 1.8) < 1e-12)
    }

    @Test("late breach: E[T | T ≤ H] = (1·0.1 + 4·0.4) / 0.5 = 3.4")
    func lateBreach() throws {
        let estimator = try RiskEstimator(levels: Self.levels, horizonSteps: 4)
        var (forecast, allocation) = Self.handCase()
        forecast[0] = Self.row(allocation: 10, exceedances: [0.01, 0.01, 0.1, 0.5])
        allocation[5] = .nan
        let a = estimator.assess(forecast: forecast, allocation: allocation)
        #expect(abs(try #require(a.expectedStepsToBreach) - 3.4) < 1e-12)
        #expect(abs(a.rawRisk - 0.55) < 1e-12)
    }

    @Test("nothing constrained: risk 0, no resource at risk, no breach time")
    func unconstrained() throws {
        let estimator = try RiskEstimator(levels: Self.levels, horizonSteps: 4)
        let (forecast, _) = Self.handCase()
        for limits in [[Double](repeating: .nan, count: 6), [Double](repeating: .infinity, count: 6)] {
            let a = estimator.assess(forecast: forecast, allocation: limits)
            #expect(a.rawRisk == 0)
            #expect(a.resourceAtRisk == nil)
            #expect(a.expectedStepsToBreach == nil)
            #expect(a.breachByStep.allSatisfy { $0 == 0 })
        }
    }

    @Test("a NaN forecast is ignored: same as leaving that resource unconstrained")
    func nanForecastIgnored() throws {
        let estimator = try RiskEstimator(levels: Self.levels, horizonSteps: 4)
        var (forecast, allocation) = Self.handCase()
        let withNaN = estimator.assess(forecast: forecast, allocation: allocation)
        allocation[Resource.diskReadBytesPerSecond.rawValue] = .nan
        let without = estimator.assess(forecast: forecast, allocation: allocation)
        #expect(withNaN.rawRisk == without.rawRisk)
        #expect(withNaN.expectedStepsToBreach == without.expectedStepsToBreach)
        // A NaN at one step only: the other steps still count.
        forecast[0][1 * 3 + 2] = .nan  // step 2 of cpu (the 0.5 step) has no forecast
        let partial = estimator.assess(forecast: forecast, allocation: allocation)
        #expect(partial.stepExceedance(.cpuCores, step: 2).isNaN)
        #expect(abs(partial.horizonExceedance(.cpuCores) - 0.1) < 1e-12)
        #expect(abs(partial.rawRisk - (1 - 0.9 * 0.9)) < 1e-12)
    }

    @Test("agrees with the formulas on random forecasts; reused workspace equals a fresh one")
    func randomAgainstFormulas() throws {
        let h = 12
        let estimator = try RiskEstimator(levels: Self.levels, horizonSteps: h)
        let exceedance = estimator.exceedance
        var generator = SeededGenerator(seed: 77)
        var workspace = RiskAssessment(horizonSteps: h)
        for _ in 0..<200 {
            var forecast: [[Double]] = [], allocation: [Double] = []
            for _ in 0..<Resource.count {
                var row: [Double] = []
                for _ in 0..<h {
                    let median = 1 + 4 * generator.nextUniform()
                    row += [median, median + generator.nextUniform(), median + 3 * generator.nextUniform()]  // may cross
                }
                forecast.append(row)
                allocation.append(generator.nextUniform() < 0.2 ? .nan : 2 + 5 * generator.nextUniform())
            }
            estimator.assess(forecast: forecast, allocation: allocation, into: &workspace)
            #expect(workspace == estimator.assess(forecast: forecast, allocation: allocation))

            var survival = 1.0, best = 0.0, bestResource: Resource? = nil
            var stepMax = [Double](repeating: 0, count: h)
            for r in 0..<Resource.count {
                var pr = 0.0
                for k in 0..<h {
                    let p = exceedance.probability(exceeding: allocation[r], quantiles: Array(forecast[r][(3 * k)..<(3 * k + 3)]))
                    pr = max(pr, p)
                    stepMax[k] = max(stepMax[k], p)
                }
                survival *= 1 - pr
                if pr > best { best = pr; bestResource = Resource(rawValue: r) }
            }
            #expect(abs(workspace.rawRisk - (1 - survival)) < 1e-14)
            #expect(workspace.resourceAtRisk == (1 - survival > 0 ? bestResource : nil))
            var f = 0.0, expected = 0.0
            for k in 0..<h { let next = max(f, stepMax[k]); expected += Double(k + 1) * (next - f); f = next }
            if f > 0 {
                let steps = try #require(workspace.expectedStepsToBreach)
                #expect(abs(steps - expected / f) < 1e-12)
                #expect(steps >= 1 && steps <= Double(h))
            } else {
                #expect(workspace.expectedStepsToBreach == nil)
            }
        }
    }

    @Test("raising an allocation never raises the risk")
    func monotoneInAllocation() throws {
        let estimator = try RiskEstimator(levels: Self.levels, horizonSteps: 4)
        let (forecast, base) = Self.handCase()
        var previous = 1.0
        for i in 0...200 {
            var allocation = base
            allocation[0] = 5 + Double(i) * 0.05
            let risk = estimator.assess(forecast: forecast, allocation: allocation).rawRisk
            #expect(risk <= previous)
            previous = risk
        }
        // With cpu far above its forecast only memory's 0.1 is left.
        #expect(abs(previous - 0.1) < 1e-6)
    }

    @Test("rejects a zero-step horizon")
    func invalidHorizon() {
        #expect(throws: RiskError.invalidHorizon(steps: 0)) { _ = try RiskEstimator(levels: Self.levels, horizonSteps: 0) }
    }
}
