import Foundation
import Testing

@testable import Forecast

// Shared helpers for the HMM tests: fixture decoding, model builders, an independent naive
// reference (brute-force path enumeration) for small problems.

/// Tests/ForecastTests/Fixtures/hmm.json (scripts/fixtures/gen_hmm_fixtures.py, hmmlearn).
struct HMMFixture: Decodable {
    struct Parameters: Decodable {
        let start: [Double]
        let transition: [[Double]]
        let means: [[Double]]?
        let variances: [[Double]]?
        let symbolProbabilities: [[Double]]?

        func hmmParameters() throws -> HMMParameters {
            try HMMParameters(
                startProbabilities: start,
                transitionProbabilities: Matrix(rowArrays: transition),
                symbolProbabilities: symbolProbabilities.map { Matrix(rowArrays: $0) },
                means: means.map { Matrix(rowArrays: $0) },
                variances: variances.map { Matrix(rowArrays: $0) })
        }
    }

    struct Case: Decodable {
        let states: Int
        let dimension: Int?
        let symbols: Int?
        let lengths: [Int]
        let values: [Double]
        let variancePrior: Double?
        let iterations: Int
        let initial: Parameters
        let history: [Double]
        let after1: Parameters
        let afterN: Parameters
        let finalScore: Double
        let perSequenceScore: [Double]
        let viterbiPath: [Int]
        let viterbiLogProbability: Double
        let smoothedPosteriors: [[Double]]
        let filteredPosteriors: [[Double]]

        var sequences: [HMMSequence] {
            var result: [HMMSequence] = []
            var offset = 0
            for length in lengths {
                if let d = dimension {
                    result.append(HMMSequence(values: Array(values[(offset * d)..<((offset + length) * d)]), dimension: d))
                } else {
                    result.append(HMMSequence(symbols: values[offset..<(offset + length)].map { Int($0) }))
                }
                offset += length
            }
            return result
        }

        var emission: HMMEmissionKind {
            if let d = dimension { return .gaussian(dimension: d) }
            return .categorical(symbols: symbols!)
        }
    }

    let hmmlearn: String
    let gaussian: Case
    let categorical: Case

    static func load() throws -> HMMFixture {
        let url = try #require(Bundle.module.url(forResource: "hmm", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(HMMFixture.self, from: Data(contentsOf: url))
    }
}

enum HMMTestModels {
    /// A 3-state product model (4 symbols, 2-D usage) with well-separated phases: idle,
    /// busy, heavy (state 2's CPU mean 0.9 ≥ 0.8, so it is the heavy state by default).
    static func threePhase() throws -> FittedHMM {
        let parameters = try HMMParameters(
            startProbabilities: [0.5, 0.3, 0.2],
            transitionProbabilities: Matrix(rowArrays: [[0.95, 0.04, 0.01], [0.03, 0.94, 0.03], [0.02, 0.05, 0.93]]),
            symbolProbabilities: Matrix(rowArrays: [[0.70, 0.20, 0.05, 0.05], [0.10, 0.60, 0.20, 0.10], [0.05, 0.10, 0.25, 0.60]]),
            means: Matrix(rowArrays: [[0.15, 0.20], [0.50, 0.45], [0.90, 0.75]]),
            variances: Matrix(rowArrays: [[0.0025, 0.0025], [0.0036, 0.0025], [0.0025, 0.0036]]))
        return try FittedHMM(parameters: parameters)
    }

    /// The same phases with Gaussian emissions only.
    static func threePhaseGaussian() throws -> FittedHMM {
        let p = try threePhase().parameters
        return try FittedHMM(parameters: HMMParameters(startProbabilities: p.startProbabilities,
                                                       transitionProbabilities: p.transitionProbabilities,
                                                       means: p.means, variances: p.variances))
    }

    static func sequences(from model: FittedHMM, count: Int, steps: Int, seed: UInt64) -> (sequences: [HMMSequence], paths: [[Int]]) {
        var generator = SeededGenerator(seed: seed)
        var sequences: [HMMSequence] = [], paths: [[Int]] = []
        for _ in 0..<count {
            let (sequence, path) = model.sample(steps: steps, generator: &generator)
            sequences.append(sequence)
            paths.append(path)
        }
        return (sequences, paths)
    }
}

/// Independent reference: enumerate every hidden path (K^T of them) with plain
/// probabilities, no scaling. Only for tiny T.
enum HMMBruteForce {
    static func emissionProbability(_ p: HMMParameters, state k: Int, sequence: HMMSequence, step t: Int) -> Double {
        var probability = 1.0
        if let b = p.symbolProbabilities, !sequence.symbols.isEmpty, sequence.symbols[t] >= 0 {
            probability *= b[k, Int(sequence.symbols[t])]
        }
        if let mu = p.means, let v = p.variances {
            for d in 0..<mu.cols {
                let x = sequence.values[t * mu.cols + d]
                if x.isNaN { continue }
                probability *= exp(-(x - mu[k, d]) * (x - mu[k, d]) / (2 * v[k, d])) / (2 * Double.pi * v[k, d]).squareRoot()
            }
        }
        return probability
    }

    /// Calls `body(path, joint probability)` for every path.
    static func forEachPath(_ p: HMMParameters, _ sequence: HMMSequence, _ body: ([Int], Double) -> Void) {
        let k = p.states, t = sequence.count
        var path = [Int](repeating: 0, count: t)
        let total = Int(pow(Double(k), Double(t)))
        for code in 0..<total {
            var c = code
            for s in 0..<t { path[s] = c % k; c /= k }
            var probability = p.startProbabilities[path[0]] * emissionProbability(p, state: path[0], sequence: sequence, step: 0)
            for s in 1..<t {
                probability *= p.transitionProbabilities[path[s - 1], path[s]]
                    * emissionProbability(p, state: path[s], sequence: sequence, step: s)
            }
            body(path, probability)
        }
    }

    static func likelihood(_ p: HMMParameters, _ sequence: HMMSequence) -> Double {
        var total = 0.0
        forEachPath(p, sequence) { _, probability in total += probability }
        return total
    }

    /// P(state_t = k | o_0 … o_{T−1}), T × K.
    static func smoothed(_ p: HMMParameters, _ sequence: HMMSequence) -> [[Double]] {
        var result = [[Double]](repeating: [Double](repeating: 0, count: p.states), count: sequence.count)
        var total = 0.0
        forEachPath(p, sequence) { path, probability in
            total += probability
            for (t, state) in path.enumerated() { result[t][state] += probability }
        }
        return result.map { row in row.map { $0 / total } }
    }

    static func mostProbablePath(_ p: HMMParameters, _ sequence: HMMSequence) -> (path: [Int], probability: Double) {
        var best: [Int] = [], bestProbability = -1.0
        forEachPath(p, sequence) { path, probability in
            if probability > bestProbability { best = path; bestProbability = probability }
        }
        return (best, bestProbability)
    }
}

/// max_i |a_i − b_i|.
func hmmMaxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "lengths differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func hmmMaxAbsoluteDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
    precondition(a.count == b.count, "row counts differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, hmmMaxAbsoluteDifference($1.0, $1.1)) }
}
