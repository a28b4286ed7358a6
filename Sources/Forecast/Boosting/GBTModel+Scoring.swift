/// Scoring: F(x) and σ(F(x)) for one row or a row-major matrix.
///
/// A row is `featureCount` values in the order the model was fitted on; NaN means missing
/// and follows each split's learnt NaN direction. ±∞ compare as usual (+∞ goes right).
/// One row costs `depth` steps per tree (200 depth-6 trees: 1,200 node visits) and no
/// allocation; see `GBTPackedNode` for the layout that keeps the walk free of branches.
extension GBTModel {
    /// The raw score F(x) in log-odds. The row's length must be `featureCount` (a programmer
    /// error otherwise: the caller builds rows in the model's feature order).
    public func rawScore(_ row: UnsafeBufferPointer<Double>) -> Double {
        precondition(row.count == featureCount, "row has \(row.count) features, the model takes \(featureCount)")
        return packed.withUnsafeBufferPointer { nodes in
            packedValues.withUnsafeBufferPointer { values in
            treeOffsets.withUnsafeBufferPointer { offsets in
                let trees = offsets.count - 1, depth = packedDepth
                @inline(__always) func step(_ k: Int) -> Int {
                    let node = nodes[k]
                    let x = row[Int(node.featureAndNaN & Int32.max)]
                    // NaN fails both comparisons, so it goes left exactly when the flag says.
                    let goLeft = node.featureAndNaN < 0 ? !(x > node.threshold) : x <= node.threshold
                    // Bool → 0/1 by bit cast: `goLeft ? 0 : 1` compiled to a branch, which
                    // mispredicts half the time.
                    return Int(node.firstChild) &+ Int(unsafeBitCast(!goLeft, to: UInt8.self))
                }
                var total = initialScore
                var t = 0
                // Eight trees at a time: eight independent chains of loads in flight (deeper
                // trees outgrow the nearest caches, and the walk waits on memory).
                while t + 8 <= trees {
                    var k0 = offsets[t], k1 = offsets[t + 1], k2 = offsets[t + 2], k3 = offsets[t + 3]
                    var k4 = offsets[t + 4], k5 = offsets[t + 5], k6 = offsets[t + 6], k7 = offsets[t + 7]
                    for _ in 0..<depth {
                        k0 = step(k0); k1 = step(k1); k2 = step(k2); k3 = step(k3)
                        k4 = step(k4); k5 = step(k5); k6 = step(k6); k7 = step(k7)
                    }
                    // Added in tree order, as the fit adds them (bit-identical scores).
                    total += values[k0]
                    total += values[k1]
                    total += values[k2]
                    total += values[k3]
                    total += values[k4]
                    total += values[k5]
                    total += values[k6]
                    total += values[k7]
                    t += 8
                }
                while t + 4 <= trees {
                    var k0 = offsets[t], k1 = offsets[t + 1], k2 = offsets[t + 2], k3 = offsets[t + 3]
                    for _ in 0..<depth {
                        k0 = step(k0); k1 = step(k1); k2 = step(k2); k3 = step(k3)
                    }
                    // Added in tree order, as the fit adds them (bit-identical scores).
                    total += values[k0]
                    total += values[k1]
                    total += values[k2]
                    total += values[k3]
                    t += 4
                }
                while t < trees {
                    var k = offsets[t]
                    for _ in 0..<depth { k = step(k) }
                    total += values[k]
                    t += 1
                }
                return total
            }
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
