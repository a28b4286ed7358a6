/// Point and quantile accuracy measures used by every backtest.
///
/// Conventions: `NaN` actuals are skipped (not measured); each function returns `NaN` when
/// nothing was left to score.
public enum ForecastAccuracy {
    /// Pinball (quantile) loss of one prediction: `max(q·(y − ŷ), (q − 1)·(y − ŷ))`
    /// (Koenker & Bassett 1978). For q = 0.5 it is half the absolute error.
    @inlinable
    public static func pinball(quantile q: Double, actual y: Double, predicted yhat: Double) -> Double {
        let e = y - yhat
        return e >= 0 ? q * e : (q - 1) * e
    }

    /// The in-sample scale of MASE (Hyndman & Koehler 2006): the mean absolute difference
    /// `|y_t − y_{t−m}|` of the training series, with m = 1 (naive) or the seasonal period.
    /// `NaN` when fewer than m + 1 finite values, or when the series never changes (MASE is
    /// then undefined: a perfect naive forecast).
    public static func maseScale(training y: [Double], seasonality m: Int = 1) -> Double {
        precondition(m >= 1, "seasonality must be ≥ 1")
        var sum = 0.0, n = 0
        var t = m
        while t < y.count {
            let a = y[t], b = y[t - m]
            if a.isFinite, b.isFinite { sum += abs(a - b); n += 1 }
            t += 1
        }
        guard n > 0, sum > 0 else { return .nan }
        return sum / Double(n)
    }

    /// Fraction of finite actuals at or below the predicted quantile (a calibrated q-quantile
    /// covers a fraction q).
    public static func coverage(actual: [Double], upper: [Double]) -> Double {
        precondition(actual.count == upper.count, "coverage: \(actual.count) actuals vs \(upper.count) predictions")
        var hit = 0, n = 0
        for i in actual.indices where actual[i].isFinite && upper[i].isFinite {
            n += 1
            if actual[i] <= upper[i] { hit += 1 }
        }
        return n == 0 ? .nan : Double(hit) / Double(n)
    }
}

/// Accumulates the errors of many forecasts of one series kind, per horizon step:
/// mean absolute error of the median (for MASE, divided by a per-series scale), pinball
/// loss per quantile and coverage per quantile.
public struct AccuracyAccumulator: Sendable, Equatable, Codable {
    public let quantiles: [Double]
    public let horizonSteps: Int
    /// Σ |y − p50| / scale per step, and counts.
    public private(set) var scaledAbsoluteError: [Double]
    public private(set) var count: [Int]
    /// Σ pinball per step × quantile (row-major horizon × quantiles), in units of the scale.
    public private(set) var pinball: [Double]
    /// Σ 1{y ≤ q̂} per step × quantile.
    public private(set) var covered: [Int]

    public init(quantiles: [Double], horizonSteps: Int) {
        self.quantiles = quantiles
        self.horizonSteps = horizonSteps
        scaledAbsoluteError = .init(repeating: 0, count: horizonSteps)
        count = .init(repeating: 0, count: horizonSteps)
        pinball = .init(repeating: 0, count: horizonSteps * quantiles.count)
        covered = .init(repeating: 0, count: horizonSteps * quantiles.count)
    }

    /// Adds one forecast: `predicted` is horizon × quantiles (row-major), `actual` has
    /// `horizonSteps` values (NaN skipped), `scale` the series' MASE scale (NaN/0 skips it).
    /// The median is the quantile nearest 0.5.
    public mutating func add(actual: [Double], predicted: [Double], scale: Double) {
        precondition(actual.count == horizonSteps && predicted.count == horizonSteps * quantiles.count,
                     "AccuracyAccumulator.add: shapes do not match horizon \(horizonSteps) × \(quantiles.count) quantiles")
        guard scale.isFinite, scale > 0 else { return }
        let median = quantiles.indices.min { abs(quantiles[$0] - 0.5) < abs(quantiles[$1] - 0.5) }!
        for h in 0..<horizonSteps where actual[h].isFinite {
            let row = h * quantiles.count
            guard predicted[row..<(row + quantiles.count)].allSatisfy(\.isFinite) else { continue }
            scaledAbsoluteError[h] += abs(actual[h] - predicted[row + median]) / scale
            count[h] += 1
            for (j, q) in quantiles.enumerated() {
                pinball[row + j] += ForecastAccuracy.pinball(quantile: q, actual: actual[h], predicted: predicted[row + j]) / scale
                if actual[h] <= predicted[row + j] { covered[row + j] += 1 }
            }
        }
    }

    /// Merges another accumulator of the same shape.
    public mutating func merge(_ other: AccuracyAccumulator) {
        precondition(other.quantiles == quantiles && other.horizonSteps == horizonSteps, "merging accumulators of different shapes")
        for i in scaledAbsoluteError.indices { scaledAbsoluteError[i] += other.scaledAbsoluteError[i]; count[i] += other.count[i] }
        for i in pinball.indices { pinball[i] += other.pinball[i]; covered[i] += other.covered[i] }
    }

    /// MASE per horizon step (mean scaled absolute error of the median).
    public var mase: [Double] { (0..<horizonSteps).map { count[$0] > 0 ? scaledAbsoluteError[$0] / Double(count[$0]) : .nan } }

    /// MASE over all steps.
    public var overallMASE: Double {
        let n = count.reduce(0, +)
        return n > 0 ? scaledAbsoluteError.reduce(0, +) / Double(n) : .nan
    }

    /// Mean scaled pinball loss per quantile over all steps.
    public var meanPinball: [Double] {
        let n = count.reduce(0, +)
        return quantiles.indices.map { j in
            n > 0 ? stride(from: j, to: pinball.count, by: quantiles.count).reduce(0.0) { $0 + pinball[$1] } / Double(n) : .nan
        }
    }

    /// Coverage per quantile over all steps (target: the quantile itself).
    public var coverage: [Double] {
        let n = count.reduce(0, +)
        return quantiles.indices.map { j in
            n > 0 ? Double(stride(from: j, to: covered.count, by: quantiles.count).reduce(0) { $0 + covered[$1] }) / Double(n) : .nan
        }
    }

    /// Number of scored (forecast, step) pairs.
    public var scoredPoints: Int { count.reduce(0, +) }
}
