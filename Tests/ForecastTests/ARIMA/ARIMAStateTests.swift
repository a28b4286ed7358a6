import Foundation
import Testing

@testable import Forecast

/// The online state: stepwise filtering equals batch filtering; missing samples predict
/// only; the fitted model survives JSON and safetensors round trips.
///
/// Tolerance 1e-9 (relative to the forecast standard error for means): the two sides run
/// the same arithmetic in the same order except where the batch likelihood path differs
/// (differenced fast path vs level filter), which agree to rounding (~1e-13) — see
/// `likelihoodPathsAgree`.
@Suite("ARIMA online state")
struct ARIMAStateTests {
    /// A 3-day seasonal series with drift, from the Azure fixture.
    func azure() throws -> [Double] { try ARIMAFixtureFile.load().arimaCase("azure_cpu_arima111_fourier2").y }

    func seasonalSpec() -> ARIMASpec {
        var spec = ARIMASpec()
        spec.fourierPeriod = 288
        spec.fourierPairs = .fixed(2)
        spec.constant = .included
        return spec
    }

    @Test("filtering step by step from scratch reproduces the fitted model's state and forecast")
    func stepwiseEqualsBatch() throws {
        let y = try azure()
        let model = try ARIMA.fit(y, order: ARIMAOrder(p: 1, d: 1, q: 1), startStep: 17, spec: seasonalSpec())
        var state = model.filter(Array(y.prefix(40)))
        for value in y.dropFirst(40) { state.update(value) }
        #expect(state.nextStep == y.count && model.state.nextStep == y.count)
        #expect(arimaMaxAbsoluteError(state.stateMean, model.state.stateMean) <= 1e-9 * max(1, y.map(abs).max()!))
        #expect(arimaMaxAbsoluteError(state.stateCovariance, model.state.stateCovariance) <= 1e-9)
        let online = state.forecast(horizon: 48), batch = model.forecast(horizon: 48)
        #expect(arimaMaxAbsoluteError(online.mean, batch.mean) <= 1e-9 * batch.standardError[0])
        #expect(arimaMaxRelativeError(online.standardError, batch.standardError) <= 1e-9)
    }

    @Test("advancing a trained state online equals filtering the whole history with the same coefficients")
    func onlineAfterTraining() throws {
        let y = try azure()
        let training = Array(y.prefix(700))
        let model = try ARIMA.fit(training, order: ARIMAOrder(p: 1, d: 1, q: 1), spec: seasonalSpec())
        var state = model.state
        state.update(contentsOf: y.dropFirst(700))
        let whole = try ARIMA.evaluate(y, order: model.order, ar: model.ar, ma: model.ma,
                                       regressors: model.parameters.regressors, regressionCoefficients: model.regressionCoefficients)
        let online = state.forecast(horizon: 24), batch = whole.forecast(horizon: 24)
        #expect(arimaMaxAbsoluteError(online.mean, batch.mean) <= 1e-9 * batch.standardError[0])
        // σ² of `evaluate` is re-profiled on the longer series; compare in σ² units.
        let ratio = (whole.sigma2 / model.sigma2).squareRoot()
        #expect(arimaMaxRelativeError(online.standardError.map { $0 * ratio }, batch.standardError) <= 1e-9)
        #expect(arimaMaxAbsoluteError(state.stateCovariance, whole.state.stateCovariance) <= 1e-9)
    }

    @Test("a missing sample only predicts: the next forecast is the old two-step forecast")
    func missingSamplePredictsOnly() throws {
        let y = try azure()
        let model = try ARIMA.fit(Array(y.prefix(600)), order: ARIMAOrder(p: 1, d: 1, q: 1), spec: seasonalSpec())
        var state = model.state
        let before = state.forecast(horizon: 3)
        state.update(.nan)
        let after = state.forecast(horizon: 2)
        #expect(arimaMaxAbsoluteError(after.mean, Array(before.mean.dropFirst())) <= 1e-9)
        #expect(arimaMaxRelativeError(after.standardError, Array(before.standardError.dropFirst())) <= 1e-12)
        #expect(after.standardError[0] > before.standardError[0])
        // ±∞ is treated as missing online (a glitch must not poison the state).
        var glitch = model.state
        glitch.update(.infinity)
        #expect(glitch == { var s = model.state; s.update(.nan); return s }())
    }

    @Test("the level filter (gaps path) and the differenced fast path give the same likelihood")
    func likelihoodPathsAgree() throws {
        let y = try azure()
        let order = ARIMAOrder(p: 1, d: 1, q: 1)
        let regressors = ARIMARegressors(constant: .drift, fourierPeriod: 288, fourierPairs: 2, startStep: 0)
        let beta = [0.001, -0.9, -0.36, -0.66, -0.07]
        let fast = try ARIMA.evaluate(y, order: order, ar: [-0.15], ma: [-0.59], regressors: regressors, regressionCoefficients: beta)
        // A trailing NaN contributes nothing but sends the series through the level filter.
        let level = try ARIMA.evaluate(y + [.nan], order: order, ar: [-0.15], ma: [-0.59], regressors: regressors,
                                       regressionCoefficients: beta)
        #expect(abs(fast.logLikelihood - level.logLikelihood) <= 1e-10 * abs(fast.logLikelihood))
        #expect(abs(fast.sigma2 - level.sigma2) <= 1e-10 * fast.sigma2)
        #expect(fast.nobs == level.nobs)
    }

    @Test("quantiles: the median is the mean, levels widen outward")
    func quantiles() throws {
        let y = try azure()
        let model = try ARIMA.fit(y, order: ARIMAOrder(p: 1, d: 1, q: 1), spec: seasonalSpec())
        let forecast = model.forecast(horizon: 6, levels: [0.8, 0.95])
        #expect(arimaMaxAbsoluteError(forecast.quantile(0.5), forecast.mean) <= 1e-12)
        let table = model.quantiles(horizon: 6, probabilities: [0.5, 0.9, 0.99])
        #expect(table.count == 6 && table.allSatisfy { $0.count == 3 && $0[0] < $0[1] && $0[1] < $0[2] })
        for i in 0..<6 {
            #expect(forecast.lower[1][i] < forecast.lower[0][i] && forecast.upper[0][i] < forecast.upper[1][i])
            // The 0.9 quantile is the upper end of the 80% interval.
            #expect(abs(table[i][1] - forecast.upper[0][i]) <= 1e-12 * abs(forecast.upper[0][i]))
        }
        #expect(abs(StandardNormal.quantile(0.975) - 1.959963984540054) < 1e-15)
        #expect(abs(StandardNormal.quantile(0.01) + 2.326347874040841) < 1e-14)
        #expect(abs(StandardNormal.quantile(1e-10) + 6.361340902404056) < 1e-12)
        #expect(abs(StandardNormal.cdf(StandardNormal.quantile(0.3)) - 0.3) < 1e-15)
    }

    @Test("JSON (Codable) round trip keeps the model and its state")
    func codableRoundTrip() throws {
        let y = try azure()
        var model = try ARIMA.fit(y, order: ARIMAOrder(p: 1, d: 1, q: 1), spec: seasonalSpec())
        let decoded = try JSONDecoder().decode(FittedARIMA.self, from: JSONEncoder().encode(model))
        #expect(decoded == model)
        #expect(decoded.forecast(horizon: 5) == model.forecast(horizon: 5))
        // A state that is still collecting its first levels round-trips too.
        model = try ARIMA.fit(y, order: ARIMAOrder(p: 0, d: 2, q: 1))
        var warming = model.filter([1])
        #expect(!warming.isReady)
        let state = try JSONDecoder().decode(ARIMAState.self, from: JSONEncoder().encode(warming))
        #expect(state == warming)
        warming.update(2)
        #expect(warming.isReady)
    }

    @Test("safetensors round trip (TensorCodable) keeps the model and its state", arguments: [0, 1])
    func tensorRoundTrip(variant: Int) throws {
        let y = try azure()
        let model = variant == 0
            ? try ARIMA.fit(y, order: ARIMAOrder(p: 1, d: 1, q: 1), startStep: 5, spec: seasonalSpec())
            : try AutoARIMA.fit([Double](repeating: 3, count: 10))
        var bundle = TensorBundle(metadata: ["kind": "arima"])
        model.encode(into: &bundle, prefix: "arima.cpu_cores")
        let bytes = Safetensors.encode(bundle)
        let decoded = try FittedARIMA(from: Safetensors.decode(bytes), prefix: "arima.cpu_cores")
        #expect(decoded.parameters == model.parameters)
        #expect(decoded.state == model.state)
        #expect(decoded.nobs == model.nobs && decoded.trainingSteps == model.trainingSteps)
        #expect(decoded.logLikelihood == model.logLikelihood || (decoded.logLikelihood.isNaN && model.logLikelihood.isNaN))
        #expect(decoded.termination == model.termination && decoded.estimation == model.estimation)
        #expect(decoded.forecast(horizon: 10) == model.forecast(horizon: 10))
        // A missing tensor or a non-stationary AR part is refused with its name.
        var broken = try Safetensors.decode(bytes)
        broken.set("arima.cpu_cores.ar", doubles: variant == 0 ? [1.5] : [])
        if variant == 0 {
            #expect(throws: TensorBundleError.self) { try FittedARIMA(from: broken, prefix: "arima.cpu_cores") }
        }
        #expect(throws: TensorBundleError.missing(name: "arima.memory_bytes.order")) {
            try FittedARIMA(from: broken, prefix: "arima.memory_bytes")
        }
    }
}
