import Forecast
import Store
import Testing
@testable import Models

/// `RiskExamples` on a trace that measures CPU only (Azure V1, NAB): the rule allocates no
/// memory (NaN), which constrains nothing, as score_exports.py reads it. Before this, every
/// period of such a workload was skipped, so the learned risk trained on 0 ticks of a whole
/// CPU-only family and the scorer served the fallback risk there.
@Suite("Risk examples: a resource never measured constrains nothing")
struct RiskExamplesCPUOnlyTests {
    /// A day of history at 1.0 core, then a week at 1.0 with one sample at 2.0; memory never
    /// measured. Worked by hand: the rule gives p95 × 1.2 = 1.2 cores and no memory, so only
    /// the spike is over. With a 12-step horizon exactly the 12 ticks before it are positive,
    /// the spike's own tick is the only one breaching now, and usage ÷ allocation is 1/1.2
    /// except there (2/1.2).
    @Test("CPU alone: the 12 ticks before a lone spike are the positives; memory plays no part")
    func cpuOnly() throws {
        let start: Int64 = 1_376_006_400                   // a midnight, UTC
        let n = 8 * 288 + 1, spike = 288 + 1000            // the spike: sample 1,000 of the week
        var timestamps: [Int64] = [], values: [Double] = []
        for i in 0..<n {
            timestamps.append(start + Int64(i) * 300)
            var row = [Double](repeating: .nan, count: Resource.count)
            row[Resource.cpuCores.rawValue] = i == spike ? 2.0 : 1.0
            values += row
        }
        let series = SampleSeries(workload: "cpu-only", timestamps: timestamps, values: values)
        let limits = [Double](repeating: .nan, count: Resource.count)
        let periods = [RiskExamples.Period(start: start + 86_400, end: start + 8 * 86_400)]
        var set = RiskExamples()
        set.add(workload: "cpu-only", samples: series, intervalSeconds: 300, limits: limits, periods: periods, horizonSteps: 12)

        #expect(set.rows == 7 * 288)                       // every tick of the week has a sample after it
        #expect(set.labels.filter { $0 }.count == 12)
        let spikeRow = spike - 288
        #expect((0..<set.rows).filter { set.labels[$0] } == Array((spikeRow - 12)..<spikeRow))
        #expect((0..<set.rows).filter { set.breachingNow[$0] } == [spikeRow])
        let util = set.baselineColumn(.usageOverAllocation)
        #expect(abs(util[0] - 1 / 1.2) < 1e-12)
        #expect(abs(util[spikeRow] - 2 / 1.2) < 1e-12)
        // The features see no memory: its ratios are NaN, u is CPU's.
        let f = RiskFeatures.count, row = spikeRow - 1
        #expect(set.features[row * f + 2].isNaN)           // xm
        #expect(abs(set.features[row * f + 0] - 1 / 1.2) < 1e-12)
        #expect(abs(set.features[row * f + 1] - 1 / 1.2) < 1e-12)
    }

    @Test("neither resource measured: the period is skipped, not labelled")
    func nothingMeasured() {
        let start: Int64 = 1_376_006_400
        let n = 8 * 288
        let series = SampleSeries(workload: "empty", timestamps: (0..<n).map { start + Int64($0) * 300 },
                                  values: [Double](repeating: .nan, count: n * Resource.count))
        var set = RiskExamples()
        set.add(workload: "empty", samples: series, intervalSeconds: 300, limits: [Double](repeating: .nan, count: Resource.count),
                periods: [RiskExamples.Period(start: start + 86_400, end: start + 8 * 86_400)], horizonSteps: 12)
        #expect(set.rows == 0)
    }
}

/// `RiskExamples.weeklyPeriods` on traces shorter than a week and a day.
@Suite("Risk examples: training periods of short traces")
struct RiskExamplesShortTraceTests {
    static let day: Int64 = 86_400

    @Test("a week and a day or more: whole weeks back from until, each with a day before it (as before)")
    func weekly() {
        let first: Int64 = 1_000_000
        #expect(RiskExamples.weeklyPeriods(until: first + 8 * Self.day, firstSample: first)
                == [.init(start: first + Self.day, end: first + 8 * Self.day)])
        #expect(RiskExamples.weeklyPeriods(until: first + 16 * Self.day, firstSample: first)
                == [.init(start: first + 2 * Self.day, end: first + 9 * Self.day), .init(start: first + 9 * Self.day, end: first + 16 * Self.day)])
        #expect(RiskExamples.weeklyPeriods(until: first + 16 * Self.day, firstSample: first, weeks: 1)
                == [.init(start: first + 9 * Self.day, end: first + 16 * Self.day)])
    }

    @Test("shorter: one period after min(a day, half the span) of history; under an hour either side, none")
    func short() {
        let first: Int64 = 1_000_000
        // Alibaba-like: 5 days before until → a day of history, 4 days of ticks.
        #expect(RiskExamples.weeklyPeriods(until: first + 5 * Self.day, firstSample: first)
                == [.init(start: first + Self.day, end: first + 5 * Self.day)])
        // Google-like: 16 hours → 8 of history, 8 of ticks.
        #expect(RiskExamples.weeklyPeriods(until: first + 16 * 3_600, firstSample: first)
                == [.init(start: first + 8 * 3_600, end: first + 16 * 3_600)])
        #expect(RiskExamples.weeklyPeriods(until: first + 7_200, firstSample: first) == [.init(start: first + 3_600, end: first + 7_200)])
        #expect(RiskExamples.weeklyPeriods(until: first + 7_000, firstSample: first).isEmpty)
        #expect(RiskExamples.weeklyPeriods(until: first + 5 * Self.day, firstSample: first, weeks: 0).isEmpty)
    }
}
