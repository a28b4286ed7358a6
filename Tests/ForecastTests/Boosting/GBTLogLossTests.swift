import Foundation
import Testing

@testable import Forecast

@Suite("Gradient-boosted trees: log loss derivatives and split search")
struct GBTLogLossTests {
    static let scores: [Double] = [-30, -8, -2.5, -1, -0.1, 0, 0.3, 1.7, 4, 12, 30]

    // Central differences with step 1e-5 have truncation error ~ h²·ℓ'''/6 ≤ 1e-11 and
    // rounding error ~ ε·|ℓ|/h ≤ 1e-16·30/1e-5 = 3e-10 at |F| = 30: bar 1e-8.
    @Test("Gradient and Hessian match central differences of the loss", arguments: scores)
    func derivatives(_ f: Double) {
        let h = 1e-5
        for label in [false, true] {
            let numericGradient = (GBTLogLoss.loss(rawScore: f + h, label: label)
                - GBTLogLoss.loss(rawScore: f - h, label: label)) / (2 * h)
            let gradient = GBTLogLoss.gradient(rawScore: f, label: label)
            #expect(abs(numericGradient - gradient) < 1e-8, "F = \(f), y = \(label): \(numericGradient) vs \(gradient)")
            let numericHessian = (GBTLogLoss.gradient(rawScore: f + h, label: label)
                - GBTLogLoss.gradient(rawScore: f - h, label: label)) / (2 * h)
            let hessian = GBTLogLoss.hessian(rawScore: f)
            #expect(abs(numericHessian - hessian) < 1e-8, "F = \(f), y = \(label): \(numericHessian) vs \(hessian)")
            #expect(hessian >= 0 && hessian <= 0.25)
        }
    }

    @Test("Loss, probability and logit agree with their definitions")
    func definitions() {
        for f in Self.scores {
            let p = GBTLogLoss.probability(rawScore: f)
            #expect(abs(p - 1 / (1 + exp(-f))) < 1e-15)
            // log(1 − p) by subtraction loses ε/(1 − p) ≈ 1e-16 · e^|F|: 1e-9 covers |F| < 14.
            if abs(f) < 14 {
                #expect(abs(GBTLogLoss.loss(rawScore: f, label: true) + log(p)) < 1e-9)
                #expect(abs(GBTLogLoss.loss(rawScore: f, label: false) + log(1 - p)) < 1e-9)
                #expect(abs(GBTLogLoss.logit(p) - f) < 1e-9)
            }
            #expect(GBTLogLoss.loss(rawScore: f, label: true).isFinite)
        }
        #expect(GBTLogLoss.probability(rawScore: .infinity) == 1)
        #expect(GBTLogLoss.probability(rawScore: -.infinity) == 0)
    }

    @Test("The fit's per-row gradients are the weighted derivatives, its loss the weighted mean")
    func fitGradients() throws {
        let data = GBTSyntheticData(rows: 300, featureCount: 3, seed: 4)
        var generator = SeededGenerator(seed: 1)
        let weights = (0..<300).map { Double($0 % 7) * 0.25 + 0.5 }
        let set = try GBTTrainingSet.prepare(features: data.features, featureCount: 3, labels: data.labels,
                                             weights: weights, spec: GBTSpec(), generator: &generator)
        let scores = (0..<300).map { Double($0 % 11) - 5 }
        var g = [Double](repeating: 0, count: 300), h = g
        let loss = GBTSpec.gradients(scores: scores, data: set, gradients: &g, hessians: &h)
        var total = 0.0, weightSum = 0.0
        for i in 0..<300 {
            #expect(abs(g[i] - weights[i] * GBTLogLoss.gradient(rawScore: scores[i], label: data.labels[i])) < 1e-15)
            #expect(abs(h[i] - weights[i] * GBTLogLoss.hessian(rawScore: scores[i])) < 1e-15)
            total += weights[i] * GBTLogLoss.loss(rawScore: scores[i], label: data.labels[i])
            weightSum += weights[i]
        }
        #expect(abs(loss - total / weightSum) < 1e-12)
    }

    /// Brute force: every (feature, edge, NaN side) partition of the rows, sums taken directly.
    @Test("Histogram split search finds the brute-force best split", arguments: [UInt64(1), 2, 3, 4])
    func splitSearch(_ seed: UInt64) throws {
        let n = 400, d = 4
        let data = GBTSyntheticData(rows: n, featureCount: d, nanShare: 0.15, seed: seed)
        let spec = GBTSpec(minimumLeafSamples: 10, l2Regularization: 0.7, maximumBins: 12)
        var generator = SeededGenerator(seed: 0)
        let set = try GBTTrainingSet.prepare(features: data.features, featureCount: d, labels: data.labels,
                                             weights: nil, spec: spec, generator: &generator)
        var g = [Double](repeating: 0, count: n), h = g
        let scores = (0..<n).map { sin(Double($0)) }
        _ = GBTSpec.gradients(scores: scores, data: set, gradients: &g, hessians: &h)
        let features = Array(0..<d)
        let valueBins = features.map { set.binning.valueBinCount($0) }
        let rows = (0..<n).map { Int32($0) }
        let histogram = UnsafeMutablePointer<Double>.allocate(capacity: d * GBTHistogram.slotStride)
        defer { histogram.deallocate() }
        set.binned.withUnsafeBufferPointer { b in
            features.withUnsafeBufferPointer { f in
                GBTHistogram.build(into: histogram, rows: rows, count: n, binned: b.baseAddress!, featureCount: d,
                                   features: f, gradients: g, hessians: h)
            }
        }
        let gTotal = g.reduce(0, +), hTotal = h.reduce(0, +)
        let found = try #require(valueBins.withUnsafeBufferPointer {
            GBTSplit.best(histogram: histogram, valueBins: $0, gradient: gTotal, hessian: hTotal, count: Double(n), spec: spec)
        })

        let lambda = spec.l2Regularization
        var bestGain = -Double.infinity
        for j in 0..<d {
            for b in 0..<valueBins[j] {
                for nanLeft in [true, false] {
                    var gl = 0.0, hl = 0.0, cl = 0
                    for i in 0..<n {
                        let bin = set.binned[i * d + j]
                        if bin == GBTBinning.nanBin ? nanLeft : Int(bin) <= b { gl += g[i]; hl += h[i]; cl += 1 }
                    }
                    guard cl >= 10, n - cl >= 10 else { continue }
                    let gain = 0.5 * (gl * gl / (hl + lambda) + (gTotal - gl) * (gTotal - gl) / (hTotal - hl + lambda)
                        - gTotal * gTotal / (hTotal + lambda))
                    bestGain = max(bestGain, gain)
                }
            }
        }
        #expect(abs(found.gain - bestGain) < 1e-10 * max(1, bestGain), "histogram \(found.gain) vs brute force \(bestGain)")
    }
}
