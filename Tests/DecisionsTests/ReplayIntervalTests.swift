import Forecast
import Models
import Store
import Testing
@testable import Decisions

/// The replay's warm-up and the policies' starting history are spans of time read on each
/// workload's grid: at 300 s the sample counts every replay figure was produced with.
@Suite("Replay histories in samples of each workload's interval")
struct ReplayIntervalTests {
    @Test("at 300 s: 2,016 warm-up samples and 14 × 288 + 12 policy samples")
    func fiveMinutes() {
        let options = ReplayOptions(policy: .predictive, from: 0, to: 1)
        #expect(options.warmupSamples(intervalSeconds: 300) == 2016)
        #expect(options.policyHistorySamples(intervalSeconds: 300) == 14 * 288 + 12)
    }

    @Test("at 60 s five times as many; at 1 s the warm-up is capped, the policy history is not")
    func finerGrids() {
        let options = ReplayOptions(policy: .vpa, from: 0, to: 1)
        #expect(options.warmupSamples(intervalSeconds: 60) == 10_080)
        #expect(options.policyHistorySamples(intervalSeconds: 60) == 14 * 1440 + 60)
        #expect(options.warmupSamples(intervalSeconds: 1) == OnlineWorkload.naiveWindowStepCap)
        #expect(options.policyHistorySamples(intervalSeconds: 1) == 14 * 86_400 + 3600)
    }
}

/// The scoring core's starting allocation is the rule over a day of the workload's own
/// samples, whatever its interval.
@Suite("Scoring core allocation window per interval")
struct ScoringCoreIntervalTests {
    /// 1,440 samples: the older 1,152 at 4 cores, the newest 288 at 1 core.
    static func history(intervalSeconds: Int64) -> SampleSeries {
        let rows = 1440, start: Int64 = 1_700_006_400
        var values = [Double](repeating: .nan, count: rows * Resource.count)
        for k in 0..<rows {
            values[k * Resource.count] = k < rows - 288 ? 4 : 1
            values[k * Resource.count + 1] = 1e9
        }
        return SampleSeries(workload: "w", timestamps: (0..<rows).map { start + Int64($0) * intervalSeconds }, values: values)
    }

    @Test("at 60 s the rule reads the whole day (1,440 samples); at 300 s the last 288")
    func allocationWindow() throws {
        let models = TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:])
        let limits = [Double](repeating: .nan, count: Resource.count)
        let core = ScoringCore(models: models, horizonSteps: 12)
        try core.register(name: "w", intervalSeconds: 60, limits: limits, history: Self.history(intervalSeconds: 60))
        let perMinute = try #require(core.entry("w")).allocation[Resource.cpuCores.rawValue]
        #expect(abs(perMinute - 4 * 1.2) < 1e-12)
        let fiveMinute = ScoringCore(models: models, horizonSteps: 12)
        try fiveMinute.register(name: "w", intervalSeconds: 300, limits: limits, history: Self.history(intervalSeconds: 300))
        let perFiveMinutes = try #require(fiveMinute.entry("w")).allocation[Resource.cpuCores.rawValue]
        #expect(abs(perFiveMinutes - 1 * 1.2) < 1e-12)
    }
}
