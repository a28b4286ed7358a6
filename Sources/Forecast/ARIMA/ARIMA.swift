import Foundation

/// Fitting one ARIMA order (for the automatic choice of the order see `AutoARIMA`).
///
/// Input conventions for every entry point:
/// * y is in steps: y[t] is the sample at step t of a regular grid; `startStep` is the
///   phase of y[0] within the Fourier period ((timestamp / interval) mod period).
/// * NaN is a missing sample. Leading samples before the first d + 1 consecutive observed
///   ones are dropped; later gaps are skipped by the Kalman filter (exact likelihood of
///   the observed samples), so no interpolation is needed.
/// * ±∞ is refused (`ARIMAError.nonFinite`).
/// * A constant series throws `.constantSeries`; a series constant after d differences
///   throws `.constantAfterDifferencing` (`AutoARIMA` turns both into zero-variance models).
/// * At least `minimumObservations` observed samples are needed.
public enum ARIMA {
    /// Smallest number of observed samples for `order` with `regressorCount` regressors:
    /// d + p + q + k + 3, so that the k + 1 parameters (σ² included) leave n − k − 1 > 0
    /// for a finite AICc.
    public static func minimumObservations(order: ARIMAOrder, regressorCount: Int) -> Int {
        order.d + order.p + order.q + regressorCount + 3
    }

    /// Fits a regression with ARIMA(p, d, q) errors by CSS then exact maximum likelihood
    /// (or CSS only, per `spec.estimation`). The constant follows `spec.constant`
    /// (`.automatic` and `.included`: intercept for d = 0, drift for d = 1, none for
    /// d = 2); Fourier terms follow `spec.fourierPeriod` and `spec.effectiveFourierPairs`.
    ///
    /// Cost: O(n·(r² + k)) per likelihood evaluation until the filter reaches its steady
    /// state, O(n·(r + k)) after; a few hundred evaluations per fit.
    public static func fit(_ y: [Double], order: ARIMAOrder, startStep: Int = 0,
                           spec: ARIMASpec = ARIMASpec()) throws(ARIMAError) -> FittedARIMA {
        try spec.validate()
        try validateSeries(y)
        let constant: ARIMARegressors.Constant = spec.constant == .excluded ? .none : defaultConstant(d: order.d)
        let regressors = try makeRegressors(y: y, constant: constant, spec: spec, pairs: spec.effectiveFourierPairs,
                                            startStep: startStep)
        let problem = try ARIMAProblem(y: y, d: order.d, regressors: regressors, maxP: order.p, maxQ: order.q)
        try checkLength(problem: problem, order: order, regressors: regressors)
        guard let estimate = problem.estimate(p: order.p, q: order.q, method: spec.estimation, options: spec.optimizer,
                                                   secondStart: spec.multipleStarts) else {
            throw .estimationFailed(model: order.description, reason: "no finite likelihood at any point tried")
        }
        return makeFit(problem: problem, estimate: estimate, y: y, method: spec.estimation)
    }

    /// The model with the given coefficients (nothing estimated but σ², profiled as
    /// S/n): its exact log-likelihood on y, information criteria (counting the given
    /// coefficients as estimated) and state after y. For golden tests against other
    /// tools, and to re-filter stored coefficients on new data.
    ///
    /// - Throws: `.invalidCoefficients` for wrong counts or a non-stationary/non-invertible
    ///   polynomial, and the series errors of `fit`.
    public static func evaluate(
        _ y: [Double], order: ARIMAOrder, ar: [Double], ma: [Double],
        regressors: ARIMARegressors = .none, regressionCoefficients: [Double] = []
    ) throws(ARIMAError) -> FittedARIMA {
        try validateSeries(y)
        let given = try ARIMAParameters(order: order, ar: ar, ma: ma, regressors: regressors,
                                        regressionCoefficients: regressionCoefficients, sigma2: 0)
        // The regression part is fixed: filter u = y − xᵀβ with no regressors.
        let residual = y.indices.map { y[$0] - given.regressionMean(step: $0) }
        let problem = try ARIMAProblem(y: residual, d: order.d, regressors: .none, maxP: order.p, maxQ: order.q)
        guard let fit = problem.evaluate(ar: ar, ma: ma) else {
            throw .invalidCoefficients("the likelihood cannot be evaluated at φ = \(ar), θ = \(ma) (a root too close to the unit circle)")
        }
        let sigma2 = problem.scale * problem.scale * fit.sumOfSquares / Double(fit.observations)
        let parameters = ARIMAParameters(uncheckedOrder: order, ar: ar, ma: ma, regressors: regressors,
                                         regressionCoefficients: regressionCoefficients, sigma2: sigma2)
        let logLikelihood = fit.logLikelihood - Double(fit.observations) * log(problem.scale)
        var state = ARIMAState(parameters: parameters, firstStep: problem.firstIndex)
        state.update(contentsOf: y[problem.firstIndex...])
        return FittedARIMA(parameters: parameters, logLikelihood: logLikelihood, nobs: fit.observations,
                           trainingSteps: y.count, estimation: .maximumLikelihood, termination: nil, state: state)
    }

    // MARK: - Shared steps (AutoARIMA uses them too)

    /// Refuses ±∞ (NaN is a missing sample) and series with no observation.
    static func validateSeries(_ y: [Double]) throws(ARIMAError) {
        for (index, value) in y.enumerated() where value.isInfinite {
            throw .nonFinite(index: index, value: value)
        }
        guard y.contains(where: { !$0.isNaN }) else { throw .noObservations(count: y.count) }
    }

    /// Hyndman's constant for d: intercept (d = 0), drift (d = 1), none (d = 2).
    static func defaultConstant(d: Int) -> ARIMARegressors.Constant {
        switch d {
        case 0: .intercept
        case 1: .drift
        default: .none
        }
    }

    /// The regressors for a fit, checking that Fourier terms have a full period of data.
    static func makeRegressors(y: [Double], constant: ARIMARegressors.Constant, spec: ARIMASpec, pairs: Int,
                               startStep: Int) throws(ARIMAError) -> ARIMARegressors {
        guard let period = spec.fourierPeriod, pairs > 0 else {
            return ARIMARegressors(constant: constant, fourierPeriod: nil, fourierPairs: 0, startStep: 0)
        }
        let firstObserved = y.firstIndex { !$0.isNaN } ?? 0
        let lastObserved = y.lastIndex { !$0.isNaN } ?? 0
        guard lastObserved - firstObserved + 1 >= period else {
            throw .tooShortForFourier(observed: lastObserved - firstObserved + 1, period: period)
        }
        return ARIMARegressors(constant: constant, fourierPeriod: period, fourierPairs: pairs, startStep: startStep)
    }

    static func checkLength(problem: ARIMAProblem, order: ARIMAOrder, regressors: ARIMARegressors) throws(ARIMAError) {
        let required = minimumObservations(order: order, regressorCount: regressors.count)
        let available = problem.observations + order.d
        guard available >= required else {
            let model = ARIMAParameters(uncheckedOrder: order, ar: [], ma: [], regressors: regressors,
                                        regressionCoefficients: [], sigma2: 0).modelDescription
            throw .tooShort(observed: available, required: required, model: model)
        }
    }

    /// Maps an estimate back to series units and runs the filter over y for the state.
    static func makeFit(problem: ARIMAProblem, estimate: ARMAEstimate, y: [Double],
                        method: ARIMASpec.Estimation) -> FittedARIMA {
        let fit = estimate.exact
        let scale = problem.scale
        let sigma2 = scale * scale * fit.sumOfSquares / Double(fit.observations)
        let order = ARIMAOrder(p: estimate.p, d: problem.d, q: estimate.q)
        let parameters = ARIMAParameters(uncheckedOrder: order, ar: estimate.ar, ma: estimate.ma,
                                         regressors: problem.regressors,
                                         regressionCoefficients: problem.unscaled(beta: estimate.scaledBeta), sigma2: sigma2)
        let logLikelihood = fit.logLikelihood - Double(fit.observations) * log(scale)
        var state = ARIMAState(parameters: parameters, firstStep: problem.firstIndex)
        state.update(contentsOf: y[problem.firstIndex...])
        return FittedARIMA(parameters: parameters, logLikelihood: logLikelihood, nobs: fit.observations,
                           trainingSteps: y.count, estimation: method, termination: estimate.termination, state: state)
    }
}
