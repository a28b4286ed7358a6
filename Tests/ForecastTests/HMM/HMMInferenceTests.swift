import Foundation
import Testing

@testable import Forecast

// Inference against an independent reference (brute-force enumeration of all K^T hidden
// paths with plain probabilities), online vs batch filtering, missing data, and the
// model-file round trip. Brute-force sums of ≤ 3⁷ positive terms carry ~1e-15 relative
// rounding; 1e-10 leaves a wide margin while any algorithmic slip is O(1e-2).

@Suite("HMM inference")
struct HMMInferenceTests {
    static func shortSequence(missing: Bool) throws -> (FittedHMM, HMMSequence) {
        let model = try HMMTestModels.threePhase()
        var generator = SeededGenerator(seed: 8)
        var (sequence, _) = model.sample(steps: 7, generator: &generator)
        if missing {
            var values = sequence.values, symbols = sequence.symbols
            values[2 * 2 + 1] = .nan          // step 2, dimension 1
            values[4 * 2] = .nan; values[4 * 2 + 1] = .nan
            symbols[4] = -1                   // step 4 entirely missing
            symbols[5] = -1                   // step 5: symbol missing
            sequence = HMMSequence(symbols: symbols, values: values, dimension: 2)
        }
        return (model, sequence)
    }

    @Test("likelihood, smoothing, Viterbi and filtering equal brute force", arguments: [false, true])
    func bruteForce(missing: Bool) throws {
        let (model, sequence) = try Self.shortSequence(missing: missing)
        let p = model.parameters
        let exact = log(HMMBruteForce.likelihood(p, sequence))
        #expect(abs(try model.logLikelihood(sequence) - exact) < 1e-10)
        #expect(hmmMaxAbsoluteDifference(try model.smoothedPosteriors(sequence), HMMBruteForce.smoothed(p, sequence)) < 1e-10)
        let (path, logProbability) = try model.viterbiPath(sequence)
        let best = HMMBruteForce.mostProbablePath(p, sequence)
        #expect(path == best.path)
        #expect(abs(logProbability - log(best.probability)) < 1e-10)
        // Filtering at t = smoothing of the prefix 0…t, at its last step.
        let filtered = try model.filter(sequence)
        for t in 0..<sequence.count {
            let prefix = sequence.slice(0..<(t + 1))
            let reference = HMMBruteForce.smoothed(p, prefix)[t]
            #expect(hmmMaxAbsoluteDifference(filtered[t], reference) < 1e-10, "step \(t)")
        }
    }

    @Test("the online filter state reproduces the batch filter step by step")
    func onlineEqualsBatch() throws {
        let model = try HMMTestModels.threePhase()
        var generator = SeededGenerator(seed: 77)
        let (sequence, _) = model.sample(steps: 300, generator: &generator)
        var values = sequence.values
        values[17 * 2] = .nan  // a missing coordinate on the way
        let withGap = HMMSequence(symbols: sequence.symbols, values: values, dimension: 2)
        let batch = try model.filter(withGap)
        var online = HMMFilterState(model: model)
        #expect(online.posterior == model.startProbabilities)
        for t in 0..<withGap.count {
            try online.step(HMMObservation(symbol: withGap.symbols[t], values: Array(values[(2 * t)..<(2 * t + 2)])))
            #expect(hmmMaxAbsoluteDifference(online.posterior, batch[t]) <= 1e-15, "step \(t)")
        }
        #expect(online.stepCount == 300)
        #expect(abs(online.logLikelihood - (try model.logLikelihood(withGap))) < 1e-9)
        online.reset()
        #expect(online.stepCount == 0 && online.posterior == model.startProbabilities)
    }

    @Test("a fully missing step is a pure prediction")
    func missingStepPredicts() throws {
        let model = try HMMTestModels.threePhase()
        var state = HMMFilterState(model: model)
        try state.step(HMMObservation(symbol: 0, values: [0.15, 0.2]))
        let predicted = state.predicted(stepsAhead: 1)
        try state.step(HMMObservation(symbol: nil, values: [.nan, .nan]))
        #expect(hmmMaxAbsoluteDifference(state.posterior, predicted) < 1e-15)
        #expect(state.lastStepLogLikelihood == 0)
        try state.step(HMMObservation())  // empty values: also missing
        #expect(hmmMaxAbsoluteDifference(state.posterior, model.propagate(predicted, steps: 1)) < 1e-15)
    }

    @Test("model file round trip (TensorCodable + safetensors)")
    func tensorRoundTrip() throws {
        let truth = try HMMTestModels.threePhase()
        let (sequences, _) = HMMTestModels.sequences(from: truth, count: 2, steps: 100, seed: 3)
        let fitted = try HMM.fit(sequences, spec: HMMSpec(states: 3, emission: .product(symbols: 4, dimension: 2),
                                                          heavyStateRule: .meanAbove(threshold: 0.7, dimensions: [0])))
        var bundle = TensorBundle(metadata: ["kind": "hmm"])
        fitted.encode(into: &bundle, prefix: "hmm.web-1.")
        let decodedBundle = try Safetensors.decode(Safetensors.encode(bundle))
        let decoded = try FittedHMM(from: decodedBundle, prefix: "hmm.web-1.")
        #expect(decoded == fitted)
        #expect(decoded.bic == fitted.bic)
        #expect(try decoded.filter(sequences[0]) == fitted.filter(sequences[0]))
        // Codable (JSON) round trip as well.
        let json = try JSONEncoder().encode(fitted)
        #expect(try JSONDecoder().decode(FittedHMM.self, from: json) == fitted)

        // A Gaussian-only and a symbols-only model round-trip too.
        for model in [try HMMTestModels.threePhaseGaussian(),
                      try FittedHMM(parameters: HMMParameters(startProbabilities: [1], transitionProbabilities: Matrix(rowArrays: [[1]]),
                                                              symbolProbabilities: Matrix(rowArrays: [[0.25, 0.75]])))] {
            var b = TensorBundle()
            model.encode(into: &b, prefix: "h.")
            #expect(try FittedHMM(from: b, prefix: "h.") == model)
        }

        // Damaged bundles are refused with a message naming the tensor.
        var missing = bundle
        missing.set("hmm.web-1.means", doubles: [0, 0], shape: [1, 2])
        #expect(throws: TensorBundleError.self) { try FittedHMM(from: missing, prefix: "hmm.web-1.") }
        var badTransition = bundle
        badTransition.set("hmm.web-1.transition_probabilities", doubles: [Double](repeating: 0.5, count: 9), shape: [3, 3])
        #expect(throws: TensorBundleError.self) { try FittedHMM(from: badTransition, prefix: "hmm.web-1.") }
        #expect(throws: TensorBundleError.self) { try FittedHMM(from: bundle, prefix: "other.") }
    }

    @Test("sampling is reproducible and follows the model")
    func sampling() throws {
        let model = try HMMTestModels.threePhase()
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1)
        let first = model.sample(steps: 2000, generator: &a), second = model.sample(steps: 2000, generator: &b)
        #expect(first.sequence == second.sequence && first.states == second.states)
        // Occupancy near the stationary distribution of A (loose: a 2000-step chain).
        let occupancy = (0..<3).map { k in Double(first.states.filter { $0 == k }.count) / 2000 }
        let stationary = model.propagate([1, 0, 0], steps: 500)
        #expect(hmmMaxAbsoluteDifference(occupancy, stationary) < 0.1)
    }
}
