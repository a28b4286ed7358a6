/// Hyperparameters of an HMM fit: what `HMM.fit` needs besides the data.
///
/// Defaults follow hmmlearn 0.3 where a counterpart exists (`tolerance` = `tol`,
/// `variancePrior` = `covars_prior`), so results are comparable with it.
public struct HMMSpec: Sendable, Hashable, Codable {
    /// How EM is started (each restart draws its own start from the generator).
    public enum Initialization: String, Sendable, Hashable, Codable {
        /// k-means++ seeding then Lloyd iterations on the continuous part; means are the
        /// centroids, every state starts with the pooled variance, π and A are the
        /// Laplace-smoothed (+1) start and transition counts of the hard assignment, and
        /// symbol probabilities its smoothed per-cluster histograms. For symbols-only
        /// models: state k favours the k-th most frequent symbol (see `HMM+Initialization`).
        case kMeans
        /// Random data points as means, pooled variance, random stochastic π, A and B rows
        /// (uniform weights mixed half and half with the empirical symbol frequencies).
        case random
    }

    /// Number of hidden states K ≥ 1.
    public var states: Int
    /// What each state emits.
    public var emission: HMMEmissionKind
    /// Maximum number of EM (Baum–Welch) M-steps, ≥ 0. 0 returns the initial parameters.
    public var maxIterations: Int
    /// Convergence: stop when the total log-likelihood (summed over sequences, in nats)
    /// gains less than this between two iterations (hmmlearn's absolute `tol` rule).
    /// 0 runs all `maxIterations` M-steps (used by the benchmark); must be ≥ 0.
    public var tolerance: Double
    /// Independent starts (≥ 1); the fit with the highest final log-likelihood wins.
    public var restarts: Int
    /// How each start is drawn.
    public var initialization: Initialization
    /// Seed of the generator used by `HMM.fit(_:spec:)` (the overload that takes a
    /// generator ignores it).
    public var seed: UInt64
    /// Smallest variance of any state and dimension, in squared observation units.
    /// Default 1e-6: usage is scaled by limits, so this is a standard deviation of 0.001
    /// (0.1 % of the limit), below any meaningful change; it keeps constant data (a state
    /// whose points are identical) from collapsing to a zero-variance spike with infinite
    /// likelihood, and bounds each dimension's log-density by −½·log(2π·1e-6) ≈ 6.0.
    public var varianceFloor: Double
    /// Pseudo sum of squares added to every state's and dimension's variance numerator:
    /// σ²_kd = (prior + Σ_t γ_t(k)(x_td − μ_kd)²) / Σ_t γ_t(k). This is hmmlearn's
    /// `covars_prior` (default 1e-2, with `covars_weight` = 1): the MAP estimate under the
    /// improper prior p(σ²) ∝ exp(−prior / 2σ²). It matters only for states with little
    /// mass (Σγ ≲ 100 adds ≥ 1e-4). 0 gives the maximum-likelihood update.
    public var variancePrior: Double
    /// Pseudocount α added to every expected symbol count: B[k, m] = (n_km + α)/(n_k + Mα)
    /// (MAP under Dirichlet(1 + α)). Default 0.01 keeps symbols never seen in a state
    /// possible, so online filtering never meets a step impossible under every state.
    /// 0 gives the maximum-likelihood update (hmmlearn's CategoricalHMM default).
    public var symbolPseudocount: Double
    /// Which states count as heavy for `FittedHMM.heavyPhaseProbability`.
    public var heavyStateRule: HeavyStateRule

    public init(
        states: Int,
        emission: HMMEmissionKind,
        maxIterations: Int = 200,
        tolerance: Double = 1e-2,
        restarts: Int = 1,
        initialization: Initialization = .kMeans,
        seed: UInt64 = 0,
        varianceFloor: Double = 1e-6,
        variancePrior: Double = 1e-2,
        symbolPseudocount: Double = 1e-2,
        heavyStateRule: HeavyStateRule = .meanAbove(threshold: 0.8)
    ) {
        self.states = states
        self.emission = emission
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.restarts = restarts
        self.initialization = initialization
        self.seed = seed
        self.varianceFloor = varianceFloor
        self.variancePrior = variancePrior
        self.symbolPseudocount = symbolPseudocount
        self.heavyStateRule = heavyStateRule
    }

    /// Checks every field's range.
    /// - Throws: `HMMError.invalidSpec` naming the field and what to use instead.
    public func validate() throws(HMMError) {
        guard states >= 1 else { throw .invalidSpec("states is \(states); an HMM needs at least 1 state") }
        switch emission {
        case .categorical(let m) where m < 1, .product(let m, _) where m < 1:
            throw .invalidSpec("the symbol alphabet has \(m) symbols; it needs at least 1")
        case .gaussian(let d) where d < 1, .product(_, let d) where d < 1:
            throw .invalidSpec("the emission dimension is \(d); it needs at least 1")
        default: break
        }
        guard maxIterations >= 0 else { throw .invalidSpec("maxIterations is \(maxIterations); use 0 or more") }
        guard tolerance >= 0, tolerance.isFinite else {
            throw .invalidSpec("tolerance is \(tolerance); use a finite value ≥ 0 (0 runs all maxIterations)")
        }
        guard restarts >= 1 else { throw .invalidSpec("restarts is \(restarts); use at least 1") }
        guard varianceFloor > 0, varianceFloor.isFinite else {
            throw .invalidSpec("varianceFloor is \(varianceFloor); use a small positive variance such as 1e-6")
        }
        guard variancePrior >= 0, variancePrior.isFinite else {
            throw .invalidSpec("variancePrior is \(variancePrior); use a finite value ≥ 0")
        }
        guard symbolPseudocount >= 0, symbolPseudocount.isFinite else {
            throw .invalidSpec("symbolPseudocount is \(symbolPseudocount); use a finite value ≥ 0")
        }
        try heavyStateRule.validate(states: states, dimension: emission.dimension)
    }
}
