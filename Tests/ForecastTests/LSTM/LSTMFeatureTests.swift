import Foundation
import Testing

@testable import Forecast

@Suite("LSTM features and dataset")
struct LSTMFeatureTests {
    static let nan = Double.nan
    static let noLimits = [Double](repeating: .nan, count: 6)

    /// n samples at 5-min steps from `start`, each resource r = base[r] + i (NaN base stays NaN).
    static func samples(_ n: Int, base: [Double], start: Int64 = 1_704_067_200) -> ([Int64], [Double]) {
        let timestamps = (0..<n).map { start + Int64($0) * 300 }
        var values: [Double] = []
        for i in 0..<n { for r in 0..<6 { values.append(base[r] + Double(i)) } }
        return (timestamps, values)
    }

    @Test("each resource is divided by its limit; targets too, unclipped")
    func scalingByLimits() throws {
        let (ts, values) = Self.samples(3, base: [1, 1000, 0, 0, 0, 0])
        let limits = [2, 4000, 10, 10, 100, 100.0]
        let series = try LSTMWorkloadSeries(workload: "w", timestamps: ts, values: values, limits: limits)
        #expect(series.scaling.sources == [LSTMWorkloadScaling.Source](repeating: .limit, count: 6))
        #expect(series.scaling.scales == limits)
        let f = LSTMFeatureLayout.count
        #expect(series.features[0] == 0.5)                  // 1 / 2
        #expect(series.features[f + 1] == Float(1001.0 / 4000))
        #expect(series.features[2 * f + 4] == Float(2.0 / 100))
        #expect(series.targets[2 * 6 + 0] == 1.5)          // 3 / 2
        for r in 0..<6 { #expect(series.features[LSTMFeatureLayout.measuredOffset + r] == 1) }
    }

    @Test("no limit: scale by the 0.99 quantile of |history| (type 7), else the max, else 1")
    func robustScale() throws {
        // cpu: 1…100 → quantile at position 0.99·99 = 98.01 → 99 + 0.01·(100 − 99) = 99.01.
        var values: [Double] = []
        for i in 0..<100 { values += [Double(i + 1), 5, 0, .nan, i == 99 ? 7 : 0, -3] }
        let scaling = LSTMWorkloadScaling(values: values, limits: Self.noLimits)
        #expect(abs(scaling.scales[0] - 99.01) < 1e-12)
        #expect(scaling.scales[1] == 5)
        #expect(scaling.sources[2] == .unit && scaling.scales[2] == 1)   // all zero
        #expect(scaling.sources[3] == .unit && scaling.scales[3] == 1)   // never measured
        // 99 zeros and one 7: the 0.99 quantile is 0.07 (position 98.01 between 0 and 7).
        #expect(abs(scaling.scales[4] - 0.07) < 1e-12 && scaling.sources[4] == .historyQuantile)
        #expect(scaling.scales[5] == 3)                                   // |−3|
        // A zero limit or infinite limit counts as "no limit".
        let odd = LSTMWorkloadScaling(values: values, limits: [0, .infinity, 2, .nan, .nan, .nan])
        #expect(odd.sources[0] == .historyQuantile && odd.sources[1] == .historyQuantile && odd.sources[2] == .limit)
    }

    @Test("NaN: carry the last measured value forward with flag 0; 0 before the first; targets stay NaN")
    func nanHandling() throws {
        let ts: [Int64] = [0, 300, 600, 900]
        var values = [Double](repeating: 1, count: 24)
        values[0 * 6 + 0] = .nan   // cpu unknown at first
        values[1 * 6 + 0] = 4
        values[2 * 6 + 0] = .nan   // gap
        values[3 * 6 + 0] = 6
        let limits = [10.0, 1, 1, 1, 1, 1]
        let s = try LSTMWorkloadSeries(workload: "w", timestamps: ts, values: values, limits: limits)
        let f = LSTMFeatureLayout.count, m = LSTMFeatureLayout.measuredOffset
        #expect(s.features[0] == 0 && s.features[m] == 0)
        #expect(s.features[f] == 0.4 && s.features[f + m] == 1)
        #expect(s.features[2 * f] == 0.4 && s.features[2 * f + m] == 0)
        #expect(s.features[3 * f] == 0.6 && s.features[3 * f + m] == 1)
        #expect(s.targets[0].isNaN && s.targets[2 * 6].isNaN && s.targets[6] == 0.4)
        // Inputs are clipped to ±10 scaled units, targets capped at 10.
        var big = values
        big[3 * 6 + 1] = 50
        let clipped = try LSTMWorkloadSeries(workload: "w", timestamps: ts, values: big, limits: limits)
        #expect(clipped.features[3 * f + 1] == 10 && clipped.targets[3 * 6 + 1] == 10)
    }

    @Test("calendar features on known timestamps (UTC)")
    func calendar() {
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) < 1e-6 }
        // 1970-01-01 00:00 was a Thursday (3 days after Monday).
        let epoch = LSTMFeatureLayout.calendarFeatures(timestampSeconds: 0)
        #expect(close(epoch.timeOfDaySin, 0) && close(epoch.timeOfDayCos, 1))
        #expect(close(epoch.dayOfWeekSin, sin(2 * .pi * 3 / 7)) && close(epoch.dayOfWeekCos, cos(2 * .pi * 3 / 7)))
        // 2024-01-01 12:00 UTC, a Monday noon: day fraction 1/2, week fraction (0 + 0.5)/7.
        let noon = LSTMFeatureLayout.calendarFeatures(timestampSeconds: 1_704_110_400)
        #expect(close(noon.timeOfDaySin, 0) && close(noon.timeOfDayCos, -1))
        #expect(close(noon.dayOfWeekSin, sin(2 * .pi * 0.5 / 7)) && close(noon.dayOfWeekCos, cos(2 * .pi * 0.5 / 7)))
        // 06:00 → quarter day; one second before the epoch is 23:59:59 on a Wednesday.
        let six = LSTMFeatureLayout.calendarFeatures(timestampSeconds: 21_600)
        #expect(close(six.timeOfDaySin, 1) && close(six.timeOfDayCos, 0))
        let before = LSTMFeatureLayout.calendarFeatures(timestampSeconds: -1)
        let fraction = 86_399.0 / 86_400
        #expect(close(before.timeOfDaySin, sin(2 * .pi * fraction)))
        #expect(close(before.dayOfWeekSin, sin(2 * .pi * (2 + fraction) / 7)))
    }

    @Test("bad input is refused with a typed error")
    func errors() {
        #expect(throws: LSTMError.self) { try LSTMWorkloadSeries(workload: "w", timestamps: [0, 1], values: [1, 2, 3], limits: Self.noLimits) }
        #expect(throws: LSTMError.timestampsNotIncreasing(workload: "w", index: 1)) {
            try LSTMWorkloadSeries(workload: "w", timestamps: [5, 5], values: [Double](repeating: 1, count: 12), limits: Self.noLimits)
        }
        #expect(throws: LSTMError.self) { try LSTMWorkloadSeries(workload: "w", timestamps: [], values: [], limits: [1]) }
        #expect((try? LSTMWorkloadSeries(workload: "empty", timestamps: [], values: [], limits: Self.noLimits)) != nil)
    }

    @Test("windows, and splits by workload, by time and latest-fraction without target leakage")
    func datasetSplits() throws {
        let (tsA, vA) = Self.samples(20, base: [1, 2, 3, 4, 5, 6])
        let (tsB, vB) = Self.samples(12, base: [1, .nan, .nan, .nan, .nan, .nan])
        let (tsC, vC) = Self.samples(5, base: [1, 1, 1, 1, 1, 1])   // too short: cold start, no window
        let series = try [("a", tsA, vA), ("b", tsB, vB), ("c", tsC, vC)].map {
            try LSTMWorkloadSeries(workload: $0.0, timestamps: $0.1, values: $0.2, limits: [Double](repeating: 100, count: 6))
        }
        let data = try LSTMDataset(series: series, windowSteps: 4, horizonSteps: 2)
        // a: 20 − 4 − 2 + 1 = 15 windows; b: 12 − 6 + 1 = 7; c: none.
        #expect(data.count == 22)
        #expect(data.inputs(ofWindow: 0).count == 4 * LSTMFeatureLayout.count)
        #expect(data.targets(ofWindow: 0) == Array(series[0].targets[(4 * 6)..<(6 * 6)]))
        let strided = try LSTMDataset(series: series, windowSteps: 4, horizonSteps: 2, stride: 5)
        #expect(strided.count == 3 + 2)
        let materialized = data.materialized()
        #expect(materialized.inputs.count == 22 * 4 * 16 && materialized.targets.count == 22 * 2 * 6)

        let (kept, held) = data.split(heldOutWorkloads: ["b"])
        #expect(kept.count == 15 && held.count == 7)
        #expect((0..<held.count).allSatisfy { held.workload(ofWindow: $0) == "b" })

        let cutoff = tsA[12]
        let (before, after) = data.split(atTimestampSeconds: cutoff)
        #expect((0..<before.count).allSatisfy { before.lastTargetTimestamp(ofWindow: $0) < cutoff })
        #expect((0..<after.count).allSatisfy { after.firstTargetTimestamp(ofWindow: $0) >= cutoff })
        #expect(before.count + after.count < data.count)   // straddling windows dropped

        let (earlier, later) = data.splitLatest(fraction: 0.2)
        // a: ⌊0.2·15⌋ = 3 later windows (starts 12…14), earlier keeps starts ≤ 12 − 2 = 10.
        // b: ⌊0.2·7⌋ = 1 later (start 6), earlier keeps starts ≤ 4.
        #expect(later.count == 4 && earlier.count == 11 + 5)
        for w in ["a", "b"] {
            let lastEarlierTarget = (0..<earlier.count).filter { earlier.workload(ofWindow: $0) == w }
                .map { earlier.lastTargetTimestamp(ofWindow: $0) }.max()!
            let firstLaterTarget = (0..<later.count).filter { later.workload(ofWindow: $0) == w }
                .map { later.firstTargetTimestamp(ofWindow: $0) }.min()!
            #expect(lastEarlierTarget < firstLaterTarget)
        }
        #expect(data.splitLatest(fraction: 0).later.isEmpty)
    }
}
