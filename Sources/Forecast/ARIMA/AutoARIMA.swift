import Foundation

/// What `AutoARIMA` did instead of a normal search, if anything.
public enum AutoARIMAFallback: String, Sendable, Equatable, Codable {
    /// Every observed value was equal: ARIMA(0,0,0) with that mean (or, with the constant
    /// excluded, zero mean and σ² = value²), σ² = 0, log L = +∞, AICc = −∞.
    case constantSeries
    /// The series was constant after d differences (an exact polynomial trend):
    /// ARIMA(0,d,0) with the mean difference as drift (d = 1, constant allowed), σ² = 0.
    case constantAfterDifferencing
    /// Fourier terms were requested but the series spans less than one period: fitted
    /// without them (K = 0). The trainer can refit once a full period is available.
    case fourierTermsDropped
}

/// The outcome of an automatic order selection.
public struct AutoARIMAResult: Sendable {
    /// The selected model, fitted by `spec.estimation`.
    public let model: FittedARIMA
    /// Every candidate tried, in order (across Fourier K when K is chosen automatically).
    public let candidates: [ARIMACandidate]
    /// The KPSS tests that chose d (empty when d was fixed or the series degenerate).
    public let kpssTests: [KPSSTest]
    /// A fallback taken, if any.
    public let fallback: AutoARIMAFallback?
}

/// Automatic ARIMA order selection, Hyndman & Khandakar (2008) "Automatic time series
/// forecasting: the forecast package for R", §3.2 — R's `auto.arima`, statsforecast's
/// `AutoARIMA` — for the non-seasonal part, with the daily cycle as Fourier regressors:
///
/// 1. d: KPSS tests at `spec.kpssSignificance` on the residuals of y regressed on
///    [1, Fourier terms] (Hyndman's treatment of `xreg`), up to `spec.maxD`
///    (`KPSSTest.numberOfDifferences`); or `spec.d` if set.
/// 2. (p, q, constant): stepwise search (or exhaustive) minimising AICc, each candidate
///    fitted by CSS + exact ML (`spec.searchLikelihood = .exact`, statsforecast's default)
///    or ranked by the CSS approximation and refitted exactly at the end.
/// 3. Fourier pairs K: fixed, or chosen by AICc (`ARIMASpec.FourierPairs.automatic`).
///
/// Degenerate input: see `AutoARIMAFallback`; ±∞ and empty/all-NaN series throw, as does
/// a series too short for ARIMA(0,d,0) (d + k + 3 observed samples).
public enum AutoARIMA {
    /// The selected model (see `search` for the details of the selection).
    public static func fit(_ y: [Double], startStep: Int = 0, spec: ARIMASpec = ARIMASpec()) throws(ARIMAError) -> FittedARIMA {
        try search(y, startStep: startStep, spec: spec).model
    }

    /// Selects and fits a model, reporting the candidates and tests.
    public static func search(_ y: [Double], startStep: Int = 0, spec: ARIMASpec = ARIMASpec()) throws(ARIMAError) -> AutoARIMAResult {
        try spec.validate()
        try ARIMA.validateSeries(y)
        let observed = y.filter { !$0.isNaN }
        if let value = observed.first, observed.allSatisfy({ $0 == value }) {
            return constantModel(y: y, value: value, spec: spec)
        }
        // Fourier terms need a full period of data; otherwise fit without them.
        var pairs = spec.effectiveFourierPairs
        var fallback: AutoARIMAFallback? = nil
        if let period = spec.fourierPeriod, pairs > 0 {
            let first = y.firstIndex { !$0.isNaN }!, last = y.lastIndex { !$0.isNaN }!
            if last - first + 1 < period { pairs = 0; fallback = .fourierTermsDropped }
        }
        // 1. d by KPSS on the residuals of y on [1, Fourier].
        var tests: [KPSSTest] = []
        let d: Int
        if let fixed = spec.d {
            d = fixed
        } else {
            let residuals = fourierResiduals(y, pairs: pairs, spec: spec, startStep: startStep)
            (d, tests) = KPSSTest.numberOfDifferences(residuals, significance: spec.kpssSignificance, maxD: spec.maxD)
        }
        let differenced = ARIMAProblem.difference(observed, d)
        guard differenced.count >= 2 else {
            throw .tooShort(observed: observed.count, required: d + 2, model: "ARIMA(0,\(d),0)")
        }
        if let head = differenced.first, differenced.allSatisfy({ $0 == head }) {
            return try constantAfterDifferencing(y: y, d: d, spec: spec, tests: tests)
        }
        // 2. The order search at the largest K.
        let seriesLength = observed.count
        let maxP = min(spec.maxP, seriesLength / 3), maxQ = min(spec.maxQ, seriesLength / 3)
        let approximate: Bool
        switch spec.searchLikelihood {
        case .exact: approximate = false
        case .approximate: approximate = true
        case .automatic: approximate = seriesLength > 150
        }
        func run(pairs: Int) -> AutoARIMASearcher {
            let searcher = AutoARIMASearcher(y: y, spec: spec, startStep: startStep, d: d, fourierPairs: pairs,
                                             maxP: maxP, maxQ: maxQ, approximate: approximate)
            _ = spec.stepwise ? searcher.stepwise(observedCount: seriesLength) : searcher.exhaustive()
            return searcher
        }
        let searcher = run(pairs: pairs)
        var candidates = searcher.tried
        guard var model = searcher.selectedModel() else {
            let minimum = ARIMA.minimumObservations(order: ARIMAOrder(p: 0, d: d, q: 0), regressorCount: 2 * pairs + 1)
            if seriesLength < minimum {
                throw .tooShort(observed: seriesLength, required: minimum, model: "ARIMA(0,\(d),0) with the constant")
            }
            throw .estimationFailed(model: "every ARIMA(p,\(d),q)", reason: "no candidate had a finite AICc")
        }
        // 3. Automatic K: refit the chosen order with fewer pairs; search again at the best K.
        if case .automatic = spec.fourierPairs, pairs > 0 {
            let constant = model.parameters.regressors.constant != .none
            var bestPairs = pairs
            var bestCriterion = model.aicc
            for k in 0..<pairs {
                let trial = AutoARIMASearcher(y: y, spec: spec, startStep: startStep, d: d, fourierPairs: k,
                                              maxP: maxP, maxQ: maxQ, approximate: false)
                let value = trial.criterion(p: model.order.p, q: model.order.q, constant: constant)
                candidates += trial.tried
                if value < bestCriterion { (bestPairs, bestCriterion) = (k, value) }
            }
            if bestPairs != pairs {
                let second = run(pairs: bestPairs)
                candidates += second.tried
                if let refined = second.selectedModel(), refined.aicc < model.aicc { model = refined }
            }
        }
        return AutoARIMAResult(model: model, candidates: candidates, kpssTests: tests, fallback: fallback)
    }

    // MARK: - Pieces

    /// y minus its least-squares fit on [1, Fourier terms] (y itself without Fourier
    /// terms); NaN stays NaN.
    static func fourierResiduals(_ y: [Double], pairs: Int, spec: ARIMASpec, startStep: Int) -> [Double] {
        guard pairs > 0, let period = spec.fourierPeriod else { return y }
        let regressors = ARIMARegressors(constant: .intercept, fourierPeriod: period, fourierPairs: pairs, startStep: startStep)
        let rows = y.indices.filter { !y[$0].isNaN }
        var design = Matrix<Double>(rows: rows.count, cols: regressors.count)
        for (i, t) in rows.enumerated() {
            let x = regressors.row(step: t)
            for c in 0..<regressors.count { design[i, c] = x[c] }
        }
        guard let fit = try? Matrix.leastSquares(design, rows.map { y[$0] }) else { return y }
        return y.indices.map { y[$0].isNaN ? .nan : y[$0] - regressors.mean(step: $0, coefficients: fit.solution) }
    }

    /// The zero-variance model of a constant series.
    static func constantModel(y: [Double], value: Double, spec: ARIMASpec) -> AutoARIMAResult {
        let withMean = spec.constant != .excluded
        let regressors = ARIMARegressors(constant: withMean ? .intercept : .none, fourierPeriod: nil, fourierPairs: 0, startStep: 0)
        let sigma2 = withMean ? 0 : value * value
        let parameters = ARIMAParameters(uncheckedOrder: ARIMAOrder(p: 0, d: 0, q: 0), ar: [], ma: [], regressors: regressors,
                                         regressionCoefficients: withMean ? [value] : [], sigma2: sigma2)
        let n = y.filter { !$0.isNaN }.count
        let logLikelihood = sigma2 == 0 ? Double.infinity : -0.5 * Double(n) * (log(2 * Double.pi * sigma2) + 1)
        return AutoARIMAResult(model: degenerateFit(parameters, y: y, logLikelihood: logLikelihood, nobs: n),
                               candidates: [], kpssTests: [], fallback: .constantSeries)
    }

    /// The zero-variance ARIMA(0,d,0) of a series that is constant after d differences.
    static func constantAfterDifferencing(y: [Double], d: Int, spec: ARIMASpec, tests: [KPSSTest]) throws(ARIMAError) -> AutoARIMAResult {
        let first = y.firstIndex { !$0.isNaN }!
        // The differences of consecutive observed samples (gaps excluded).
        let differences = ARIMAProblem.difference(Array(y[first...]), d).filter { !$0.isNaN }
        guard let step = differences.first else {
            throw .tooShort(observed: y.filter { !$0.isNaN }.count, required: d + 2, model: "ARIMA(0,\(d),0)")
        }
        let drift = d == 1 && spec.constant != .excluded
        let regressors = ARIMARegressors(constant: drift ? .drift : .none, fourierPeriod: nil, fourierPairs: 0, startStep: 0)
        let parameters = ARIMAParameters(uncheckedOrder: ARIMAOrder(p: 0, d: d, q: 0), ar: [], ma: [], regressors: regressors,
                                         regressionCoefficients: drift ? [step] : [], sigma2: 0)
        return AutoARIMAResult(model: degenerateFit(parameters, y: y, logLikelihood: .infinity, nobs: differences.count),
                               candidates: [], kpssTests: tests, fallback: .constantAfterDifferencing)
    }

    private static func degenerateFit(_ parameters: ARIMAParameters, y: [Double], logLikelihood: Double, nobs: Int) -> FittedARIMA {
        var state = ARIMAState(parameters: parameters, firstStep: 0)
        state.update(contentsOf: y)
        return FittedARIMA(parameters: parameters, logLikelihood: logLikelihood, nobs: nobs, trainingSteps: y.count,
                           estimation: .maximumLikelihood, termination: nil, state: state)
    }
}
