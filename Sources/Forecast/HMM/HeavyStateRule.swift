/// Which hidden states are "heavy" phases: the states whose entry the risk model watches
/// (`FittedHMM.heavyPhaseProbability`).
///
/// The Gaussian rules read the state means of the usage dimensions, which are usage scaled
/// by the workload's limits (1.0 = at the limit). A model without a continuous part has no
/// usage dimensions, so `.meanAbove` and `.highestMeanLoad` designate no state there; use
/// `.states` to name them.
public enum HeavyStateRule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// State k is heavy when max_{d ∈ dimensions} μ_kd ≥ `threshold` (any watched resource's
    /// mean load at or above the threshold). `dimensions == nil` watches all of them.
    /// The default `.meanAbove(threshold: 0.8)`: a phase whose typical usage is within 20 %
    /// of a limit. No state may qualify; then the HMM adds no risk (a workload that never
    /// ran near its limits has no heavy phase to enter).
    case meanAbove(threshold: Double, dimensions: [Int]? = nil)
    /// The one state with the highest mean load, (1/|dims|)·Σ_{d ∈ dimensions} μ_kd; ties go
    /// to the lowest index. Always designates exactly one state (when there are usage
    /// dimensions), even for a workload that never comes near its limits.
    case highestMeanLoad(dimensions: [Int]? = nil)
    /// Exactly these state indices (for symbols-only models, or an operator's choice).
    case states([Int])

    /// The heavy states (sorted, unique) of a model with these means (K × D, row-major).
    func heavyStates(states: Int, dimension: Int, means: [Double]) -> [Int] {
        switch self {
        case .states(let list):
            return Array(Set(list)).sorted()
        case .meanAbove(let threshold, let dims):
            guard dimension > 0 else { return [] }
            let watched = dims ?? Array(0..<dimension)
            return (0..<states).filter { k in watched.contains { means[k * dimension + $0] >= threshold } }
        case .highestMeanLoad(let dims):
            guard dimension > 0 else { return [] }
            let watched = dims ?? Array(0..<dimension)
            guard !watched.isEmpty else { return [] }
            var best = 0, bestLoad = -Double.infinity
            for k in 0..<states {
                let load = watched.reduce(0.0) { $0 + means[k * dimension + $1] } / Double(watched.count)
                if load > bestLoad { best = k; bestLoad = load }
            }
            return [best]
        }
    }

    /// - Throws: `HMMError.invalidSpec` for a state or dimension index out of range or a
    ///   non-finite threshold.
    func validate(states: Int, dimension: Int) throws(HMMError) {
        switch self {
        case .states(let list):
            if let bad = list.first(where: { $0 < 0 || $0 >= states }) {
                throw .invalidSpec("heavy state \(bad) does not exist; the model has states 0..<\(states)")
            }
        case .meanAbove(let threshold, let dims):
            guard threshold.isFinite else {
                throw .invalidSpec("the heavy-state threshold is \(threshold); use a finite load such as 0.8 (80 % of the limit)")
            }
            try Self.validate(dims, dimension: dimension)
        case .highestMeanLoad(let dims):
            try Self.validate(dims, dimension: dimension)
        }
    }

    private static func validate(_ dims: [Int]?, dimension: Int) throws(HMMError) {
        guard let dims else { return }
        if let bad = dims.first(where: { $0 < 0 || $0 >= dimension }) {
            throw .invalidSpec("heavy-state rule watches dimension \(bad), but observations have dimensions 0..<\(dimension)")
        }
    }

    public var description: String {
        switch self {
        case .meanAbove(let threshold, let dims):
            "states whose mean load ≥ \(threshold) in \(dims.map { "dimensions \($0)" } ?? "any dimension")"
        case .highestMeanLoad(let dims):
            "the state with the highest mean load over \(dims.map { "dimensions \($0)" } ?? "all dimensions")"
        case .states(let list):
            "states \(list)"
        }
    }
}
