import Forecast
import Foundation
import Models
import Testing

@Suite("Risk glue: allocation rule, scores, the risk family file, the calibration walk")
struct RiskModelsTests {
    @Test("the allocation rule is p95 of the last window × 1.2, floored, capped at the limit, CPU and memory only")
    func allocationRule() {
        let rule = AllocationRule(percentile: 0.95, margin: 0.2, windowSteps: 100)
        var history: [Double] = []
        for k in 0..<300 {  // older values are large and must be ignored (window 100)
            let cpu = k < 200 ? 50.0 : Double(k - 200)        // 0…99 in the window
            history += [cpu, 1e9, 5, 5, 5, 5]
        }
        let a = rule.allocation(history: history[...], limits: [.nan, 1.1e9, .nan, .nan, .nan, .nan])
        #expect(abs(a[0] - 94.05 * 1.2) < 1e-9)             // numpy: percentile(range(100), 95) = 94.05
        #expect(a[1] == 1.1e9)                                // 1.2e9 capped at the 1.1e9 limit
        #expect(a[2].isNaN && a[5].isNaN)                     // rates are not allocated per workload
        let idle = rule.allocation(history: [Double](repeating: 0, count: 60)[...], limits: [Double](repeating: .nan, count: 6))
        #expect(idle[0] == 0.05 && idle[1] == 64 * 1_048_576)
        let none = rule.allocation(history: [Double](repeating: .nan, count: 60)[...], limits: [2, .nan, .nan, .nan, .nan, .nan])
        #expect(none[0] == 2 && none[1].isNaN)                // no data: the limit, or unconstrained
        #expect(AllocationRule.exceeds([3, 1, 9e9, 0, 0, 0], [2.9, .nan, 1, 1, 1, 1]))
        #expect(!AllocationRule.exceeds([3, 1, 9e9, 0, 0, 0], [3, .nan, 1, 1, 1, 1]))
    }

    @Test("a score plans for the chosen quantile's peak and reports seconds to breach")
    func score() throws {
        let levels = [0.5, 0.9, 0.99]
        // cpu: quantiles rise by step; memory: no forecast.
        var cpu: [Double] = []
        for k in 0..<4 { cpu += [1 + Double(k), 2 + Double(k), 3 + Double(k)] }
        let forecast = [cpu, [Double](repeating: .nan, count: 12), [], [], [], []]
        let allocation = [3.5, 1e9, .nan, .nan, .nan, .nan]
        var assessment = RiskAssessment(horizonSteps: 4)
        let top = try RiskModel(levels: levels, horizonSteps: 4, intervalSeconds: 300, calibration: nil)
        let s = top.score(timestamp: 7, forecast: forecast, allocation: allocation, heavyPhaseProbability: nil, into: &assessment)
        #expect(s.plannedDemand[0] == 6)                      // p99 at the last step
        #expect(s.plannedDemand[1].isNaN)
        // Every level's peak (resource-major), and quantiles of the peak between them, when
        // the model keeps them (the replay's predictive policy); the service's scores do not.
        #expect(s.levelPeaks.isEmpty && s.levelScores.isEmpty && s.peakDemand(0, quantile: 0.9).isNaN)
        var keeping = top
        keeping.keepsLevelPeaks = true
        let k = keeping.score(timestamp: 7, forecast: forecast, allocation: allocation, heavyPhaseProbability: nil, into: &assessment)
        #expect(k.plannedDemand[0] == 6 && k.plannedDemand[1].isNaN && k.risk == s.risk)
        #expect(Array(k.levelPeaks[0..<3]) == [4, 5, 6] && k.levelPeaks[3..<6].allSatisfy(\.isNaN))
        #expect(k.levelPeaks.count == 6 * 3 && k.levelScores.count == 3)
        #expect(k.peakDemand(0, quantile: 0.9) == 5 && k.peakDemand(0, quantile: 0.99) == 6)
        // scipy: 5 + (norm.ppf(.95) − norm.ppf(.9)) / (norm.ppf(.99) − norm.ppf(.9)) = 5.3477253…
        #expect(abs(k.peakDemand(0, quantile: 0.95) - 5.347725253671471) < 1e-9)
        #expect(k.peakDemand(1, quantile: 0.9).isNaN && k.peakDemand(6, quantile: 0.9).isNaN)
        #expect(s.resourceAtRisk == "cpu_cores")
        #expect(s.exceedance[0] > 0.5)                        // the p50 of the last step (4) is above 3.5
        let steps = try #require(assessment.expectedStepsToBreach)
        #expect(abs(try #require(s.expectedSecondsToBreach) - steps * 300) < 1e-9)
        // The identity calibration serves the raw risk (clipped to [1e-4, 1 − 1e-4]).
        #expect(abs(s.risk - min(max(s.rawRisk, 1e-4), 1 - 1e-4)) < 1e-12)
        let p90 = try RiskModel(levels: levels, horizonSteps: 4, intervalSeconds: 300, calibration: nil, planningQuantile: 0.9)
        #expect(p90.score(timestamp: 7, forecast: forecast, allocation: allocation, heavyPhaseProbability: nil, into: &assessment).plannedDemand[0] == 5)
        #expect(throws: RiskModelError.self) { try RiskModel(levels: levels, horizonSteps: 4, intervalSeconds: 300, calibration: nil, planningQuantile: 0.95) }
    }

    @Test("the risk family round-trips through safetensors; tampered coefficients are refused")
    func codec() throws {
        var samples: [RiskCalibrationSample] = []
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<400 {
            let raw = Double.random(in: 0.01...0.99, using: &generator)
            samples.append(RiskCalibrationSample(rawRisk: raw, heavyPhaseProbability: Double.random(in: 0...1, using: &generator),
                                                 breached: Double.random(in: 0...1, using: &generator) < raw * 0.7))
        }
        let calibration = try RiskCalibrationSpec().fit(samples)
        #expect(!calibration.isFallback)
        let family = RiskFamily(calibration: calibration, rule: AllocationRule(margin: 0.3), horizonSteps: 12,
                                reliability: try ReliabilityDiagram(predicted: samples.map(\.rawRisk), outcomes: samples.map(\.breached)))
        var bundle = TensorBundle()
        RiskModels.encode(family, into: &bundle)
        let decoded = try RiskModels.decode(try Safetensors.decode(Safetensors.encode(bundle)))
        // (== on the whole value fails on the NaN floors of unconstrained resources.)
        #expect(decoded.calibration == family.calibration && decoded.horizonSteps == 12 && decoded.reliability == family.reliability)
        #expect(decoded.rule.margin == 0.3 && decoded.rule.percentile == 0.95 && decoded.rule.windowSteps == 288)
        #expect(zip(decoded.rule.floor, family.rule.floor).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        bundle.set("risk.coefficients", doubles: [calibration.intercept + 1, calibration.rawRiskLogitCoefficient, calibration.heavyPhaseCoefficient])
        #expect(throws: (any Error).self) { try RiskModels.decode(bundle) }
        // A version without sizing tables (trained before them) decodes with none.
        #expect(decoded.memoryTable == nil && decoded.cpuTable == nil)
        // With both tables: both round-trip through safetensors; a malformed CPU table is a typed error.
        var withTables = family
        withTables.memoryTable = MemoryRiskTable(ratios: .init(repeating: [1], count: MemoryRiskTable.binCount),
                                                 survivals: .init(repeating: [0], count: MemoryRiskTable.binCount))
        withTables.cpuTable = CPURiskTable(ratios: .init(repeating: [0.5, 1, 2], count: CPURiskTable.binCount),
                                           survivals: .init(repeating: [0.6, 0.2, 0], count: CPURiskTable.binCount), counts: .init(repeating: 3, count: CPURiskTable.binCount))
        var tablesBundle = TensorBundle()
        RiskModels.encode(withTables, into: &tablesBundle)
        let both = try RiskModels.decode(try Safetensors.decode(Safetensors.encode(tablesBundle)))
        #expect(both.memoryTable == withTables.memoryTable && both.cpuTable == withTables.cpuTable)
        tablesBundle.set("cpu_table.offsets", ints: [0, 1])
        #expect(throws: TensorBundleError.self) { try RiskModels.decode(tablesBundle) }
    }

    @Test("the calibration walk labels a tick by whether demand exceeds the allocation within the horizon")
    func walk() throws {
        // A workload idle at 1 core that jumps to 3 cores for one step every 50 steps.
        let steps = 600
        var values = [Double](repeating: .nan, count: steps * Resource.count)
        for k in 0..<steps {
            values[k * Resource.count] = k % 50 == 49 ? 3 : 1
            values[k * Resource.count + 1] = 1e9
        }
        let series = RegularSeries(startTimestamp: 1_375_315_200, intervalSeconds: 300, values: values)
        let models = TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:])
        let risk = try RiskModel(levels: [0.5, 0.9, 0.99], horizonSteps: 6, intervalSeconds: 300, calibration: nil)
        let rule = AllocationRule(percentile: 0.5, margin: 0.2, windowSteps: 100)
        let points = RiskTrack.walk(workload: "w", series: series, limits: .init(repeating: .nan, count: 6), models: models,
                                    risk: risk, start: 300, end: steps, rule: rule)
        #expect(points.count == steps - 300 - 6)
        for point in points {
            // allocation = median (1) × 1.2 = 1.2 cores: breached iff a jump lies in the next 6 steps.
            let expected = ((point.step + 1)...(point.step + 6)).contains { $0 % 50 == 49 }
            #expect(point.breached == expected, "step \(point.step)")
            #expect(point.score.risk >= 0 && point.score.risk <= 1)
        }
        // The naive member alone still sees the jumps in its change distribution: ticks before
        // a jump are not scored lower than the idle ones on average (no look-ahead, no crash).
        #expect(points.contains { $0.score.rawRisk > 0 })
    }
}
