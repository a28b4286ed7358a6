import Foundation
import Testing

@testable import Forecast

// heavyPhaseProbability(from: p, withinSteps: h) = P(X_{t+s} ∈ H for some s ∈ 0…h | X_t ~ p),
// checked against brute-force enumeration of all K^(h+1) paths (exact up to rounding, so
// 1e-12) and against Monte Carlo with the seeded generator.

@Suite("HMM heavy-phase probability")
struct HMMHeavyPhaseTests {
    /// 3 states, heavy = {2} by the default rule (state 2's CPU mean 0.9 ≥ 0.8).
    static func model() throws -> FittedHMM { try HMMTestModels.threePhase() }

    static func bruteForce(_ model: FittedHMM, _ p: [Double], _ h: Int) -> Double {
        let k = model.states, heavy = Set(model.heavyStates)
        var total = 0.0
        var path = [Int](repeating: 0, count: h + 1)
        for code in 0..<Int(pow(Double(k), Double(h + 1))) {
            var c = code
            for s in 0...h { path[s] = c % k; c /= k }
            guard path.contains(where: heavy.contains) else { continue }
            var probability = p[path[0]]
            for s in 0..<h { probability *= model.transitionProbabilities[path[s], path[s + 1]] }
            total += probability
        }
        return total
    }

    @Test("equals brute-force enumeration over all paths", arguments: [0, 1, 2, 3, 5, 7])
    func matchesBruteForce(h: Int) throws {
        let model = try Self.model()
        #expect(model.heavyStates == [2])
        for p in [[0.7, 0.2, 0.1], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.8, 0.0]] {
            let exact = Self.bruteForce(model, p, h)
            let ours = model.heavyPhaseProbability(from: p, withinSteps: h)
            #expect(abs(ours - exact) < 1e-12, "p = \(p), h = \(h): \(ours) vs brute force \(exact)")
        }
    }

    @Test("with two heavy states, against brute force and the curve")
    func twoHeavyStates() throws {
        let model = try Self.model().designatingHeavyStates(.states([1, 2]))
        let p = [0.6, 0.3, 0.1]
        let curve = model.heavyPhaseProbabilities(from: p, horizonSteps: 6)
        #expect(curve.count == 7)
        #expect(abs(curve[0] - 0.4) < 1e-15)  // already heavy now
        for h in 0...6 { #expect(abs(curve[h] - Self.bruteForce(model, p, h)) < 1e-12) }
        for h in 1...6 { #expect(curve[h] >= curve[h - 1]) }
    }

    /// 200,000 simulated chains; the estimate's standard error is ≤ √(0.25/200000) ≈ 0.0011,
    /// so 0.006 is > 5 standard errors.
    @Test("agrees with Monte Carlo simulation of the chain")
    func matchesMonteCarlo() throws {
        let model = try Self.model()
        let p = [0.5, 0.4, 0.1], h = 12, draws = 200_000
        var generator = SeededGenerator(seed: 314)
        func draw(_ probabilities: [Double]) -> Int {
            var u = generator.nextUniform()
            for (i, q) in probabilities.enumerated() {
                u -= q
                if u < 0 { return i }
            }
            return probabilities.count - 1
        }
        let rows = model.transitionProbabilities.rowArrays
        var hits = 0
        for _ in 0..<draws {
            var state = draw(p)
            var entered = state == 2
            var s = 0
            while !entered && s < h {
                state = draw(rows[state])
                entered = state == 2
                s += 1
            }
            if entered { hits += 1 }
        }
        let estimate = Double(hits) / Double(draws)
        #expect(abs(model.heavyPhaseProbability(from: p, withinSteps: h) - estimate) < 0.006)
    }

    @Test("heavy-state rules")
    func rules() throws {
        let model = try Self.model()
        #expect(try model.designatingHeavyStates(.meanAbove(threshold: 0.4)).heavyStates == [1, 2])
        #expect(try model.designatingHeavyStates(.meanAbove(threshold: 0.8, dimensions: [1])).heavyStates == [])
        #expect(try model.designatingHeavyStates(.meanAbove(threshold: 0.7, dimensions: [1])).heavyStates == [2])
        #expect(try model.designatingHeavyStates(.highestMeanLoad()).heavyStates == [2])
        #expect(try model.designatingHeavyStates(.states([0, 0, 2])).heavyStates == [0, 2])
        // No heavy state: the HMM adds no risk.
        let none = try model.designatingHeavyStates(.meanAbove(threshold: 2.0))
        #expect(none.heavyStates.isEmpty)
        #expect(none.heavyPhaseProbability(from: [0.1, 0.1, 0.8], withinSteps: 10) == 0)
        // Rules naming states or dimensions that do not exist are refused.
        #expect(throws: HMMError.self) { try model.designatingHeavyStates(.states([3])) }
        #expect(throws: HMMError.self) { try model.designatingHeavyStates(.meanAbove(threshold: 0.8, dimensions: [2])) }
        // A symbols-only model has no usage dimensions: the Gaussian rules designate nothing.
        let symbolsOnly = try FittedHMM(parameters: HMMParameters(
            startProbabilities: [0.5, 0.5], transitionProbabilities: Matrix(rowArrays: [[0.9, 0.1], [0.1, 0.9]]),
            symbolProbabilities: Matrix(rowArrays: [[0.9, 0.1], [0.1, 0.9]])))
        #expect(symbolsOnly.heavyStates.isEmpty)
        #expect(try symbolsOnly.designatingHeavyStates(.states([1])).heavyStates == [1])
    }

    @Test("the online filter state scores its own posterior")
    func filterStateRisk() throws {
        let model = try Self.model()
        var state = HMMFilterState(model: model)
        for value in [0.15, 0.5, 0.52, 0.55] { try state.step(HMMObservation(symbol: 1, values: [value, value])) }
        let expected = model.heavyPhaseProbability(from: state.posterior, withinSteps: 6)
        #expect(state.heavyPhaseProbability(withinSteps: 6) == expected)
        // Entering the heavy regime raises the risk.
        let before = state.heavyPhaseProbability(withinSteps: 6)
        try state.step(HMMObservation(symbol: 3, values: [0.88, 0.74]))
        #expect(state.heavyPhaseProbability(withinSteps: 6) > before)
        #expect(state.heavyPhaseProbability(withinSteps: 0) > 0.9)
    }
}
