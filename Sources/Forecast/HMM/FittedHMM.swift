import Foundation

/// A fitted hidden Markov model: an immutable value that filters, decodes and scores
/// sequences and turns a phase posterior into the probability of entering a heavy phase.
///
/// Made by `HMM.fit` (or from explicit parameters); stored with `TensorCodable`.
/// Inference: `filter`, `smoothedPosteriors`, `viterbi`, `logLikelihood` (batch),
/// `HMMFilterState` (online, one step at a time); risk: `heavyPhaseProbability`.
public struct FittedHMM: Sendable, Equatable {
    /// π, A and the emission parameters.
    public let parameters: HMMParameters
    /// The heavy states (sorted state indices), designated by `heavyStateRule`.
    public let heavyStates: [Int]
    /// The rule that designated `heavyStates`.
    public let heavyStateRule: HeavyStateRule
    /// Total log-likelihood (nats) of the training sequences under `parameters`; NaN for a
    /// model built from parameters without data.
    public let logLikelihood: Double
    /// `logLikelihoodHistory[i]`: total log-likelihood after i EM M-steps (index 0 = the
    /// initial parameters); the last entry equals `logLikelihood`.
    public let logLikelihoodHistory: [Double]
    /// Whether EM stopped on the tolerance (false: it ran out of iterations).
    public let converged: Bool
    /// Number of training steps N (all sequences), the n of BIC.
    public let observationCount: Int

    // Derived once for inference.
    let emissionTable: HMMEmissionTable
    let transition: [Double]        // K × K
    let logTransition: [Double]     // K × K
    let logStart: [Double]          // K
    let heavyMask: [Bool]           // K

    /// A model from explicit parameters (for a model trained elsewhere, a test, or a
    /// simulation). `heavyStates` default from `heavyStateRule`.
    ///
    /// - Throws: `HMMError.invalidSpec` when the rule names a state or dimension that does
    ///   not exist.
    public init(parameters: HMMParameters, heavyStateRule: HeavyStateRule = .meanAbove(threshold: 0.8),
                logLikelihood: Double = .nan, logLikelihoodHistory: [Double] = [], converged: Bool = false,
                observationCount: Int = 0) throws(HMMError) {
        try heavyStateRule.validate(states: parameters.states, dimension: parameters.emission.dimension)
        self.parameters = parameters
        self.heavyStateRule = heavyStateRule
        self.heavyStates = heavyStateRule.heavyStates(states: parameters.states, dimension: parameters.emission.dimension,
                                                      means: parameters.meanElements)
        self.logLikelihood = logLikelihood
        self.logLikelihoodHistory = logLikelihoodHistory
        self.converged = converged
        self.observationCount = observationCount
        self.emissionTable = HMMEmissionTable(parameters)
        self.transition = parameters.transitionElements
        self.logTransition = transition.map { log($0) }
        self.logStart = parameters.startProbabilities.map { log($0) }
        var mask = [Bool](repeating: false, count: parameters.states)
        for k in heavyStates { mask[k] = true }
        self.heavyMask = mask
    }

    /// The same model with heavy states designated by another rule.
    /// - Throws: `HMMError.invalidSpec` when the rule names a state or dimension that does not exist.
    public func designatingHeavyStates(_ rule: HeavyStateRule) throws(HMMError) -> FittedHMM {
        try FittedHMM(parameters: parameters, heavyStateRule: rule, logLikelihood: logLikelihood,
                      logLikelihoodHistory: logLikelihoodHistory, converged: converged,
                      observationCount: observationCount)
    }

    /// Number of hidden states K.
    public var states: Int { parameters.states }
    /// The emission kind.
    public var emission: HMMEmissionKind { parameters.emission }
    /// π (K).
    public var startProbabilities: [Double] { parameters.startProbabilities }
    /// A (K × K).
    public var transitionProbabilities: Matrix<Double> { parameters.transitionProbabilities }
    /// Number of EM M-steps run (`logLikelihoodHistory.count − 1`, 0 for no history).
    public var iterations: Int { max(0, logLikelihoodHistory.count - 1) }
    /// Free parameters p (see `HMM.freeParameterCount`).
    public var freeParameterCount: Int { parameters.freeParameterCount }

    /// Bayesian information criterion −2·log L + p·ln N (Schwarz 1978), with p =
    /// `freeParameterCount` and N = `observationCount` (steps, as hmmlearn's `bic`).
    /// Lower is better. NaN without training data.
    public var bic: Double {
        guard observationCount > 0 else { return .nan }
        return -2 * logLikelihood + Double(freeParameterCount) * log(Double(observationCount))
    }

    public static func == (lhs: FittedHMM, rhs: FittedHMM) -> Bool {
        lhs.parameters == rhs.parameters && lhs.heavyStates == rhs.heavyStates
            && lhs.heavyStateRule == rhs.heavyStateRule
            && (lhs.logLikelihood == rhs.logLikelihood || (lhs.logLikelihood.isNaN && rhs.logLikelihood.isNaN))
            && lhs.logLikelihoodHistory == rhs.logLikelihoodHistory && lhs.converged == rhs.converged
            && lhs.observationCount == rhs.observationCount
    }
}
