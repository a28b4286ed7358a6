/// Quantile forecasts of one workload: for each horizon step and resource, one value per
/// quantile level, in scaled units (fraction of the limit), increasing with the level.
///
/// Values are not clamped: a low quantile of an idle resource can come out slightly below
/// zero (usage cannot); consumers that need a physical value clamp at 0.
public struct LSTMQuantileForecast: Sendable, Equatable {
    public let horizonSteps: Int
    public let resources: Int
    public let quantiles: [Double]
    /// [horizonSteps × resources × quantiles.count] row-major, scaled units.
    public let values: [Float]

    init(spec: LSTMSpec, values: [Float]) {
        precondition(values.count == spec.outputCount, "LSTMQuantileForecast: \(values.count) values for \(spec.outputCount) outputs")
        self.horizonSteps = spec.horizonSteps
        self.resources = spec.outputResources
        self.quantiles = spec.quantiles
        self.values = values
    }

    /// Scaled quantile `level` (index into `quantiles`) of `resource` at horizon `step`
    /// (0 = the next sample).
    public subscript(step step: Int, resource resource: Int, level level: Int) -> Float {
        values[(step * resources + resource) * quantiles.count + level]
    }

    /// The same forecast in SI units: [horizonSteps × resources × quantiles] Doubles,
    /// each value times the resource's scale.
    public func unscaled(by scaling: LSTMWorkloadScaling) -> [Double] {
        precondition(resources <= scaling.scales.count, "unscaled: \(resources) resources but \(scaling.scales.count) scales")
        return values.indices.map { i in Double(values[i]) * scaling.scales[(i / quantiles.count) % resources] }
    }
}
