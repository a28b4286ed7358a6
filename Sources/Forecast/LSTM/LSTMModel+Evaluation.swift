/// Accuracy of quantile forecasts on a set of windows (scaled units). A backtest calls it
/// once on windows of workloads seen in training and once on held-out workloads
/// (`LSTMDataset.split(heldOutWorkloads:)`) to report cold-start accuracy separately.
public struct LSTMEvaluation: Sendable, Equatable, Codable {
    /// Windows scored.
    public let windows: Int
    /// Measured (non-NaN) targets scored, N.
    public let measuredTargets: Int
    /// Mean pinball loss over measured targets and levels (the training objective); 0 when N = 0.
    public let meanPinballLoss: Double
    /// Mean pinball loss per quantile level.
    public let pinballLossByQuantile: [Double]
    /// Share of measured targets at or below each predicted quantile (ideal: the level).
    public let coverageByQuantile: [Double]
    /// Mean |target − median prediction| per resource (the level closest to 0.5), NaN for a
    /// resource never measured.
    public let medianAbsoluteErrorByResource: [Double]
}

extension LSTMModel {
    /// Scores the model on `dataset`'s windows (or `maxWindows` of them, evenly spaced).
    /// An empty dataset gives zero windows and NaN/0 metrics.
    /// - Precondition: the dataset's shapes match the spec.
    public func evaluate(_ dataset: LSTMDataset, maxWindows: Int? = nil) -> LSTMEvaluation {
        precondition(dataset.featureWidth == spec.inputFeatures && dataset.targetWidth == spec.outputResources
                     && dataset.horizonSteps == spec.horizonSteps,
                     "evaluate: dataset windows are \(dataset.featureWidth) features → \(dataset.horizonSteps)×\(dataset.targetWidth), the model \(spec.inputFeatures) → \(spec.horizonSteps)×\(spec.outputResources)")
        let indices = LSTMModel.evenlySpaced(dataset.count, maxWindows)
        let q = spec.quantiles.count, r = spec.outputResources, o = layout.outputCount
        let levels = spec.quantiles.map { Float($0) }
        let median = spec.quantiles.indices.min { abs(spec.quantiles[$0] - 0.5) < abs(spec.quantiles[$1] - 0.5) }!
        var lossByLevel = [Double](repeating: 0, count: q), covered = [Int](repeating: 0, count: q)
        var absoluteError = [Double](repeating: 0, count: r), measuredByResource = [Int](repeating: 0, count: r)
        var measured = 0
        let batch = Swift.min(Swift.max(indices.count, 1), 256)
        let workspace = LSTMWorkspace<Float>(layout: layout, targetWidth: o / q, maxBatch: batch, maxSteps: dataset.windowSteps,
                                             residualResources: spec.residualResources)
        parameters.withUnsafeBufferPointer { p in
            var first = 0
            while first < indices.count {
                let b = Swift.min(batch, indices.count - first)
                workspace.prepare(batch: b, steps: dataset.windowSteps)
                dataset.gather(indices[first..<(first + b)], into: workspace)
                workspace.forward(parameters: p.baseAddress!, quantileCount: q)
                for n in 0..<(b * o / q) {
                    let y = workspace.targets[n]
                    guard !y.isNaN else { continue }
                    measured += 1
                    for k in 0..<q {
                        let u = y - workspace.outputs[n * q + k], tau = levels[k]
                        lossByLevel[k] += Double(u > 0 ? tau * u : (tau - 1) * u)
                        if u <= 0 { covered[k] += 1 }
                    }
                    absoluteError[n % r] += Double(abs(y - workspace.outputs[n * q + median]))
                    measuredByResource[n % r] += 1
                }
                first += b
            }
        }
        let denominator = Double(Swift.max(measured, 1))
        return LSTMEvaluation(
            windows: indices.count, measuredTargets: measured,
            meanPinballLoss: measured == 0 ? 0 : lossByLevel.reduce(0, +) / (denominator * Double(q)),
            pinballLossByQuantile: lossByLevel.map { $0 / denominator },
            coverageByQuantile: covered.map { measured == 0 ? .nan : Double($0) / denominator },
            medianAbsoluteErrorByResource: (0..<r).map {
                measuredByResource[$0] == 0 ? .nan : absoluteError[$0] / Double(measuredByResource[$0])
            })
    }

    /// `limit` indices evenly spaced over 0..<count (all when limit is nil or ≥ count).
    static func evenlySpaced(_ count: Int, _ limit: Int?) -> [Int] {
        guard let limit, limit < count else { return Array(0..<count) }
        return (0..<limit).map { $0 * count / limit }
    }
}
