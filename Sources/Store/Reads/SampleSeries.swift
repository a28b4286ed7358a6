import Forecast

/// Samples of one workload as contiguous numeric arrays — the shape the trainer and the
/// scorer consume, with no per-row object.
///
/// - `timestamps`: Unix seconds, strictly increasing, `count` elements.
/// - `values`: row-major `count × Resource.count` (column = `Resource.rawValue`), SI units;
///   `NaN` where the trace did not measure a resource.
public struct SampleSeries: Sendable, Equatable {
    public var workload: String
    public var timestamps: [Int64]
    public var values: [Double]

    public init(workload: String, timestamps: [Int64] = [], values: [Double] = []) {
        precondition(values.count == timestamps.count * Resource.count,
                     "SampleSeries: values must be timestamps.count × \(Resource.count)")
        self.workload = workload
        self.timestamps = timestamps
        self.values = values
    }

    /// Number of samples (rows).
    public var count: Int { timestamps.count }

    /// The value of `resource` in row `index`.
    public func value(_ index: Int, _ resource: Resource) -> Double {
        values[index * Resource.count + resource.rawValue]
    }

    /// One resource as its own contiguous column (a copy), length `count`.
    public func column(_ resource: Resource) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        for i in 0..<count { out[i] = values[i * Resource.count + resource.rawValue] }
        return out
    }

    /// Row `index` as a vector.
    public func row(_ index: Int) -> ResourceVector {
        ResourceVector(Array(values[(index * Resource.count)..<((index + 1) * Resource.count)]))
    }

    public static func == (lhs: SampleSeries, rhs: SampleSeries) -> Bool {
        lhs.workload == rhs.workload && lhs.timestamps == rhs.timestamps
            && lhs.values.count == rhs.values.count
            && zip(lhs.values, rhs.values).allSatisfy { ($0.isNaN && $1.isNaN) || $0 == $1 }
    }
}
