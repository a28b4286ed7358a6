import Testing
import Forecast

/// Spans of time on a workload's grid (`Duration.steps(atIntervalSeconds:cap:)`) and the
/// baselines made for an interval: at 300 s exactly the step counts the 5-minute data was
/// tuned with, scaled at 60 s, scaled or capped at 1 s.
@Suite("Durations in steps of a workload's interval")
struct DurationStepsTests {
    static let day = Duration.seconds(86_400), week = Duration.seconds(7 * 86_400)

    @Test("a day and a week are 288 and 2,016 five-minute steps, 1,440 and 10,080 one-minute steps")
    func conversions() {
        #expect(Self.day.steps(atIntervalSeconds: 300) == 288)
        #expect(Self.week.steps(atIntervalSeconds: 300) == 2016)
        #expect(Duration.seconds(302_400).steps(atIntervalSeconds: 300) == 1008)
        #expect(Duration.seconds(3 * 86_400).steps(atIntervalSeconds: 300) == 3 * 288)
        #expect(Duration.seconds(14 * 86_400 + 3_600).steps(atIntervalSeconds: 300) == 14 * 288 + 12)
        #expect(Self.day.steps(atIntervalSeconds: 60) == 1440)
        #expect(Self.week.steps(atIntervalSeconds: 60) == 10_080)
        #expect(Self.day.steps(atIntervalSeconds: 1) == 86_400)
    }

    @Test("rounded to the nearest step, at least one, at most the cap; a non-positive interval is 1 s")
    func roundingAndBounds() {
        #expect(Self.day.steps(atIntervalSeconds: 7) == 12_343)             // 12,342.86
        #expect(Duration.seconds(10).steps(atIntervalSeconds: 4) == 3)      // 2.5: ties away from zero
        #expect(Duration.seconds(1).steps(atIntervalSeconds: 300) == 1)     // never 0 steps
        #expect(Duration.zero.steps(atIntervalSeconds: 300) == 1)
        #expect(Duration.milliseconds(2_500).steps(atIntervalSeconds: 1) == 3)
        #expect(Self.day.steps(atIntervalSeconds: 1, cap: 2016) == 2016)
        #expect(Self.day.steps(atIntervalSeconds: 60, cap: 2016) == 1440)   // below the cap: untouched
        #expect(Self.day.steps(atIntervalSeconds: 0) == 86_400)
        #expect(Self.day.steps(atIntervalSeconds: -300) == 86_400)
        #expect(Self.day.steps(atIntervalSeconds: 1, cap: 0) == 1)
    }

    @Test("the baselines at 300 s are the 5-minute defaults; at 60 s and 1 s their spans scale (the VPA window capped)")
    func baselines() {
        let naive = NaiveForecaster(), seasonal = SeasonalNaiveForecaster(), vpa = PercentileForecaster()
        #expect(naive.windowSteps == 2016 && naive.spreadRefreshSteps == 288)
        #expect(seasonal.periodSteps == 288 && seasonal.windowSteps == 2016 && seasonal.spreadRefreshSteps == 288)
        #expect(vpa.windowSteps == 2304 && vpa.spreadRefreshSteps == 1)

        let naive60 = NaiveForecaster(intervalSeconds: 60), seasonal60 = SeasonalNaiveForecaster(intervalSeconds: 60)
        let vpa60 = PercentileForecaster(intervalSeconds: 60)
        #expect(naive60.windowSteps == 10_080 && naive60.spreadRefreshSteps == 1440)
        #expect(seasonal60.periodSteps == 1440 && seasonal60.windowSteps == 10_080 && seasonal60.spreadRefreshSteps == 1440)
        #expect(vpa60.windowSteps == 11_520 && vpa60.spreadRefreshSteps == 1)

        let naive1 = NaiveForecaster(intervalSeconds: 1), vpa1 = PercentileForecaster(intervalSeconds: 1)
        #expect(naive1.windowSteps == 604_800 && naive1.spreadRefreshSteps == 86_400)
        #expect(vpa1.windowSteps == PercentileForecaster.windowStepCap && vpa1.spreadRefreshSteps == 60)
    }

    @Test("a per-interval forecaster uses each series' own grid: the seasonal lag of a 60-s series is a day of it")
    func perIntervalForecaster() {
        // Two days and a bit of a 60-s series whose value is the minute of the day: the
        // seasonal-naive point one step ahead is yesterday's value at that minute.
        let steps = 2 * 1440 + 10, start: Int64 = 1_700_006_400   // a UTC midnight
        var values = [Double](repeating: .nan, count: steps * Resource.count)
        for k in 0..<steps { values[k * Resource.count] = Double(k % 1440) }
        let series = RegularSeries(startTimestamp: start, intervalSeconds: 60, values: values)
        var perInterval = PerResourceForecaster(atInterval: { SeasonalNaiveForecaster(intervalSeconds: $0) })
        let forecast = perInterval.forecast(workload: "w", series: series, origin: steps - 1, horizonSteps: 1, quantiles: [0.5])
        #expect(perInterval.base.periodSteps == 1440)
        #expect(forecast[0][0] == Double(steps % 1440))
        // The 5-minute baseline on the same series lags 288 minutes, not a day: its point is
        // that minute's value and its spread the (non-zero) 288-minute changes.
        var fixed = PerResourceForecaster(SeasonalNaiveForecaster())
        let wrong = fixed.forecast(workload: "w", series: series, origin: steps - 1, horizonSteps: 1, quantiles: [0.5])
        #expect(fixed.base.periodSteps == 288)
        #expect(fixed.base.points(history: series.column(.cpuCores)[...], horizonSteps: 1) == [Double((steps - 288) % 1440)])
        #expect(wrong[0][0] != forecast[0][0])
    }
}
