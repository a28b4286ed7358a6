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
