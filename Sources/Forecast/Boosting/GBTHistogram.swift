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
