internal import CLSTMKernels

/// Training windows over many workloads.
///
/// Window i is (series s, start row o): inputs = feature rows o ..< o + windowSteps of
/// series s ([windowSteps × featureWidth]), targets = target rows o + windowSteps ..<
/// o + windowSteps + horizonSteps ([horizonSteps × targetWidth], NaN = not measured).
///
/// Storage: each workload's rows are stored ONCE and windows are (series, start) pairs,
/// not materialised [N × window × features] copies (which would repeat every row
/// windowSteps times: ~2 GB for 40 workloads × 2 months at 5 min). `inputs(ofWindow:)`,
/// `targets(ofWindow:)` and `materialized()` give the [N × window × features] /
/// [N × horizon × resources] Float arrays on demand; minibatches are gathered straight into
/// the trainer's time-major buffers.
///
/// Splits keep whole workloads (`split(heldOutWorkloads:)`, for the cold-start backtest)
/// or cut at a time (`split(atTimestampSeconds:)`, for "train on the past, test on later
/// weeks"); `splitLatest(fraction:)` is the per-workload early-stopping split.
public struct LSTMDataset: Sendable {
    public let windowSteps: Int
    public let horizonSteps: Int
    public let featureWidth: Int
    public let targetWidth: Int
    /// The workloads' rows.
    public let series: [LSTMWorkloadSeries]
    /// Series index of each window.
    let windowSeries: [Int32]
    /// First input row of each window within its series.
    let windowStart: [Int32]

    /// Number of windows N.
    public var count: Int { windowSeries.count }
    public var isEmpty: Bool { windowSeries.isEmpty }

    /// Cuts every window whose targets include at least one measured value.
    ///
    /// - Parameters:
    ///   - stride: steps between consecutive window starts (1 = every window).
    /// - Throws: `LSTMError.datasetMismatch` when the series disagree in widths;
    ///   `.invalidSpec` for a non-positive window, horizon or stride. A series shorter than
    ///   windowSteps + horizonSteps contributes no window (not an error: cold-start
    ///   workloads are forecast, not trained on).
    public init(series: [LSTMWorkloadSeries], windowSteps: Int, horizonSteps: Int, stride: Int = 1) throws(LSTMError) {
        guard windowSteps >= 1 else { throw .invalidSpec(field: "windowSteps", reason: "is \(windowSteps); it must be ≥ 1") }
        guard horizonSteps >= 1 else { throw .invalidSpec(field: "horizonSteps", reason: "is \(horizonSteps); it must be ≥ 1") }
        guard stride >= 1 else { throw .invalidSpec(field: "stride", reason: "is \(stride); it must be ≥ 1") }
        let featureWidth = series.first?.featureWidth ?? LSTMFeatureLayout.count
        let targetWidth = series.first?.targetWidth ?? Resource.count
        var windowSeries: [Int32] = [], windowStart: [Int32] = []
        for (s, one) in series.enumerated() {
            guard one.featureWidth == featureWidth, one.targetWidth == targetWidth else {
                throw .datasetMismatch(reason: "workload \(one.workload) has \(one.featureWidth) features × \(one.targetWidth) targets "
                    + "but \(series[0].workload) has \(featureWidth) × \(targetWidth)")
            }
            guard one.count <= Int(Int32.max) else {
                throw .datasetMismatch(reason: "workload \(one.workload) has \(one.count) rows; split it below 2³¹")
            }
            let last = one.count - windowSteps - horizonSteps
            guard last >= 0 else { continue }
            for start in Swift.stride(from: 0, through: last, by: stride) {
                let first = (start + windowSteps) * targetWidth, end = first + horizonSteps * targetWidth
                if one.targets[first..<end].contains(where: { !$0.isNaN }) {
                    windowSeries.append(Int32(s))
                    windowStart.append(Int32(start))
                }
            }
        }
        self.init(windowSteps: windowSteps, horizonSteps: horizonSteps, featureWidth: featureWidth, targetWidth: targetWidth,
                  series: series, windowSeries: windowSeries, windowStart: windowStart)
    }

    /// A dataset of ready-made windows: `inputs` [count × windowSteps × featureWidth] and
    /// `targets` [count × horizonSteps × targetWidth], row-major (tests, benchmarks).
    public init(inputs: [Float], targets: [Float], count: Int, windowSteps: Int, horizonSteps: Int,
                featureWidth: Int, targetWidth: Int) {
        precondition(inputs.count == count * windowSteps * featureWidth && targets.count == count * horizonSteps * targetWidth,
                     "LSTMDataset: inputs must be \(count)×\(windowSteps)×\(featureWidth), targets \(count)×\(horizonSteps)×\(targetWidth)")
        let rows = windowSteps + horizonSteps
        let unit = LSTMWorkloadScaling(scales: [Double](repeating: 1, count: Resource.count),
                                       sources: [LSTMWorkloadScaling.Source](repeating: .unit, count: Resource.count))
        var series: [LSTMWorkloadSeries] = []
        series.reserveCapacity(count)
        for i in 0..<count {
            var f = [Float](repeating: 0, count: rows * featureWidth)
            var t = [Float](repeating: .nan, count: rows * targetWidth)
            let inStart = i * windowSteps * featureWidth, outStart = i * horizonSteps * targetWidth
            f.replaceSubrange(0..<(windowSteps * featureWidth), with: inputs[inStart..<(inStart + windowSteps * featureWidth)])
            t.replaceSubrange((windowSteps * targetWidth)..<(rows * targetWidth),
                              with: targets[outStart..<(outStart + horizonSteps * targetWidth)])
            series.append(LSTMWorkloadSeries(workload: "window-\(i)", timestamps: (0..<rows).map { Int64($0) },
                                             features: f, featureWidth: featureWidth, targets: t, targetWidth: targetWidth,
                                             scaling: unit))
        }
        self.init(windowSteps: windowSteps, horizonSteps: horizonSteps, featureWidth: featureWidth, targetWidth: targetWidth,
                  series: series, windowSeries: (0..<count).map { Int32($0) }, windowStart: [Int32](repeating: 0, count: count))
    }

    init(windowSteps: Int, horizonSteps: Int, featureWidth: Int, targetWidth: Int,
         series: [LSTMWorkloadSeries], windowSeries: [Int32], windowStart: [Int32]) {
        self.windowSteps = windowSteps
        self.horizonSteps = horizonSteps
        self.featureWidth = featureWidth
        self.targetWidth = targetWidth
        self.series = series
        self.windowSeries = windowSeries
        self.windowStart = windowStart
    }

    // MARK: - Windows

    /// The workload of window i.
    public func workload(ofWindow i: Int) -> String { series[Int(windowSeries[i])].workload }

    /// Unix seconds of window i's first target step (the first forecast step).
    public func firstTargetTimestamp(ofWindow i: Int) -> Int64 {
        series[Int(windowSeries[i])].timestamps[Int(windowStart[i]) + windowSteps]
    }

    /// Unix seconds of window i's last target step.
    public func lastTargetTimestamp(ofWindow i: Int) -> Int64 {
        series[Int(windowSeries[i])].timestamps[Int(windowStart[i]) + windowSteps + horizonSteps - 1]
    }

    /// Inputs of window i, [windowSteps × featureWidth].
    public func inputs(ofWindow i: Int) -> [Float] {
        let start = Int(windowStart[i]) * featureWidth
        return Array(series[Int(windowSeries[i])].features[start..<(start + windowSteps * featureWidth)])
    }

    /// Targets of window i, [horizonSteps × targetWidth], NaN = not measured.
    public func targets(ofWindow i: Int) -> [Float] {
        let start = (Int(windowStart[i]) + windowSteps) * targetWidth
        return Array(series[Int(windowSeries[i])].targets[start..<(start + horizonSteps * targetWidth)])
    }

    /// All windows as [N × windowSteps × featureWidth] inputs and [N × horizonSteps ×
    /// targetWidth] targets (memory: N·windowSteps·featureWidth Floats; for small sets).
    public func materialized() -> (inputs: [Float], targets: [Float]) {
        var inputs: [Float] = [], targets: [Float] = []
        inputs.reserveCapacity(count * windowSteps * featureWidth)
        targets.reserveCapacity(count * horizonSteps * targetWidth)
        for i in 0..<count {
            inputs += self.inputs(ofWindow: i)
            targets += self.targets(ofWindow: i)
        }
        return (inputs, targets)
    }

    /// Copies windows `indices` into a prepared workspace (time-major inputs, targets): the
    /// rows of `workspace.inputRow(step:sequence:)` and `targetRow(sequence:)`.
    func gather<Scalar: LSTMScalar>(_ indices: ArraySlice<Int>, into workspace: LSTMWorkspace<Scalar>) {
        precondition(workspace.batch == indices.count && workspace.steps == windowSteps,
                     "gather: workspace prepared for \(workspace.batch)×\(workspace.steps), need \(indices.count)×\(windowSteps)")
        precondition(workspace.layout.inputFeatures == featureWidth && workspace.targetWidth == horizonSteps * targetWidth,
                     "gather: workspace shape does not match the dataset")
        // Every window's input rows are prefetched before any is copied: the windows lie
        // scattered over the series, and missing the cache on one window after another made
        // the gather 1.9% of training (batch 64 × 48 steps, H 64); overlapped, 0.5%.
        let (inputs, rowStride, fused) = (workspace.xh, workspace.batch * workspace.layout.fusedWidth, workspace.layout.fusedWidth)
        let (targets, targetCount) = (workspace.targets, horizonSteps * targetWidth)
        series.withUnsafeBufferPointer { series in
            for i in indices {
                series[Int(windowSeries[i])].features.withUnsafeBufferPointer { f in
                    headroom_prefetch(f.baseAddress! + Int(windowStart[i]) * featureWidth,
                                      windowSteps * featureWidth * MemoryLayout<Float>.stride)
                }
            }
            for (b, i) in indices.enumerated() {
                let one = series[Int(windowSeries[i])], start = Int(windowStart[i])
                one.features.withUnsafeBufferPointer { f in
                    var source = f.baseAddress! + start * featureWidth, row = inputs + b * fused
                    for _ in 0..<windowSteps {
                        for k in 0..<featureWidth { row[k] = Scalar(source[k]) }
                        source += featureWidth
                        row += rowStride
                    }
                }
                one.targets.withUnsafeBufferPointer { y in
                    let row = targets + b * targetCount, source = y.baseAddress! + (start + windowSteps) * targetWidth
                    for k in 0..<targetCount { row[k] = Scalar(source[k]) }
                }
            }
        }
    }

    // MARK: - Splits

    /// The windows `indices` (in that order), same series storage.
    public func subset(_ indices: [Int]) -> LSTMDataset {
        LSTMDataset(windowSteps: windowSteps, horizonSteps: horizonSteps, featureWidth: featureWidth, targetWidth: targetWidth,
                    series: series, windowSeries: indices.map { windowSeries[$0] }, windowStart: indices.map { windowStart[$0] })
    }

    /// Splits by workload: (windows of workloads not in `heldOut`, windows of those in it).
    /// For the cold-start backtest: train without some workloads, score them separately.
    public func split(heldOutWorkloads heldOut: Set<String>) -> (kept: LSTMDataset, heldOut: LSTMDataset) {
        let isHeld = series.map { heldOut.contains($0.workload) }
        let all = Array(0..<count)
        return (subset(all.filter { !isHeld[Int(windowSeries[$0])] }), subset(all.filter { isHeld[Int(windowSeries[$0])] }))
    }

    /// Splits by time without leakage: `before` holds windows whose last target step is
    /// before `cutoff`, `after` those whose first target step is at or after it (their
    /// inputs may reach back before the cutoff, as at forecast time). Windows whose targets
    /// straddle the cutoff are dropped.
    public func split(atTimestampSeconds cutoff: Int64) -> (before: LSTMDataset, after: LSTMDataset) {
        let all = Array(0..<count)
        return (subset(all.filter { lastTargetTimestamp(ofWindow: $0) < cutoff }),
                subset(all.filter { firstTargetTimestamp(ofWindow: $0) >= cutoff }))
    }

    /// Per workload, the latest ⌊fraction·n⌋ of its n windows (by start) become `later`,
    /// the rest `earlier`, minus the earlier windows whose targets reach into the later
    /// part's targets (those within `horizonSteps` starts of the boundary), so no later
    /// target was ever trained on. A workload with too few windows to spare one
    /// (⌊fraction·n⌋ = 0) stays whole in `earlier`; fraction = 0 gives an empty `later`.
    public func splitLatest(fraction: Double) -> (earlier: LSTMDataset, later: LSTMDataset) {
        precondition(fraction >= 0 && fraction < 1, "splitLatest: fraction \(fraction) must be in [0, 1)")
        var bySeries: [Int: [Int]] = [:]
        for i in 0..<count { bySeries[Int(windowSeries[i]), default: []].append(i) }
        var earlier: [Int] = [], later: [Int] = []
        for s in bySeries.keys.sorted() {
            let windows = bySeries[s]!.sorted { windowStart[$0] < windowStart[$1] }
            let laterCount = Int((fraction * Double(windows.count)).rounded(.down))
            guard laterCount > 0 else { earlier += windows; continue }
            let boundary = windows.count - laterCount
            let firstLaterStart = Int(windowStart[windows[boundary]])
            later += windows[boundary...]
            // Keep an earlier window only if its targets end before the later part's start
            // of targets, so validation targets were never trained on.
            earlier += windows[..<boundary].filter { Int(windowStart[$0]) + horizonSteps <= firstLaterStart }
        }
        return (subset(earlier), subset(later))
    }
}
