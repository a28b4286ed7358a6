/// Hyperparameters of an ARIMA fit: the search bounds of `AutoARIMA`, the deterministic
/// regressors (constant/drift, Fourier terms for the daily cycle) and the estimation method.
/// Defaults follow Hyndman & Khandakar (2008) as implemented by R's `forecast::auto.arima`
/// and statsforecast's `AutoARIMA` (non-seasonal part), except where noted.
///
/// The model is a regression with ARIMA errors:
///
///     y_t = x_tᵀβ + u_t,   φ(B)(1 − B)^d u_t = θ(B) ε_t,   ε_t ~ N(0, σ²),
///
/// where x_t holds the constant term (an intercept when d = 0, a drift t when d = 1,
/// nothing when d = 2) and K Fourier pairs sin(2πk·s_t/P), cos(2πk·s_t/P), k = 1…K, of the
/// seasonal phase s_t = (startStep + t) mod P. A seasonal ARIMA lag of P = 288 (one day
/// of 5-minute samples) would need a state of ~300 dimensions; K pairs cost 2K
/// regression coefficients instead (Hyndman & Athanasopoulos, *FPP3* §10.5, "dynamic
/// harmonic regression").
public struct ARIMASpec: Sendable, Equatable, Codable {
    /// The constant term, as R's `include.constant` / auto.arima's `allowdrift`+`allowmean`.
    public enum ConstantTerm: String, Sendable, Equatable, Codable {
        /// `ARIMA.fit`: include it (intercept for d = 0, drift for d = 1; none for d = 2).
        /// `AutoARIMA`: try models with and without it and keep the better AICc (Hyndman).
        case automatic
        /// Always include it (for d ≤ 1).
        case included
        /// Never include it.
        case excluded
    }

    /// How many Fourier pairs K model the seasonal cycle (ignored when `fourierPeriod` is nil).
    public enum FourierPairs: Sendable, Equatable, Codable {
        /// Exactly K pairs, 0 ≤ K ≤ (period − 1)/2.
        case fixed(Int)
        /// `AutoARIMA` picks K ∈ 0…maximum by AICc: it searches the order at K = maximum,
        /// refits that order for every smaller K, and repeats the stepwise search at the
        /// best K if it differs (so about two searches plus `maximum` fits, not the
        /// `maximum + 1` searches of FPP3's loop). d is fixed by the first search, so all
        /// compared models see the same differenced data and their AICc are comparable.
        /// `ARIMA.fit` uses `maximum`.
        case automatic(maximum: Int)
    }

    /// How the coefficients are estimated.
    public enum Estimation: String, Sendable, Equatable, Codable {
        /// Conditional sum of squares for starting values, then exact Gaussian maximum
        /// likelihood by the Kalman filter (R's and statsforecast's default "CSS-ML").
        case maximumLikelihood
        /// Conditional sum of squares only (faster, less accurate for short series and MA
        /// terms). σ², the log-likelihood and the information criteria are still those
        /// of the exact likelihood at the CSS estimates, so they compare with ML fits.
        case conditionalSumOfSquares
    }

    /// Which likelihood ranks candidate orders during `AutoARIMA`'s search.
    public enum SearchLikelihood: String, Sendable, Equatable, Codable {
        /// Fit every candidate with `estimation` (statsforecast `AutoARIMA()`'s default,
        /// `approximation=False`).
        case exact
        /// Rank candidates by the CSS approximation of AICc (Hyndman's `approximation`),
        /// then refit the best ones exactly until one is acceptable. Faster, and may pick
        /// a slightly worse model.
        case approximate
        /// `approximate` when n > 150 (Hyndman's rule in `auto.arima`), else `exact`.
        case automatic
    }

    // MARK: Order search (AutoARIMA)

    /// Largest AR order tried, ≥ 0 (also capped at n/3 as auto.arima does).
    public var maxP: Int = 5
    /// Largest MA order tried, ≥ 0 (also capped at n/3).
    public var maxQ: Int = 5
    /// Largest number of differences the KPSS test may choose, 0…2.
    public var maxD: Int = 2
    /// Fixed d, skipping the unit-root tests; nil lets KPSS decide.
    public var d: Int? = nil
    /// Starting AR and MA orders of the stepwise search (Hyndman & Khandakar start at 2, 2).
    public var startP: Int = 2
    public var startQ: Int = 2
    /// Stepwise neighbour search (true) or every (p, q) with p + q ≤ `maxOrder` (false).
    public var stepwise: Bool = true
    /// Cap on p + q in the exhaustive search (the stepwise search ignores it, as auto.arima).
    public var maxOrder: Int = 5
    /// Cap on the number of models the stepwise search fits (auto.arima's `nmodels`).
    public var maxModels: Int = 94
    /// Significance level of the KPSS tests that choose d, within 0.01…0.1 (the range of
    /// the Kwiatkowski et al. table).
    public var kpssSignificance: Double = 0.05
    /// Which likelihood ranks the candidates.
    public var searchLikelihood: SearchLikelihood = .exact

    // MARK: Regressors

    /// The constant term (intercept / drift).
    public var constant: ConstantTerm = .automatic
    /// Length of the seasonal cycle in steps (288 for a daily cycle of 5-minute samples),
    /// or nil for no Fourier terms. Must be ≥ 3.
    public var fourierPeriod: Int? = nil
    /// Number of Fourier pairs. Default K = 4: the shortest feature it resolves is P/(2K)
    /// = 36 steps = 3 hours of a 5-minute daily cycle (a morning ramp, a lunch dip, an
    /// evening drop), at 8 coefficients.
    public var fourierPairs: FourierPairs = .fixed(4)

    // MARK: Estimation

    public var estimation: Estimation = .maximumLikelihood
    /// Also start the maximum-likelihood stage at φ = θ = 0 (besides the CSS optimum) and
    /// keep the better optimum. The likelihood of ARMA models with nearly cancelling
    /// roots is often multimodal: on the first 200 series of the ARIMA(2,1,2) benchmark,
    /// the CSS start alone ends more than 0.001 below statsmodels' log-likelihood on 38,
    /// with both starts on 9 (and never below statsforecast's). Costs about 1.7× per fit.
    public var multipleStarts: Bool = true
    /// The quasi-Newton optimiser's stopping rules. The objective is the negative
    /// log-likelihood per observation (R's scaling), so the gradient tolerance is relative
    /// to one observation's contribution.
    public var optimizer: BFGS.Options = BFGS.Options(maxIterations: 100, gradientTolerance: 1e-7, functionTolerance: 1e-13)

    public init() {}

    /// The K to use for a single fit (`fixed(K)` or the maximum of `automatic`); 0 without a period.
    public var effectiveFourierPairs: Int {
        guard fourierPeriod != nil else { return 0 }
        switch fourierPairs {
        case .fixed(let k): return k
        case .automatic(let maximum): return maximum
        }
    }

    /// Checks ranges; the message names the field and the allowed range.
    public func validate() throws(ARIMAError) {
        func fail(_ message: String) -> ARIMAError { .invalidSpecification(message) }
        guard maxP >= 0, maxQ >= 0 else { throw fail("maxP (\(maxP)) and maxQ (\(maxQ)) must be ≥ 0") }
        guard (0...2).contains(maxD) else { throw fail("maxD is \(maxD); it must be 0, 1 or 2") }
        if let d, !(0...2).contains(d) { throw fail("d is \(d); it must be 0, 1 or 2 (or nil for the KPSS test)") }
        guard startP >= 0, startQ >= 0 else { throw fail("startP and startQ must be ≥ 0") }
        guard maxOrder >= 0, maxModels >= 1 else { throw fail("maxOrder must be ≥ 0 and maxModels ≥ 1") }
        guard (0.01...0.1).contains(kpssSignificance) else {
            throw fail("kpssSignificance is \(kpssSignificance); the KPSS table covers 0.01…0.1")
        }
        if let period = fourierPeriod {
            guard period >= 3 else { throw fail("fourierPeriod is \(period); a cycle needs at least 3 steps (or nil for none)") }
            let k: Int
            switch fourierPairs {
            case .fixed(let fixed): k = fixed
            case .automatic(let maximum): k = maximum
            }
            guard k >= 0, 2 * k < period else {
                throw fail("\(k) Fourier pairs for a period of \(period) steps; K must satisfy 0 ≤ 2K < period (here ≤ \((period - 1) / 2))")
            }
        }
    }
}
