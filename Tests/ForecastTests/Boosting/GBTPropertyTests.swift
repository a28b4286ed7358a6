import Foundation
import Testing

@testable import Forecast

@Suite("Gradient-boosted trees: properties of the fit")
struct GBTPropertyTests {
    static let spec = GBTSpec(treeCount: 40, maximumDepth: 4, maximumLeaves: 15, learningRate: 0.1,
                              minimumLeafSamples: 20, rowSubsample: 1, featureSubsample: 0.8, maximumBins: 64)

    // Each leaf takes a damped Newton step (η = 0.1) on its rows' convex loss, so the
    // training loss cannot go up while every row's p(1 − p) stays above η/8 of its mean
    // (true far from saturation); allowed slack: rounding of the n-term mean, 1e-12.
    @Test("Training log loss never increases across rounds (all rows each round)", arguments: [UInt64(1), 2, 3, 4, 5])
    func lossNeverIncreases(_ seed: UInt64) throws {
        let data = GBTSyntheticData(rows: 2_000, featureCount: 5, nanShare: 0.1, seed: seed)
        var generator = SeededGenerator(seed: seed)
        let model = try Self.spec.fit(features: data.features, featureCount: 5, labels: data.labels, generator: &generator)
        #expect(model.treeCount == 40)
        #expect(model.trainingLogLoss.count == 41)
        for t in 1..<model.trainingLogLoss.count {
            #expect(model.trainingLogLoss[t] <= model.trainingLogLoss[t - 1] + 1e-12,
                    "seed \(seed), round \(t): \(model.trainingLogLoss[t - 1]) → \(model.trainingLogLoss[t])")
        }
        #expect(model.trainingLogLoss.last! < model.trainingLogLoss[0] - 0.05)
        // The recorded loss is the loss of the model's own scores.
        let scores = model.rawScores(features: data.features)
        let loss = zip(scores, data.labels).map { GBTLogLoss.loss(rawScore: $0, label: $1) }.reduce(0, +) / 2_000
        #expect(abs(loss - model.trainingLogLoss.last!) < 1e-12)
    }

    @Test("Row subsampling: loss still falls overall; same seed same model, other seed another")
    func subsampling() throws {
        var spec = Self.spec
        spec.rowSubsample = 0.7
        let data = GBTSyntheticData(rows: 2_000, featureCount: 5, nanShare: 0.1, seed: 9)
        var g1 = SeededGenerator(seed: 3), g2 = SeededGenerator(seed: 3), g3 = SeededGenerator(seed: 4)
        let a = try spec.fit(features: data.features, featureCount: 5, labels: data.labels, generator: &g1)
        let b = try spec.fit(features: data.features, featureCount: 5, labels: data.labels, generator: &g2)
        let c = try spec.fit(features: data.features, featureCount: 5, labels: data.labels, generator: &g3)
        #expect(a == b)
        #expect(a != c)
        #expect(a.trainingLogLoss.last! < a.trainingLogLoss[0] - 0.05)
    }

    @Test("Every tree respects the depth, leaf and leaf-size limits")
    func limits() throws {
        let data = GBTSyntheticData(rows: 3_000, featureCount: 4, nanShare: 0.05, seed: 11)
        for (depth, leaves) in [(2, 4), (3, 5), (4, 15), (4, 16), (5, 7)] {
            var spec = Self.spec
            spec.maximumDepth = depth
            spec.maximumLeaves = leaves
            spec.minimumLeafSamples = 40
            var generator = SeededGenerator(seed: 2)
            let model = try spec.fit(features: data.features, featureCount: 4, labels: data.labels, generator: &generator)
            let rowLeaves = leafIndices(model, data.features)
            for t in 0..<model.treeCount {
                let base = model.treeOffsets[t], size = model.treeOffsets[t + 1] - base
                var depths = [0] + [Int](repeating: -1, count: size - 1)
                var leafCount = 0
                for k in 0..<size {
                    if model.splitFeatures[base + k] < 0 { leafCount += 1; continue }
                    depths[model.leftChildren[base + k]] = depths[k] + 1
                    depths[model.rightChildren[base + k]] = depths[k] + 1
                }
                #expect(depths.max()! <= depth)
                #expect(leafCount <= leaves)
                var counts = [Int: Int]()
                for r in 0..<3_000 { counts[rowLeaves[r][t], default: 0] += 1 }
                #expect(counts.values.allSatisfy { $0 >= 40 }, "tree \(t) has a leaf with fewer than 40 rows")
            }
        }
    }

    /// The leaf (index within its tree) each row reaches in each tree.
    func leafIndices(_ model: GBTModel, _ features: [Double]) -> [[Int]] {
        let d = model.featureCount
        return (0..<(features.count / d)).map { r in
            (0..<model.treeCount).map { t in
                let base = model.treeOffsets[t]
                var k = 0
                while model.splitFeatures[base + k] >= 0 {
                    let x = features[r * d + model.splitFeatures[base + k]]
                    let left = x.isNaN ? model.nanGoesLeft[base + k] : x <= model.thresholds[base + k]
                    k = left ? model.leftChildren[base + k] : model.rightChildren[base + k]
                }
                return k
            }
        }
    }

    @Test("The model separates the classes it was trained on")
    func learns() throws {
        let train = GBTSyntheticData(rows: 4_000, featureCount: 5, seed: 21)
        let test = GBTSyntheticData(rows: 4_000, featureCount: 5, seed: 22)
        var spec = Self.spec
        spec.treeCount = 100
        var generator = SeededGenerator(seed: 5)
        let model = try spec.fit(features: train.features, featureCount: 5, labels: train.labels, generator: &generator)
        let scores = model.rawScores(features: test.features)
        // AUC by the rank-sum formula.
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0, positives = 0.0
        for (rank, i) in order.enumerated() where test.labels[i] { rankSum += Double(rank + 1); positives += 1 }
        let negatives = 4_000 - positives
        let auc = (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
        #expect(auc > 0.75, "held-out AUC \(auc)")
    }

    @Test("Scoring (packed nodes, eight trees at a time, then four, then one) equals a plain walk of each tree summed in tree order, bit for bit",
          arguments: [1, 4, 8, 13, 21])
    func packedWalkMatchesPlainWalk(trees: Int) throws {
        let train = GBTSyntheticData(rows: 2_000, featureCount: 5, seed: 31)
        var spec = Self.spec
        spec.treeCount = trees
        spec.maximumDepth = 6
        spec.maximumLeaves = 63
        spec.minimumLeafSamples = 20
        var generator = SeededGenerator(seed: 7)
        let model = try spec.fit(features: train.features, featureCount: 5, labels: train.labels, generator: &generator)
        #expect(model.treeCount == trees)
        let test = GBTSyntheticData(rows: 500, featureCount: 5, seed: 32)
        var rows = test.features
        for i in stride(from: 0, to: rows.count, by: 7) { rows[i] = .nan }   // missing values take the learnt side
        for r in 0..<500 {
            let row = Array(rows[(r * 5)..<((r + 1) * 5)])
            var total = model.initialScore
            for t in 0..<trees {
                var k = model.treeOffsets[t]
                while model.splitFeatures[k] >= 0 {
                    let x = row[model.splitFeatures[k]]
                    let left = x.isNaN ? model.nanGoesLeft[k] : x <= model.thresholds[k]
                    k = model.treeOffsets[t] + (left ? model.leftChildren[k] : model.rightChildren[k])
                }
                total += model.leafValues[k]
            }
            #expect(model.rawScore(row).bitPattern == total.bitPattern, "row \(r)")
        }
    }
}
