/// A fitted gradient-boosted trees binary classifier: raw score (log-odds)
///
///     F(x) = F₀ + Σ_{t=0}^{T−1} f_t(x),     P(y = 1 | x) = σ(F(x)),
///
/// with F₀ = `initialScore` and each tree f_t stored as flat arrays (all trees concatenated;
/// tree t owns nodes `treeOffsets[t] ..< treeOffsets[t + 1]`, its root first). Node k:
/// * a split when `splitFeatures[k] ≥ 0`: go to `leftChildren[k]` when
///   x[splitFeatures[k]] ≤ `thresholds[k]`, to `rightChildren[k]` when it is greater, and
///   where `nanGoesLeft[k]` says when x is NaN (children are indices within the tree);
/// * a leaf when `splitFeatures[k] == −1` (children −1): f_t(x) = `leafValues[k]`, already
///   multiplied by the learning rate.
///
/// Invariants (checked by `init(featureCount:…)`, so by every decoder): children of a node
/// have larger indices than the node (no cycles) and every node but the root has exactly
/// one parent (a tree, every node reachable); feature indices are in 0..<featureCount;
/// thresholds, leaf values and F₀ are finite.
///
/// Scoring never allocates: `rawScore` walks a packed, breadth-first copy of the nodes
/// (`GBTPackedNode`, 16 bytes each) in exactly `depth` branch-free steps per tree, four trees
/// at a time: ≈ 0.9–1.6 µs of CPU per row for 200 trees of depth 4 (`headroom-bench gbt`, on
/// a loaded 2-core machine). Immutable, `Sendable`, `Codable` (`GBTModel+Codable.swift`) and
/// `TensorCodable` (`GBTModel+TensorCodable.swift`).
public struct GBTModel: Sendable, Equatable {
    /// d, the length of a feature row.
    public let featureCount: Int
    /// F₀ = logit(base rate), the base rate being the weighted share of positive labels,
    /// clamped to [1e-6, 1 − 1e-6] (`GBTSpec.baseRateClamp`).
    public let initialScore: Double
    /// T + 1 node offsets: tree t is nodes `treeOffsets[t] ..< treeOffsets[t + 1]`.
    public let treeOffsets: [Int]
    /// Feature index of each split node, −1 for leaves.
    public let splitFeatures: [Int]
    /// Split thresholds in feature units (x ≤ threshold goes left); 0 for leaves.
    public let thresholds: [Double]
    /// Where NaN goes at each split node; false for leaves.
    public let nanGoesLeft: [Bool]
    /// Left child of each split node (index within its tree), −1 for leaves.
    public let leftChildren: [Int]
    /// Right child of each split node (index within its tree), −1 for leaves.
    public let rightChildren: [Int]
    /// Each leaf's contribution to the raw score (learning rate included); 0 for split nodes.
    public let leafValues: [Double]
    /// Weighted mean log loss (nats per unit weight) on the training rows with 0, 1, …, T
    /// trees (T + 1 values), or empty when not known (a hand-built model).
    public let trainingLogLoss: [Double]
    /// The hyperparameters the model was fitted with.
    public let spec: GBTSpec

    /// The nodes as scoring walks them (`GBTPackedNode`), and each node's leaf value (0 for
    /// splits) by the same index: read once per tree, at the leaf, so the walk's nodes are
    /// 16 bytes (200 trees of depth 6 then take 400 KB instead of 600, which a core's cache
    /// holds better).
    let packed: [GBTPackedNode]
    let packedValues: [Double]
    /// The depth of the deepest tree: scoring takes exactly this many steps per tree.
    let packedDepth: Int

    /// Number of trees T.
    public var treeCount: Int { treeOffsets.count - 1 }
    /// Total number of nodes over all trees.
    public var nodeCount: Int { splitFeatures.count }

    /// A model from its arrays, checked against every invariant above.
    /// - Throws: `GBTError.invalidModel` naming the first array or node that breaks one.
    public init(
        featureCount: Int, initialScore: Double, treeOffsets: [Int], splitFeatures: [Int], thresholds: [Double],
        nanGoesLeft: [Bool], leftChildren: [Int], rightChildren: [Int], leafValues: [Double],
        trainingLogLoss: [Double] = [], spec: GBTSpec
    ) throws(GBTError) {
        try Self.validate(featureCount: featureCount, initialScore: initialScore, treeOffsets: treeOffsets,
                          splitFeatures: splitFeatures, thresholds: thresholds, nanGoesLeft: nanGoesLeft,
                          leftChildren: leftChildren, rightChildren: rightChildren, leafValues: leafValues,
                          trainingLogLoss: trainingLogLoss, spec: spec)
        self.featureCount = featureCount
        self.initialScore = initialScore
        self.treeOffsets = treeOffsets
        self.splitFeatures = splitFeatures
        self.thresholds = thresholds
        self.nanGoesLeft = nanGoesLeft
        self.leftChildren = leftChildren
        self.rightChildren = rightChildren
        self.leafValues = leafValues
        self.trainingLogLoss = trainingLogLoss
        self.spec = spec
        (packed, packedValues, packedDepth) = GBTPackedNode.pack(treeOffsets: treeOffsets, splitFeatures: splitFeatures,
                                                   thresholds: thresholds, nanGoesLeft: nanGoesLeft,
                                                   leftChildren: leftChildren, rightChildren: rightChildren,
                                                   leafValues: leafValues)
    }

    // swiftlint:disable:next function_parameter_count
    static func validate(
        featureCount: Int, initialScore: Double, treeOffsets: [Int], splitFeatures: [Int], thresholds: [Double],
        nanGoesLeft: [Bool], leftChildren: [Int], rightChildren: [Int], leafValues: [Double],
        trainingLogLoss: [Double], spec: GBTSpec
    ) throws(GBTError) {
        guard featureCount >= 1 else { throw .invalidModel("featureCount \(featureCount) must be ≥ 1") }
        guard featureCount <= Int(Int32.max) else { throw .invalidModel("featureCount \(featureCount) is too large") }
        guard initialScore.isFinite else { throw .invalidModel("initial score \(initialScore) is not finite") }
        let n = splitFeatures.count
        guard n <= Int(Int32.max) else { throw .invalidModel("\(n) nodes exceed the 2³¹ − 1 a model can hold") }
        for (name, count) in [("thresholds", thresholds.count), ("nanGoesLeft", nanGoesLeft.count),
                              ("leftChildren", leftChildren.count), ("rightChildren", rightChildren.count),
                              ("leafValues", leafValues.count)] where count != n {
            throw .invalidModel("\(name) has \(count) entries but splitFeatures has \(n); every node array needs one per node")
        }
        guard let first = treeOffsets.first, first == 0 else {
            throw .invalidModel("treeOffsets must start at 0 (found \(treeOffsets.first.map(String.init) ?? "no offsets"))")
        }
        guard treeOffsets.last == n else {
            throw .invalidModel("treeOffsets ends at \(treeOffsets.last!) but there are \(n) nodes")
        }
        let trees = treeOffsets.count - 1
        guard trainingLogLoss.isEmpty || trainingLogLoss.count == trees + 1 else {
            throw .invalidModel("trainingLogLoss has \(trainingLogLoss.count) values; \(trees) trees need \(trees + 1) (or none)")
        }
        if let bad = trainingLogLoss.firstIndex(where: { !$0.isFinite }) {
            throw .invalidModel("trainingLogLoss[\(bad)] = \(trainingLogLoss[bad]) is not finite")
        }
        do { try spec.validate() } catch { throw .invalidModel("stored spec: \(error)") }
        var parents = [Int](repeating: 0, count: n)
        for t in 0..<trees {
            let base = treeOffsets[t], end = treeOffsets[t + 1]
            guard end > base else { throw .invalidModel("tree \(t) has no nodes (treeOffsets must increase strictly)") }
            let size = end - base
            for k in base..<end {
                let local = k - base
                guard leafValues[k].isFinite else { throw .invalidModel("tree \(t), node \(local): leaf value \(leafValues[k]) is not finite") }
                let feature = splitFeatures[k]
                if feature == -1 {
                    guard leftChildren[k] == -1, rightChildren[k] == -1 else {
                        throw .invalidModel("tree \(t), node \(local) is a leaf but has children \(leftChildren[k]), \(rightChildren[k])")
                    }
                    continue
                }
                guard feature >= 0, feature < featureCount else {
                    throw .invalidModel("tree \(t), node \(local) splits on feature \(feature); rows have \(featureCount) features (−1 marks a leaf)")
                }
                guard thresholds[k].isFinite else {
                    throw .invalidModel("tree \(t), node \(local): threshold \(thresholds[k]) is not finite")
                }
                for child in [leftChildren[k], rightChildren[k]] {
                    guard child > local, child < size else {
                        throw .invalidModel("tree \(t), node \(local) has child \(child); children must come after their parent "
                            + "and inside the tree's \(size) nodes")
                    }
                    parents[base + child] += 1
                }
            }
            guard parents[base] == 0 else { throw .invalidModel("tree \(t): the root has a parent") }
            for k in (base + 1)..<end where parents[k] != 1 {
                throw .invalidModel("tree \(t), node \(k - base) has \(parents[k]) parents; every node but the root needs exactly one")
            }
        }
    }
}

/// One node as scoring walks it, 16 bytes (its leaf value is kept beside, `packedValues`). Each tree is laid out again breadth-first so
/// that a split's children are adjacent (`firstChild`, `firstChild + 1`, absolute indices),
/// and a leaf points to itself with threshold +∞ and NaN going left, so every row stays on
/// a leaf once there. Scoring then takes exactly `packedDepth` steps per tree, each
/// `k ← firstChild + (go right ? 1 : 0)`, with no data-dependent branch to mispredict, and
/// the steps of consecutive trees overlap in the processor.
struct GBTPackedNode: Sendable, Equatable {
    /// Split threshold (x ≤ threshold goes left); +∞ for leaves.
    var threshold: Double
    /// Feature index in the low 31 bits; the sign bit set when NaN goes left.
    var featureAndNaN: Int32
    /// Absolute index of the left child (the right one follows); a leaf's own index.
    var firstChild: Int32

    static let nanLeftBit = Int32.min

    /// The packed nodes of validated tree arrays, and the depth of the deepest tree.
    static func pack(treeOffsets: [Int], splitFeatures: [Int], thresholds: [Double], nanGoesLeft: [Bool],
                     leftChildren: [Int], rightChildren: [Int], leafValues: [Double]) -> ([GBTPackedNode], [Double], Int) {
        var packed = [GBTPackedNode](repeating: GBTPackedNode(threshold: 0, featureAndNaN: 0, firstChild: 0),
                                     count: splitFeatures.count)
        var values = [Double](repeating: 0, count: splitFeatures.count)
        var deepest = 0
        for t in 0..<(treeOffsets.count - 1) {
            let base = treeOffsets[t]
            // Breadth-first: queue[i] is the original local index of new local index i.
            var queue = [0], depth = [0], head = 0
            while head < queue.count {
                let k = base + queue[head], me = base + head
                deepest = max(deepest, depth[head])
                if splitFeatures[k] < 0 {
                    packed[me] = GBTPackedNode(threshold: .infinity, featureAndNaN: nanLeftBit, firstChild: Int32(me))
                    values[me] = leafValues[k]
                } else {
                    packed[me] = GBTPackedNode(
                        threshold: thresholds[k],
                        featureAndNaN: Int32(splitFeatures[k]) | (nanGoesLeft[k] ? nanLeftBit : 0),
                        firstChild: Int32(base + queue.count))
                    queue += [leftChildren[k], rightChildren[k]]
                    depth += [depth[head] + 1, depth[head] + 1]
                }
                head += 1
            }
        }
        return (packed, values, deepest)
    }
}
