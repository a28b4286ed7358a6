/// Online forward filter: the scorer keeps one per workload and advances it by one step per
/// new sample. O(K²) time per step, O(K) memory, no allocation per step beyond the caller's
/// observation.
///
/// After steps o_0 … o_t, `posterior` = P(state_t | o_0 … o_t) — exactly the row t of
/// `FittedHMM.filter` on the same sequence (same arithmetic). Before the first step it is π
/// (the distribution of the first state). A missing observation (nil symbol, NaN or empty
/// values) is a pure prediction step; an observation impossible under every predicted
/// state is treated the same way and makes `lastStepLogLikelihood` −∞.
public struct HMMFilterState: Sendable {
    /// The model being filtered.
    public let model: FittedHMM
    /// P(state_t | o_0 … o_t), K probabilities (π before the first step).
    public private(set) var posterior: [Double]
    /// Steps taken so far.
    public private(set) var stepCount: Int = 0
    /// log p(o_0 … o_t) in nats (0 before the first step).
    public private(set) var logLikelihood: Double = 0
    /// log p(o_t | o_0 … o_{t−1}) of the last step: a surprise score (0 before any step).
    public private(set) var lastStepLogLikelihood: Double = 0
    /// Steps after which the posterior was not a distribution (a NaN, an infinity, a
    /// negative entry, or a sum off 1 by more than `distributionTolerance`) and was reset to
    /// π. With validated parameters `correct` keeps it a distribution for any observation
    /// (NaN, ±∞, huge, a symbol never seen in training), so this counts a guard firing: the
    /// scorer publishes it as a metric.
    public private(set) var degenerateResets = 0

    /// How far from 1 a posterior's sum may be: K roundings of the normalisation, far
    /// below this for any K ≤ 65,536.
    public static let distributionTolerance = 1e-9

    public init(model: FittedHMM) {
        self.model = model
        self.posterior = model.parameters.startProbabilities
    }

    /// Advances the filter by one observation.
    ///
    /// - Throws: `HMMError.observationMismatch` when the values are neither empty nor D long,
    ///   or a symbol is given to a model without symbols (or vice versa for values);
    ///   `.symbolOutOfRange` for a symbol ≥ M. The state is unchanged when it throws.
    public mutating func step(_ observation: HMMObservation) throws(HMMError) {
        let kind = model.emission, k = model.states
        if !kind.hasValues && !observation.values.isEmpty {
            throw .observationMismatch("the model emits \(kind) but the observation has \(observation.values.count) values")
        }
        if kind.hasValues && !observation.values.isEmpty && observation.values.count != kind.dimension {
            throw .observationMismatch("the model expects \(kind.dimension) values per step, got \(observation.values.count) "
                + "(pass [] or NaN for a missing sample)")
        }
        var symbol = -1
        if let s = observation.symbol, s >= 0 {
            guard kind.hasSymbols else {
                throw .observationMismatch("the model emits \(kind) but the observation has symbol \(s)")
            }
            guard Int(s) < kind.symbolCount else {
                throw .symbolOutOfRange(sequence: 0, step: stepCount, symbol: Int(s), symbolCount: kind.symbolCount)
            }
            symbol = Int(s)
        }
        let first = stepCount == 0
        let result: Double = withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * k) { scratch in
            let predicted = scratch.baseAddress!, density = predicted + k
            return posterior.withUnsafeMutableBufferPointer { post in
                if first {
                    for j in 0..<k { predicted[j] = post[j] }  // π
                } else {
                    model.transition.withUnsafeBufferPointer { a in
                        FittedHMM.predict(from: post.baseAddress!, through: a.baseAddress!, into: predicted, states: k)
                    }
                }
                observation.values.withUnsafeBufferPointer { values in
                    model.emissionTable.logDensities(symbol: symbol, values: values.isEmpty ? nil : values.baseAddress,
                                                     into: density)
                }
                return FittedHMM.correct(predicted: predicted, density: density, posterior: post.baseAddress!,
                                         states: k).logScale
            }
        }
        lastStepLogLikelihood = result
        logLikelihood += result
        stepCount += 1
        if !Self.isDistribution(posterior) {
            posterior = model.parameters.startProbabilities
            degenerateResets += 1
            lastStepLogLikelihood = -.infinity
        }
    }

    /// Whether `p` is a probability vector: every entry finite and ≥ 0, the sum within
    /// `distributionTolerance` of 1.
    public static func isDistribution(_ p: [Double]) -> Bool {
        var sum = 0.0
        for v in p {
            guard v.isFinite, v >= 0 else { return false }
            sum += v
        }
        return abs(sum - 1) <= distributionTolerance
    }

    /// P(state_{t+h} | o_0 … o_t) = posterior · A^h, h ≥ 0.
    public func predicted(stepsAhead h: Int) -> [Double] {
        precondition(h >= 0, "predicted(stepsAhead:): h must be ≥ 0, got \(h)")
        return model.propagate(posterior, steps: h)
    }

    /// `model.heavyPhaseProbability(from: posterior, withinSteps: h)`.
    public func heavyPhaseProbability(withinSteps h: Int) -> Double {
        model.heavyPhaseProbability(from: posterior, withinSteps: h)
    }

    /// Back to the state before the first step.
    /// (`degenerateResets` is kept: it counts over the state's life.)
    public mutating func reset() {
        posterior = model.parameters.startProbabilities
        stepCount = 0
        logLikelihood = 0
        lastStepLogLikelihood = 0
    }
}
