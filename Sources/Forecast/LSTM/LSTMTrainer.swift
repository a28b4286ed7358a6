/// What `LSTMTrainer.fit` returns.
public struct LSTMFitResult: Sendable {
    /// The weights of the epoch with the lowest validation loss.
    public let model: LSTMModel
    /// One report per epoch run (including epochs of an earlier, resumed run).
    public let history: [LSTMEpochReport]
    /// 1-based epoch whose weights `model` holds.
    public let bestEpoch: Int
    /// True when early stopping ended the run before `maxEpochs`.
    public let stoppedEarly: Bool
    /// The final training state (a checkpoint of the finished run).
    public let finalState: LSTMTrainingState
}

/// Minibatch training of the global LSTM: shuffled minibatches, forward + pinball loss +
/// BPTT (`LSTMWorkspace`), global-norm gradient clipping, Adam, validation after each epoch,
/// early stopping with `patience`, best weights kept.
///
/// Reproducible: the only randomness is the generator (initial weights, one Fisher–Yates
/// shuffle per epoch), all reductions run in a fixed order, and OpenBLAS gives the same
/// bits for the same shapes and thread count, so the same spec, data and seed give the same
/// model bit for bit.
public enum LSTMTrainer {
    /// Trains a model.
    ///
    /// - Parameters:
    ///   - dataset: windows to learn from; shapes must match the spec.
    ///   - validation: windows for early stopping; nil splits off the latest
    ///     `spec.validationFraction` of each workload's windows (`LSTMDataset.splitLatest`),
    ///     or, when that leaves none, the last ⌈fraction·N⌉ windows in dataset order.
    ///     With no validation windows at all (fraction 0), early stopping watches the
    ///     training loss.
    ///   - generator: randomness for the initial weights and shuffling; nil means
    ///     `SeededGenerator(seed: spec.seed)`. Ignored when resuming (the state carries it).
    ///   - resumingFrom: a state emitted by `checkpoint` in an earlier run with the same spec
    ///     and data; training continues after its last epoch. A finished state returns at once.
    ///   - clock: measures epoch seconds for the reports only; results never depend on it.
    ///   - progress: called after every epoch.
    ///   - checkpoint: called after every epoch with the full state (write it to disk to
    ///     survive an interruption).
    /// - Throws: `LSTMError.invalidSpec`, `.datasetMismatch`, `.emptyDataset` (no training
    ///   window), `.checkpointMismatch`, `.diverged` (non-finite loss).
    public static func fit<C: Clock>(
        spec: LSTMSpec, dataset training: LSTMDataset, validation: LSTMDataset? = nil, generator: SeededGenerator? = nil,
        resumingFrom: LSTMTrainingState? = nil, clock: C = ContinuousClock(),
        progress: (LSTMEpochReport) -> Void = { _ in }, checkpoint: (LSTMTrainingState) -> Void = { _ in }
    ) throws(LSTMError) -> LSTMFitResult where C.Duration == Duration {
        try spec.validate()
        try checkShapes(spec, training, "training")
        var (train, held): (LSTMDataset, LSTMDataset)
        if let validation {
            try checkShapes(spec, validation, "validation")
            (train, held) = (training, validation)
        } else {
            (train, held) = training.splitLatest(fraction: spec.validationFraction)
            if held.isEmpty && spec.validationFraction > 0 && training.count > 1 {
                // No workload has windows to spare (e.g. independent windows, one per
                // series): hold out the last ⌈fraction·N⌉ windows in dataset order instead.
                let heldCount = Swift.min(training.count - 1, Int((spec.validationFraction * Double(training.count)).rounded(.up)))
                (train, held) = (training.subset(Array(0..<(training.count - heldCount))),
                                 training.subset(Array((training.count - heldCount)..<training.count)))
            }
        }
        guard !train.isEmpty else {
            throw .emptyDataset(reason: "no training window (\(training.count) windows before the validation split); each workload needs "
                + "at least windowSteps + horizonSteps = \(spec.windowSteps + spec.horizonSteps) samples with a measured target")
        }
        let layout = LSTMLayout(spec)
        var state: LSTMTrainingState
        if let resumed = resumingFrom {
            guard resumed.spec == spec else { throw .checkpointMismatch(reason: "it was made with a different spec") }
            guard resumed.parameters.count == layout.parameterCount, resumed.adam.firstMoment.count == layout.parameterCount else {
                throw .checkpointMismatch(reason: "it holds \(resumed.parameters.count) parameters, the spec needs \(layout.parameterCount)")
            }
            guard resumed.trainingWindows == train.count, resumed.validationWindows == held.count else {
                throw .checkpointMismatch(reason: "it was trained on \(resumed.trainingWindows)/\(resumed.validationWindows) training/validation "
                    + "windows, this data has \(train.count)/\(held.count)")
            }
            state = resumed
        } else {
            var g = generator ?? SeededGenerator(seed: spec.seed)
            let initial = layout.initialParameters(quantileCount: spec.quantiles.count, generator: &g)
            state = LSTMTrainingState(
                spec: spec, parameters: initial, adam: LSTMAdamState(parameterCount: layout.parameterCount), generator: g,
                epochsCompleted: 0, bestParameters: initial, bestValidationLoss: .infinity, bestEpoch: 0,
                epochsWithoutImprovement: 0, history: [], trainingWindows: train.count, validationWindows: held.count)
        }

        let workspace = LSTMWorkspace<Float>(layout: layout, targetWidth: spec.horizonSteps * spec.outputResources,
                                             maxBatch: spec.batchSize, maxSteps: spec.windowSteps,
                                             residualResources: spec.residualResources)
        let levels = spec.quantiles.map { Float($0) }
        var gradient = [Float](repeating: 0, count: layout.parameterCount)
        var order = Array(0..<train.count)
        let perEpoch = spec.batchesPerEpoch.map { Swift.min($0 * spec.batchSize, train.count) } ?? train.count

        while !state.isFinished {
            let start = clock.now
            let epoch = state.epochsCompleted + 1
            // A fresh permutation each epoch from the identity, so a resumed run (which
            // restores only the generator) draws the same order.
            for i in order.indices { order[i] = i }
            shuffle(&order, using: &state.generator)
            var lossSum = 0.0, measuredSum = 0, first = 0, batchNumber = 0
            while first < perEpoch {
                let b = Swift.min(spec.batchSize, perEpoch - first)
                workspace.prepare(batch: b, steps: spec.windowSteps)
                train.gather(order[first..<(first + b)], into: workspace)
                let (loss, measured) = state.parameters.withUnsafeBufferPointer { p in
                    gradient.withUnsafeMutableBufferPointer { g in
                        workspace.lossAndGradient(parameters: p.baseAddress!, levels: levels, gradient: g.baseAddress!)
                    }
                }
                guard loss.isFinite else { throw .diverged(epoch: epoch, batch: batchNumber) }
                if measured > 0 {
                    gradient.withUnsafeMutableBufferPointer { g in
                        LSTMGradientClipping.clip(g.baseAddress!, count: g.count, maxNorm: spec.clipNorm)
                        state.parameters.withUnsafeMutableBufferPointer { p in
                            state.adam.update(parameters: p.baseAddress!, gradient: UnsafePointer(g.baseAddress!), count: g.count,
                                              learningRate: spec.learningRate)
                        }
                    }
                }
                lossSum += loss * Double(measured)
                measuredSum += measured
                first += b
                batchNumber += 1
            }
            let trainLoss = measuredSum == 0 ? 0 : lossSum / Double(measuredSum)
            let validationLoss = held.isEmpty ? trainLoss
                : LSTMModel(spec: spec, parameters: state.parameters).evaluate(held, maxWindows: spec.maxValidationWindows).meanPinballLoss
            guard validationLoss.isFinite else { throw .diverged(epoch: epoch, batch: batchNumber) }
            let improved = validationLoss < state.bestValidationLoss
            if improved {
                state.bestValidationLoss = validationLoss
                state.bestParameters = state.parameters
                state.bestEpoch = epoch
                state.epochsWithoutImprovement = 0
            } else {
                state.epochsWithoutImprovement += 1
            }
            state.epochsCompleted = epoch
            let elapsed = start.duration(to: clock.now).components
            let report = LSTMEpochReport(epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss,
                                         seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18, improved: improved)
            state.history.append(report)
            progress(report)
            checkpoint(state)
        }
        return LSTMFitResult(model: state.bestModel, history: state.history, bestEpoch: state.bestEpoch,
                             stoppedEarly: state.epochsCompleted < spec.maxEpochs, finalState: state)
    }

    private static func checkShapes(_ spec: LSTMSpec, _ data: LSTMDataset, _ name: String) throws(LSTMError) {
        guard data.featureWidth == spec.inputFeatures, data.targetWidth == spec.outputResources,
              data.windowSteps == spec.windowSteps, data.horizonSteps == spec.horizonSteps else {
            throw .datasetMismatch(reason: "\(name) windows are \(data.windowSteps) steps × \(data.featureWidth) features → "
                + "\(data.horizonSteps) steps × \(data.targetWidth) resources, the spec wants \(spec.windowSteps) × \(spec.inputFeatures) → "
                + "\(spec.horizonSteps) × \(spec.outputResources); build the dataset with the spec's windowSteps and horizonSteps")
        }
    }

    /// Fisher–Yates shuffle (Knuth, TAOCP vol. 2, Algorithm P) with Lemire's unbiased
    /// bounded draws from `generator` (the standard library's `shuffle(using:)` does not
    /// promise a stable algorithm across releases; this does).
    static func shuffle(_ values: inout [Int], using generator: inout SeededGenerator) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(boundedRandom(UInt64(i + 1), &generator))
            values.swapAt(i, j)
        }
    }

    /// Uniform integer in 0..<bound (Lemire 2019, "Fast random integer generation in an interval").
    private static func boundedRandom(_ bound: UInt64, _ generator: inout SeededGenerator) -> UInt64 {
        var m = generator.next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = generator.next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }
}
