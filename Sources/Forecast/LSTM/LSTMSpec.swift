/// Hyperparameters of the global LSTM quantile forecaster (DESIGN.md, "Models").
///
/// One model serves every workload: its input is a window of `windowSteps` feature rows
/// (`inputFeatures` wide; `LSTMFeatureLayout` for the standard 16), its output the
/// `quantiles` of each of `outputResources` scaled resources for each of the next
/// `horizonSteps` steps, trained with the pinball loss (`LSTMLoss`).
///
/// A spec is a plain value; `validate()` names the first bad field. `LSTMTrainer.fit`
/// validates before doing anything.
public struct LSTMSpec: Sendable, Equatable {
    /// Width of one input row (`LSTMFeatureLayout.count` = 16 for the feature builder).
    public var inputFeatures: Int
    /// LSTM hidden (and cell) size H; the gates are 4·H wide.
    public var hiddenSize: Int
    /// Input window length in steps (48 × 5 min = 4 h): a step count fixed at training, as
    /// the network's recurrence learned it; a workload at another interval feeds the same
    /// number of its own samples (the online state resets its two staggered states by it).
    public var windowSteps: Int
    /// Forecast horizon in steps (12 × 5 min = 1 h).
    public var horizonSteps: Int
    /// Quantile levels, strictly increasing in (0, 1); the head keeps the predictions in
    /// the same order (`LSTMModel`, "quantile head").
    public var quantiles: [Double]
    /// Resources forecast per step (`Resource.count` = 6 for the feature builder).
    public var outputResources: Int
    /// Sequences per minibatch.
    public var batchSize: Int
    /// Adam step size α.
    public var learningRate: Double
    /// Upper bound on training epochs.
    public var maxEpochs: Int
    /// Early stopping: stop after this many epochs without a new best validation loss.
    public var patience: Int
    /// Global gradient-norm clipping threshold (‖g‖₂ > clipNorm ⇒ g ← g·clipNorm/‖g‖₂);
    /// `.infinity` disables clipping.
    public var clipNorm: Double
    /// Share of each workload's windows (the latest in time) held out for early stopping
    /// when `fit` is not given a validation set, in [0, 1).
    public var validationFraction: Double
    /// Seed of the generator `fit` uses when the caller passes none (initial weights,
    /// shuffling).
    public var seed: UInt64
    /// Minibatches per epoch; `nil` means one full pass over the training windows. A
    /// sampled epoch (a fresh shuffle, its first `batchesPerEpoch·batchSize` windows) keeps
    /// the epoch length fixed however large the fleet.
    public var batchesPerEpoch: Int?
    /// Validation windows scored per epoch, taken evenly spaced from the validation set
    /// (deterministic); `nil` means all.
    public var maxValidationWindows: Int?
    /// Forecast residuals relative to the last observed value: every quantile of resource r
    /// is shifted by the window's last-step input feature r (its scaled, carry-forward
    /// filled value, `LSTMFeatureLayout.valueOffset + r`), so the median head is
    /// q₀ = x_{T−1, r} + y₀ and the network learns the CHANGE from the naive forecast (the
    /// last value held) rather than the level (`LSTMQuantileHead.addLastValues`). The shift
    /// is a constant per window, so the loss's gradient in the parameters keeps its form.
    /// Needs `inputFeatures ≥ outputResources` (feature r must be resource r's value).
    /// Default true; a spec decoded without the field (model files written before it
    /// existed) gets false, the plain head those files were trained with.
    public var residualToLastValue: Bool

    public init(
        inputFeatures: Int = LSTMFeatureLayout.count, hiddenSize: Int, windowSteps: Int = 48,
        horizonSteps: Int = 12, quantiles: [Double] = [0.5, 0.9, 0.99], outputResources: Int = Resource.count,
        batchSize: Int = 64, learningRate: Double = 1e-3, maxEpochs: Int, patience: Int, clipNorm: Double = 1,
        validationFraction: Double = 0.1, seed: UInt64 = 42, batchesPerEpoch: Int? = nil,
        maxValidationWindows: Int? = nil, residualToLastValue: Bool = true
    ) {
        self.inputFeatures = inputFeatures
        self.hiddenSize = hiddenSize
        self.windowSteps = windowSteps
        self.horizonSteps = horizonSteps
        self.quantiles = quantiles
        self.outputResources = outputResources
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.maxEpochs = maxEpochs
        self.patience = patience
        self.clipNorm = clipNorm
        self.validationFraction = validationFraction
        self.seed = seed
        self.batchesPerEpoch = batchesPerEpoch
        self.maxValidationWindows = maxValidationWindows
        self.residualToLastValue = residualToLastValue
    }

    /// Interactive / CI profile: H = 32, up to 15 sampled epochs of 200 batches of 64
    /// (192,000 sequences), patience 3, 2,048 validation windows. On 40 workloads × 60 days
    /// of 5-min data (≈ 690,000 windows) it trains in ≈ 5 s on one core
    /// (`headroom-bench lstm fleet`): the epoch length does not grow with the data.
    public static let quick = LSTMSpec(
        hiddenSize: 32, learningRate: 3e-3, maxEpochs: 15, patience: 3, seed: 42,
        batchesPerEpoch: 200, maxValidationWindows: 2_048, residualToLastValue: true)

    /// Nightly profile: H = 64, up to 60 epochs of 1,000 batches of 64, patience 6,
    /// 16,384 validation windows: ≈ 5 s per epoch on one core, ≈ 5 min when it runs all 60
    /// (`headroom-bench lstm fleet --full`).
    public static let full = LSTMSpec(
        hiddenSize: 64, learningRate: 1e-3, maxEpochs: 60, patience: 6, seed: 42,
        batchesPerEpoch: 1_000, maxValidationWindows: 16_384, residualToLastValue: true)

    /// Outputs of the linear head: horizonSteps × outputResources × quantiles.count.
    public var outputCount: Int { horizonSteps * outputResources * quantiles.count }

    /// `LSTMWorkspace.residualResources`: outputResources with the residual head, 0 without.
    var residualResources: Int { residualToLastValue ? outputResources : 0 }

    /// Checks every field; the error names the field and the valid range.
    public func validate() throws(LSTMError) {
        func check(_ ok: Bool, _ field: String, _ why: String) throws(LSTMError) {
            if !ok { throw .invalidSpec(field: field, reason: why) }
        }
        try check(inputFeatures >= 1, "inputFeatures", "is \(inputFeatures); it must be ≥ 1")
        try check(hiddenSize >= 1, "hiddenSize", "is \(hiddenSize); it must be ≥ 1")
        try check(windowSteps >= 1, "windowSteps", "is \(windowSteps); it must be ≥ 1")
        try check(horizonSteps >= 1, "horizonSteps", "is \(horizonSteps); it must be ≥ 1")
        try check(outputResources >= 1, "outputResources", "is \(outputResources); it must be ≥ 1")
        try check(!quantiles.isEmpty, "quantiles", "is empty; give at least one level, e.g. [0.5]")
        try check(quantiles.allSatisfy { $0 > 0 && $0 < 1 }, "quantiles", "\(quantiles) must lie in (0, 1)")
        try check(zip(quantiles, quantiles.dropFirst()).allSatisfy { $0 < $1 }, "quantiles",
                  "\(quantiles) must be strictly increasing (the head keeps them ordered)")
        try check(batchSize >= 1, "batchSize", "is \(batchSize); it must be ≥ 1")
        try check(learningRate > 0 && learningRate.isFinite, "learningRate", "is \(learningRate); it must be > 0")
        try check(maxEpochs >= 1, "maxEpochs", "is \(maxEpochs); it must be ≥ 1")
        try check(patience >= 1, "patience", "is \(patience); it must be ≥ 1")
        try check(clipNorm > 0, "clipNorm", "is \(clipNorm); it must be > 0 (.infinity disables clipping)")
        try check(validationFraction >= 0 && validationFraction < 1, "validationFraction",
                  "is \(validationFraction); it must be in [0, 1)")
        try check(batchesPerEpoch.map { $0 >= 1 } ?? true, "batchesPerEpoch", "must be ≥ 1 or nil (full pass)")
        try check(maxValidationWindows.map { $0 >= 1 } ?? true, "maxValidationWindows", "must be ≥ 1 or nil (all)")
        try check(!residualToLastValue || inputFeatures >= outputResources, "residualToLastValue",
                  "needs input feature r to be resource r's value, but inputFeatures \(inputFeatures) < outputResources "
                  + "\(outputResources); set it to false or widen the input")
        // Every size a spec read from a file can give: bounded before any product of them
        // is formed (a model file's header is data, and an overflowing product traps).
        // 2¹⁶ features or hidden units, 2²⁰ steps, 2¹⁰ quantiles are orders of magnitude
        // above any model here (64 hidden units, 2,016-step windows, 3 quantiles).
        try check(inputFeatures <= 1 << 16, "inputFeatures", "is \(inputFeatures); it must be ≤ 65536")
        try check(hiddenSize <= 1 << 16, "hiddenSize", "is \(hiddenSize); it must be ≤ 65536")
        try check(outputResources <= 1 << 16, "outputResources", "is \(outputResources); it must be ≤ 65536")
        try check(windowSteps <= 1 << 20, "windowSteps", "is \(windowSteps); it must be ≤ 1048576")
        try check(horizonSteps <= 1 << 20, "horizonSteps", "is \(horizonSteps); it must be ≤ 1048576")
        try check(quantiles.count <= 1 << 10, "quantiles", "has \(quantiles.count) levels; at most 1024")
        // 32-bit BLAS dimensions: the largest operand is the (T·B) × 4H gate buffer.
        let (tb, o1) = windowSteps.multipliedReportingOverflow(by: batchSize)
        let (gates, o2) = tb.multipliedReportingOverflow(by: 4 * hiddenSize)
        try check(!o1 && !o2 && gates < Int(Int32.max), "batchSize",
                  "windowSteps·batchSize·4·hiddenSize exceeds the 32-bit BLAS index range")
    }
}

/// Codable by the synthesized keys (the field names), except that `residualToLastValue`
/// may be missing and then decodes as false: specs stored before the field existed describe
/// models trained with the plain head.
extension LSTMSpec: Codable {
    private enum CodingKeys: String, CodingKey {
        case inputFeatures, hiddenSize, windowSteps, horizonSteps, quantiles, outputResources, batchSize, learningRate
        case maxEpochs, patience, clipNorm, validationFraction, seed, batchesPerEpoch, maxValidationWindows
        case residualToLastValue
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            inputFeatures: try c.decode(Int.self, forKey: .inputFeatures), hiddenSize: try c.decode(Int.self, forKey: .hiddenSize),
            windowSteps: try c.decode(Int.self, forKey: .windowSteps), horizonSteps: try c.decode(Int.self, forKey: .horizonSteps),
            quantiles: try c.decode([Double].self, forKey: .quantiles),
            outputResources: try c.decode(Int.self, forKey: .outputResources), batchSize: try c.decode(Int.self, forKey: .batchSize),
            learningRate: try c.decode(Double.self, forKey: .learningRate), maxEpochs: try c.decode(Int.self, forKey: .maxEpochs),
            patience: try c.decode(Int.self, forKey: .patience), clipNorm: try c.decode(Double.self, forKey: .clipNorm),
            validationFraction: try c.decode(Double.self, forKey: .validationFraction), seed: try c.decode(UInt64.self, forKey: .seed),
            batchesPerEpoch: try c.decodeIfPresent(Int.self, forKey: .batchesPerEpoch),
            maxValidationWindows: try c.decodeIfPresent(Int.self, forKey: .maxValidationWindows),
            residualToLastValue: try c.decodeIfPresent(Bool.self, forKey: .residualToLastValue) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputFeatures, forKey: .inputFeatures)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(windowSteps, forKey: .windowSteps)
        try c.encode(horizonSteps, forKey: .horizonSteps)
        try c.encode(quantiles, forKey: .quantiles)
        try c.encode(outputResources, forKey: .outputResources)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(maxEpochs, forKey: .maxEpochs)
        try c.encode(patience, forKey: .patience)
        try c.encode(clipNorm, forKey: .clipNorm)
        try c.encode(validationFraction, forKey: .validationFraction)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(batchesPerEpoch, forKey: .batchesPerEpoch)
        try c.encodeIfPresent(maxValidationWindows, forKey: .maxValidationWindows)
        try c.encode(residualToLastValue, forKey: .residualToLastValue)
    }
}
