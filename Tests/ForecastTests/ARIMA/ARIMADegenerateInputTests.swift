import Foundation
import Testing

@testable import Forecast

/// Degenerate inputs: each gives a typed error whose message says what to do, or the
/// documented fallback (`AutoARIMAFallback`).
@Suite("ARIMA degenerate inputs")
struct ARIMADegenerateInputTests {
    let order = ARIMAOrder(p: 1, d: 1, q: 1)

    func noisyWalk(_ n: Int, seed: UInt64 = 3) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        var level = 100.0
        return (0..<n).map { _ in level += generator.nextNormal(); return level }
    }

    @Test("empty and all-NaN series: noObservations")
    func noObservations() {
        #expect(throws: ARIMAError.noObservations(count: 0)) { try ARIMA.fit([], order: order) }
        #expect(throws: ARIMAError.noObservations(count: 3)) { try AutoARIMA.fit([.nan, .nan, .nan]) }
        let message = ARIMAError.noObservations(count: 0).description
        #expect(message.contains("collect some samples"))
    }

    @Test("±∞ is refused with its index")
    func infinities() {
        var y = noisyWalk(50)
        y[7] = .infinity
        #expect(throws: ARIMAError.nonFinite(index: 7, value: .infinity)) { try ARIMA.fit(y, order: order) }
        y[7] = -.infinity
        #expect(throws: ARIMAError.nonFinite(index: 7, value: -.infinity)) { try AutoARIMA.fit(y) }
        #expect(ARIMAError.nonFinite(index: 7, value: .infinity).description.contains("replace infinities by NaN"))
    }

    @Test("constant series and all zeros: ARIMA.fit throws, AutoARIMA returns a zero-variance mean model")
    func constantSeries() throws {
        for value in [0.0, 42.5] {
            let y = [Double](repeating: value, count: 30)
            #expect(throws: ARIMAError.constantSeries(value: value)) { try ARIMA.fit(y, order: order) }
            let result = try AutoARIMA.search(y)
            #expect(result.fallback == .constantSeries)
            let model = result.model
            #expect(model.order == ARIMAOrder(p: 0, d: 0, q: 0))
            #expect(model.intercept == value && model.sigma2 == 0)
            #expect(model.logLikelihood == .infinity && model.aicc == -.infinity)
            let forecast = model.forecast(horizon: 5)
            #expect(forecast.mean == [Double](repeating: value, count: 5))
            #expect(forecast.standardError == [Double](repeating: 0, count: 5))
        }
        // With NaN among the constant values, still constant.
        let gappy: [Double] = [1, .nan, 1, 1, .nan, 1]
        #expect(try AutoARIMA.search(gappy).fallback == .constantSeries)
    }

    @Test("a straight line: constant after differencing")
    func constantAfterDifferencing() throws {
        let line = (0..<40).map { 5 + 0.25 * Double($0) }
        #expect(throws: ARIMAError.constantAfterDifferencing(d: 1)) { try ARIMA.fit(line, order: order) }
        var spec = ARIMASpec()
        spec.d = 1
        let result = try AutoARIMA.search(line, spec: spec)
        #expect(result.fallback == .constantAfterDifferencing)
        #expect(result.model.order == ARIMAOrder(p: 0, d: 1, q: 0))
        let drift = try #require(result.model.drift)
        #expect(abs(drift - 0.25) < 1e-12)
        let forecast = result.model.forecast(horizon: 3)
        for (h, mean) in forecast.mean.enumerated() { #expect(abs(mean - (5 + 0.25 * Double(40 + h))) < 1e-9) }
    }

    @Test("too short for the order: the message names the model and the minimum")
    func tooShort() throws {
        let y = noisyWalk(5)
        let big = ARIMAOrder(p: 2, d: 1, q: 1)
        var spec = ARIMASpec()
        spec.constant = .excluded
        let required = ARIMA.minimumObservations(order: big, regressorCount: 0)
        #expect(required == 7)
        #expect(throws: ARIMAError.tooShort(observed: 5, required: 7, model: "ARIMA(2,1,1)")) {
            try ARIMA.fit(y, order: big, spec: spec)
        }
        let message = ARIMAError.tooShort(observed: 5, required: 7, model: "ARIMA(2,1,1)").description
        #expect(message.contains("5 observed samples") && message.contains("at least 7"))
        // AutoARIMA adapts the orders to short series (max p, q ≤ n/3) and still fits.
        let model = try AutoARIMA.fit(noisyWalk(12))
        #expect(model.order.p + model.order.q <= 8)
        // Two different samples are too short for any model (a single one is a constant series).
        #expect {
            try AutoARIMA.fit([1, .nan, 2])
        } throws: { error in
            guard case .tooShort = error as? ARIMAError else { return false }
            return true
        }
        #expect(try AutoARIMA.search([1, .nan]).fallback == .constantSeries)
    }

    @Test("NaN inside: skipped by the Kalman filter, no interpolation")
    func missingSamples() throws {
        let complete = noisyWalk(200, seed: 9)
        var gappy = complete
        for t in [20, 21, 22, 100, 150] { gappy[t] = .nan }
        let model = try ARIMA.fit(gappy, order: order)
        #expect(model.nobs == 200 - 5 - 1)
        #expect(model.logLikelihood.isFinite && model.sigma2 > 0)
        // Leading NaN are dropped (steps still count from y[0]); trailing NaN only predict.
        var leading = complete
        for t in 0..<10 { leading[t] = .nan }
        let trimmed = try ARIMA.fit(leading, order: order)
        #expect(trimmed.nobs == 200 - 10 - 1)
        var trailing = complete
        trailing[199] = .nan
        let predicted = try ARIMA.fit(trailing, order: order)
        let forecast = predicted.forecast(horizon: 1)
        let lastObserved = try ARIMA.evaluate(Array(complete.prefix(199)), order: order, ar: predicted.ar, ma: predicted.ma,
                                              regressors: predicted.parameters.regressors,
                                              regressionCoefficients: predicted.regressionCoefficients)
        // One step after a missing sample is the two-step forecast from the last observed one.
        #expect(abs(forecast.mean[0] - lastObserved.forecast(horizon: 2).mean[1]) < 1e-9)
        #expect(abs(forecast.standardError[0] - lastObserved.forecast(horizon: 2).standardError[1]) /
                forecast.standardError[0] < 1e-6)  // σ² differs slightly: one fewer observation
    }

    @Test("Fourier terms need a full period: error for ARIMA.fit, dropped by AutoARIMA")
    func fourierTooShort() throws {
        let y = noisyWalk(100)
        var spec = ARIMASpec()
        spec.fourierPeriod = 288
        spec.fourierPairs = .fixed(2)
        #expect(throws: ARIMAError.tooShortForFourier(observed: 100, period: 288)) { try ARIMA.fit(y, order: order, spec: spec) }
        let result = try AutoARIMA.search(y, spec: spec)
        #expect(result.fallback == .fourierTermsDropped)
        #expect(result.model.parameters.regressors.fourierPairs == 0)
    }

    @Test("invalid specifications are refused with the field named")
    func invalidSpecification() {
        var spec = ARIMASpec()
        spec.fourierPeriod = 288
        spec.fourierPairs = .fixed(144)
        #expect(throws: ARIMAError.self) { try spec.validate() }
        spec = ARIMASpec()
        spec.maxD = 3
        #expect {
            try spec.validate()
        } throws: { error in
            (error as? ARIMAError)?.description.contains("maxD") ?? false
        }
        spec = ARIMASpec()
        spec.kpssSignificance = 0.5
        #expect(throws: ARIMAError.self) { try spec.validate() }
    }

    @Test("invalid coefficients for evaluate: counts, stationarity, invertibility")
    func invalidCoefficients() {
        let y = noisyWalk(60)
        #expect(throws: ARIMAError.self) { try ARIMA.evaluate(y, order: order, ar: [], ma: [0.1]) }
        #expect(throws: ARIMAError.self) { try ARIMA.evaluate(y, order: order, ar: [1.2], ma: [0.1]) }
        #expect(throws: ARIMAError.self) { try ARIMA.evaluate(y, order: order, ar: [0.2], ma: [-1.5]) }
    }

    @Test("collinear regressors are refused")
    func collinearRegressors() throws {
        // A period-4 cycle observed only at even steps: sin(πt/2) is 0 at every observed
        // step, so its column is zero (collinear with anything).
        let y = (0..<40).map { $0 % 2 == 0 ? Double($0 % 7) : .nan }
        var spec = ARIMASpec()
        spec.fourierPeriod = 4
        spec.fourierPairs = .fixed(1)
        #expect {
            try ARIMA.fit(y, order: ARIMAOrder(p: 0, d: 0, q: 0), spec: spec)
        } throws: { error in
            guard case .collinearRegressors(let reason) = error as? ARIMAError else { return false }
            return reason.contains("sin1")
        }
    }
}
