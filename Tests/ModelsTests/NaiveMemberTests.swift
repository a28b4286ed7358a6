import Forecast
import Foundation
@testable import Models
import Testing

/// The naive member's refresh finds its quantiles by selection (`OrderStatistics`) instead of
/// sorting: it must give exactly what `NaiveForecaster.spread` gives.
@Suite("Naive member and order statistics")
struct NaiveMemberTests {
    @Test("selection gives the sorted empirical quantiles exactly, ties and all sizes", arguments: [1, 2, 3, 17, 601, 2016])
    func selectionMatchesSort(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let levels = [0.5, 0.9, 0.99, 0.1, 0, 1]  // (a descending level restarts from the whole range)
        for trial in 0..<20 {
            // Half the trials quantised (many ties, like usage data), half continuous.
            let values = (0..<count).map { _ in
                trial % 2 == 0 ? Double(Int(generator.nextUniform() * 5)) - 2 : generator.nextUniform() * 10 - 5
            }
            let sorted = values.sorted()
            var scratch = values
            var got = [Double](repeating: .nan, count: levels.count)
            scratch.withUnsafeMutableBufferPointer { v in
                got.withUnsafeMutableBufferPointer { out in
                    OrderStatistics.empiricalQuantiles(v.baseAddress!, count: count, levels: levels, into: out.baseAddress!)
                }
            }
            for (j, q) in levels.enumerated() { #expect(got[j] == empiricalQuantile(sorted: sorted, q), "n \(count), q \(q)") }
            #expect(scratch.sorted() == sorted)  // a permutation
        }
    }

    /// The window is kept in Float (`NaiveHistory`): the member is exactly `NaiveForecaster`
    /// over the Float-rounded values, and within 2⁻²³ of the largest |value| of the Double one
    /// (each change moves by at most 2⁻²⁴ of each of its two values, so each order statistic
    /// and their interpolation by at most that much).
    @Test("the online naive member equals NaiveForecaster over the trailing week of Float-rounded values, after the ring wraps, and is within 2⁻²³ · max|y| of the Double one")
    func naiveMemberMatchesForecaster() {
        let steps = 2500, interval: Int64 = 300, start: Int64 = 1_375_315_200
        var generator = SeededGenerator(seed: 11)
        var values = [Double](repeating: .nan, count: steps * Resource.count)
        for k in 0..<steps {
            values[k * Resource.count] = Double(Int(4 * generator.nextUniform())) / 4          // quantised: ties
            values[k * Resource.count + 1] = 4e9 + 1e8 * sin(Double(k) / 40) + 1e6 * generator.nextUniform()
            if k % 97 == 0 { values[k * Resource.count + 1] = .nan }                             // the odd missing value
        }
        let models = TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:])
        var online = OnlineWorkload(name: "w", models: models, intervalSeconds: interval, horizonSteps: 12, limits: [8, 16e9, .nan, .nan, .nan, .nan])
        let checkpoints: Set<Int> = [10, 2016, 2300]
        for k in 0..<steps {
            online.ingest(timestamp: start + Int64(k) * interval, values: Array(values[(k * 6)..<(k * 6 + 6)]))
            guard checkpoints.contains(k + 1) else { continue }
            // A fresh state's first forecast refreshes the spread now: compare at this step.
            var fresh = OnlineWorkload(name: "w", models: models, intervalSeconds: interval, horizonSteps: 12, limits: [8, 16e9, .nan, .nan, .nan, .nan])
            for i in 0...k { fresh.ingest(timestamp: start + Int64(i) * interval, values: Array(values[(i * 6)..<(i * 6 + 6)])) }
            let naive = fresh.memberForecasts().naive
            for r in 0..<2 {
                let exact = (0...k).map { values[$0 * Resource.count + r] }
                let column = exact.map { Double(Float($0)) }
                let forecaster = NaiveForecaster(windowSteps: fresh.naiveWindowSteps)
                let spread = forecaster.spread(history: column.suffix(fresh.naiveWindowSteps)[...], horizonSteps: 12, quantiles: [0.5, 0.9, 0.99])
                let last = exact.last!   // the last value is kept in Double
                #expect(naive[r] == spread.map { max(0, last + $0) }, "resource \(r) after \(k + 1) steps")
                let window = exact.suffix(fresh.naiveWindowSteps)
                let doubleSpread = forecaster.spread(history: window[...], horizonSteps: 12, quantiles: [0.5, 0.9, 0.99])
                let largest = window.filter(\.isFinite).map(abs).max() ?? 0
                for (x, y) in zip(spread, doubleSpread) {
                    #expect(abs(x - y) <= 0x1p-23 * largest * (1 + 1e-9), "resource \(r) after \(k + 1) steps: \(x) vs \(y)")
                }
                if r == 1 { #expect(spread != doubleSpread) }   // memory's values are not Float-exact: the bound is exercised
            }
        }
        _ = online.memberForecasts()
    }
}
