import Foundation
import Testing

@testable import Forecast

/// Tests/ForecastTests/Fixtures/gbt_reference.json, written by scripts/fixtures/gbt_reference.py.
struct GBTReferenceFixture: Decodable {
    struct Trees: Decodable {
        var treeOffsets: [Int]
        var splitFeatures: [Int]
        var thresholds: [Double]
        var nanGoesLeft: [Bool]
        var leftChildren: [Int]
        var rightChildren: [Int]
        var leafValues: [Double]
        var splitBins: [Int]
    }

    struct Case: Decodable {
        var name: String
        var rowCount: Int
        var spec: GBTSpec
        var weights: [Double]?
        var edges: [[Double]]
        var initialScore: Double
        var trees: Trees
        var trainingLogLoss: [Double]
        var trainingRawScores: [Double]
        var probeFeatures: [[Double?]]
        var probeRawScores: [Double]
    }

    var features: [[Double?]]
    var labels: [Bool]
    var cases: [Case]

    static func load() throws -> GBTReferenceFixture {
        let url = try #require(Bundle.module.url(forResource: "gbt_reference", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(GBTReferenceFixture.self, from: Data(contentsOf: url))
    }

    /// Row-major values of the first `rows` rows, null → NaN.
    func flatFeatures(rows: Int) -> [Double] {
        features.prefix(rows).flatMap { $0.map { $0 ?? .nan } }
    }
}

/// A synthetic binary problem: d features, x_j ~ N(0, 1) (a share `nanShare` of them NaN),
/// y ~ Bernoulli(σ(1.2 x₀ − 0.8 x₁ + 0.5 x₀ x₂ − 0.3)) with NaN read as 0.
struct GBTSyntheticData {
    var features: [Double]
    var labels: [Bool]
    var featureCount: Int

    init(rows: Int, featureCount d: Int, nanShare: Double = 0, seed: UInt64) {
        precondition(d >= 3)
        var g = SeededGenerator(seed: seed)
        var x = [Double](repeating: 0, count: rows * d)
        var y = [Bool](repeating: false, count: rows)
        for i in 0..<rows {
            for j in 0..<d {
                x[i * d + j] = g.nextUniform() < nanShare ? .nan : g.nextNormal()
            }
            func v(_ j: Int) -> Double { x[i * d + j].isNaN ? 0 : x[i * d + j] }
            let t = 1.2 * v(0) - 0.8 * v(1) + 0.5 * v(0) * v(2) - 0.3
            y[i] = g.nextUniform() < 1 / (1 + exp(-t))
        }
        features = x
        labels = y
        featureCount = d
    }
}

func gbtMaxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
