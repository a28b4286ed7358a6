import Foundation
import Testing

@testable import Forecast

// Degenerate input: empty, too short, NaN, constant, more states than distinct
// observations, mis-shaped data, invalid specs and parameters. Each is either refused with a
// typed error whose message points at the fix, or handled as documented.

@Suite("HMM degenerate input")
struct HMMDegenerateTests {
    static let gaussian2 = HMMSpec(states: 2, emission: .gaussian(dimension: 2), maxIterations: 30)

    static func twoLevels(_ count: Int) -> HMMSequence {
        HMMSequence(values: (0..<count).flatMap { $0 % 10 < 5 ? [0.1, 0.2] : [0.8, 0.9] }, dimension: 2)
    }

    @Test("no sequences, empty sequences, single-step sequences")
    func emptyAndShort() throws {
        #expect(throws: HMMError.noSequences) { try HMM.fit([], spec: Self.gaussian2) }
        #expect(throws: HMMError.emptySequence(index: 1)) {
            try HMM.fit([Self.twoLevels(20), HMMSequence(values: [], dimension: 2)], spec: Self.gaussian2)
        }
        let singles = [HMMSequence(values: [0.1, 0.2], dimension: 2), HMMSequence(values: [0.8, 0.9], dimension: 2)]
        #expect(throws: HMMError.noTransitions(sequences: 2)) { try HMM.fit(singles, spec: Self.gaussian2) }
        // Very short but usable: one 2-step sequence plus single steps.
        let short = [HMMSequence(values: [0.1, 0.2, 0.8, 0.9], dimension: 2), HMMSequence(values: [0.15, 0.25], dimension: 2)]
        let fitted = try HMM.fit(short, spec: Self.gaussian2)
        #expect(fitted.logLikelihood.isFinite)
        #expect(fitted.parameters.variances!.elements.allSatisfy { $0 >= 1e-6 })
        // Inference on an empty sequence is empty, not an error.
        let empty = HMMSequence(values: [], dimension: 2)
        #expect(try fitted.filter(empty).isEmpty)
        #expect(try fitted.viterbi(empty).isEmpty)
        #expect(try fitted.smoothedPosteriors(empty).isEmpty)
        #expect(try fitted.logLikelihood(empty) == 0)
    }

    @Test("NaN and infinity in training data are refused with their location")
    func nonFinite() throws {
        var values = Self.twoLevels(20).values
        values[7 * 2 + 1] = .nan
        let bad = HMMSequence(values: values, dimension: 2)
        do {
            _ = try HMM.fit([Self.twoLevels(20), bad], spec: Self.gaussian2)
            Issue.record("NaN accepted")
        } catch {
            guard case .nonFinite(1, 7, 1, let value) = error, value.isNaN else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(error.description.contains("sequence 1, step 7, dimension 1"))
            #expect(error.description.contains("impute"))
        }
        values[7 * 2 + 1] = .infinity
        #expect(throws: HMMError.nonFinite(sequence: 0, step: 7, dimension: 1, value: .infinity)) {
            try HMM.fit([HMMSequence(values: values, dimension: 2)], spec: Self.gaussian2)
        }
    }

    @Test("constant data: one state fits at the variance floor, two are refused")
    func constantData() throws {
        let constant = HMMSequence(values: [Double](repeating: 0.5, count: 200), dimension: 2)
        var spec = Self.gaussian2
        spec.states = 1
        let fitted = try HMM.fit([constant], spec: spec)
        // σ² = max(floor, (prior + 0)/N) = max(1e-6, 0.01/100) = 1e-4.
        #expect(fitted.parameters.variances!.elements.allSatisfy { abs($0 - 1e-4) < 1e-15 })
        #expect(fitted.parameters.means!.elements.allSatisfy { abs($0 - 0.5) < 1e-15 })
        #expect(fitted.logLikelihood.isFinite)
        spec.variancePrior = 0
        let floored = try HMM.fit([constant], spec: spec)
        #expect(floored.parameters.variances!.elements.allSatisfy { $0 == 1e-6 })

        spec.states = 2
        do {
            _ = try HMM.fit([constant], spec: spec)
            Issue.record("two states on constant data accepted")
        } catch {
            #expect(error == .tooFewDistinctObservations(states: 2, distinct: 1))
            #expect(error.description.contains("use at most 1 states"))
        }
    }

    @Test("more states than distinct symbols is refused; selectStates skips such counts")
    func moreStatesThanSymbols() throws {
        let symbols = HMMSequence(symbols: (0..<60).map { $0 % 7 < 4 ? 0 : 2 })
        let spec = HMMSpec(states: 3, emission: .categorical(symbols: 3))
        #expect(throws: HMMError.tooFewDistinctObservations(states: 3, distinct: 2)) { try HMM.fit([symbols], spec: spec) }
        let selection = try HMM.selectStates([symbols], candidates: 1...3, spec: spec)
        #expect(selection.candidates.map(\.states) == [1, 2])
        #expect(selection.skipped == [.init(states: 3, reason: .tooFewDistinctObservations(states: 3, distinct: 2))])
        #expect(throws: HMMError.self) { try HMM.selectStates([symbols], candidates: 3...4, spec: spec) }
    }

    @Test("symbols outside the alphabet and mis-shaped sequences")
    func shapes() throws {
        let spec = HMMSpec(states: 2, emission: .categorical(symbols: 3))
        #expect(throws: HMMError.symbolOutOfRange(sequence: 0, step: 2, symbol: 3, symbolCount: 3)) {
            try HMM.fit([HMMSequence(symbols: [0, 1, 3, 2])], spec: spec)
        }
        #expect(throws: HMMError.symbolOutOfRange(sequence: 0, step: 1, symbol: -1, symbolCount: 3)) {
            try HMM.fit([HMMSequence(symbols: [0, -1, 2])], spec: spec)
        }
        #expect(throws: HMMError.layoutMismatch(index: 0, expected: .categorical(symbols: 3), hasSymbols: false, dimension: 2)) {
            try HMM.fit([Self.twoLevels(10)], spec: spec)
        }
        let model = try HMMTestModels.threePhase()
        #expect(throws: HMMError.self) { try model.filter(Self.twoLevels(10)) }  // no symbols
        var state = HMMFilterState(model: model)
        #expect(throws: HMMError.self) { try state.step(HMMObservation(symbol: 0, values: [0.1])) }
        #expect(throws: HMMError.self) { try state.step(HMMObservation(symbol: 9, values: [0.1, 0.2])) }
        #expect(state.stepCount == 0)
    }

    @Test("invalid specs and parameters are refused with the field named")
    func invalidSpecAndParameters() throws {
        let data = [Self.twoLevels(30)]
        var spec = Self.gaussian2
        spec.states = 0
        #expect(throws: HMMError.self) { try HMM.fit(data, spec: spec) }
        spec = Self.gaussian2; spec.tolerance = -1
        #expect(throws: HMMError.self) { try HMM.fit(data, spec: spec) }
        spec = Self.gaussian2; spec.restarts = 0
        #expect(throws: HMMError.self) { try HMM.fit(data, spec: spec) }
        spec = Self.gaussian2; spec.varianceFloor = 0
        #expect(throws: HMMError.self) { try HMM.fit(data, spec: spec) }
        spec = Self.gaussian2; spec.heavyStateRule = .meanAbove(threshold: 0.8, dimensions: [5])
        do {
            try spec.validate()
            Issue.record("bad heavy-state dimension accepted")
        } catch {
            #expect(error.description.contains("dimension 5"))
        }

        #expect(throws: HMMError.self) {
            try HMMParameters(startProbabilities: [0.5, 0.6], transitionProbabilities: Matrix(rowArrays: [[1, 0], [0, 1]]),
                              means: Matrix(rowArrays: [[0], [1]]), variances: Matrix(rowArrays: [[1], [1]]))
        }
        #expect(throws: HMMError.self) {
            try HMMParameters(startProbabilities: [0.5, 0.5], transitionProbabilities: Matrix(rowArrays: [[1, 0], [0, 1]]),
                              means: Matrix(rowArrays: [[0], [1]]), variances: Matrix(rowArrays: [[1], [0]]))
        }
        #expect(throws: HMMError.self) {
            try HMMParameters(startProbabilities: [1], transitionProbabilities: Matrix(rowArrays: [[1]]))
        }
        // Initial parameters of another shape than the spec.
        let initial = try HMMParameters(startProbabilities: [1], transitionProbabilities: Matrix(rowArrays: [[1]]),
                                        means: Matrix(rowArrays: [[0, 0]]), variances: Matrix(rowArrays: [[1, 1]]))
        #expect(throws: HMMError.self) { try HMM.fit(data, spec: Self.gaussian2, initial: initial) }
    }

    @Test("an observation impossible under the initial parameters is refused in fitting, tolerated online")
    func zeroLikelihood() throws {
        let initial = try HMMParameters(
            startProbabilities: [0.5, 0.5], transitionProbabilities: Matrix(rowArrays: [[0.9, 0.1], [0.1, 0.9]]),
            symbolProbabilities: Matrix(rowArrays: [[0.5, 0.5, 0], [0.5, 0.5, 0]]))
        let spec = HMMSpec(states: 2, emission: .categorical(symbols: 3), symbolPseudocount: 0)
        do {
            _ = try HMM.fit([HMMSequence(symbols: [0, 1, 0, 2, 1])], spec: spec, initial: initial)
            Issue.record("impossible symbol accepted")
        } catch {
            #expect(error == .zeroLikelihood(sequence: 0, step: 3))
            #expect(error.description.contains("symbolPseudocount"))
        }
        let model = try FittedHMM(parameters: initial, heavyStateRule: .states([1]))
        var state = HMMFilterState(model: model)
        try state.step(HMMObservation(symbol: 0))
        let before = state.posterior
        try state.step(HMMObservation(symbol: 2))
        #expect(state.lastStepLogLikelihood == -.infinity)
        #expect(hmmMaxAbsoluteDifference(state.posterior, model.propagate(before, steps: 1)) < 1e-15)
        #expect(try model.logLikelihood(HMMSequence(symbols: [0, 2])) == -.infinity)
    }
}
