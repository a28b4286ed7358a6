/// Histograms of gradient statistics and the best split they allow.
///
/// A node's histogram holds, for each feature the tree may use (a "slot") and each bin
/// b ∈ 0…255 (255 = NaN), the sums (G_b, H_b, C_b) of gradient, Hessian and row count over
/// the node's rows in that bin: `slots × 256 × 3` Doubles, slot-major, then bin, then
/// (G, H, C). Rows are added in the node's row order (ascending row index), so sums are
/// reproducible bit for bit; a child's histogram is either built from its rows or is its
/// parent's minus its sibling's (LightGBM's subtraction trick), both deterministic.
enum GBTHistogram {
    /// Doubles per slot: 256 bins × (G, H, C).
    static let slotStride = 256 * 3

    /// Sums the rows `rows[0..<count]` into `histogram` (overwritten).
    /// - Parameters:
    ///   - binned: the n × d row-major bins of the training rows.
    ///   - features: the feature index of each slot.
    static func build(
        into histogram: UnsafeMutablePointer<Double>, rows: UnsafePointer<Int32>, count: Int,
        binned: UnsafePointer<UInt8>, featureCount d: Int, features: UnsafeBufferPointer<Int>,
        gradients: UnsafePointer<Double>, hessians: UnsafePointer<Double>
    ) {
        let slots = features.count
        histogram.update(repeating: 0, count: slots * slotStride)
        for r in 0..<count {
            let i = Int(rows[r])
            let g = gradients[i], h = hessians[i]
            let rowBins = binned + i * d
            var cell = histogram
            for s in 0..<slots {
                let p = cell + Int(rowBins[features[s]]) &* 3
                p[0] += g
                p[1] += h
                p[2] += 1
                cell += slotStride
            }
        }
    }

    /// `parent ← parent − child` over every slot and bin: the sibling's histogram, in place.
    static func subtract(_ child: UnsafePointer<Double>, from parent: UnsafeMutablePointer<Double>, slots: Int) {
        for k in 0..<(slots * slotStride) { parent[k] -= child[k] }
    }
}

/// The best split of one node: on slot `slot`, rows in value bins ≤ `bin` go left, rows with
/// NaN go left when `nanGoesLeft`; (G, H, C) of each side.
struct GBTSplit: Sendable, Equatable {
    var slot: Int
    var bin: Int
    var nanGoesLeft: Bool
    var gain: Double
    var leftGradient: Double, leftHessian: Double, leftCount: Double
    var rightGradient: Double, rightHessian: Double, rightCount: Double
    /// Training rows of the node with NaN in the split feature.
    var nanCount: Double

    /// Best split of a node with totals (G, H, C) from its histogram.
    ///
    /// For each slot in order, each threshold bin b = 0 … B−2 in order, NaN left then (only
    /// when the node has NaN rows) NaN right; then, when it has NaN rows, the NaN-only split
    /// (every value left, NaN right). Candidates with fewer than `minimumLeafSamples` rows or
    /// a Hessian sum below `minimumLeafHessian` on either side are skipped; the first one with
    /// the largest gain = ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] wins, and only if that
    /// gain is > `minimumSplitGain`. The right side is the node total minus the left side.
    ///
    /// - Parameter valueBins: B of each slot's feature (1 = constant: no value split).
    /// - Returns: nil when no candidate qualifies (constant features, too few rows, no gain).
    static func best(
        histogram: UnsafePointer<Double>, valueBins: UnsafeBufferPointer<Int>,
        gradient g: Double, hessian h: Double, count c: Double, spec: GBTSpec
    ) -> GBTSplit? {
        let lambda = spec.l2Regularization
        let minimumCount = Double(spec.minimumLeafSamples), minimumHessian = spec.minimumLeafHessian
        let parentScore = g * g / (h + lambda)
        var bestGain = spec.minimumSplitGain
        var best: GBTSplit?
        for slot in 0..<valueBins.count {
            let cells = histogram + slot * GBTHistogram.slotStride
            let nanG = cells[255 * 3], nanH = cells[255 * 3 + 1], nanC = cells[255 * 3 + 2]
            let bins = valueBins[slot]
            var gl = 0.0, hl = 0.0, cl = 0.0
            @inline(__always) func consider(_ lg: Double, _ lh: Double, _ lc: Double, bin: Int, nanGoesLeft: Bool) {
                let rc = c - lc
                guard lc >= minimumCount, rc >= minimumCount else { return }
                let rg = g - lg, rh = h - lh
                guard lh >= minimumHessian, rh >= minimumHessian else { return }
                let gain = 0.5 * (lg * lg / (lh + lambda) + rg * rg / (rh + lambda) - parentScore)
                if gain > bestGain {
                    bestGain = gain
                    best = GBTSplit(slot: slot, bin: bin, nanGoesLeft: nanGoesLeft, gain: gain,
                                    leftGradient: lg, leftHessian: lh, leftCount: lc,
                                    rightGradient: rg, rightHessian: rh, rightCount: rc, nanCount: nanC)
                }
            }
            for b in 0..<bins {
                gl += cells[b * 3]
                hl += cells[b * 3 + 1]
                cl += cells[b * 3 + 2]
                if b < bins - 1 {
                    consider(gl + nanG, hl + nanH, cl + nanC, bin: b, nanGoesLeft: true)
                    if nanC > 0 { consider(gl, hl, cl, bin: b, nanGoesLeft: false) }
                } else if nanC > 0 {
                    consider(gl, hl, cl, bin: b, nanGoesLeft: false)
                }
            }
        }
        return best
    }
}
