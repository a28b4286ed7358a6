import Foundation

/// The outcome of choosing the number of states by BIC.
public struct HMMStateSelection: Sendable {
    /// One fitted candidate.
    public struct Candidate: Sendable, Equatable {
        public let states: Int
        public let logLikelihood: Double
        public let freeParameterCount: Int
        /// −2·log L + p·ln N.
        public let bic: Double
    }

    /// A candidate that could not be fitted, and why.
    public struct Skipped: Sendable, Equatable {
        public let states: Int
        public let reason: HMMError
    }

    /// The candidate with the lowest BIC (ties: fewer states).
    public let best: FittedHMM
    /// Every fitted candidate, by increasing state count.
    public let candidates: [Candidate]
    /// Candidates skipped (too few distinct observations, every start impossible).
    public let skipped: [Skipped]
}

extension HMM {
    /// Fits each state count in `candidates` (with `spec`'s other settings) and keeps the
    /// lowest BIC = −2·log L + p·ln N, with p = (K − 1) + K(K − 1) + K(M − 1) + 2KD
    /// (`freeParameterCount`) and N the number of steps over all sequences (Schwarz 1978;
    /// hmmlearn's `bic`). BIC's ln N penalty is consistent for the order of an HMM
    /// with well-separated phases and is what keeps extra states from fitting noise.
    ///
    /// Candidates run in increasing order, each with `generator.split()`.
    ///
    /// - Throws: data errors at once (they affect every candidate); `.invalidSpec` for an
    ///   empty range or a count below 1; `.noFeasibleStateCount` when no candidate fits.
    public static func selectStates(_ sequences: [HMMSequence], candidates: ClosedRange<Int> = 2...6, spec: HMMSpec,
                                    generator: inout SeededGenerator) throws(HMMError) -> HMMStateSelection {
        guard candidates.lowerBound >= 1 else {
            throw .invalidSpec("candidate state counts \(candidates) include \(candidates.lowerBound); use counts ≥ 1")
        }
        var candidateSpec = spec
        candidateSpec.states = candidates.lowerBound
        try candidateSpec.validate()
        let data = try HMMTrainingData(sequences, kind: spec.emission)
        var fitted: [FittedHMM] = []
        var skipped: [HMMStateSelection.Skipped] = []
        for k in candidates {
            candidateSpec.states = k
            var candidateGenerator = generator.split()
            do {
                // A heavy-state rule naming states that exist only for larger K falls back to none.
                if case .states(let list) = spec.heavyStateRule {
                    candidateSpec.heavyStateRule = .states(list.filter { $0 < k })
                }
                fitted.append(try fit(data, spec: candidateSpec, generator: &candidateGenerator))
            } catch {
                skipped.append(.init(states: k, reason: error))
            }
        }
        guard var best = fitted.first else {
            throw .noFeasibleStateCount(candidates: Array(candidates), reasons: skipped.map { "\($0.states) states: \($0.reason)" })
        }
        for model in fitted.dropFirst() where model.bic < best.bic { best = model }
        return HMMStateSelection(
            best: best,
            candidates: fitted.map {
                .init(states: $0.states, logLikelihood: $0.logLikelihood, freeParameterCount: $0.freeParameterCount, bic: $0.bic)
            },
            skipped: skipped)
    }

    /// `selectStates` with a generator seeded by `spec.seed`.
    public static func selectStates(_ sequences: [HMMSequence], candidates: ClosedRange<Int> = 2...6,
                                    spec: HMMSpec) throws(HMMError) -> HMMStateSelection {
        var generator = SeededGenerator(seed: spec.seed)
        return try selectStates(sequences, candidates: candidates, spec: spec, generator: &generator)
    }
}
