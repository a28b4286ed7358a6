import Foundation
import Testing

@testable import Forecast

/// Properties that hold whatever the data: invariances of the model and closed forms.
@Suite("ARIMA properties")
struct ARIMAPropertyTests {
    func walk(_ n: Int, seed: UInt64) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        var level = 0.0, noise = 0.0
        return (0..<n).map { t in
            noise = 0.6 * noise + generator.nextNormal()
            level += 0.05 + noise
            return level + 2 * sin(2 * Double.pi * Double(t) / 48)
        }
    }

    @Test("affine rescaling: φ, θ unchanged, β and σ scale, log L shifts by −n log a")
    func scaleInvariance() throws {
        // Memory in bytes: ~10¹¹ with variations of ~10⁹. Without the internal scaling the
        // profiled residual sum of squares would lose most of its digits.
        let y = walk(300, seed: 1)
        let (a, b) = (1e9, 5e11)
        let scaled = y.map { a * $0 + b }
        var spec = ARIMASpec()
        spec.fourierPeriod = 48
        spec.fourierPairs = .fixed(1)
        let order = ARIMAOrder(p: 1, d: 1, q: 1)
        let small = try ARIMA.fit(y, order: order, spec: spec)
        let large = try ARIMA.fit(scaled, order: order, spec: spec)
        #expect(arimaMaxAbsoluteError(small.ar, large.ar) < 1e-6 && arimaMaxAbsoluteError(small.ma, large.ma) < 1e-6)
        #expect(arimaMaxRelativeError(large.regressionCoefficients.map { $0 / a }, small.regressionCoefficients) < 1e-5)
        #expect(abs(large.sigma2 / (a * a) - small.sigma2) / small.sigma2 < 1e-6)
        #expect(abs(large.logLikelihood - (small.logLikelihood - Double(large.nobs) * log(a))) < 1e-6)
        let forecast = large.forecast(horizon: 3).mean, reference = small.forecast(horizon: 3).mean.map { a * $0 + b }
        #expect(arimaMaxRelativeError(forecast, reference) < 1e-9)
        // d = 0 with an intercept far from zero: the centre is removed before profiling.
        let level = ARIMAOrder(p: 1, d: 0, q: 0)
        let stationary = walk(200, seed: 2).enumerated().map { $0.offset > 0 ? $0.element : 0 }
        let noisy = zip(stationary, stationary.dropFirst()).map { $1 - $0 }
        let base = try ARIMA.fit(noisy, order: level)
        let shifted = try ARIMA.fit(noisy.map { a * $0 + b }, order: level)
        #expect(abs(base.ar[0] - shifted.ar[0]) < 1e-6)
        #expect(abs((shifted.intercept! - b) / a - base.intercept!) < 1e-6 * max(1, abs(base.intercept!)))
    }

    @Test("the Fourier phase only rotates the coefficients: log L does not depend on startStep")
    func phaseInvariance() throws {
        let y = walk(240, seed: 3)
        var spec = ARIMASpec()
        spec.fourierPeriod = 48
        spec.fourierPairs = .fixed(2)
        let order = ARIMAOrder(p: 1, d: 1, q: 0)
        let zero = try ARIMA.fit(y, order: order, startStep: 0, spec: spec)
        let shifted = try ARIMA.fit(y, order: order, startStep: 7, spec: spec)
        #expect(abs(zero.logLikelihood - shifted.logLikelihood) < 1e-7)
        // Amplitudes √(sin² + cos²) of each pair are phase-free.
        for k in 0..<2 {
            let z = zero.fourierCoefficients, s = shifted.fourierCoefficients
            let amplitude0 = (z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1]).squareRoot()
            let amplitude7 = (s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1]).squareRoot()
            #expect(abs(amplitude0 - amplitude7) < 1e-5 * max(1, amplitude0))
        }
        // And the forecasts are the same numbers.
        #expect(arimaMaxAbsoluteError(zero.forecast(horizon: 10).mean, shifted.forecast(horizon: 10).mean) < 1e-6)
    }

    @Test("AR(1) exact likelihood has its closed form")
    func ar1ClosedForm() throws {
        // log L = −n/2 log 2πσ² + ½ log(1 − φ²) − [(1 − φ²)y₀² + Σ (y_t − φ y_{t−1})²] / 2σ²,
        // maximised over σ² at σ̂² = S/n.
        var generator = SeededGenerator(seed: 4)
        var x = 0.0
        let y = (0..<150).map { _ -> Double in x = 0.5 * x + generator.nextNormal(); return x }
        let phi = 0.45
        var s = (1 - phi * phi) * y[0] * y[0]
        for t in 1..<y.count { s += (y[t] - phi * y[t - 1]) * (y[t] - phi * y[t - 1]) }
        let n = Double(y.count), sigma2 = s / n
        let expected = -0.5 * n * log(2 * Double.pi * sigma2) + 0.5 * log(1 - phi * phi) - 0.5 * n
        let model = try ARIMA.evaluate(y, order: ARIMAOrder(p: 1, d: 0, q: 0), ar: [phi], ma: [])
        #expect(abs(model.logLikelihood - expected) < 1e-10 * abs(expected))
        #expect(abs(model.sigma2 - sigma2) < 1e-12 * sigma2)
        // Forecasts: mean φ^h y_n, variance σ²(1 − φ^{2h})/(1 − φ²).
        let forecast = model.forecast(horizon: 4)
        for h in 1...4 {
            let power = pow(phi, Double(h))
            #expect(abs(forecast.mean[h - 1] - power * y.last!) < 1e-12)
            let variance = sigma2 * (1 - power * power) / (1 - phi * phi)
            #expect(abs(forecast.standardError[h - 1] - variance.squareRoot()) < 1e-12)
        }
    }

    @Test("random walk forecasts: flat mean, standard error σ√h")
    func randomWalk() throws {
        let y = walk(100, seed: 5)
        let model = try ARIMA.evaluate(y, order: ARIMAOrder(p: 0, d: 1, q: 0), ar: [], ma: [])
        let forecast = model.forecast(horizon: 5)
        for h in 1...5 {
            #expect(abs(forecast.mean[h - 1] - y.last!) < 1e-12)
            #expect(abs(forecast.standardError[h - 1] - (model.sigma2 * Double(h)).squareRoot()) < 1e-12)
        }
    }

    @Test("ML never ends below its CSS start, and CSS estimation reports the exact likelihood")
    func estimationStages() throws {
        let y = walk(200, seed: 6)
        let order = ARIMAOrder(p: 2, d: 1, q: 1)
        var spec = ARIMASpec()
        spec.estimation = .conditionalSumOfSquares
        let css = try ARIMA.fit(y, order: order, spec: spec)
        let exactAtCSS = try ARIMA.evaluate(y, order: order, ar: css.ar, ma: css.ma, regressors: css.parameters.regressors,
                                            regressionCoefficients: css.regressionCoefficients)
        // CSS estimation profiles β by GLS at the CSS φ, θ: at least the likelihood of any
        // other β at those φ, θ.
        #expect(css.logLikelihood >= exactAtCSS.logLikelihood - 1e-9)
        #expect(css.estimation == .conditionalSumOfSquares)
        spec.estimation = .maximumLikelihood
        let ml = try ARIMA.fit(y, order: order, spec: spec)
        #expect(ml.logLikelihood >= css.logLikelihood - 1e-9)
    }
}
