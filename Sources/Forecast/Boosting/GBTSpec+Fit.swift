import Foundation

extension GBTSpec {
    /// Base rates are clamped to [1e-6, 1 − 1e-6] before F₀ = logit(base rate), so a training
    /// set with (almost) one class gives a finite F₀ of at most ±13.8 (log(1e6)).
    public static let baseRateClamp = 1e-6

    /// Fits the classifier (see the type's documentation for the model).
    ///
    /// - Parameters:
    ///   - features: rows × `featureCount` values, row-major; NaN means missing.
    ///   - featureCount: d ≥ 1.
    ///   - labels: one per row (true = the event happened).
    ///   - weights: one per row, finite and ≥ 0 (0 drops the row), or nil for all 1.
    ///   - generator: draws the bin-edge sample (only above `binningSampleSize` rows) and each
    ///     tree's row and feature subsets (only for fractions < 1), in that order per tree:
    ///     features, then rows. Fractions of 1 draw nothing, so the fit is then fully
    ///     determined by the data.
    /// - Returns: the model. When every row (of positive weight) has the same label it has
    ///   no trees: F₀ = logit of the clamped base rate, 1e-6 or 1 − 1e-6. A node with fewer
    ///   than 2 × `minimumLeafSamples` rows is not split, so fewer rows than that give trees
    ///   of one leaf each (≈ 0: the base rate already fits).
    /// - Throws: `GBTError.invalidSpec`, `.emptyInput`, `.shapeMismatch`, `.invalidWeight`,
    ///   `.noPositiveWeight`, `.infiniteFeature` (see `GBTError`).
    public func fit(
        features: [Double], featureCount: Int, labels: [Bool], weights: [Double]? = nil,
        generator: inout SeededGenerator
    ) throws(GBTError) -> GBTModel {
        try validate()
        let data = try GBTTrainingSet.prepare(features: features, featureCount: featureCount, labels: labels,
                                              weights: weights, spec: self, generator: &generator)
        return try boost(data, generator: &generator)
    }

    /// `fit` for Float features (each widened to Double exactly; thresholds are Doubles).
    public func fit(
        features: [Float], featureCount: Int, labels: [Bool], weights: [Double]? = nil,
        generator: inout SeededGenerator
    ) throws(GBTError) -> GBTModel {
        try validate()
        let data = try GBTTrainingSet.prepare(features: features, featureCount: featureCount, labels: labels,
                                              weights: weights, spec: self, generator: &generator)
        return try boost(data, generator: &generator)
    }

    /// The boosting loop: F ← F₀; per round, gradients at F, a tree, F ← F + f_t (all rows).
    func boost(_ data: GBTTrainingSet, generator: inout SeededGenerator) throws(GBTError) -> GBTModel {
        let n = data.rowCount, d = data.featureCount
        var weightSum = 0.0, positiveWeight = 0.0, positives = 0
        for i in 0..<n {
            let w = data.weights?[i] ?? 1
            weightSum += w
            if data.labels[i] { positiveWeight += w; positives += 1 }
        }
        let baseRate = min(max(positiveWeight / weightSum, Self.baseRateClamp), 1 - Self.baseRateClamp)
        let initialScore = GBTLogLoss.logit(baseRate)
        var scores = [Double](repeating: initialScore, count: n)
        var gradients = [Double](repeating: 0, count: n)
        var hessians = [Double](repeating: 0, count: n)
        var losses: [Double] = []

        var offsets = [0], splitFeatures: [Int] = [], thresholds: [Double] = [], nanGoesLeft: [Bool] = []
        var leftChildren: [Int] = [], rightChildren: [Int] = [], leafValues: [Double] = []

        let oneClass = positives == 0 || positives == n
        let rounds = oneClass ? 0 : treeCount
        let builder = GBTTreeBuilder(spec: self, rowCapacity: n, featureCount: d)
        let allFeatures = Array(0..<d)
        let featureDraw = Self.subsampleCount(featureSubsample, of: d)
        let rowDraw = Self.subsampleCount(rowSubsample, of: n)
        for _ in 0..<rounds {
            losses.append(Self.gradients(scores: scores, data: data, gradients: &gradients, hessians: &hessians))
            let features = featureSubsample < 1
                ? GBTSampling.select(featureDraw, of: d, generator: &generator).map { Int($0) } : allFeatures
            let rootCount: Int
            if rowSubsample < 1 {
                let chosen = GBTSampling.select(rowDraw, of: n, generator: &generator)
                chosen.withUnsafeBufferPointer { builder.rows.update(from: $0.baseAddress!, count: chosen.count) }
                rootCount = chosen.count
            } else {
                for i in 0..<n { builder.rows[i] = Int32(i) }
                rootCount = n
            }
            let valueBins = features.map { data.binning.valueBinCount($0) }
            let tree = data.binned.withUnsafeBufferPointer { binned in
                gradients.withUnsafeBufferPointer { g in
                    hessians.withUnsafeBufferPointer { h in
                        features.withUnsafeBufferPointer { f in
                            valueBins.withUnsafeBufferPointer { b in
                                builder.grow(rootCount: rootCount, data: GBTTreeBuilder.Data(
                                    binned: binned.baseAddress!, featureCount: d, gradients: g.baseAddress!,
                                    hessians: h.baseAddress!, features: f, valueBins: b, edges: data.binning.edges))
                            }
                        }
                    }
                }
            }
            tree.addValues(binned: data.binned, featureCount: d, to: &scores)
            splitFeatures += tree.features
            thresholds += tree.thresholds
            nanGoesLeft += tree.nanGoesLeft
            leftChildren += tree.left
            rightChildren += tree.right
            leafValues += tree.values
            offsets.append(splitFeatures.count)
        }
        losses.append(Self.gradients(scores: scores, data: data, gradients: &gradients, hessians: &hessians))
        do {
            return try GBTModel(
                featureCount: d, initialScore: initialScore, treeOffsets: offsets, splitFeatures: splitFeatures,
                thresholds: thresholds, nanGoesLeft: nanGoesLeft, leftChildren: leftChildren,
                rightChildren: rightChildren, leafValues: leafValues, trainingLogLoss: losses, spec: self)
        } catch {
            // The fit's own output failed the checks a model file gets: a bug, reported as
            // a typed error so training data can never stop the trainer with a trap.
            throw .invalidModel("the fitted model broke its own invariants (a bug, please report): \(error)")
        }
    }

    /// Fills g_i = w_i (p_i − y_i) and h_i = w_i p_i (1 − p_i) at the scores F and returns the
    /// weighted mean log loss Σ w_i ℓ(F_i, y_i) / Σ w_i there (`GBTLogLoss`).
    static func gradients(scores: [Double], data: GBTTrainingSet, gradients: inout [Double],
                          hessians: inout [Double]) -> Double {
        var loss = 0.0, weightSum = 0.0
        for i in 0..<data.rowCount {
            let f = scores[i]
            let (p, q, e) = GBTLogLoss.probabilities(f)
            let y = data.labels[i]
            let w = data.weights?[i] ?? 1
            gradients[i] = w * (y ? -q : p)
            hessians[i] = w * (p * q)
            loss += w * (max(f, 0) + log1p(e) - (y ? f : 0))
            weightSum += w
        }
        return loss / weightSum
    }
}
