import Foundation

/// The 16 input features of one step, in order:
///
/// | index   | feature                                                                 |
/// |---------|-------------------------------------------------------------------------|
/// | 0 ..< 6 | each resource (`Resource` order) / its scale (`LSTMWorkloadScaling`), clipped to ±`inputClip`; a NaN (not measured) repeats the last measured scaled value (0 before the first) |
/// | 6 ..< 12| measured flag per resource: 1 when this step's value was measured, 0 when carried forward |
/// | 12, 13  | time of day: sin(2π·s/86400), cos(2π·s/86400), s = seconds since UTC midnight |
/// | 14, 15  | day of week: sin(2π·d/7), cos(2π·d/7), d = days since Monday 00:00 UTC (fractional) |
///
/// Carry-forward plus a flag (rather than zero-fill) keeps a missing sample from looking
/// like a drop to zero usage, and still tells the network that it is looking at stale data.
/// Resources a trace never measures are 0 with flag 0 throughout.
public enum LSTMFeatureLayout {
    /// Features per step: 16.
    public static let count = 16
    public static let valueOffset = 0
    public static let measuredOffset = Resource.count
    public static let timeOfDaySin = 2 * Resource.count
    public static let timeOfDayCos = timeOfDaySin + 1
    public static let dayOfWeekSin = timeOfDaySin + 2
    public static let dayOfWeekCos = timeOfDaySin + 3
    /// Scaled inputs are clipped to [−10, 10]: ten times the limit is already an anomaly, and
    /// an unbounded input (a resource scaled by a tiny history quantile) would saturate
    /// every gate.
    public static let inputClip: Float = 10
    /// Training targets are capped at 10 scaled units too. The pinball gradient is bounded
    /// anyway, but the validation *loss* is not: on real traces a few disk/network spikes of
    /// hundreds of times their history's 99th percentile made it flat (≈ 8 from the first
    /// epoch to the last) and early stopping blind. Forecasts are judged on raw values.
    public static let targetClip: Float = 10

    static let secondsPerDay: Int64 = 86_400
    /// 1970-01-01 was a Thursday: day 0 of the Unix epoch is day 3 counted from Monday.
    static let epochDayOfWeek: Int64 = 3

    /// The four calendar features of a Unix timestamp (UTC), in layout order.
    public static func calendarFeatures(timestampSeconds t: Int64) -> (timeOfDaySin: Float, timeOfDayCos: Float, dayOfWeekSin: Float, dayOfWeekCos: Float) {
        // Floor division so timestamps before 1970 still land in [0, 86400); written with
        // remainders so that no Int64 (Int64.min included) overflows.
        let remainder = t % secondsPerDay
        let secondOfDay = remainder < 0 ? remainder + secondsPerDay : remainder
        let day = t / secondsPerDay - (remainder < 0 ? 1 : 0)
        let dayFraction = Double(secondOfDay) / Double(secondsPerDay)
        let weekday = ((day + epochDayOfWeek) % 7 + 7) % 7
        let weekFraction = (Double(weekday) + dayFraction) / 7
        let a = 2 * Double.pi * dayFraction, w = 2 * Double.pi * weekFraction
        return (Float(sin(a)), Float(cos(a)), Float(sin(w)), Float(cos(w)))
    }
}

/// Turns raw samples of one workload into feature rows, one sample at a time, remembering
/// the last measured value of each resource. The batch builder (`LSTMWorkloadSeries`) and
/// the online scorer (`LSTMOnlineState.step(timestampSeconds:values:)`) both use it, so
/// training and scoring see identical features.
public struct LSTMFeatureEncoder: Sendable, Equatable, Codable {
    public let scaling: LSTMWorkloadScaling
    /// Last measured scaled (clipped) value per resource; 0 before the first measurement.
    public private(set) var lastScaled: [Float]

    public init(scaling: LSTMWorkloadScaling) {
        self.scaling = scaling
        self.lastScaled = [Float](repeating: 0, count: Resource.count)
    }

    /// Writes the `LSTMFeatureLayout.count` features of a sample into `row`.
    /// - Parameter values: `Resource.count` SI values starting at `values`, NaN = not measured.
    public mutating func encode(timestampSeconds: Int64, values: UnsafePointer<Double>, into row: UnsafeMutablePointer<Float>) {
        let clip = LSTMFeatureLayout.inputClip
        for r in 0..<Resource.count {
            let v = values[r]
            if v.isFinite {
                let s = Float(scaling.scaled(v, resource: r))
                lastScaled[r] = s > clip ? clip : (s < -clip ? -clip : s)
                row[LSTMFeatureLayout.measuredOffset + r] = 1
            } else {
                row[LSTMFeatureLayout.measuredOffset + r] = 0
            }
            row[LSTMFeatureLayout.valueOffset + r] = lastScaled[r]
        }
        let c = LSTMFeatureLayout.calendarFeatures(timestampSeconds: timestampSeconds)
        row[LSTMFeatureLayout.timeOfDaySin] = c.timeOfDaySin
        row[LSTMFeatureLayout.timeOfDayCos] = c.timeOfDayCos
        row[LSTMFeatureLayout.dayOfWeekSin] = c.dayOfWeekSin
        row[LSTMFeatureLayout.dayOfWeekCos] = c.dayOfWeekCos
    }

    /// The features of one sample as a new array (`values`: `Resource.count` SI values).
    public mutating func encode(timestampSeconds: Int64, values: [Double]) -> [Float] {
        precondition(values.count == Resource.count, "encode: \(values.count) values, expected \(Resource.count)")
        var row = [Float](repeating: 0, count: LSTMFeatureLayout.count)
        values.withUnsafeBufferPointer { v in
            row.withUnsafeMutableBufferPointer { encode(timestampSeconds: timestampSeconds, values: v.baseAddress!, into: $0.baseAddress!) }
        }
        return row
    }
}
