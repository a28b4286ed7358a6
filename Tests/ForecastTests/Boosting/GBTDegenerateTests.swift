import Foundation
import Testing

@testable import Forecast

@Suite("Gradient-boosted trees: degenerate input")
struct GBTDegenerateTests {
    // All rows every round (the base-rate checks are then exact: G = Σ (p̄ − y) = 0 at F₀).
    static let spec = GBTSpec(treeCount: 20, learningRate: 0.1, minimumLeafSamples: 10, rowSubsample: 1, maximumBins: 32)

    func fit(_ features: [Double], _ d: Int, _ labels: [Bool], weights: [Double]? = nil,
             spec: GBTSpec = spec) throws(GBTError) -> GBTModel {
        var generator = SeededGenerator(seed: 1)
        return try spec.fit(features: features, featureCount: d, labels: labels, weights: weights, generator: &generator)
    }

    @Test("All labels one class: no trees, the clamped base rate, no NaN", arguments: [false, true])
    func oneClass(_ label: Bool) throws {
        let data = GBTSyntheticData(rows: 500, featureCount: 3, seed: 1)
        let model = try fit(data.features, 3, [Bool](repeating: label, count: 500))
        #expect(model.treeCount == 0)
        let expected = label ? 1 - GBTSpec.baseRateClamp : GBTSpec.baseRateClamp
        #expect(abs(model.probability([0.1, .nan, -3]) - expected) < 1e-15)
        #expect(model.trainingLogLoss.count == 1 && model.trainingLogLoss[0].isFinite)
        // The positive-weight rows decide: zero-weight rows of the other class are dropped.
        var labels = [Bool](repeating: label, count: 500)
        labels[0] = !label
        let weighted = try fit(data.features, 3, labels, weights: [0] + [Double](repeating: 1, count: 499))
        #expect(weighted.treeCount == 0)
        #expect(weighted.initialScore == model.initialScore)
    }

    @Test("Constant features: no split, the base rate")
    func constantFeatures() throws {
        let data = GBTSyntheticData(rows: 600, featureCount: 3, seed: 2)
        let features = [Double](repeating: 2.5, count: 600 * 3)
        let model = try fit(features, 3, data.labels)
        #expect(model.treeCount == 20)
        #expect(model.nodeCount == 20, "every tree is one leaf")
        let rate = Double(data.labels.filter { $0 }.count) / 600
        #expect(abs(model.probability([2.5, 2.5, 2.5]) - rate) < 1e-9)
    }

    @Test("NaN: an all-NaN feature never splits; missingness that predicts is learnt")
    func nanFeatures() throws {
        var g = SeededGenerator(seed: 3)
        let n = 1_000
        var features: [Double] = [], labels: [Bool] = []
        for _ in 0..<n {
            let missing = g.nextUniform() < 0.3
            // feature 0: NaN for 30 % of rows, which are mostly positive; feature 1: always NaN.
            features += [missing ? .nan : g.nextNormal(), .nan, g.nextNormal()]
            labels.append(g.nextUniform() < (missing ? 0.9 : 0.2))
        }
        var spec = Self.spec
        spec.treeCount = 100
        let model = try fit(features, 3, labels, spec: spec)
        #expect(!model.splitFeatures.contains(1))
        #expect(model.splitFeatures.contains(0))
        let missingRisk = model.probability([.nan, .nan, 0])
        let presentRisk = model.probability([0, .nan, 0])
        #expect(missingRisk > 0.8 && presentRisk < 0.3, "P(missing) \(missingRisk), P(present) \(presentRisk)")
        let scores = model.rawScores(features: features)
        #expect(scores.allSatisfy { $0.isFinite })
    }

    @Test("Fewer rows than two leaves: trees of one leaf, the base rate")
    func tooFewRows() throws {
        let data = GBTSyntheticData(rows: 15, featureCount: 3, seed: 4)
        let model = try fit(data.features, 3, data.labels)
        #expect(model.nodeCount == model.treeCount)
        let rate = Double(data.labels.filter { $0 }.count) / 15
        #expect(abs(model.probability([0, 0, 0]) - rate) < 1e-9)
        // One row is one class.
        let one = try fit([1, 2, 3], 3, [true])
        #expect(one.treeCount == 0 && one.probability([1, 2, 3]).isFinite)
    }

    @Test("Bad input is refused with a typed error")
    func refusals() {
        let data = GBTSyntheticData(rows: 50, featureCount: 3, seed: 5)
        #expect(throws: GBTError.emptyInput("no rows (labels is empty); pass at least one labelled row")) {
            try fit([], 3, [])
        }
        #expect(throws: GBTError.self) { try fit([], 0, [true]) }
        #expect(throws: GBTError.self) { try fit(Array(data.features.dropLast()), 3, data.labels) }
        #expect(throws: GBTError.self) { try fit(data.features, 3, data.labels, weights: [1, 2]) }
        var infinite = data.features
        infinite[3 * 7 + 2] = -.infinity
        #expect(throws: GBTError.infiniteFeature(row: 7, column: 2, value: -.infinity)) { try fit(infinite, 3, data.labels) }
        var weights = [Double](repeating: 1, count: 50)
        weights[4] = -1
        #expect(throws: GBTError.invalidWeight(row: 4, value: -1)) { try fit(data.features, 3, data.labels, weights: weights) }
        weights[4] = .nan
        #expect(throws: GBTError.self) { try fit(data.features, 3, data.labels, weights: weights) }
        #expect(throws: GBTError.noPositiveWeight(rows: 50)) {
            try fit(data.features, 3, data.labels, weights: [Double](repeating: 0, count: 50))
        }
        let bad: [GBTSpec] = [
            GBTSpec(treeCount: -1), GBTSpec(maximumDepth: 0), GBTSpec(maximumLeaves: 1), GBTSpec(learningRate: 0),
            GBTSpec(learningRate: .nan), GBTSpec(minimumLeafSamples: 0), GBTSpec(minimumLeafHessian: -1),
            GBTSpec(l2Regularization: .infinity), GBTSpec(minimumSplitGain: -1), GBTSpec(rowSubsample: 1.5),
            GBTSpec(featureSubsample: 0), GBTSpec(maximumBins: 256), GBTSpec(maximumBins: 1), GBTSpec(binningSampleSize: 0),
            GBTSpec(minimumLeafHessian: 0, l2Regularization: 0),
        ]
        for spec in bad {
            #expect(throws: GBTError.self, "\(spec)") { try fit(data.features, 3, data.labels, spec: spec) }
            do { try spec.validate() } catch {
                guard case .invalidSpec = error else { Issue.record("\(error) is not invalidSpec"); continue }
            }
        }
    }

    @Test("Bin edges: distinct values, quantiles, ties, heavy masses")
    func binning() {
        var few = [3.0, 1, 2, 2, 1, 3]
        #expect(GBTBinning.edges(sorting: &few, maximumBins: 4) == [1.5, 2.5])
        var single = [4.0, 4, 4]
        #expect(GBTBinning.edges(sorting: &single, maximumBins: 4).isEmpty)
        var many = (0..<100).map(Double.init)
        #expect(GBTBinning.edges(sorting: &many, maximumBins: 4) == [24.5, 49.5, 74.5])
        // 60 zeros then 1…40: quantile targets inside the zeros collapse onto one edge.
        var heavy = [Double](repeating: 0, count: 60) + (1...40).map(Double.init)
        let edges = GBTBinning.edges(sorting: &heavy, maximumBins: 5)
        #expect(edges == [0.5, 20.5])
        let binning = GBTBinning(edges: [edges])
        #expect(binning.bin(0, feature: 0) == 0)
        #expect(binning.bin(0.5, feature: 0) == 0)
        #expect(binning.bin(0.6, feature: 0) == 1)
        #expect(binning.bin(1e9, feature: 0) == 2)
        #expect(binning.bin(.nan, feature: 0) == GBTBinning.nanBin)
        // Neighbouring doubles: the edge is the lower one.
        let a = 1.0, b = a.nextUp
        #expect(GBTBinning.midpoint(a, b) == a)
    }
}
