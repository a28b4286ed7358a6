import Foundation

/// One model `AutoARIMA` tried, in the order tried.
public struct ARIMACandidate: Sendable, Equatable, Codable {
    public let order: ARIMAOrder
    /// Whether the constant term (intercept for d = 0, drift for d = 1) was included.
    public let constant: Bool
    /// Fourier pairs K of the candidate.
    public let fourierPairs: Int
    /// The ranking criterion: AICc of the exact likelihood, or its CSS approximation in
    /// an approximate search; +∞ when the fit failed or was rejected (a root of modulus
    /// < 1.01, as auto.arima).
    public let criterion: Double
}

/// The models of one (d, K) and the candidates fitted so far: the engine of `AutoARIMA`.
/// A reference type because it caches problems (one per constant choice) and estimates.
final class AutoARIMASearcher {
    struct Key: Hashable {
        let p: Int
        let q: Int
        let constant: Bool
    }

    struct Evaluated {
        let criterion: Double
        let estimate: ARMAEstimate?
    }

    let y: [Double]
    let spec: ARIMASpec
    let startStep: Int
    let d: Int
    let fourierPairs: Int
    let maxP: Int
    let maxQ: Int
    /// Rank by the CSS approximation (Hyndman's `approximation`).
    let approximate: Bool
    private(set) var tried: [ARIMACandidate] = []
    private var results: [Key: Evaluated] = [:]
    private var problems: [Bool: ARIMAProblem] = [:]
    /// Hyndman's offset making CSS criteria comparable with exact ones.
    private var offset = 0.0

    init(y: [Double], spec: ARIMASpec, startStep: Int, d: Int, fourierPairs: Int, maxP: Int, maxQ: Int,
         approximate: Bool) {
        self.y = y
        self.spec = spec
        self.startStep = startStep
        self.d = d
        self.fourierPairs = fourierPairs
        self.maxP = maxP
        self.maxQ = maxQ
        self.approximate = approximate
        if approximate { offset = computeOffset() }
    }

    /// Whether models with the constant term may be tried, and whether those without.
    var constantChoices: [Bool] {
        guard d <= 1 else { return [false] }
        switch spec.constant {
        case .automatic: return [true, false]
        case .included: return [true]
        case .excluded: return [false]
        }
    }

    /// The problem (data prepared) for a constant choice; nil if it cannot be built.
    func problem(constant: Bool) -> ARIMAProblem? {
        if let cached = problems[constant] { return cached }
        let regressors = ARIMARegressors(
            constant: constant ? ARIMA.defaultConstant(d: d) : .none,
            fourierPeriod: fourierPairs > 0 ? spec.fourierPeriod : nil, fourierPairs: fourierPairs, startStep: startStep)
        guard let made = try? ARIMAProblem(y: y, d: d, regressors: regressors, maxP: maxP, maxQ: maxQ) else { return nil }
        problems[constant] = made
        return made
    }

    /// Fits (p, d, q) with or without the constant (once; cached) and returns its criterion.
    @discardableResult
    func criterion(p: Int, q: Int, constant: Bool) -> Double {
        let key = Key(p: p, q: q, constant: constant)
        if let known = results[key] { return known.criterion }
        let evaluated = fit(key, approximate: approximate)
        results[key] = evaluated
        tried.append(ARIMACandidate(order: ARIMAOrder(p: p, d: d, q: q), constant: constant,
                                    fourierPairs: fourierPairs, criterion: evaluated.criterion))
        return evaluated.criterion
    }

    /// Whether (p, q, constant) has been tried.
    func isNew(p: Int, q: Int, constant: Bool) -> Bool {
        results[Key(p: p, q: q, constant: constant)] == nil
    }

    /// The exact fit of a candidate as a model (refitting exactly in an approximate search).
    func model(_ key: Key) -> FittedARIMA? {
        guard let problem = problem(constant: key.constant) else { return nil }
        let estimate: ARMAEstimate?
        if approximate {
            let exact = fit(key, approximate: false)
            guard exact.criterion.isFinite else { return nil }
            estimate = exact.estimate
        } else {
            estimate = results[key]?.estimate ?? fit(key, approximate: false).estimate
        }
        guard let estimate else { return nil }
        return ARIMA.makeFit(problem: problem, estimate: estimate, y: y, method: spec.estimation)
    }

    /// The best key by criterion among those tried (nil when none is finite).
    var best: Key? {
        results.filter { $0.value.criterion.isFinite }.min { lhs, rhs in
            lhs.value.criterion < rhs.value.criterion
        }?.key
    }

    /// Keys of the tried candidates, best criterion first (finite ones only).
    var ranked: [Key] {
        results.filter { $0.value.criterion.isFinite }.sorted { $0.value.criterion < $1.value.criterion }.map(\.key)
    }

    // MARK: - Fitting one candidate

    private func fit(_ key: Key, approximate: Bool) -> Evaluated {
        let rejected = Evaluated(criterion: .infinity, estimate: nil)
        guard let problem = problem(constant: key.constant) else { return rejected }
        let order = ARIMAOrder(p: key.p, d: d, q: key.q)
        let k = key.p + key.q + problem.regressors.count + 1
        guard problem.observations + d >= ARIMA.minimumObservations(order: order, regressorCount: problem.regressors.count),
              let estimate = problem.estimate(p: key.p, q: key.q, method: spec.estimation, options: spec.optimizer,
                                              secondStart: spec.multipleStarts, cssOnly: approximate)
        else { return rejected }
        // auto.arima rejects models with a root of modulus < 1.01 (near non-stationary or
        // non-invertible: forecasts and intervals would be unreliable).
        guard ARMAPolynomial.isStationary(estimate.ar, rootMargin: 1.01),
              ARMAPolynomial.isInvertible(estimate.ma, rootMargin: 1.01) else { return rejected }
        let n = estimate.exact.observations
        let criterion: Double
        if approximate {
            // Hyndman: AIC ≈ offset + n·log σ²_CSS + 2k, then the AICc correction.
            let sigma2 = problem.scale * problem.scale * estimate.exact.sumOfSquares / Double(n)
            let nStar = problem.observations
            let aic = offset + Double(nStar) * log(sigma2) + 2 * Double(k)
            criterion = nStar - k - 1 > 0 ? aic + 2 * Double(k * (k + 1)) / Double(nStar - k - 1) : .infinity
        } else {
            let logLikelihood = estimate.exact.logLikelihood - Double(n) * log(problem.scale)
            criterion = FittedARIMA.informationCriteria(logLikelihood: logLikelihood, parameterCount: k, nobs: n).aicc
        }
        return Evaluated(criterion: criterion.isNaN ? .infinity : criterion, estimate: estimate)
    }

    /// −2 log L − n log σ² of the exact ARIMA(0,d,0) (with the constant when allowed),
    /// Hyndman's offset; 0 if that fit fails.
    private func computeOffset() -> Double {
        guard let problem = problem(constant: constantChoices.first ?? false),
              let estimate = problem.estimate(p: 0, q: 0, method: .maximumLikelihood, options: spec.optimizer,
                                              secondStart: false) else { return 0 }
        let n = estimate.exact.observations
        let logLikelihood = estimate.exact.logLikelihood - Double(n) * log(problem.scale)
        let sigma2 = problem.scale * problem.scale * estimate.exact.sumOfSquares / Double(n)
        return -2 * logLikelihood - Double(problem.observations) * log(sigma2)
    }
}
