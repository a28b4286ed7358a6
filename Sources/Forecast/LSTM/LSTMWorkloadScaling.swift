/// How one workload's resources are scaled into the LSTM's units: value / scale, per
/// resource. One global model sees every workload on the same footing ("fraction of its
/// limit"). Kept with the workload (Codable) so the scorer scales new samples and unscales
/// forecasts exactly as the trainer did.
public struct LSTMWorkloadScaling: Codable, Sendable, Equatable {
    /// Where a resource's scale came from.
    public enum Source: String, Codable, Sendable {
        /// The workload's limit for the resource (finite and > 0).
        case limit
        /// No usable limit: the `robustQuantile` of the workload's measured |values|.
        case historyQuantile
        /// No limit and no non-zero measurement: scale 1 (values pass through).
        case unit
    }

    /// Level of the history quantile used when a resource has no limit: 0.99, high enough
    /// that ordinary peaks map near 1, low enough that a single spike (1% of samples) does
    /// not squash the rest.
    public static let robustQuantile = 0.99

    /// Divisor per resource, `Resource.count` values, each finite and > 0.
    public let scales: [Double]
    /// Origin of each scale.
    public let sources: [Source]

    public init(scales: [Double], sources: [Source]) {
        precondition(scales.count == Resource.count && sources.count == Resource.count,
                     "LSTMWorkloadScaling needs \(Resource.count) scales and sources")
        precondition(scales.allSatisfy { $0.isFinite && $0 > 0 }, "LSTMWorkloadScaling: scales \(scales) must be finite and > 0")
        self.scales = scales
        self.sources = sources
    }

    /// Scales from the limits, falling back to the history quantile (then to 1).
    ///
    /// - Parameters:
    ///   - values: row-major n × `Resource.count` usage, NaN = not measured.
    ///   - limits: `Resource.count` limits, NaN (or ≤ 0, ±∞) = no limit.
    /// - Precondition: `values.count` is a multiple of `Resource.count`, `limits.count == Resource.count`.
    public init(values: [Double], limits: [Double]) {
        let r = Resource.count
        precondition(values.count % r == 0 && limits.count == r, "LSTMWorkloadScaling: values must be n × \(r), limits \(r)")
        var scales = [Double](repeating: 1, count: r)
        var sources = [Source](repeating: .unit, count: r)
        for k in 0..<r {
            if limits[k].isFinite, limits[k] > 0 {
                scales[k] = limits[k]
                sources[k] = .limit
                continue
            }
            var measured: [Double] = []
            for i in stride(from: k, to: values.count, by: r) where values[i].isFinite {
                measured.append(Swift.abs(values[i]))
            }
            let q = Self.quantile(of: &measured, level: Self.robustQuantile)
            let fallback = measured.last ?? 0  // the maximum, after the sort in `quantile`
            if q > 0 {
                scales[k] = q
                sources[k] = .historyQuantile
            } else if fallback > 0 {
                scales[k] = fallback
                sources[k] = .historyQuantile
            }
        }
        self.init(scales: scales, sources: sources)
    }

    /// value / scale for `resource` (NaN stays NaN).
    @inlinable public func scaled(_ value: Double, resource: Int) -> Double { value / scales[resource] }

    /// scaled · scale for `resource`: back to SI units.
    @inlinable public func unscaled(_ value: Double, resource: Int) -> Double { value * scales[resource] }

    /// Linear-interpolation quantile (Hyndman & Fan type 7, numpy's default) of `values`,
    /// which it sorts in place; 0 when empty.
    static func quantile(of values: inout [Double], level: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        values.sort()
        let position = level * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, values.count - 1)
        let weight = position - Double(lower)
        return values[lower] + weight * (values[upper] - values[lower])
    }
}
