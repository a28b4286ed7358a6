/// Scoring: F(x) and σ(F(x)) for one row or a row-major matrix.
///
/// A row is `featureCount` values in the order the model was fitted on; NaN means missing
/// and follows each split's learnt NaN direction. ±∞ compare as usual (+∞ goes right).
/// One row costs one walk per tree (200 depth-4 trees ≈ 800 node visits) and no allocation.
extension GBTModel {
    /// The raw score F(x) in log-odds. The row's length must be `featureCount` (a programmer
    /// error otherwise: the caller builds rows in the model's feature order).
    public func rawScore(_ row: UnsafeBufferPointer<Double>) -> Double {
        precondition(row.count == featureCount, "row has \(row.count) features, the model takes \(featureCount)")
        return packed.withUnsafeBufferPointer { nodes in
            treeOffsets.withUnsafeBufferPointer { offsets in
                var total = initialScore
                for t in 0..<(offsets.count - 1) {
                    var node = nodes[offsets[t]]
                    while node.feature >= 0 {
                        let x = row[Int(node.feature)]
                        let left = x.isNaN ? node.nanGoesLeft : x <= node.value
                        node = nodes[Int(left ? node.left : node.right)]
                    }
                    total += node.value
                }
                return total
            }
        }
    }

    /// The raw score F(x) of `row` (length `featureCount`).
    public func rawScore(_ row: [Double]) -> Double {
        row.withUnsafeBufferPointer { rawScore($0) }
    }

    /// P(y = 1 | x) = σ(F(x)).
    public func probability(_ row: UnsafeBufferPointer<Double>) -> Double {
        GBTLogLoss.probability(rawScore: rawScore(row))
    }

    /// P(y = 1 | x) = σ(F(x)) of `row` (length `featureCount`).
    public func probability(_ row: [Double]) -> Double {
        GBTLogLoss.probability(rawScore: rawScore(row))
    }

    /// Raw scores of every row of a row-major rows × `featureCount` matrix (a count that is not
    /// a multiple of `featureCount` is a programmer error).
    public func rawScores(features: [Double]) -> [Double] {
        rawScores(features: features, widen: { $0 })
    }

    /// Raw scores of every row of a row-major rows × `featureCount` matrix of Floats (each
    /// value widened to Double, exactly as `fit` saw it).
    public func rawScores(features: [Float]) -> [Double] {
        rawScores(features: features, widen: { Double($0) })
    }

    private func rawScores<Scalar>(features: [Scalar], widen: (Scalar) -> Double) -> [Double] {
        precondition(features.count % featureCount == 0,
                     "\(features.count) values are not whole rows of \(featureCount) features")
        let rows = features.count / featureCount
        var row = [Double](repeating: 0, count: featureCount)
        var scores = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            for j in 0..<featureCount { row[j] = widen(features[r * featureCount + j]) }
            scores[r] = rawScore(row)
        }
        return scores
    }
}
