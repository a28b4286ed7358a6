import Foundation

/// Hidden Markov models of workload behaviour phases: fitting by scaled Baum–Welch
/// (Rabiner, "A tutorial on hidden Markov models", Proc. IEEE 77(2), 1989), number of
/// states by BIC. The fitted model is a `FittedHMM`.
public enum HMM {
    /// Fits `spec.states` states by EM from `spec.restarts` starts drawn with a generator
    /// seeded by `spec.seed`.
    public static func fit(_ sequences: [HMMSequence], spec: HMMSpec) throws(HMMError) -> FittedHMM {
        var generator = SeededGenerator(seed: spec.seed)
        return try fit(sequences, spec: spec, generator: &generator)
    }

    /// Fits `spec.states` states by EM; each of `spec.restarts` starts (`spec.initialization`)
    /// uses `generator.split()`, and the fit with the highest final log-likelihood wins
    /// (ties: the earliest).
    ///
    /// - Parameter sequences: one or more sequences laid out for `spec.emission`; each
    ///   non-empty and finite, at least one with 2 or more steps.
    /// - Throws: `HMMError` — an invalid spec; empty, non-finite or mis-shaped data (naming
    ///   sequence and step); `.tooFewDistinctObservations` when there are fewer distinct
    ///   observations than states; `.zeroLikelihood` when every start fails.
    public static func fit(_ sequences: [HMMSequence], spec: HMMSpec,
                           generator: inout SeededGenerator) throws(HMMError) -> FittedHMM {
        try spec.validate()
        let data = try HMMTrainingData(sequences, kind: spec.emission)
        return try fit(data, spec: spec, generator: &generator)
    }

    /// Fits from given initial parameters (no randomness, `spec.restarts` and
    /// `spec.initialization` unused): the same parameters and iterations give the same
    /// result as hmmlearn's `fit` with `init_params=""` (see the fixture tests).
    ///
    /// - Throws: as `fit(_:spec:generator:)`, plus `.invalidParameters` when `initial` has
    ///   another state count or emission kind than `spec`.
    public static func fit(_ sequences: [HMMSequence], spec: HMMSpec,
                           initial: HMMParameters) throws(HMMError) -> FittedHMM {
        try spec.validate()
        guard initial.states == spec.states, initial.emission == spec.emission else {
            throw .invalidParameters("the initial parameters have \(initial.states) states emitting \(initial.emission); "
                + "the spec asks for \(spec.states) states emitting \(spec.emission)")
        }
        let data = try HMMTrainingData(sequences, kind: spec.emission)
        try checkIdentifiable(data, states: spec.states)
        let engine = HMMBaumWelch(data: data, states: spec.states, spec: spec)
        return try run(engine, from: initial, spec: spec)
    }

    /// The starting parameters `fit` would use for its first restart with this generator
    /// state (k-means or random, per `spec.initialization`). For benchmarks and peers that
    /// must start from the same point.
    public static func initialParameters(_ sequences: [HMMSequence], spec: HMMSpec,
                                         generator: inout SeededGenerator) throws(HMMError) -> HMMParameters {
        try spec.validate()
        let data = try HMMTrainingData(sequences, kind: spec.emission)
        try checkIdentifiable(data, states: spec.states)
        var restartGenerator = generator.split()
        return initialParameters(data, spec: spec, generator: &restartGenerator)
    }

    /// Free parameters of a K-state model: (K − 1) start + K(K − 1) transition
    /// + K(M − 1) symbol + 2KD Gaussian (D means and D variances per state).
    public static func freeParameterCount(states k: Int, emission: HMMEmissionKind) -> Int {
        (k - 1) + k * (k - 1) + k * emission.freeParametersPerState
    }

    // MARK: - Internals

    static func fit(_ data: HMMTrainingData, spec: HMMSpec, generator: inout SeededGenerator) throws(HMMError) -> FittedHMM {
        try checkIdentifiable(data, states: spec.states)
        let engine = HMMBaumWelch(data: data, states: spec.states, spec: spec)
        var best: FittedHMM?
        var firstError: HMMError?
        for _ in 0..<spec.restarts {
            var restartGenerator = generator.split()
            let initial = initialParameters(data, spec: spec, generator: &restartGenerator)
            do {
                let candidate = try run(engine, from: initial, spec: spec)
                if best == nil || candidate.logLikelihood > best!.logLikelihood { best = candidate }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let best { return best }
        throw firstError ?? .invalidSpec("no restart ran")
    }

    static func checkIdentifiable(_ data: HMMTrainingData, states: Int) throws(HMMError) {
        let distinct = data.distinctObservationCount(upTo: states)
        if distinct < states { throw .tooFewDistinctObservations(states: states, distinct: distinct) }
    }

    static func run(_ engine: HMMBaumWelch, from initial: HMMParameters, spec: HMMSpec) throws(HMMError) -> FittedHMM {
        engine.load(initial)
        let (history, converged) = try engine.run(maxIterations: spec.maxIterations, tolerance: spec.tolerance)
        return try FittedHMM(parameters: engine.parameters(), heavyStateRule: spec.heavyStateRule,
                             logLikelihood: history[history.count - 1], logLikelihoodHistory: history,
                             converged: converged, observationCount: engine.n)
    }
}
