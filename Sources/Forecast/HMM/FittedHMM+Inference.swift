import Foundation

/// Batch inference on one sequence at a time: scaled forward filtering, forward–backward
/// smoothing, Viterbi decoding, log-likelihood. Missing data (NaN coordinates, symbol −1)
/// is marginalised (see `HMMSequence`). An empty sequence gives `[]` (log-likelihood 0).
///
/// A step that is impossible under every predicted state (only possible with zero
/// probabilities in the model) contributes log-likelihood −∞; filtering and smoothing then
/// treat that step as missing so the posterior stays a distribution.
extension FittedHMM {
    /// P(state_t | o_0 … o_t) for every step t: the scaled forward variables α̂_t
    /// (Rabiner 1989, eq. 91–92). T arrays of K probabilities.
    /// - Throws: `HMMError.layoutMismatch` / `.symbolOutOfRange` when the sequence does not fit the model.
    public func filter(_ sequence: HMMSequence) throws(HMMError) -> [[Double]] {
        try checkInference(sequence)
        let k = states
        var filtered = [Double](repeating: 0, count: sequence.count * k)
        filtered.withUnsafeMutableBufferPointer { out in
            _ = forwardPass(sequence, filtered: out.baseAddress, emissions: nil, scales: nil)
        }
        return (0..<sequence.count).map { Array(filtered[($0 * k)..<(($0 + 1) * k)]) }
    }

    /// log p(o_0 … o_{T−1}) in nats (Rabiner eq. 103: Σ_t log c_t).
    public func logLikelihood(_ sequence: HMMSequence) throws(HMMError) -> Double {
        try checkInference(sequence)
        return forwardPass(sequence, filtered: nil, emissions: nil, scales: nil)
    }

    /// Σ over sequences of `logLikelihood(_:)` (sequences independent, each started from π).
    public func logLikelihood(_ sequences: [HMMSequence]) throws(HMMError) -> Double {
        var total = 0.0
        for (index, sequence) in sequences.enumerated() {
            try checkInference(sequence, index: index)
            total += forwardPass(sequence, filtered: nil, emissions: nil, scales: nil)
        }
        return total
    }

    /// P(state_t | o_0 … o_{T−1}) for every step t (forward–backward, γ_t = α̂_t ∘ β̂_t;
    /// hmmlearn's `predict_proba`). T arrays of K probabilities.
    public func smoothedPosteriors(_ sequence: HMMSequence) throws(HMMError) -> [[Double]] {
        try checkInference(sequence)
        let k = states, count = sequence.count
        guard count > 0 else { return [] }
        var alpha = [Double](repeating: 0, count: count * k)
        var emissions = [Double](repeating: 0, count: count * k)
        var scales = [Double](repeating: 0, count: count)
        var posteriors = [[Double]](repeating: [], count: count)
        alpha.withUnsafeMutableBufferPointer { a in
            emissions.withUnsafeMutableBufferPointer { b in
                scales.withUnsafeMutableBufferPointer { c in
                    _ = forwardPass(sequence, filtered: a.baseAddress, emissions: b.baseAddress, scales: c.baseAddress)
                    var beta = [Double](repeating: 1, count: k), next = [Double](repeating: 0, count: k)
                    for t in stride(from: count - 1, through: 0, by: -1) {
                        if t < count - 1 {
                            // β̂_t(i) = Σ_j A_ij b̃_{t+1}(j) β̂_{t+1}(j) / c̃_{t+1}
                            for i in 0..<k {
                                var sum = 0.0
                                for j in 0..<k { sum += transition[i * k + j] * b[(t + 1) * k + j] * beta[j] }
                                next[i] = sum / c[t + 1]
                            }
                            swap(&beta, &next)
                        }
                        var row = (0..<k).map { a[t * k + $0] * beta[$0] }
                        let total = row.reduce(0, +)
                        if total > 0 { for i in 0..<k { row[i] /= total } }
                        posteriors[t] = row
                    }
                }
            }
        }
        return posteriors
    }

    /// The most probable state path (Viterbi 1967, in log space: δ_t(j) = max_i δ_{t−1}(i) +
    /// log A_ij + log b_j(o_t)). Ties go to the lowest state index (as numpy's argmax).
    public func viterbi(_ sequence: HMMSequence) throws(HMMError) -> [Int] {
        try viterbiPath(sequence).path
    }

    /// The Viterbi path and its joint log-probability log p(path, o) (hmmlearn's `decode`).
    public func viterbiPath(_ sequence: HMMSequence) throws(HMMError) -> (path: [Int], logProbability: Double) {
        try checkInference(sequence)
        let k = states, count = sequence.count
        guard count > 0 else { return ([], 0) }
        var backPointers = [Int32](repeating: 0, count: count * k)
        var delta = [Double](repeating: 0, count: k), next = [Double](repeating: 0, count: k)
        var logDensity = [Double](repeating: 0, count: k)
        sequence.values.withUnsafeBufferPointer { values in
            for t in 0..<count {
                logDensity.withUnsafeMutableBufferPointer { out in
                    emissionTable.logDensities(symbol: symbol(of: sequence, at: t),
                                               values: values.baseAddress.map { $0 + t * sequence.dimension },
                                               into: out.baseAddress!)
                }
                if t == 0 {
                    for j in 0..<k { delta[j] = logStart[j] + logDensity[j] }
                    continue
                }
                for j in 0..<k {
                    var best = -Double.infinity, argBest = 0
                    for i in 0..<k {
                        let candidate = delta[i] + logTransition[i * k + j]
                        if candidate > best { best = candidate; argBest = i }
                    }
                    next[j] = best + logDensity[j]
                    backPointers[t * k + j] = Int32(argBest)
                }
                swap(&delta, &next)
            }
        }
        var state = 0
        for j in 1..<max(1, k) where delta[j] > delta[state] { state = j }
        let logProbability = delta[state]
        var path = [Int](repeating: 0, count: count)
        for t in stride(from: count - 1, through: 0, by: -1) {
            path[t] = state
            if t > 0 { state = Int(backPointers[t * k + state]) }
        }
        return (path, logProbability)
    }

    // MARK: - Shared forward pass

    /// Scaled forward pass; returns log p(o). Optionally stores α̂_t (T × K), b̃_t (T × K) and
    /// c̃_t (T) for the backward pass. Allocates only K-sized scratch.
    func forwardPass(_ sequence: HMMSequence, filtered: UnsafeMutablePointer<Double>?,
                     emissions: UnsafeMutablePointer<Double>?, scales: UnsafeMutablePointer<Double>?) -> Double {
        let k = states
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * k) { buffer in
            let predicted = buffer.baseAddress!, posterior = predicted + k, density = posterior + k
            var total = 0.0
            sequence.values.withUnsafeBufferPointer { values in
                transition.withUnsafeBufferPointer { a in
                    for t in 0..<sequence.count {
                        if t == 0 {
                            for j in 0..<k { predicted[j] = parameters.startProbabilities[j] }
                        } else {
                            Self.predict(from: posterior, through: a.baseAddress!, into: predicted, states: k)
                        }
                        emissionTable.logDensities(symbol: symbol(of: sequence, at: t),
                                                   values: values.baseAddress.map { $0 + t * sequence.dimension },
                                                   into: density)
                        let (logScale, scale) = Self.correct(predicted: predicted, density: density, posterior: posterior,
                                                             states: k)
                        total += logScale
                        if let filtered { (filtered + t * k).update(from: posterior, count: k) }
                        if let emissions { (emissions + t * k).update(from: density, count: k) }
                        if let scales { scales[t] = scale }
                    }
                }
            }
            return total
        }
    }

    /// next_j = Σ_i p_i·A_ij (one step of the chain).
    @inline(__always)
    static func predict(from p: UnsafePointer<Double>, through a: UnsafePointer<Double>,
                        into next: UnsafeMutablePointer<Double>, states k: Int) {
        for j in 0..<k { next[j] = 0 }
        for i in 0..<k {
            let pi = p[i], row = a + i * k
            for j in 0..<k { next[j] += pi * row[j] }
        }
    }

    /// Bayes correction: posterior ∝ predicted ∘ b. On entry `density` holds log b_k; on
    /// return it holds b̃_k = exp(log b_k − max log b) and the result is
    /// (log p(o_t | past), c̃_t = Σ predicted ∘ b̃). An impossible step returns −∞ and is
    /// treated as missing (b̃ = 1, c̃ = 1, posterior = predicted).
    ///
    /// Normalising multiplies by 1/c̃ — except when c̃ is subnormal (below 2⁻¹⁰²²: the
    /// predicted mass sits on a state of probability ~1e-310 that alone explains the
    /// observation), where 1/c̃ overflows to +∞ and the product gave ∞ and NaN (0·∞); then
    /// each entry is divided by c̃ instead (v ≤ c̃, so the quotient is ≤ 1).
    @inline(__always)
    static func correct(predicted: UnsafePointer<Double>, density: UnsafeMutablePointer<Double>,
                        posterior: UnsafeMutablePointer<Double>, states k: Int) -> (logScale: Double, scale: Double) {
        var largest = -Double.infinity
        for j in 0..<k where density[j] > largest { largest = density[j] }
        var c = 0.0
        if largest > -Double.infinity {
            for j in 0..<k {
                let b = hmmExpNonPositive(density[j] - largest)
                density[j] = b
                let v = predicted[j] * b
                posterior[j] = v
                c += v
            }
        }
        guard c > 0, c.isFinite else {
            for j in 0..<k { density[j] = 1; posterior[j] = predicted[j] }
            return (-Double.infinity, 1)
        }
        let inverse = 1 / c
        if inverse.isFinite {
            for j in 0..<k { posterior[j] *= inverse }
        } else {
            for j in 0..<k { posterior[j] /= c }
        }
        return (log(c) + largest, c)
    }

    @inline(__always)
    func symbol(of sequence: HMMSequence, at t: Int) -> Int {
        sequence.symbols.isEmpty ? -1 : Int(sequence.symbols[t])
    }

    /// Layout and symbol range (negative symbols are missing and allowed).
    func checkInference(_ sequence: HMMSequence, index: Int = 0) throws(HMMError) {
        guard sequence.matches(emission) else {
            throw .layoutMismatch(index: index, expected: emission, hasSymbols: !sequence.symbols.isEmpty,
                                  dimension: sequence.dimension)
        }
        let m = emission.symbolCount
        if m > 0, let t = sequence.symbols.firstIndex(where: { Int($0) >= m }) {
            throw .symbolOutOfRange(sequence: index, step: t, symbol: Int(sequence.symbols[t]), symbolCount: m)
        }
    }
}
