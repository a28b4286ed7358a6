/// Hyperparameters of a gradient-boosted trees binary classifier (`GBTModel`), and the fit
/// (`GBTSpec+Fit.swift`).
///
/// The model is F(x) = F₀ + Σ_t f_t(x), a raw score in log-odds; P(y = 1 | x) = σ(F(x)).
/// Each tree f_t is grown on the gradients g_i = w_i (p_i − y_i) and Hessians
/// h_i = w_i p_i (1 − p_i) of the weighted binary log loss at the current scores
/// (`GBTLogLoss`), with histogram splits, as LightGBM (Ke et al., NeurIPS 2017) and
/// XGBoost (Chen & Guestrin, KDD 2016):
///
///     leaf value  v = −η · G / (H + λ)
///     split gain  ½ [G_L² / (H_L + λ) + G_R² / (H_R + λ) − G² / (H + λ)]
///
/// where G, H are the sums of g and h over a node's rows and η the learning rate.
///
/// Trees grow best-first (leaf-wise, LightGBM's rule): the leaf whose best split has the
/// largest gain is split next, until `maximumLeaves` leaves or no leaf can be split; no node
/// deeper than `maximumDepth` is split. With `maximumLeaves ≥ 2^maximumDepth` this gives the
/// same trees as depth-wise growth (a node's best split depends only on its own rows).
///
/// Defaults are the risk study's (bench/risk on the `research` branch): 200 trees, depth 4
/// with 15 leaves, η = 0.05, 500 rows per leaf, row subsample 0.7 and feature subsample
/// 0.8 per tree, λ = 1, 255 bins.
public struct GBTSpec: Sendable, Hashable, Codable {
    /// Number of boosting rounds (trees), ≥ 0. 0 gives the base-rate model.
    public var treeCount: Int
    /// Deepest level a split may create: the root is depth 0, a node at depth d < this is
    /// split, leaves are at depth ≤ this. 1…16 (16 would already allow 65,536 leaves).
    public var maximumDepth: Int
    /// Most leaves per tree, 2…65,536 (at most 2^maximumDepth are reachable).
    public var maximumLeaves: Int
    /// Shrinkage η applied to every leaf value, in (0, 1].
    public var learningRate: Double
    /// Fewest training rows (with positive weight) in a leaf, ≥ 1. A node with fewer than
    /// twice this is not split. LightGBM's `min_child_samples`.
    public var minimumLeafSamples: Int
    /// Smallest Hessian sum H in a leaf, ≥ 0. Default 1e-3 (LightGBM's
    /// `min_sum_hessian_in_leaf`): it refuses leaves whose rows are all saturated
    /// (p(1 − p) ≈ 0), where the Newton step would be driven by λ alone.
    public var minimumLeafHessian: Double
    /// λ, the L2 penalty on leaf values (½ λ v² per leaf, in units of the log loss), ≥ 0.
    public var l2Regularization: Double
    /// A split is made only when its gain is strictly greater than this, ≥ 0.
    public var minimumSplitGain: Double
    /// Fraction of the training rows each tree is grown on, drawn without replacement
    /// (round(fraction · n) rows, at least 1), in (0, 1]. 1 draws nothing from the generator.
    /// Every tree's leaf values still update the scores of all rows.
    public var rowSubsample: Double
    /// Fraction of the features each tree may split on (round(fraction · d), at least 1),
    /// in (0, 1]. 1 draws nothing from the generator.
    public var featureSubsample: Double
    /// Most value bins per feature, 2…255. Bin edges come from the training values
    /// (`GBTBinning`); NaN has a bin of its own besides these, so a row's bin fits a byte.
    public var maximumBins: Int
    /// Rows whose values choose the bin edges, ≥ 1: all rows when there are at most this
    /// many, else this many drawn without replacement. Default 200,000 (LightGBM's
    /// `bin_construct_sample_cnt`): quantiles of 200k draws are within ~0.1 % of a bin's
    /// width of the full data's, and sorting 2 M values × 22 features would cost seconds.
    public var binningSampleSize: Int

    public init(
        treeCount: Int = 200,
        maximumDepth: Int = 4,
        maximumLeaves: Int = 15,
        learningRate: Double = 0.05,
        minimumLeafSamples: Int = 500,
        minimumLeafHessian: Double = 1e-3,
        l2Regularization: Double = 1,
        minimumSplitGain: Double = 0,
        rowSubsample: Double = 0.7,
        featureSubsample: Double = 0.8,
        maximumBins: Int = 255,
        binningSampleSize: Int = 200_000
    ) {
        self.treeCount = treeCount
        self.maximumDepth = maximumDepth
        self.maximumLeaves = maximumLeaves
        self.learningRate = learningRate
        self.minimumLeafSamples = minimumLeafSamples
        self.minimumLeafHessian = minimumLeafHessian
        self.l2Regularization = l2Regularization
        self.minimumSplitGain = minimumSplitGain
        self.rowSubsample = rowSubsample
        self.featureSubsample = featureSubsample
        self.maximumBins = maximumBins
        self.binningSampleSize = binningSampleSize
    }

    /// Largest `maximumBins`: value bins 0…254 and the NaN bin 255 fill a byte.
    public static let largestBinCount = 255

    /// Checks every hyperparameter's range.
    /// - Throws: `GBTError.invalidSpec` naming the first one out of range.
    public func validate() throws(GBTError) {
        func fraction(_ value: Double, _ name: String) throws(GBTError) {
            guard value > 0, value <= 1 else { throw .invalidSpec("\(name) \(value) must be in (0, 1]") }
        }
        guard treeCount >= 0 else { throw .invalidSpec("treeCount \(treeCount) must be ≥ 0") }
        guard (1...16).contains(maximumDepth) else { throw .invalidSpec("maximumDepth \(maximumDepth) must be in 1…16") }
        guard (2...65_536).contains(maximumLeaves) else {
            throw .invalidSpec("maximumLeaves \(maximumLeaves) must be in 2…65536")
        }
        try fraction(learningRate, "learningRate")
        guard minimumLeafSamples >= 1 else { throw .invalidSpec("minimumLeafSamples \(minimumLeafSamples) must be ≥ 1") }
        guard minimumLeafHessian >= 0, minimumLeafHessian.isFinite else {
            throw .invalidSpec("minimumLeafHessian \(minimumLeafHessian) must be finite and ≥ 0")
        }
        guard l2Regularization >= 0, l2Regularization.isFinite else {
            throw .invalidSpec("l2Regularization \(l2Regularization) must be finite and ≥ 0")
        }
        guard l2Regularization > 0 || minimumLeafHessian > 0 else {
            throw .invalidSpec("l2Regularization and minimumLeafHessian are both 0, so a leaf whose rows all have "
                + "p(1 − p) = 0 would get an infinite value; make either positive (defaults 1 and 1e-3)")
        }
        guard minimumSplitGain >= 0, minimumSplitGain.isFinite else {
            throw .invalidSpec("minimumSplitGain \(minimumSplitGain) must be finite and ≥ 0")
        }
        try fraction(rowSubsample, "rowSubsample")
        try fraction(featureSubsample, "featureSubsample")
        guard (2...Self.largestBinCount).contains(maximumBins) else {
            throw .invalidSpec("maximumBins \(maximumBins) must be in 2…\(Self.largestBinCount)")
        }
        guard binningSampleSize >= 1 else { throw .invalidSpec("binningSampleSize \(binningSampleSize) must be ≥ 1") }
    }

    /// round(fraction · count), at least 1 (count ≥ 1).
    static func subsampleCount(_ fraction: Double, of count: Int) -> Int {
        max(1, min(count, Int((fraction * Double(count)).rounded(.toNearestOrAwayFromZero))))
    }
}
