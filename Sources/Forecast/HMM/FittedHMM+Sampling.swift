import Foundation

extension FittedHMM {
    /// Draws a sequence of `steps` observations and the hidden path that produced it:
    /// X_0 ~ π, X_t ~ A[X_{t−1}, ·], symbol ~ B[X_t, ·], value_d ~ 𝒩(μ_{X_t d}, σ²_{X_t d}).
    /// For simulations and tests (planted phase structures); reproducible for a given
    /// generator state. `steps == 0` gives an empty sequence.
    public func sample(steps: Int, generator: inout SeededGenerator) -> (sequence: HMMSequence, states: [Int]) {
        precondition(steps >= 0, "sample: steps must be ≥ 0, got \(steps)")
        let k = states, m = emission.symbolCount, d = emission.dimension
        let symbolProbabilities = parameters.symbolElements
        let means = parameters.meanElements, deviations = parameters.varianceElements.map { $0.squareRoot() }
        func draw(_ probabilities: ArraySlice<Double>) -> Int {
            var u = generator.nextUniform()
            for (offset, p) in probabilities.enumerated() {
                u -= p
                if u < 0 { return offset }
            }
            return probabilities.count - 1  // rounding left u ≥ 0: the last state
        }
        var path: [Int] = [], symbols: [Int32] = [], values: [Double] = []
        path.reserveCapacity(steps)
        for t in 0..<steps {
            let state = t == 0 ? draw(parameters.startProbabilities[...]) : draw(transition[(path[t - 1] * k)..<((path[t - 1] + 1) * k)])
            path.append(state)
            if m > 0 { symbols.append(Int32(draw(symbolProbabilities[(state * m)..<((state + 1) * m)]))) }
            for e in 0..<d { values.append(means[state * d + e] + deviations[state * d + e] * generator.nextNormal()) }
        }
        let sequence: HMMSequence
        switch (m > 0, d > 0) {
        case (true, true): sequence = HMMSequence(symbols: symbols, values: values, dimension: d)
        case (true, false): sequence = HMMSequence(symbols: symbols)
        default: sequence = HMMSequence(values: values, dimension: d)
        }
        return (sequence, path)
    }
}
