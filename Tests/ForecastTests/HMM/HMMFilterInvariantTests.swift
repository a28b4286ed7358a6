import Foundation
import Testing
@testable import Forecast

/// Issue 12, item 1: the online forward filter must stay a probability distribution for ANY
/// observation (finite, zero, huge, NaN, ±∞, a symbol of probability 0), on any valid model
/// (tiny and zero probabilities included), so `heavyPhaseProbability` never sees a
/// posterior that sums to 0 or NaN (a precondition there would stop the scorer).
@Suite("HMM online filter invariant")
struct HMMFilterInvariantTests {
    static func expectDistribution(_ p: [Double], _ context: @autoclosure () -> String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        let sum = p.reduce(0, +)
        let ok = p.allSatisfy { $0.isFinite && $0 >= 0 } && abs(sum - 1) <= 1e-9
        #expect(ok, "posterior \(p) (sum \(sum)) is not a distribution: \(context())", sourceLocation: sourceLocation)
    }

    @Test("a state of prior probability 1e-310 that alone explains the observation: the posterior is [0, 1], not NaN")
    func subnormalNormaliser() throws {
        // c̃ = 1e-310 is subnormal: 1/c̃ overflowed to +∞ and the posterior became [NaN, ∞].
        let parameters = try HMMParameters(
            startProbabilities: [1, 1e-310],
            transitionProbabilities: Matrix(rows: 2, cols: 2, storage: [1, 0, 0, 1]),
            means: Matrix(rows: 2, cols: 1, storage: [0, 10]), variances: Matrix(rows: 2, cols: 1, storage: [0.01, 0.01]))
        let model = try FittedHMM(parameters: parameters, heavyStateRule: .states([1]))
        var filter = HMMFilterState(model: model)
        try filter.step(HMMObservation(values: [10]))
        Self.expectDistribution(filter.posterior, "after the step")
        #expect(abs(filter.posterior[1] - 1) < 1e-12)
        let heavy = filter.heavyPhaseProbability(withinSteps: 12)
        #expect(heavy.isFinite && heavy >= 0 && heavy <= 1)
        #expect(abs(heavy - 1) < 1e-12)
        #expect(filter.degenerateResets == 0)   // fixed in the normalisation, not by a reset
        // The batch filter shares the arithmetic.
        let batch = try model.filter(HMMSequence(values: [10], dimension: 1))
        Self.expectDistribution(batch[0], "batch filter")
    }

    @Test("heavyPhaseProbabilities on a degenerate posterior (sum 0, NaN, wrong length, negative h) falls back to π")
    func degeneratePosteriorInput() throws {
        let parameters = try HMMParameters(
            startProbabilities: [0.25, 0.75],
            transitionProbabilities: Matrix(rows: 2, cols: 2, storage: [0.9, 0.1, 0.2, 0.8]),
            means: Matrix(rows: 2, cols: 1, storage: [0.1, 0.9]), variances: Matrix(rows: 2, cols: 1, storage: [0.01, 0.01]))
        let model = try FittedHMM(parameters: parameters, heavyStateRule: .states([1]))
        let fromStart = model.heavyPhaseProbabilities(from: [0.25, 0.75], horizonSteps: 3)
        for bad in [[0.0, 0.0], [Double.nan, 1], [1, .infinity], [0.5], [-1, 2]] {
            #expect(model.heavyPhaseProbabilities(from: bad, horizonSteps: 3) == fromStart, "input \(bad)")
        }
        #expect(model.heavyPhaseProbability(from: [1, 0], withinSteps: -4) == 0)
    }

    /// A random valid model: K states, D values and/or M symbols, with exact zeros and
    /// subnormal probabilities sprinkled into π, A and B, variances from 1e-6 to 1e6.
    static func randomModel(_ g: inout SeededGenerator) throws -> FittedHMM {
        let k = Int.random(in: 1...5, using: &g)
        let d = Int.random(in: 0...3, using: &g)
        let m = d == 0 ? Int.random(in: 1...4, using: &g) : Int.random(in: 0...4, using: &g)
        func distribution(_ n: Int) -> [Double] {
            var p = (0..<n).map { _ -> Double in
                switch Int.random(in: 0..<6, using: &g) {
                case 0: 0
                case 1: 1e-310
                case 2: 1e-300
                default: Double.random(in: 0.01...1, using: &g)
                }
            }
            if p.allSatisfy({ $0 < 1e-200 }) { p[Int.random(in: 0..<n, using: &g)] = 1 }
            let sum = p.reduce(0, +)
            return p.map { $0 / sum }
        }
        let parameters = try HMMParameters(
            startProbabilities: distribution(k),
            transitionProbabilities: Matrix(rows: k, cols: k, storage: (0..<k).flatMap { _ in distribution(k) }),
            symbolProbabilities: m > 0 ? Matrix(rows: k, cols: m, storage: (0..<k).flatMap { _ in distribution(m) }) : nil,
            means: d > 0 ? Matrix(rows: k, cols: d, storage: (0..<(k * d)).map { _ in Double.random(in: -2...3, using: &g) }) : nil,
            variances: d > 0 ? Matrix(rows: k, cols: d, storage: (0..<(k * d)).map { _ in pow(10, Double.random(in: -6...6, using: &g)) }) : nil)
        return try FittedHMM(parameters: parameters, heavyStateRule: .states([Int.random(in: 0..<k, using: &g)]))
    }

    /// Observation values drawn to hurt: zeros, huge and tiny magnitudes, NaN, ±∞.
    static func hostileValue(_ g: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<12, using: &g) {
        case 0: 0
        case 1: 1e300
        case 2: -1e308
        case 3: 1e154
        case 4: .nan
        case 5: .infinity
        case 6: -.infinity
        case 7: 1e-310
        case 8: Double.greatestFiniteMagnitude
        default: Double.random(in: -3...4, using: &g)
        }
    }

    @Test("property: 400 random models × 200 hostile steps — posterior finite, ≥ 0, sums to 1 ± 1e-9; heavy-phase in [0, 1]")
    func randomModelsHostileObservations() throws {
        var g = SeededGenerator(seed: 12)
        for model in 0..<400 {
            let hmm = try Self.randomModel(&g)
            var filter = HMMFilterState(model: hmm)
            let m = hmm.emission.symbolCount, d = hmm.emission.dimension
            for step in 0..<200 {
                var observation = HMMObservation()
                if m > 0, Int.random(in: 0..<4, using: &g) > 0 { observation.symbol = Int32(Int.random(in: -1..<m, using: &g)) }
                if d > 0, Int.random(in: 0..<8, using: &g) > 0 { observation.values = (0..<d).map { _ in Self.hostileValue(&g) } }
                try filter.step(observation)
                Self.expectDistribution(filter.posterior, "model \(model), step \(step), observation \(observation)")
                let heavy = filter.heavyPhaseProbabilities(withinStepsThrough: 12)
                #expect(heavy.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, "model \(model), step \(step): \(heavy)")
                if filter.posterior.contains(where: { !$0.isFinite }) { return }   // one report per failure
            }
        }
    }

    @Test("isDistribution: what the filter checks after each step before resetting to π")
    func resetIsCounted() throws {
        #expect(HMMFilterState.isDistribution([0.5, 0.5]))
        #expect(!HMMFilterState.isDistribution([0, 0]))
        #expect(!HMMFilterState.isDistribution([.nan, 1]))
        #expect(!HMMFilterState.isDistribution([-0.5, 1.5]))
        #expect(!HMMFilterState.isDistribution([0.5, 0.5 + 1e-6]))
    }
}

extension HMMFilterState {
    /// The heavy-phase curve for 0 … h steps.
    func heavyPhaseProbabilities(withinStepsThrough h: Int) -> [Double] {
        model.heavyPhaseProbabilities(from: posterior, horizonSteps: h)
    }
}
