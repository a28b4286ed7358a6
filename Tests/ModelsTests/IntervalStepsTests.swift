import Forecast
import Models
import Testing

/// The online state's and the risk path's spans (gap rule, naive window and refresh,
/// allocation window, warm-ups) converted by each workload's own interval: at 300 s the
/// step counts every figure was produced with, at 60 s five times as many, at 1 s capped.
@Suite("Windows and gaps in steps of each workload's interval")
struct IntervalStepsTests {
    static let limits = [8, 16e9, Double.nan, .nan, .nan, .nan]
    static let models = TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:])

    @Test("at 300 s: 288, 2,016, 1,008, 288, 2,016, 2,016")
    func fiveMinutes() {
        #expect(OnlineWorkload.maximumGapSteps(intervalSeconds: 300) == 288)
        #expect(OnlineWorkload.naiveWindowSteps(intervalSeconds: 300) == 2016)
        #expect(OnlineWorkload.naiveRefreshSteps(intervalSeconds: 300) == 1008)
        #expect(AllocationRule().windowSteps(atIntervalSeconds: 300) == 288)
        #expect(AllocationRule(windowSteps: 100).windowSteps(atIntervalSeconds: 300) == 100)
        #expect(RiskTrack.warmupSteps(intervalSeconds: 300) == 2016)
        #expect(SharedModelForecasts.arimaWarmupSteps(intervalSeconds: 300) == 2016)
        let naive = OnlineWorkload.naiveForecaster(intervalSeconds: 300)
        #expect(naive.windowSteps == 2016 && naive.spreadRefreshSteps == 1008)
        let online = OnlineWorkload(name: "w", models: Self.models, intervalSeconds: 300, horizonSteps: 12, limits: Self.limits)
        #expect(online.maximumGapSteps == 288 && online.naiveWindowSteps == 2016 && online.naiveRefreshSteps == 1008)
    }

    @Test("at 60 s: a day is 1,440 steps, a week 10,080, half a week 5,040")
    func oneMinute() {
        #expect(OnlineWorkload.maximumGapSteps(intervalSeconds: 60) == 1440)
        #expect(OnlineWorkload.naiveWindowSteps(intervalSeconds: 60) == 10_080)
        #expect(OnlineWorkload.naiveRefreshSteps(intervalSeconds: 60) == 5040)
        #expect(AllocationRule().windowSteps(atIntervalSeconds: 60) == 1440)
        #expect(AllocationRule(windowSteps: 100).windowSteps(atIntervalSeconds: 60) == 500)
        #expect(RiskTrack.warmupSteps(intervalSeconds: 60) == 10_080)
        #expect(SharedModelForecasts.arimaWarmupSteps(intervalSeconds: 60) == 10_080)
        let online = OnlineWorkload(name: "w", models: Self.models, intervalSeconds: 60, horizonSteps: 12, limits: Self.limits)
        #expect(online.maximumGapSteps == 1440 && online.naiveWindowSteps == 10_080 && online.naiveRefreshSteps == 5040)
    }

    @Test("at 1 s every span is capped: 2,016 gap steps, 10,080 window steps, 5,040 between refreshes")
    func oneSecond() {
        #expect(OnlineWorkload.maximumGapSteps(intervalSeconds: 1) == OnlineWorkload.maximumGapStepCap)
        #expect(OnlineWorkload.maximumGapStepCap == 2016)
        #expect(OnlineWorkload.naiveWindowSteps(intervalSeconds: 1) == OnlineWorkload.naiveWindowStepCap)
        #expect(OnlineWorkload.naiveRefreshSteps(intervalSeconds: 1) == OnlineWorkload.naiveWindowStepCap / 2)
        #expect(AllocationRule().windowSteps(atIntervalSeconds: 1) == AllocationRule.windowStepCap)
        // A rule stated with a longer window than the cap keeps it.
        #expect(AllocationRule(windowSteps: 20_000).windowSteps(atIntervalSeconds: 1) == 20_000)
        #expect(RiskTrack.warmupSteps(intervalSeconds: 1) == OnlineWorkload.naiveWindowStepCap)
        #expect(SharedModelForecasts.arimaWarmupSteps(intervalSeconds: 1) == OnlineWorkload.naiveWindowStepCap)
        // A non-positive interval is taken as 1 s.
        let zero = OnlineWorkload(name: "w", models: Self.models, intervalSeconds: 0, horizonSteps: 12, limits: Self.limits)
        #expect(zero.naiveWindowSteps == OnlineWorkload.naiveWindowStepCap && zero.maximumGapSteps == 2016)
    }

    @Test("a workload sampled every 60 s predicts through a one-day gap (1,440 missing steps), not only 288, and restarts past it")
    func oneDayGapAtOneMinute() {
        let interval: Int64 = 60, start: Int64 = 1_700_006_400
        let row = [1.0, 2e9, 0, 0, 0, 0]
        var accepted: Bool
        var online = OnlineWorkload(name: "w", models: Self.models, intervalSeconds: interval, horizonSteps: 12, limits: Self.limits)
        accepted = online.ingest(timestamp: start, values: row)
        #expect(accepted)
        // 1,000 missing minutes (more than 288 steps): fed through, one step each.
        var t = start + 1001 * interval
        accepted = online.ingest(timestamp: t, values: row)
        #expect(accepted)
        #expect(online.stepsFed == 1 + 1001)
        // Exactly a day missing (1,440 steps): still fed through.
        t += 1441 * interval
        accepted = online.ingest(timestamp: t, values: row)
        #expect(accepted)
        #expect(online.stepsFed == 1 + 1001 + 1441)
        // One step more than a day: the states restart; only the sample is fed.
        t += 1442 * interval
        accepted = online.ingest(timestamp: t, values: row)
        #expect(accepted)
        #expect(online.stepsFed == 1 + 1001 + 1441 + 1)
        #expect(online.lastTimestamp == t)

        // At 300 s a day is 288 steps: 288 missing ones are fed through, 289 restart the states.
        var fiveMinute = OnlineWorkload(name: "w", models: Self.models, intervalSeconds: 300, horizonSteps: 12, limits: Self.limits)
        accepted = fiveMinute.ingest(timestamp: start, values: row)
        #expect(accepted)
        accepted = fiveMinute.ingest(timestamp: start + 289 * 300, values: row)
        #expect(accepted)
        #expect(fiveMinute.stepsFed == 1 + 289)
        accepted = fiveMinute.ingest(timestamp: start + (289 + 290) * 300, values: row)
        #expect(accepted)
        #expect(fiveMinute.stepsFed == 1 + 289 + 1)
    }

    @Test("the allocation rule reads a day of the workload's own samples: 1,440 rows at 60 s, 288 at 300 s")
    func allocationWindowAtOneMinute() {
        // 1,440 rows: the older 1,152 at 4 cores, the newest 288 at 1 core.
        let rows = 1440
        var history = [Double](repeating: .nan, count: rows * Resource.count)
        for k in 0..<rows {
            history[k * Resource.count] = k < rows - 288 ? 4 : 1
            history[k * Resource.count + 1] = 1e9
        }
        let rule = AllocationRule()
        let noLimits = [Double](repeating: .nan, count: Resource.count)
        let perMinute = rule.allocation(history: history[...], limits: noLimits, intervalSeconds: 60)
        let perFiveMinutes = rule.allocation(history: history[...], limits: noLimits, intervalSeconds: 300)
        #expect(abs(perMinute[0] - 4 * 1.2) < 1e-12)        // p95 of a day that is 80 % 4-core samples
        #expect(abs(perFiveMinutes[0] - 1 * 1.2) < 1e-12)   // the last 288 rows only
        #expect(Array(perFiveMinutes[0..<2]) == Array(rule.allocation(history: history[...], limits: noLimits)[0..<2]))
    }
}
