/// A forecaster of one series: from the history up to now, the predictive quantiles of
/// the next `horizonSteps` steps (row-major horizon × quantiles).
public protocol QuantileForecaster: Sendable {
    /// Short name for reports (`naive`, `seasonal_naive`, `vpa_p95`, `arima`, …).
    var name: String { get }
    /// - Parameters:
    ///   - history: the series so far, oldest first (NaN = not measured).
    ///   - horizonSteps: steps ahead, ≥ 1.
    ///   - quantiles: levels in (0, 1), increasing.
    /// - Returns: `horizonSteps × quantiles.count` values; NaN when the history is too short.
    func forecast(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double]
}

/// Empirical quantile of the finite values (linear interpolation between order statistics,
/// numpy's default "linear" method); NaN when there are none.
public func empiricalQuantile(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.filter(\.isFinite).sorted()
    return empiricalQuantile(sorted: sorted, q)
}

/// Same, on already sorted finite values.
public func empiricalQuantile(sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}

/// Naive: every step ahead is the last finite value; quantiles from the empirical
/// distribution of h-step changes `y_{t+h} − y_t` over the trailing `windowSteps`
/// (so the interval widens with h as it should).
public struct NaiveForecaster: QuantileForecaster {
    public let name = "naive"
    /// Trailing window for the change distribution (default 2016 = one week of 5-minute steps).
    public var windowSteps: Int
    public init(windowSteps: Int = 2016) { self.windowSteps = windowSteps }

    public func forecast(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double] {
        laggedForecast(history: history, lag: 1, horizonSteps: horizonSteps, quantiles: quantiles, windowSteps: windowSteps)
    }
}

/// Seasonal naive: step h ahead is the value one period earlier (`y_{t+h−m}`, m = one day
/// = 288 five-minute steps); quantiles from the empirical distribution of seasonal changes
/// `y_t − y_{t−m}` over the trailing window.
public struct SeasonalNaiveForecaster: QuantileForecaster {
    public let name = "seasonal_naive"
    public var periodSteps: Int
    public var windowSteps: Int
    public init(periodSteps: Int = 288, windowSteps: Int = 2016) {
        self.periodSteps = periodSteps
        self.windowSteps = windowSteps
    }

    public func forecast(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double] {
        laggedForecast(history: history, lag: periodSteps, horizonSteps: horizonSteps, quantiles: quantiles, windowSteps: windowSteps)
    }
}

/// The Kubernetes VPA recommender's idea: a high percentile of recent usage, held flat.
/// Every step ahead gets the empirical q-quantile of the trailing `windowSteps` values (the
/// VPA uses a decaying histogram over 8 days and targets p90 CPU / peak memory; here the
/// window is plain and each requested quantile is read off it, so the 0.95 level is the
/// "p95" recommendation).
public struct PercentileForecaster: QuantileForecaster {
    public let name = "vpa_p95"
    public var windowSteps: Int
    /// Default 2304 = 8 days of 5-minute steps, the VPA's history length.
    public init(windowSteps: Int = 2304) { self.windowSteps = windowSteps }

    public func forecast(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double] {
        let recent = history.suffix(windowSteps).filter(\.isFinite).sorted()
        guard !recent.isEmpty else { return .init(repeating: .nan, count: horizonSteps * quantiles.count) }
        let row = quantiles.map { empiricalQuantile(sorted: recent, $0) }
        return (0..<horizonSteps).flatMap { _ in row }
    }
}

/// Shared by naive and seasonal naive: point = value `lag` steps before the target
/// (`y_{t+h−lag·⌈h/lag⌉}`), spread = empirical quantiles of the k-lag changes seen in the
/// trailing window, where k = ⌈h/lag⌉.
func laggedForecast(history: ArraySlice<Double>, lag: Int, horizonSteps: Int, quantiles: [Double], windowSteps: Int) -> [Double] {
    var out = [Double](repeating: .nan, count: horizonSteps * quantiles.count)
    let values = Array(history)
    let n = values.count
    guard n > lag else { return out }
    let start = max(0, n - windowSteps)
    for h in 1...horizonSteps {
        let span = lag == 1 ? h : lag * ((h + lag - 1) / lag)     // steps between the origin value and the target
        let source = n - 1 + h - span                              // index of the value carried forward
        guard source >= 0, source < n else { continue }
        let point = lastFinite(values, atOrBefore: source)
        guard point.isFinite else { continue }
        var changes: [Double] = []
        changes.reserveCapacity(max(0, n - start - span))
        var t = max(start + span, span)
        while t < n {
            let a = values[t], b = values[t - span]
            if a.isFinite, b.isFinite { changes.append(a - b) }
            t += 1
        }
        changes.sort()
        for (j, q) in quantiles.enumerated() {
            out[(h - 1) * quantiles.count + j] = changes.isEmpty ? point : point + empiricalQuantile(sorted: changes, q)
        }
    }
    return out
}

func lastFinite(_ values: [Double], atOrBefore index: Int) -> Double {
    var i = index
    while i >= 0 { if values[i].isFinite { return values[i] }; i -= 1 }
    return .nan
}
