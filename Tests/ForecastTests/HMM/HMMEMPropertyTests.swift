import Foundation
import Testing

@testable import Forecast

// EM properties: the log-likelihood never decreases (Dempster, Laird & Rubin 1977), and a
// planted phase structure is recovered.

@Suite("HMM EM properties")
struct HMMEMPropertyTests {
    /// Plain maximum-likelihood EM (no variance prior, no symbol pseudocount) is monotone
    /// in the log-likelihood; the variance floor only clips the M-step to a constrained
    /// maximiser, which keeps it monotone. Allowed slack: 1e-9 relative, for the rounding
    /// of a sum of ~2000 log terms (~1e-13 relative) with a wide margin.
    @Test("log-likelihood never decreases across EM iterations",
          arguments: [(UInt64(1), HMMSpec.Initialization.kMeans), (2, .random), (3, .kMeans), (4, .random), (5, .random)])
    func likelihoodNeverDecreases(seed: UInt64, initialization: HMMSpec.Initialization) throws {
        let truth = try HMMTestModels.threePhase()
        let (sequences, _) = HMMTestModels.sequences(from: truth, count: 4, steps: 150, seed: seed)
        let gaussianOnly = sequences.map { HMMSequence(values: $0.values, dimension: $0.dimension) }
        let symbolsOnly = sequences.map { HMMSequence(symbols: $0.symbols) }
        let cases: [(HMMEmissionKind, [HMMSequence])] = [
            (.product(symbols: 4, dimension: 2), sequences),
            (.gaussian(dimension: 2), gaussianOnly),
            (.categorical(symbols: 4), symbolsOnly),
        ]
        for (kind, data) in cases {
            for states in [2, 4] {
                let spec = HMMSpec(states: states, emission: kind, maxIterations: 40, tolerance: 0,
                                   initialization: initialization, seed: seed, variancePrior: 0, symbolPseudocount: 0)
                let fitted = try HMM.fit(data, spec: spec)
                let history = fitted.logLikelihoodHistory
                #expect(history.count == 41)
                for i in 1..<history.count {
                    let slack = 1e-9 * abs(history[i - 1])
                    #expect(history[i] >= history[i - 1] - slack,
                            "\(kind), K = \(states), seed \(seed): log-likelihood fell from \(history[i - 1]) to \(history[i]) at iteration \(i)")
                }
                #expect(history.last! > history.first!)
                #expect(fitted.logLikelihood == history.last!)
                #expect(abs(try fitted.logLikelihood(data) - fitted.logLikelihood) < 1e-8 * abs(fitted.logLikelihood))
            }
        }
    }

    @Test("the tolerance stops EM without a further M-step")
    func toleranceStops() throws {
        let truth = try HMMTestModels.threePhaseGaussian()
        let (sequences, _) = HMMTestModels.sequences(from: truth, count: 3, steps: 200, seed: 11)
        let spec = HMMSpec(states: 3, emission: .gaussian(dimension: 2), maxIterations: 500, tolerance: 1e-3)
        let fitted = try HMM.fit(sequences, spec: spec)
        #expect(fitted.converged)
        #expect(fitted.iterations < 500)
        let history = fitted.logLikelihoodHistory
        #expect(history[history.count - 1] - history[history.count - 2] < 1e-3)
        // The reported log-likelihood is that of the returned parameters.
        #expect(abs(try fitted.logLikelihood(sequences) - fitted.logLikelihood) < 1e-8)
    }

    /// Three phases (idle, busy, heavy) with symbols and 2-D usage, 8 sequences × 400 steps
    /// drawn with the seeded generator. Tolerances: with ~1000 steps per state the means'
    /// standard errors are ~0.05/√1000 ≈ 0.002 and transition probabilities' ~0.007, so 0.02
    /// and 0.03 are ≥ 4 standard errors; symbol probabilities ±0.05 likewise.
    @Test("a planted 3-phase structure is recovered")
    func plantedPhasesRecovered() throws {
        let truth = try HMMTestModels.threePhase()
        let (sequences, paths) = HMMTestModels.sequences(from: truth, count: 8, steps: 400, seed: 2024)
        let spec = HMMSpec(states: 3, emission: .product(symbols: 4, dimension: 2), restarts: 2, seed: 7)
        let fitted = try HMM.fit(sequences, spec: spec)

        // Match fitted states to true ones: the permutation with the closest means.
        let trueMeans = truth.parameters.means!, fittedMeans = fitted.parameters.means!
        let permutations = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        func cost(_ p: [Int]) -> Double {
            (0..<3).reduce(0) { sum, k in sum + (0..<2).reduce(0) { $0 + abs(trueMeans[k, $1] - fittedMeans[p[k], $1]) } }
        }
        let match = permutations.min { cost($0) < cost($1) }!  // true state k ↔ fitted state match[k]
        for k in 0..<3 {
            for d in 0..<2 { #expect(abs(trueMeans[k, d] - fittedMeans[match[k], d]) < 0.02) }
            for j in 0..<3 {
                let difference = abs(truth.transitionProbabilities[k, j] - fitted.transitionProbabilities[match[k], match[j]])
                #expect(difference < 0.03, "A[\(k), \(j)] off by \(difference)")
            }
            for s in 0..<4 {
                #expect(abs(truth.parameters.symbolProbabilities![k, s] - fitted.parameters.symbolProbabilities![match[k], s]) < 0.05)
            }
        }
        // The heavy phase is found by the default rule (mean ≥ 0.8) and is the true one.
        #expect(fitted.heavyStates == [match[2]])
        // Viterbi recovers the phases almost everywhere.
        var correct = 0, total = 0
        for (sequence, path) in zip(sequences, paths) {
            let decoded = try fitted.viterbi(sequence)
            correct += zip(decoded, path).filter { $0.0 == match[$0.1] }.count
            total += path.count
        }
        #expect(Double(correct) / Double(total) > 0.97)
    }

    @Test("BIC picks the planted number of states among 2…5")
    func bicPicksThree() throws {
        let truth = try HMMTestModels.threePhaseGaussian()
        let (sequences, _) = HMMTestModels.sequences(from: truth, count: 6, steps: 300, seed: 99)
        let spec = HMMSpec(states: 2, emission: .gaussian(dimension: 2), restarts: 2)
        let selection = try HMM.selectStates(sequences, candidates: 2...5, spec: spec)
        #expect(selection.best.states == 3, "BIC table: \(selection.candidates)")
        #expect(selection.candidates.map(\.states) == [2, 3, 4, 5])
        #expect(selection.skipped.isEmpty)
        for candidate in selection.candidates {
            // p = (K − 1) + K(K − 1) + 2KD with D = 2.
            let k = candidate.states
            #expect(candidate.freeParameterCount == (k - 1) + k * (k - 1) + 4 * k)
            #expect(abs(candidate.bic - (-2 * candidate.logLikelihood + Double(candidate.freeParameterCount) * log(1800.0))) < 1e-6)
        }
    }

    @Test("fits are reproducible from the seed")
    func reproducible() throws {
        let truth = try HMMTestModels.threePhase()
        let (sequences, _) = HMMTestModels.sequences(from: truth, count: 2, steps: 120, seed: 5)
        let spec = HMMSpec(states: 3, emission: .product(symbols: 4, dimension: 2), maxIterations: 20, restarts: 2,
                           initialization: .random, seed: 42)
        #expect(try HMM.fit(sequences, spec: spec) == HMM.fit(sequences, spec: spec))
    }
}
