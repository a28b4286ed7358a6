/// One regression tree as the fit grows it: per node (creation order, root 0) the split
/// (feature, value-bin threshold, edge threshold, NaN direction, children) or, for leaves,
/// the value; and every node's (G, H). Children are created in pairs after their parent,
/// so child indices exceed the parent's.
struct GBTTree: Sendable {
    var features: [Int] = []
    var bins: [Int] = []
    var thresholds: [Double] = []
    var nanGoesLeft: [Bool] = []
    var left: [Int] = []
    var right: [Int] = []
    var values: [Double] = []
    var gradients: [Double] = []
    var hessians: [Double] = []

    var count: Int { features.count }

    mutating func appendLeaf(gradient: Double, hessian: Double) -> Int {
        features.append(-1); bins.append(-1); thresholds.append(0); nanGoesLeft.append(false)
        left.append(-1); right.append(-1); values.append(0)
        gradients.append(gradient); hessians.append(hessian)
        return count - 1
    }

    /// Adds each row's leaf value to its score: `scores[i] += value(leaf of row i)` for the
    /// n × d row-major bins.
    func addValues(binned: [UInt8], featureCount d: Int, to scores: inout [Double]) {
        let n = scores.count
        binned.withUnsafeBufferPointer { binned in
            features.withUnsafeBufferPointer { features in
                bins.withUnsafeBufferPointer { bins in
                    nanGoesLeft.withUnsafeBufferPointer { nanGoesLeft in
                        left.withUnsafeBufferPointer { left in
                            right.withUnsafeBufferPointer { right in
                                values.withUnsafeBufferPointer { values in
                                    scores.withUnsafeMutableBufferPointer { scores in
                                        for i in 0..<n {
                                            var k = 0
                                            while features[k] >= 0 {
                                                let bin = binned[i &* d &+ features[k]]
                                                let goLeft = bin == GBTBinning.nanBin ? nanGoesLeft[k] : Int(bin) <= bins[k]
                                                k = goLeft ? left[k] : right[k]
                                            }
                                            scores[i] += values[k]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Grows trees best-first over histograms (see `GBTSpec`). Owns the row-index buffers and a
/// pool of histograms, reused across trees; the data are passed in per tree.
final class GBTTreeBuilder {
    private let spec: GBTSpec
    private let rowCapacity: Int
    private let histogramCapacity: Int
    /// Rows of every open node: node k owns `rows[start ..< start + count]`, ascending.
    let rows: UnsafeMutablePointer<Int32>
    private let scratch: UnsafeMutablePointer<Int32>
    private var freeHistograms: [UnsafeMutablePointer<Double>] = []
    private var allHistograms: [UnsafeMutablePointer<Double>] = []

    init(spec: GBTSpec, rowCapacity: Int, featureCount: Int) {
        self.spec = spec
        self.rowCapacity = rowCapacity
        self.histogramCapacity = featureCount * GBTHistogram.slotStride
        rows = .allocate(capacity: max(1, rowCapacity))
        scratch = .allocate(capacity: max(1, rowCapacity))
    }

    deinit {
        rows.deallocate()
        scratch.deallocate()
        for h in allHistograms { h.deallocate() }
    }

    private func takeHistogram() -> UnsafeMutablePointer<Double> {
        if let h = freeHistograms.popLast() { return h }
        let h = UnsafeMutablePointer<Double>.allocate(capacity: histogramCapacity)
        allHistograms.append(h)
        return h
    }

    private func give(_ h: UnsafeMutablePointer<Double>) { freeHistograms.append(h) }

    /// The data of one tree: training bins, this round's gradients, the features it may use.
    struct Data {
        var binned: UnsafePointer<UInt8>
        var featureCount: Int
        var gradients: UnsafePointer<Double>
        var hessians: UnsafePointer<Double>
        /// Feature of each slot (ascending).
        var features: UnsafeBufferPointer<Int>
        /// Value-bin count B of each slot's feature.
        var valueBins: UnsafeBufferPointer<Int>
        /// Edges of each feature (indexed by feature, not slot).
        var edges: [[Double]]
    }

    /// A leaf that may still be split, with its best split.
    private struct OpenLeaf {
        var node: Int, start: Int, count: Int, depth: Int
        var histogram: UnsafeMutablePointer<Double>
        var split: GBTSplit
    }

    private func canSplit(depth: Int, count: Int) -> Bool {
        depth < spec.maximumDepth && count >= 2 * spec.minimumLeafSamples
    }

    /// Grows one tree on the rows `rows[0 ..< rootCount]` (ascending; the caller fills them),
    /// then sets every leaf's value v = η · (−G / (H + λ)) (0 if that is not finite).
    func grow(rootCount: Int, data: Data) -> GBTTree {
        var tree = GBTTree()
        var g = 0.0, h = 0.0
        for r in 0..<rootCount {
            let i = Int(rows[r])
            g += data.gradients[i]
            h += data.hessians[i]
        }
        _ = tree.appendLeaf(gradient: g, hessian: h)
        var open: [OpenLeaf] = []
        var leaves = 1
        if canSplit(depth: 0, count: rootCount) {
            let histogram = takeHistogram()
            build(histogram, start: 0, count: rootCount, data: data)
            if let split = GBTSplit.best(histogram: histogram, valueBins: data.valueBins, gradient: g, hessian: h,
                                         count: Double(rootCount), spec: spec) {
                open.append(OpenLeaf(node: 0, start: 0, count: rootCount, depth: 0, histogram: histogram, split: split))
            } else {
                give(histogram)
            }
        }
        while leaves < spec.maximumLeaves, !open.isEmpty {
            var pick = 0
            for k in 1..<open.count {
                let a = open[k], b = open[pick]
                if a.split.gain > b.split.gain || (a.split.gain == b.split.gain && a.node < b.node) { pick = k }
            }
            let leaf = open.remove(at: pick)
            let split = leaf.split
            let feature = data.features[split.slot]
            let leftCount = partition(start: leaf.start, count: leaf.count, feature: feature, bin: split.bin,
                                      nanGoesLeft: split.nanGoesLeft, data: data)
            let rightCount = leaf.count - leftCount
            precondition(Double(leftCount) == split.leftCount, "histogram counts disagree with the partition")
            let leftNode = tree.appendLeaf(gradient: split.leftGradient, hessian: split.leftHessian)
            let rightNode = tree.appendLeaf(gradient: split.rightGradient, hessian: split.rightHessian)
            let k = leaf.node
            tree.features[k] = feature
            tree.bins[k] = split.bin
            let edges = data.edges[feature]
            tree.thresholds[k] = split.bin < edges.count ? edges[split.bin] : .greatestFiniteMagnitude
            // With no NaN among the node's rows the data cannot say; NaN then follows the
            // larger child (ties left), the likelier guess for an unseen value.
            tree.nanGoesLeft[k] = split.nanCount > 0 ? split.nanGoesLeft : leftCount >= rightCount
            tree.left[k] = leftNode
            tree.right[k] = rightNode
            leaves += 1

            let depth = leaf.depth + 1
            let more = leaves < spec.maximumLeaves
            let leftCan = more && canSplit(depth: depth, count: leftCount)
            let rightCan = more && canSplit(depth: depth, count: rightCount)
            guard leftCan || rightCan else { give(leaf.histogram); continue }
            // The smaller child (ties: left) is summed from its rows, the larger one is the
            // parent's histogram minus it, in the parent's buffer.
            let smallerIsLeft = leftCount <= rightCount
            let smaller = takeHistogram()
            build(smaller, start: smallerIsLeft ? leaf.start : leaf.start + leftCount,
                  count: smallerIsLeft ? leftCount : rightCount, data: data)
            let larger = leaf.histogram
            GBTHistogram.subtract(smaller, from: larger, slots: data.features.count)
            let children = [
                (node: leftNode, start: leaf.start, count: leftCount, can: leftCan,
                 histogram: smallerIsLeft ? smaller : larger, g: split.leftGradient, h: split.leftHessian),
                (node: rightNode, start: leaf.start + leftCount, count: rightCount, can: rightCan,
                 histogram: smallerIsLeft ? larger : smaller, g: split.rightGradient, h: split.rightHessian),
            ]
            for child in children {
                if child.can, let best = GBTSplit.best(histogram: child.histogram, valueBins: data.valueBins,
                                                        gradient: child.g, hessian: child.h,
                                                        count: Double(child.count), spec: spec) {
                    open.append(OpenLeaf(node: child.node, start: child.start, count: child.count, depth: depth,
                                         histogram: child.histogram, split: best))
                } else {
                    give(child.histogram)
                }
            }
        }
        for leaf in open { give(leaf.histogram) }
        let lambda = spec.l2Regularization
        for k in 0..<tree.count where tree.features[k] < 0 {
            let newton = -tree.gradients[k] / (tree.hessians[k] + lambda)
            tree.values[k] = newton.isFinite ? newton * spec.learningRate : 0
        }
        return tree
    }

    private func build(_ histogram: UnsafeMutablePointer<Double>, start: Int, count: Int, data: Data) {
        GBTHistogram.build(into: histogram, rows: rows + start, count: count, binned: data.binned,
                           featureCount: data.featureCount, features: data.features,
                           gradients: data.gradients, hessians: data.hessians)
    }

    /// Stable partition of `rows[start ..< start + count]`: rows going left first, in order,
    /// then rows going right, in order. Returns the left count.
    private func partition(start: Int, count: Int, feature: Int, bin: Int, nanGoesLeft: Bool, data: Data) -> Int {
        var leftEnd = start, rightCount = 0
        for r in start..<(start + count) {
            let i = rows[r]
            let b = data.binned[Int(i) * data.featureCount + feature]
            let goLeft = b == GBTBinning.nanBin ? nanGoesLeft : Int(b) <= bin
            if goLeft { rows[leftEnd] = i; leftEnd += 1 } else { scratch[rightCount] = i; rightCount += 1 }
        }
        (rows + leftEnd).update(from: scratch, count: rightCount)
        return leftEnd - start
    }
}
