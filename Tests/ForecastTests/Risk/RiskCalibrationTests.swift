import Foundation
import Testing

@testable import Forecast

// Platt calibration p = σ(b₀ + b₁ logit(clip(raw)) + b₂ heavy).
// Golden: statsmodels 0.15 Logit (Newton, tol 1e-12) on 2,000 seeded rows, and GLM Binomial
// with frequency weights. Tolerances: ridge 0 → 1e-9 relative (both sides converge to
// ~1e-14; measured 1e-14); the default ridge 1e-6 → 1e-6 relative (it moves the coefficients
// by ~3e-8 relative here, see RiskCalibrationSpec.ridge).

extension RiskFixture.Logit {
    func samples(weighted: Bool) -> [RiskCalibrationSample] {
        rawRisk.indices.map {
            RiskCalibrationSample(rawRisk: rawRisk[$0], heavyPhaseProbability: heavy[$0], breached: breached[$0],
                                  weight: weighted ? weights[$0] : 1)
        }
    }
}

@Suite("Risk: calibration")
struct RiskCalibrationTests {
    static func coefficients(_ c: RiskCalibration) -> [Double] {
        [c.intercept, c.rawRiskLogitCoefficient, c.heavyPhaseCoefficient]
    }

    static func expectClose(_ ours: [Double], _ reference: [Double], relative: Double, _ what: String) {
        for (a, b) in zip(ours, reference) {
            #expect(abs(a - b) <= relative * abs(b), "\(what): \(ours) vs statsmodels \(reference)")
        }
    }

    @Test("unpenalised fit equals statsmodels Logit; default ridge within 1e-6")
    func statsmodelsGolden() throws {
        let logit = try RiskFixture.load().logit
        let samples = logit.samples(weighted: false)
        let exact = try RiskCalibrationSpec(ridge: 0).fit(samples)
        #expect(!exact.isFallback)
        #expect(exact.sampleCount == 2000)
        #expect(exact.breachCount == logit.breached.filter { $0 }.count)
        #expect(exact.iterations < 20)
        Self.expectClose(Self.coefficients(exact), logit.coefficients, relative: 1e-9, "ridge 0")
        let ridged = try RiskCalibrationSpec().fit(samples)
        Self.expectClose(Self.coefficients(ridged), logit.coefficients, relative: 1e-6, "ridge 1e-6")
    }

    @Test("frequency weights equal statsmodels GLM with freq_weights")
    func weightedGolden() throws {
        let logit = try RiskFixture.load().logit
        let fit = try RiskCalibrationSpec(ridge: 0).fit(logit.samples(weighted: true))
        Self.expectClose(Self.coefficients(fit), logit.weightedCoefficients, relative: 1e-9, "weighted")
        // Integer weights are replication: the same fit from repeated rows.
        var replicated: [RiskCalibrationSample] = []
        for s in logit.samples(weighted: true) {
            for _ in 0..<Int(s.weight) { replicated.append(RiskCalibrationSample(rawRisk: s.rawRisk, heavyPhaseProbability: s.heavyPhaseProbability, breached: s.breached)) }
        }
        let expanded = try RiskCalibrationSpec(ridge: 0).fit(replicated)
        Self.expectClose(Self.coefficients(expanded), Self.coefficients(fit), relative: 1e-9, "replicated")
    }

    /// True probability q, raw risk squashed towards 0.27 and biased:
    /// raw = σ(0.4 · logit(q) − 1). Calibration must undo it on data it has not seen.
    @Test("lowers the held-out Brier score and ECE of a miscalibrated raw risk")
    func improvesHeldOut() throws {
        var generator = SeededGenerator(seed: 2024)
        func sample() -> (raw: Double, breached: Bool) {
            let t = -2.5 + 4 * generator.nextUniform()  // logit of the true probability
            let q = 1 / (1 + exp(-t))
            let raw = 1 / (1 + exp(-(0.4 * t - 1)))
            return (raw, generator.nextUniform() < q)
        }
        let train = (0..<2000).map { _ in sample() }
        let test = (0..<2000).map { _ in sample() }
        let calibration = try RiskCalibrationSpec().fit(train.map { RiskCalibrationSample(rawRisk: $0.raw, breached: $0.breached) })
        #expect(!calibration.isFallback)
        // The exact inverse is b₁ = 1/0.4 = 2.5, b₀ = 1/0.4 = 2.5; sampling error is ~0.2.
        #expect(abs(calibration.rawRiskLogitCoefficient - 2.5) < 0.6)
        #expect(abs(calibration.intercept - 2.5) < 0.6)
        #expect(calibration.heavyPhaseCoefficient == 0)  // x₂ ≡ 0: the ridge pins it to 0

        let outcomes = test.map(\.breached)
        let raw = try ReliabilityDiagram(predicted: test.map(\.raw), outcomes: outcomes)
        let calibrated = try ReliabilityDiagram(predicted: test.map { calibration.probability(rawRisk: $0.raw) }, outcomes: outcomes)
        #expect(calibrated.brierScore < raw.brierScore - 0.01, "held-out Brier \(calibrated.brierScore) vs raw \(raw.brierScore)")
        #expect(calibrated.expectedCalibrationError < 0.05)
        #expect(raw.expectedCalibrationError > 0.1)
        #expect(calibrated.brierScore < calibrated.baseRateBrierScore)
    }

    @Test("all one class, or too few of one class, gives the identity fallback")
    func fallback() throws {
        let spec = RiskCalibrationSpec()
        let raws = (0..<500).map { Double($0) / 499 }
        for breached in [true, false] {
            let c = try spec.fit(raws.map { RiskCalibrationSample(rawRisk: $0, heavyPhaseProbability: 0.3, breached: breached) })
            #expect(c.isFallback)
            #expect(c.fallbackReason != nil)
            #expect(Self.coefficients(c) == [0, 1, 0])
            for r in [0.0, 1e-5, 0.2, 0.73, 1.0] {
                #expect(abs(c.probability(rawRisk: r, heavyPhaseProbability: 0.3) - min(max(r, 1e-4), 1 - 1e-4)) < 1e-12)
            }
        }
        // 19 breaches out of 500: below the default minimum of 20.
        let few = raws.enumerated().map { RiskCalibrationSample(rawRisk: $1, breached: $0 % 26 == 0 && $0 < 26 * 19) }
        #expect(few.filter(\.breached).count == 19)
        #expect(try spec.fit(few).isFallback)
        #expect(try !RiskCalibrationSpec(minimumPerClass: 19).fit(few).isFallback)
        #expect(try spec.fit([]).isFallback)
    }

    @Test("ridge 0 with a constant feature is reported, the default ridge copes")
    func singular() throws {
        let samples = (0..<400).map { RiskCalibrationSample(rawRisk: Double($0 % 7) / 7, breached: $0 % 3 == 0) }
        #expect(throws: RiskError.singularFeatures) { _ = try RiskCalibrationSpec(ridge: 0).fit(samples) }
        #expect(try RiskCalibrationSpec().fit(samples).heavyPhaseCoefficient == 0)
    }

    @Test("perfectly separated outcomes converge to finite coefficients under the ridge")
    func separated() throws {
        let samples = (0..<200).map { RiskCalibrationSample(rawRisk: Double($0) / 199, breached: $0 >= 100) }
        let c = try RiskCalibrationSpec().fit(samples)
        #expect(c.rawRiskLogitCoefficient.isFinite && c.rawRiskLogitCoefficient > 0)
        #expect(c.probability(rawRisk: 0.9) > 0.99 && c.probability(rawRisk: 0.1) < 0.01)
    }

    @Test("rejects out-of-range samples")
    func invalidSamples() {
        let spec = RiskCalibrationSpec()
        for bad in [RiskCalibrationSample(rawRisk: .nan, breached: true), RiskCalibrationSample(rawRisk: 1.5, breached: true),
                    RiskCalibrationSample(rawRisk: 0.5, heavyPhaseProbability: -0.1, breached: true),
                    RiskCalibrationSample(rawRisk: 0.5, breached: true, weight: -1)] {
            #expect(throws: RiskError.self) { _ = try spec.fit([RiskCalibrationSample(rawRisk: 0.2, breached: false), bad]) }
        }
        #expect(throws: RiskError.self) { _ = try RiskCalibrationSpec(ridge: -1).fit([]) }
    }

    @Test("round-trips through JSON")
    func codable() throws {
        let logit = try RiskFixture.load().logit
        for c in [try RiskCalibrationSpec().fit(logit.samples(weighted: false)),
                  RiskCalibration.fallback(reason: "0 breaches", sampleCount: 10, breachCount: 0), .identity] {
            let decoded = try JSONDecoder().decode(RiskCalibration.self, from: JSONEncoder().encode(c))
            #expect(decoded == c)
        }
    }
}
