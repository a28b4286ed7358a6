import Foundation

/// A fitted regression with ARIMA errors: coefficients, fit statistics and the filter
/// state after the training data, from which it forecasts. An immutable value.
///
/// Information criteria follow Hyndman's `forecast::Arima` (and statsforecast): with
/// k = p + q + (regressors) + 1 estimated parameters (σ² included) and n = `nobs`
/// observations in the likelihood (n − d for complete data — the d first samples only
/// fix the initial level),
///
///     AIC = −2 log L + 2k,   AICc = AIC + 2k(k + 1)/(n − k − 1),   BIC = AIC + k(log n − 2).
///
/// (statsmodels counts n including the d first samples in its AICc, so its value differs
/// slightly.) AICc is +∞ when n ≤ k + 1; all three are −∞ for the zero-variance
/// fallbacks of `AutoARIMA` (log L = +∞).
///
/// σ² is the maximum-likelihood estimate S/n (statsmodels' convention); statsforecast
/// reports S/(n − k + 1) instead, a few percent larger for short series.
public struct FittedARIMA: Sendable, Codable, Equatable {
    /// The coefficients.
    public let parameters: ARIMAParameters
    /// Maximised (or, for CSS, evaluated) exact Gaussian log-likelihood, series units.
    public let logLikelihood: Double
    public let aic: Double
    public let aicc: Double
    public let bic: Double
    /// Observations in the likelihood.
    public let nobs: Int
    /// Samples in the training series (y.count).
    public let trainingSteps: Int
    /// How the coefficients were estimated.
    public let estimation: ARIMASpec.Estimation
    /// How the final optimisation ended; nil when there was nothing to optimise
    /// (p = q = 0) or for the degenerate fallbacks.
    public let termination: OptimizationResult.Termination?
    /// The filter state after the last training sample: forecasts start from here, and
    /// the online scorer advances a copy of it (`ARIMAState.update`).
    public let state: ARIMAState

    init(parameters: ARIMAParameters, logLikelihood: Double, nobs: Int, trainingSteps: Int,
         estimation: ARIMASpec.Estimation, termination: OptimizationResult.Termination?, state: ARIMAState) {
        self.parameters = parameters
        self.logLikelihood = logLikelihood
        self.nobs = nobs
        self.trainingSteps = trainingSteps
        self.estimation = estimation
        self.termination = termination
        self.state = state
        let criteria = FittedARIMA.informationCriteria(
            logLikelihood: logLikelihood, parameterCount: parameters.coefficientCount + 1, nobs: nobs)
        (aic, aicc, bic) = (criteria.aic, criteria.aicc, criteria.bic)
    }

    /// AIC, AICc, BIC for k parameters (σ² included) and n observations (see the type).
    static func informationCriteria(logLikelihood: Double, parameterCount k: Int, nobs n: Int)
        -> (aic: Double, aicc: Double, bic: Double) {
        // A zero-variance fallback fits perfectly: every criterion is −∞.
        if logLikelihood == .infinity { return (-.infinity, -.infinity, -.infinity) }
        let kk = Double(k), nn = Double(n)
        let aic = -2 * logLikelihood + 2 * kk
        let aicc = n - k - 1 > 0 ? aic + 2 * kk * (kk + 1) / (nn - kk - 1) : .infinity
        let bic = aic + kk * (log(max(nn, 1)) - 2)
        return (aic, aicc, bic)
    }

    // MARK: Convenience accessors

    public var order: ARIMAOrder { parameters.order }
    /// φ₁…φ_p.
    public var ar: [Double] { parameters.ar }
    /// θ₁…θ_q.
    public var ma: [Double] { parameters.ma }
    /// Innovation variance σ² (maximum likelihood).
    public var sigma2: Double { parameters.sigma2 }
    /// β in `parameters.regressors.names` order.
    public var regressionCoefficients: [Double] { parameters.regressionCoefficients }
    public var intercept: Double? { parameters.intercept }
    public var drift: Double? { parameters.drift }
    /// sin₁, cos₁, sin₂, cos₂, … (2K values).
    public var fourierCoefficients: [Double] { parameters.fourierCoefficients }

    // MARK: Forecasting

    /// Forecasts the `horizon` steps after the training data, with central prediction
    /// intervals at `levels` (each in (0, 1)).
    public func forecast(horizon: Int, levels: [Double] = [0.8, 0.95]) -> ARIMAForecast {
        state.forecast(horizon: horizon, levels: levels)
    }

    /// Predictive quantiles per step after the training data: `result[i][j]` is the
    /// `probabilities[j]`-quantile i + 1 steps ahead (e.g. probabilities [0.5, 0.9, 0.99]).
    public func quantiles(horizon: Int, probabilities: [Double]) -> [[Double]] {
        state.quantiles(horizon: horizon, probabilities: probabilities)
    }

    /// Runs this model's filter over a series from scratch (no refitting): the returned
    /// state has seen `y` and is ready to forecast or to be updated. `firstStep` is the
    /// step index of y[0] relative to the training series' y[0] (it keeps the drift and
    /// the Fourier phase aligned), e.g. `trainingSteps − y.count` for the latest window.
    /// The first d observed samples (d consecutive ones) fix the initial level.
    public func filter(_ y: [Double], firstStep: Int = 0) -> ARIMAState {
        var state = ARIMAState(parameters: parameters, firstStep: firstStep)
        state.update(contentsOf: y)
        return state
    }

    /// A one-line summary: `ARIMA(2,1,2) with drift: σ² = 1.69, log L = −479.7, AICc = 971.0`.
    public var summary: String {
        "\(parameters.modelDescription): ar \(ar), ma \(ma), β \(regressionCoefficients), σ² = \(sigma2), "
            + "log L = \(logLikelihood), AICc = \(aicc), n = \(nobs)"
    }
}
