import Foundation
import Testing

@testable import Forecast

// Reliability diagram, Brier score, log loss, ECE against numpy on the same 2,008 pairs
// (fixture "reliability"): counts exact, means and scores to 1e-12 (sums of ≤ 2,008 terms
// in a different order).

@Suite("Risk: reliability diagram")
struct RiskReliabilityDiagramTests {
    @Test("matches numpy's bins, Brier score, log loss, ECE and base rate")
    func numpyGolden() throws {
        let f = try RiskFixture.load().reliability
        let d = try ReliabilityDiagram(predicted: f.predicted, outcomes: f.outcomes, binCount: f.binCount)
        #expect(d.count == f.predicted.count)
        #expect(d.bins.map(\.count) == f.counts)
        for (b, bin) in d.bins.enumerated() {
            if let m = f.meanPredicted[b], let o = f.observedFrequency[b] {
                #expect(abs(try #require(bin.meanPredicted) - m) < 1e-12)
                #expect(abs(try #require(bin.observedFrequency) - o) < 1e-12)
            } else {
                #expect(bin.meanPredicted == nil && bin.observedFrequency == nil)
            }
            #expect(bin.lowerBound == Double(b) / 10 && bin.upperBound == Double(b + 1) / 10)
        }
        #expect(abs(d.brierScore - f.brier) < 1e-12)
        #expect(abs(d.logLoss - f.logLoss) < 1e-12)
        #expect(abs(d.expectedCalibrationError - f.ece) < 1e-12)
        #expect(abs(d.baseRate - f.baseRate) < 1e-12)
        #expect(abs(d.baseRateBrierScore - f.baseRateBrier) < 1e-12)
    }

    @Test("hand case: bin edges, p = 1 in the last bin, a confident miss costs −log 1e-15")
    func handCase() throws {
        let d = try ReliabilityDiagram(predicted: [0, 0.1, 1, 1], outcomes: [true, false, true, false], binCount: 2)
        #expect(d.bins.map(\.count) == [2, 2])
        #expect(d.bins[0].meanPredicted == 0.05 && d.bins[0].observedFrequency == 0.5)
        #expect(d.bins[1].meanPredicted == 1 && d.bins[1].observedFrequency == 0.5)
        #expect(abs(d.brierScore - (1 + 0.01 + 0 + 1) / 4) < 1e-15)
        #expect(abs(d.expectedCalibrationError - (0.5 * 0.45 + 0.5 * 0.5)) < 1e-15)
        // p = 0, y = 1 costs −log 1e-15; p = 1, y = 0 costs −log(1 − fl(1 − 1e-15)) (1 − 1e-15 is
        // not a double; numpy's np.clip computes the same).
        let expected = (-log(1e-15) - log1p(-0.1) - log(1 - 1e-15) - log(1 - (1 - 1e-15))) / 4
        #expect(abs(d.logLoss - expected) < 1e-12)
        #expect(d.baseRate == 0.5 && d.baseRateBrierScore == 0.25)
    }

    @Test("perfectly calibrated bins have ECE 0")
    func calibrated() throws {
        // In each bin the observed frequency equals the (single) predicted value.
        let predicted = [Double](repeating: 0.25, count: 4) + [Double](repeating: 0.75, count: 4)
        let outcomes = [true, false, false, false, true, true, true, false]
        let d = try ReliabilityDiagram(predicted: predicted, outcomes: outcomes)
        #expect(d.expectedCalibrationError == 0)
        #expect(d.bins.filter { $0.count > 0 }.count == 2)
    }

    @Test("refuses empty input and out-of-range predictions")
    func invalid() {
        #expect(throws: RiskError.noPredictions) { _ = try ReliabilityDiagram(predicted: [], outcomes: []) }
        #expect(throws: RiskError.self) { _ = try ReliabilityDiagram(predicted: [0.2, 1.01], outcomes: [true, false]) }
        #expect(throws: RiskError.self) { _ = try ReliabilityDiagram(predicted: [.nan], outcomes: [true]) }
    }

    @Test("round-trips through JSON, empty bins included")
    func codable() throws {
        let d = try ReliabilityDiagram(predicted: [0.05, 0.95, 0.5], outcomes: [false, true, true])
        let decoded = try JSONDecoder().decode(ReliabilityDiagram.self, from: JSONEncoder().encode(d))
        #expect(decoded == d)
        #expect(d.bins[3].meanPredicted == nil)
    }
}
