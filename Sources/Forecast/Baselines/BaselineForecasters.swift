/// A forecaster of one series: from the history up to now, the predictive quantiles of
/// the next `horizonSteps` steps (row-major horizon × quantiles).
///
/// Split in two so that a backtest can reuse the slow part: `points` (cheap, every
/// origin) and `spread` (the empirical distribution, recomputed every
/// `spreadRefreshSteps`). `forecast` = points + spread.
public protocol QuantileForecaster: Sendable {
    /// Short name for reports (`naive`, `seasonal_naive`, `vpa_p95`).
    var name: String { get }
    /// How often (in steps) the spread must be recomputed as history grows.
    var spreadRefreshSteps: Int { get }
    /// Point forecasts of the next `horizonSteps` steps (NaN when the history is too short).
    func points(history: ArraySlice<Double>, horizonSteps: Int) -> [Double]
    /// Offsets added to the points: `horizonSteps × quantiles.count`, row-major.
    func spread(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double]
}

extension QuantileForecaster {
    /// `horizonSteps × quantiles.count` values; NaN when the history is too short.
    public func forecast(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double] {
        let p = points(history: history, horizonSteps: horizonSteps)
        let s = spread(history: history, horizonSteps: horizonSteps, quantiles: quantiles)
        return s.indices.map { p[$0 / quantiles.count] + s[$0] }
    }
}

/// Empirical quantile of the finite values (linear interpolation between order statistics,
/// numpy's default "linear" method); NaN when there are none.
public func empiricalQuantile(_ values: [Double], _ q: Double) -> Double {
    empiricalQuantile(sorted: values.filter(\.isFinite).sorted(), q)
}

/// Same, on already sorted finite values.
public func empiricalQuantile(sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}

/// Naive: every step ahead is the last finite value; the spread is the empirical
/// distribution of h-step changes `y_{t+h} − y_t` over the trailing `windowSteps`, so the
/// interval widens with h as it should.
public struct NaiveForecaster: QuantileForecaster {
    public let name = "naive"
    /// The baseline's trailing window of changes: one week.
    public static let window: Duration = .seconds(7 * 86_400)
    /// How often the baseline's spread is recomputed: daily.
    public static let spreadRefresh: Duration = .seconds(86_400)
    /// Trailing window for the change distribution, in steps.
    public var windowSteps: Int
    public var spreadRefreshSteps: Int

    /// The baseline on a grid of `intervalSeconds`: `window` and `spreadRefresh` in its
    /// steps (2,016 and 288 at 300 s). Uncapped: the backtest holds the whole history
    /// anyway, and a refresh per day of data keeps the cost per step the same at any interval.
    public init(intervalSeconds: Int64 = 300) {
        self.init(windowSteps: Self.window.steps(atIntervalSeconds: intervalSeconds),
                  spreadRefreshSteps: Self.spreadRefresh.steps(atIntervalSeconds: intervalSeconds))
    }

    /// Explicit step counts; the spread is recomputed every step unless told otherwise.
    public init(windowSteps: Int, spreadRefreshSteps: Int = 1) {
        self.windowSteps = windowSteps
        self.spreadRefreshSteps = spreadRefreshSteps
    }

    public func points(history: ArraySlice<Double>, horizonSteps: Int) -> [Double] {
        laggedPoints(history: history, lag: 1, horizonSteps: horizonSteps)
    }

    public func spread(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double] {
        laggedSpread(history: history, lag: 1, horizonSteps: horizonSteps, quantiles: quantiles, windowSteps: windowSteps)
    }
}

/// Seasonal naive: step h ahead is the value one period earlier (`y_{t+h−m}`, m = one day:
/// 288 five-minute steps); the spread is the empirical distribution of seasonal changes
/// `y_t − y_{t−m}` over the trailing window.
public struct SeasonalNaiveForecaster: QuantileForecaster {
    public let name = "seasonal_naive"
    /// The season: one day.
    public static let period: Duration = .seconds(86_400)
    /// The trailing window of seasonal changes: one week.
    public static let window: Duration = .seconds(7 * 86_400)
    /// How often the spread is recomputed: daily.
    public static let spreadRefresh: Duration = .seconds(86_400)
    public var periodSteps: Int
    public var windowSteps: Int
    public var spreadRefreshSteps: Int

    /// The baseline on a grid of `intervalSeconds`: `period`, `window` and `spreadRefresh`
    /// in its steps (288, 2,016 and 288 at 300 s; the period rounded to the nearest step
    /// where the interval does not divide a day). Uncapped, as `NaiveForecaster`'s.
    public init(intervalSeconds: Int64 = 300) {
        self.init(periodSteps: Self.period.steps(atIntervalSeconds: intervalSeconds),
                  windowSteps: Self.window.steps(atIntervalSeconds: intervalSeconds),
                  spreadRefreshSteps: Self.spreadRefresh.steps(atIntervalSeconds: intervalSeconds))
    }

    /// Explicit step counts; the spread is recomputed every step unless told otherwise.
    public init(periodSteps: Int, windowSteps: Int, spreadRefreshSteps: Int = 1) {
        self.periodSteps = periodSteps
        self.windowSteps = windowSteps
        self.spreadRefreshSteps = spreadRefreshSteps
    }

    public func points(history: ArraySlice<Double>, horizonSteps: Int) -> [Double] {
        laggedPoints(history: history, lag: periodSteps, horizonSteps: horizonSteps)
    }

    public func spread(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double] {
        laggedSpread(history: history, lag: periodSteps, horizonSteps: horizonSteps, quantiles: quantiles, windowSteps: windowSteps)
    }
}

/// The Kubernetes VPA recommender's idea: a high percentile of recent usage, held flat.
/// Every step ahead gets the empirical q-quantile of the trailing `windowSteps` values (the
/// VPA uses a decaying histogram over 8 days and targets p90 CPU / peak memory; here the
/// window is plain and each requested quantile is read off it, so the 0.95 level is the
/// "p95" recommendation). Points are 0 and the spread carries the percentiles.
public struct PercentileForecaster: QuantileForecaster {
    public let name = "vpa_p95"
    /// The VPA's history length: 8 days.
    public static let window: Duration = .seconds(8 * 86_400)
    /// The VPA recommender refreshes about every minute (with 5-minute data: every step).
    public static let spreadRefresh: Duration = .seconds(60)
    /// At most 11,520 values (8 days of 1-minute data) per recommendation: each refresh
    /// sorts the window, and at 1-second sampling 8 days would be 691,200 values sorted
    /// every 60 steps.
    public static let windowStepCap = 11_520
    public var windowSteps: Int
    public var spreadRefreshSteps: Int

    /// The baseline on a grid of `intervalSeconds`: `window` (at most `windowStepCap`) and
    /// `spreadRefresh` in its steps (2,304 and 1 at 300 s).
    public init(intervalSeconds: Int64 = 300) {
        self.init(windowSteps: Self.window.steps(atIntervalSeconds: intervalSeconds, cap: Self.windowStepCap),
                  spreadRefreshSteps: Self.spreadRefresh.steps(atIntervalSeconds: intervalSeconds))
    }

    /// Explicit step counts; the recommendation is recomputed every step unless told otherwise.
    public init(windowSteps: Int, spreadRefreshSteps: Int = 1) {
        self.windowSteps = windowSteps
        self.spreadRefreshSteps = spreadRefreshSteps
    }

    public func points(history: ArraySlice<Double>, horizonSteps: Int) -> [Double] {
        .init(repeating: 0, count: horizonSteps)
    }

    public func spread(history: ArraySlice<Double>, horizonSteps: Int, quantiles: [Double]) -> [Double] {
        let recent = history.suffix(windowSteps).filter(\.isFinite).sorted()
        guard !recent.isEmpty else { return .init(repeating: .nan, count: horizonSteps * quantiles.count) }
        let row = quantiles.map { empiricalQuantile(sorted: recent, $0) }
        return (0..<horizonSteps).flatMap { _ in row }
    }
}

/// Steps between the value carried forward and target step h (1-based): h for the naive
/// forecast, the smallest multiple of the period ≥ h for the seasonal one.
func lagSpan(lag: Int, h: Int) -> Int { lag == 1 ? h : lag * ((h + lag - 1) / lag) }

/// Point = the last finite value at or before `n − 1 + h − span`.
func laggedPoints(history: ArraySlice<Double>, lag: Int, horizonSteps: Int) -> [Double] {
    let n = history.count, base = history.startIndex
    return (1...horizonSteps).map { h in
        let source = n - 1 + h - lagSpan(lag: lag, h: h)
        guard source >= 0, n > lag || lag == 1 else { return .nan }
        var i = source
        while i >= 0 { if history[base + i].isFinite { return history[base + i] }; i -= 1 }
        return .nan
    }
}

/// Empirical quantiles of the span-step changes over the trailing window, per step
/// (computed once per distinct span: one for seasonal naive, h for naive). When no change
/// can be measured, the spread is 0 (a point forecast).
func laggedSpread(history: ArraySlice<Double>, lag: Int, horizonSteps: Int, quantiles: [Double], windowSteps: Int) -> [Double] {
    let n = history.count, base = history.startIndex
    let start = max(0, n - windowSteps)
    var out = [Double](repeating: 0, count: horizonSteps * quantiles.count)
    var cache: [Int: [Double]] = [:]
    for h in 1...horizonSteps {
        let span = lagSpan(lag: lag, h: h)
        let row: [Double]
        if let cached = cache[span] {
            row = cached
        } else {
            var changes: [Double] = []
            changes.reserveCapacity(max(0, n - start - span))
            var t = start + span
            while t < n {
                let a = history[base + t], b = history[base + t - span]
                if a.isFinite, b.isFinite { changes.append(a - b) }
                t += 1
            }
            changes.sort()
            row = quantiles.map { changes.isEmpty ? 0 : empiricalQuantile(sorted: changes, $0) }
            cache[span] = row
        }
        for j in quantiles.indices { out[(h - 1) * quantiles.count + j] = row[j] }
    }
    return out
}
