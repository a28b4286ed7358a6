/// Why an HMM fit or inference call refused its input. Every message names the sequence
/// and step involved and says what to do.
public enum HMMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A hyperparameter is out of range (the message names it).
    case invalidSpec(String)
    /// `fit` got no sequences.
    case noSequences
    /// Sequence `index` has no steps (fitting needs every sequence to have at least one).
    case emptySequence(index: Int)
    /// Every sequence has a single step, so no transition was observed.
    case noTransitions(sequences: Int)
    /// Sequence `index`'s layout does not match the emission kind.
    case layoutMismatch(index: Int, expected: HMMEmissionKind, hasSymbols: Bool, dimension: Int)
    /// A symbol outside `0..<symbolCount` (negative symbols are "missing" at inference
    /// time but not allowed in training data).
    case symbolOutOfRange(sequence: Int, step: Int, symbol: Int, symbolCount: Int)
    /// A NaN or infinite value in training data.
    case nonFinite(sequence: Int, step: Int, dimension: Int, value: Double)
    /// Fewer distinct observations than states: the extra states could not be told apart.
    case tooFewDistinctObservations(states: Int, distinct: Int)
    /// A training step has probability 0 under every state reachable from the previous
    /// step (zero transition or symbol probabilities in the initial parameters).
    case zeroLikelihood(sequence: Int, step: Int)
    /// Initial parameters are malformed (shape, not stochastic, non-positive variance).
    case invalidParameters(String)
    /// The observation count given to `HMMFilterState.step` does not match the model.
    case observationMismatch(String)
    /// `selectStates` could fit none of the candidate state counts.
    case noFeasibleStateCount(candidates: [Int], reasons: [String])

    public var description: String {
        switch self {
        case .invalidSpec(let why):
            return "invalid HMM spec: \(why)"
        case .noSequences:
            return "HMM fit got no sequences; pass at least one sequence with 2 or more steps"
        case .emptySequence(let index):
            return "sequence \(index) has no steps; drop empty sequences before fitting"
        case .noTransitions(let n):
            return "all \(n) sequences have a single step, so no state transition can be estimated; "
                + "pass at least one sequence with 2 or more steps"
        case let .layoutMismatch(index, expected, hasSymbols, dimension):
            let found = (hasSymbols ? "symbols" : "no symbols") + (dimension > 0 ? " and \(dimension)-dimensional values" : " and no values")
            return "sequence \(index) has \(found), but the model emits \(expected); "
                + "build the sequence with the matching HMMSequence initialiser"
        case let .symbolOutOfRange(sequence, step, symbol, m):
            return "sequence \(sequence), step \(step): symbol \(symbol) is outside the alphabet 0..<\(m); "
                + "map trace symbols to 0..<\(m) (or enlarge the alphabet) before fitting"
        case let .nonFinite(sequence, step, dimension, value):
            return "sequence \(sequence), step \(step), dimension \(dimension) is \(value); "
                + "training data must be finite: drop or impute missing samples before fitting "
                + "(inference treats NaN as missing, fitting does not)"
        case let .tooFewDistinctObservations(states, distinct):
            return "\(states) states but only \(distinct) distinct observation(s): the extra states could not be "
                + "told apart; use at most \(max(1, distinct)) states or give more varied data"
        case let .zeroLikelihood(sequence, step):
            return "sequence \(sequence), step \(step) has probability 0 under every state reachable from the previous "
                + "step; the initial parameters forbid it (a zero transition or symbol probability): use positive "
                + "initial probabilities or a positive symbolPseudocount"
        case .invalidParameters(let why):
            return "invalid HMM parameters: \(why)"
        case .observationMismatch(let why):
            return "observation does not match the model: \(why)"
        case let .noFeasibleStateCount(candidates, reasons):
            return "no candidate state count \(candidates) could be fitted: " + reasons.joined(separator: "; ")
        }
    }
}
