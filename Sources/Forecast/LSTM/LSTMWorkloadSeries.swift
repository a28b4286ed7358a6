/// One workload's history in model units: features and targets for every sample, aligned
/// in time. Windows are cut from it by `LSTMDataset`.
///
/// Samples are taken as consecutive steps: the builder does not resample, so callers pass
/// a regular series (5-min for the standard spec); a gap simply joins its two sides.
public struct LSTMWorkloadSeries: Sendable, Equatable {
    public let workload: String
    /// Unix seconds, strictly increasing, n values.
    public let timestamps: [Int64]
    /// n × `LSTMFeatureLayout.count`, row-major.
    public let features: [Float]
    /// n × `Resource.count` scaled values (not clipped), NaN = not measured.
    public let targets: [Float]
    public let scaling: LSTMWorkloadScaling
    /// Features per row (`LSTMFeatureLayout.count` from the builder).
    public let featureWidth: Int
    /// Targets per row (`Resource.count` from the builder).
    public let targetWidth: Int

    public var count: Int { timestamps.count }

    /// Builds features and targets from raw samples.
    ///
    /// - Parameters:
    ///   - timestamps: n Unix seconds, strictly increasing.
    ///   - values: row-major n × `Resource.count` SI values, NaN = not measured.
    ///   - limits: `Resource.count` limits, NaN = no limit (see `LSTMWorkloadScaling`).
    ///   - scaling: reuse a stored scaling instead of deriving one from these values
    ///     (the scorer, or a backtest that must not peek at the future).
    /// - Throws: `LSTMError.shapeMismatch` for wrong lengths, `.timestampsNotIncreasing`.
    ///   An empty series is valid (it yields no windows).
    public init(
        workload: String, timestamps: [Int64], values: [Double], limits: [Double],
        scaling: LSTMWorkloadScaling? = nil
    ) throws(LSTMError) {
        let r = Resource.count, f = LSTMFeatureLayout.count, n = timestamps.count
        guard values.count == n * r else {
            throw .shapeMismatch(workload: workload, reason: "\(n) timestamps need \(n * r) values (n × \(r), row-major), got \(values.count)")
        }
        guard limits.count == r else {
            throw .shapeMismatch(workload: workload, reason: "limits must have \(r) values (NaN = no limit), got \(limits.count)")
        }
        for i in timestamps.indices.dropFirst() where timestamps[i] <= timestamps[i - 1] {
            throw .timestampsNotIncreasing(workload: workload, index: i)
        }
        let scaling = scaling ?? LSTMWorkloadScaling(values: values, limits: limits)
        var encoder = LSTMFeatureEncoder(scaling: scaling)
        var features = [Float](repeating: 0, count: n * f)
        var targets = [Float](repeating: .nan, count: n * r)
        values.withUnsafeBufferPointer { v in
            features.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    encoder.encode(timestampSeconds: timestamps[i], values: v.baseAddress! + i * r, into: out.baseAddress! + i * f)
                }
            }
        }
        for i in 0..<(n * r) where values[i].isFinite {
            targets[i] = Swift.min(Float(scaling.scaled(values[i], resource: i % r)), LSTMFeatureLayout.targetClip)
        }
        self.workload = workload
        self.timestamps = timestamps
        self.features = features
        self.targets = targets
        self.scaling = scaling
        self.featureWidth = f
        self.targetWidth = r
    }

    /// A series from ready-made rows (tests, benchmarks, other feature sets):
    /// `features` n × featureWidth, `targets` n × targetWidth, row-major.
    public init(
        workload: String, timestamps: [Int64], features: [Float], featureWidth: Int, targets: [Float], targetWidth: Int,
        scaling: LSTMWorkloadScaling
    ) {
        precondition(featureWidth >= 1 && targetWidth >= 1, "LSTMWorkloadSeries: widths must be ≥ 1")
        precondition(features.count == timestamps.count * featureWidth && targets.count == timestamps.count * targetWidth,
                     "LSTMWorkloadSeries: \(timestamps.count) rows need \(timestamps.count * featureWidth) features and \(timestamps.count * targetWidth) targets")
        self.workload = workload
        self.timestamps = timestamps
        self.features = features
        self.targets = targets
        self.scaling = scaling
        self.featureWidth = featureWidth
        self.targetWidth = targetWidth
    }
}
