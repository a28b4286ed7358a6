/// Anything that forecasts all resources of a workload from its history: the baselines,
/// ARIMA, the LSTM, and their combination.
public protocol WorkloadForecaster {
    /// Report name (`naive`, `seasonal_naive`, `vpa_p95`, `arima`, `lstm`, `candidate`).
    var name: String { get }
    /// Predictive quantiles of every resource for the `horizonSteps` steps after `origin`
    /// (step `origin` is the last one known): `Resource.count` arrays of
    /// `horizonSteps × quantiles.count` (row-major), NaN where it cannot forecast.
    /// Calls for one workload come with increasing origins, so a stateful forecaster may
    /// advance its online state instead of recomputing.
    mutating func forecast(workload: String, series: RegularSeries, origin: Int, horizonSteps: Int,
                           quantiles: [Double]) -> [[Double]]
}

/// Adapts a per-series `QuantileForecaster` (naive, seasonal naive, VPA percentile) to
/// whole workloads: each resource is forecast from its own column; the spread is reused
/// until the origin has moved `spreadRefreshSteps` past where it was computed.
public struct PerResourceForecaster<Base: QuantileForecaster>: WorkloadForecaster {
    /// The forecaster of the series being forecast (rebuilt for each series' interval when
    /// made with `init(atInterval:)`).
    public private(set) var base: Base
    private let make: (@Sendable (Int64) -> Base)?
    public var name: String { base.name }
    private var cacheKey: String?
    private var cachedOrigin: [Int?] = .init(repeating: nil, count: Resource.count)
    private var cachedSpread: [[Double]] = .init(repeating: [], count: Resource.count)
    private var columns: [[Double]] = []

    /// The same `base` for every series, whatever its interval.
    public init(_ base: Base) {
        self.base = base
        make = nil
    }

    /// A base made for each series from its sampling interval (`make(intervalSeconds)`), so
    /// that windows stated as spans of time cover the same span on every workload's grid;
    /// `base` is the 5-minute one until the first series arrives.
    public init(atInterval make: @escaping @Sendable (Int64) -> Base) {
        base = make(300)
        self.make = make
    }

    public mutating func forecast(workload: String, series: RegularSeries, origin: Int, horizonSteps: Int,
                                  quantiles: [Double]) -> [[Double]] {
        let key = "\(workload)|\(series.startTimestamp)|\(series.steps)|\(horizonSteps)|\(quantiles)"
        if key != cacheKey {
            cacheKey = key
            if let make { base = make(series.intervalSeconds) }
            cachedOrigin = .init(repeating: nil, count: Resource.count)
            columns = Resource.allCases.map(series.column)
        }
        return Resource.allCases.map { resource in
            let r = resource.rawValue
            let history = columns[r][0...origin]
            if let computed = cachedOrigin[r], origin >= computed, origin - computed < base.spreadRefreshSteps {
                // reuse
            } else {
                cachedSpread[r] = base.spread(history: history, horizonSteps: horizonSteps, quantiles: quantiles)
                cachedOrigin[r] = origin
            }
            let points = base.points(history: history, horizonSteps: horizonSteps)
            return cachedSpread[r].indices.map { points[$0 / quantiles.count] + cachedSpread[r][$0] }
        }
    }
}
