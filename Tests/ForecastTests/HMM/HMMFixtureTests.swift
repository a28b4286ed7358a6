import Foundation
import Testing

@testable import Forecast

// Agreement with hmmlearn 0.3.3 (Tests/ForecastTests/Fixtures/hmm.json, written by
// scripts/fixtures/gen_hmm_fixtures.py): from the same initial parameters, EM must give the
// same log-likelihood history and the same parameters; under the same parameters, the
// same log-likelihood, Viterbi path, smoothed and filtered posteriors.
//
// Tolerances. hmmlearn computes in log space (logsumexp forward/backward, Gaussian
// log-densities by the expansion x²/σ² − 2xμ/σ² + μ²/σ²); we compute in scaled probability
// space with direct (x − μ)² — the same mathematics with different rounding. Each step's
// relative rounding is ~1e-16; over the 360–500 steps of a fixture a log-likelihood of
// |log L| ~ 10²–10³ then agrees to ~1e-12 absolute, and EM, a contraction near its fixed
// point, does not amplify the difference over 15 iterations. Measured (hmmlearn 0.3.3,
// numpy 2.4): history ≤ 3.3e-12, final log-likelihood ≤ 8e-13, parameters ≤ 1.4e-14,
// posteriors ≤ 3.3e-14, Viterbi log-probability exact. The bars keep ≥ 300× margin:
// * log-likelihoods (history, scores, Viterbi log-probability): 1e-9 absolute;
// * parameters (probabilities, means, variances, all O(1e-3…1)): 1e-11 absolute;
// * posteriors: 1e-11 absolute; Viterbi paths: identical.
// Any modelling difference (a missing prior, a wrong M-step, an off-by-one in the
// history) shows up at 1e-4 or more, far above the bars.

private let logLikelihoodTolerance = 1e-9
private let parameterTolerance = 1e-11
private let posteriorTolerance = 1e-11

@Suite("HMM vs hmmlearn fixture")
struct HMMFixtureTests {
    static func spec(for c: HMMFixture.Case, iterations: Int) -> HMMSpec {
        HMMSpec(states: c.states, emission: c.emission, maxIterations: iterations, tolerance: 0,
                varianceFloor: 1e-12, variancePrior: c.variancePrior ?? 0, symbolPseudocount: 0)
    }

    static func expectParameters(_ ours: HMMParameters, _ theirs: HMMFixture.Parameters, _ label: String) {
        #expect(hmmMaxAbsoluteDifference(ours.startProbabilities, theirs.start) < parameterTolerance, "\(label): π")
        #expect(hmmMaxAbsoluteDifference(ours.transitionProbabilities.rowArrays, theirs.transition) < parameterTolerance,
                "\(label): A \(ours.transitionProbabilities) vs \(theirs.transition)")
        if let means = theirs.means, let variances = theirs.variances {
            #expect(hmmMaxAbsoluteDifference(ours.means!.rowArrays, means) < parameterTolerance, "\(label): μ")
            #expect(hmmMaxAbsoluteDifference(ours.variances!.rowArrays, variances) < parameterTolerance, "\(label): σ²")
        }
        if let b = theirs.symbolProbabilities {
            #expect(hmmMaxAbsoluteDifference(ours.symbolProbabilities!.rowArrays, b) < parameterTolerance, "\(label): B")
        }
    }

    @Test("EM from the same start gives hmmlearn's history and parameters", arguments: ["gaussian", "categorical"])
    func emMatches(_ name: String) throws {
        let fixture = try HMMFixture.load()
        let c = name == "gaussian" ? fixture.gaussian : fixture.categorical
        let initial = try c.initial.hmmParameters()

        let one = try HMM.fit(c.sequences, spec: Self.spec(for: c, iterations: 1), initial: initial)
        Self.expectParameters(one.parameters, c.after1, "\(name) after 1 iteration")

        let fitted = try HMM.fit(c.sequences, spec: Self.spec(for: c, iterations: c.iterations), initial: initial)
        #expect(fitted.iterations == c.iterations)
        #expect(fitted.logLikelihoodHistory.count == c.iterations + 1)
        // hmmlearn's history[i] is our history[i] (log-likelihood after i M-steps); our last
        // entry scores the final parameters, hmmlearn's score() after fit.
        let difference = hmmMaxAbsoluteDifference(Array(fitted.logLikelihoodHistory.prefix(c.iterations)), c.history)
        #expect(difference < logLikelihoodTolerance, "\(name): history differs by \(difference)")
        #expect(abs(fitted.logLikelihood - c.finalScore) < logLikelihoodTolerance,
                "\(name): final log-likelihood \(fitted.logLikelihood) vs hmmlearn \(c.finalScore)")
        Self.expectParameters(fitted.parameters, c.afterN, "\(name) after \(c.iterations) iterations")
    }

    @Test("Inference under the same parameters matches hmmlearn", arguments: ["gaussian", "categorical"])
    func inferenceMatches(_ name: String) throws {
        let fixture = try HMMFixture.load()
        let c = name == "gaussian" ? fixture.gaussian : fixture.categorical
        let model = try FittedHMM(parameters: c.afterN.hmmParameters())
        let sequences = c.sequences

        #expect(abs(try model.logLikelihood(sequences) - c.finalScore) < logLikelihoodTolerance)
        for (i, sequence) in sequences.enumerated() {
            #expect(abs(try model.logLikelihood(sequence) - c.perSequenceScore[i]) < logLikelihoodTolerance)
        }
        let (path, logProbability) = try model.viterbiPath(sequences[0])
        #expect(path == c.viterbiPath)
        #expect(abs(logProbability - c.viterbiLogProbability) < logLikelihoodTolerance)
        #expect(hmmMaxAbsoluteDifference(try model.smoothedPosteriors(sequences[0]), c.smoothedPosteriors) < posteriorTolerance)
        #expect(hmmMaxAbsoluteDifference(try model.filter(sequences[0]), c.filteredPosteriors) < posteriorTolerance)
    }
}
