import Testing
@testable import Forecast

@Suite("Accuracy measures and baselines")
struct AccuracyTests {
    @Test("pinball loss by hand")
    func pinball() {
        #expect(ForecastAccuracy.pinball(quantile: 0.9, actual: 10, predicted: 8) == 0.9 * 2)
        #expect(abs(ForecastAccuracy.pinball(quantile: 0.9, actual: 10, predicted: 12) - 0.1 * 2) < 1e-15)
        #expect(ForecastAccuracy.pinball(quantile: 0.5, actual: 3, predicted: 5) == 1)
    }

    @Test("MASE scale and accumulator: a forecast as good as in-sample naive has MASE 1")
    func mase() {
        let training: [Double] = [1, 3, 2, 4, 3, .nan, 5]
        // |3-1|, |2-3|, |4-2|, |3-4| (NaN pairs skipped) → (2+1+2+1)/4 = 1.5
        #expect(ForecastAccuracy.maseScale(training: training) == 1.5)
        #expect(ForecastAccuracy.maseScale(training: [2, 2, 2]).isNaN)
        #expect(ForecastAccuracy.maseScale(training: [1, 2, 3, 5], seasonality: 2) == 2.5)
        var acc = AccuracyAccumulator(quantiles: [0.5, 0.9], horizonSteps: 2)
        acc.add(actual: [10, 12], predicted: [8.5, 11, 13.5, 14], scale: 1.5)
        #expect(acc.mase == [1, 1])
        #expect(acc.overallMASE == 1)
        // pinball: step 1: q.5: .5·1.5=.75, q.9: (0.9-1)(10-11)=0.1 ; step 2: q.5: .5·(-1.5)·-1=.75, q.9: 0.1·2=0.2  (÷1.5)
        #expect(abs(acc.meanPinball[0] - (0.75 + 0.75) / 1.5 / 2) < 1e-12)
        #expect(abs(acc.meanPinball[1] - (0.1 + 0.2) / 1.5 / 2) < 1e-12)
        #expect(acc.coverage == [0.5, 1])   // 10 > 8.5 (miss), 12 ≤ 13.5; both ≤ the 0.9 quantiles
    }

    @Test("empirical quantile matches numpy's linear method")
    func quantiles() {
        // numpy.quantile([1, 2, 3, 4, 10], [0, .25, .5, .9, 1]) = [1, 2, 3, 7.6, 10]
        let values: [Double] = [4, 1, 10, 3, 2, .nan]
        #expect(empiricalQuantile(values, 0) == 1)
        #expect(empiricalQuantile(values, 0.25) == 2)
        #expect(empiricalQuantile(values, 0.5) == 3)
        #expect(abs(empiricalQuantile(values, 0.9) - 7.6) < 1e-12)
        #expect(empiricalQuantile(values, 1) == 10)
        #expect(empiricalQuantile([], 0.5).isNaN)
    }

    @Test("naive, seasonal naive and percentile baselines on known series")
    func baselines() {
        let q = [0.5, 0.99]
        let ramp = (0..<100).map(Double.init)[...]
        let naive = NaiveForecaster(windowSteps: 50).forecast(history: ramp, horizonSteps: 3, quantiles: q)
        // A perfect ramp: h-step change is always h, so every quantile is last + h.
        #expect(naive == [100, 100, 101, 101, 102, 102])
        let period = 4
        let seasonal = (0..<40).map { Double($0 % period) }[...]
        let sn = SeasonalNaiveForecaster(periodSteps: period, windowSteps: 40).forecast(history: seasonal, horizonSteps: 6, quantiles: [0.5])
        #expect(sn == [0, 1, 2, 3, 0, 1])
        let vpa = PercentileForecaster(windowSteps: 5).forecast(history: [100, 1, 2, 3, 4, 5][...], horizonSteps: 2, quantiles: [0.5, 1])
        #expect(vpa == [3, 5, 3, 5])
        #expect(NaiveForecaster().forecast(history: [Double.nan][...], horizonSteps: 1, quantiles: [0.5])[0].isNaN)
    }
}
