/// Samples placed on a regular time grid — the form every model consumes.
///
/// `startTimestamp` is the Unix second of step 0; step k is at `startTimestamp + k ·
/// intervalSeconds`. `values` is row-major `steps × Resource.count` (SI units, NaN where
/// nothing was measured: gaps stay gaps).
public struct RegularSeries: Sendable, Equatable {
    public var startTimestamp: Int64
    public var intervalSeconds: Int64
    public var values: [Double]

    public init(startTimestamp: Int64, intervalSeconds: Int64, values: [Double]) {
        precondition(intervalSeconds > 0, "intervalSeconds must be > 0")
        precondition(values.count % Resource.count == 0, "values must be steps × \(Resource.count)")
        self.startTimestamp = startTimestamp
        self.intervalSeconds = intervalSeconds
        self.values = values
    }

    /// Number of grid steps.
    public var steps: Int { values.count / Resource.count }

    /// Unix seconds of step `k`.
    public func timestamp(ofStep k: Int) -> Int64 { startTimestamp + Int64(k) * intervalSeconds }

    /// The step at or before `timestamp` (may be negative or ≥ steps).
    public func step(atOrBefore timestamp: Int64) -> Int {
        let offset = timestamp - startTimestamp
        return Int(offset >= 0 ? offset / intervalSeconds : (offset - intervalSeconds + 1) / intervalSeconds)
    }

    /// One resource as a contiguous column.
    public func column(_ resource: Resource) -> [Double] {
        (0..<steps).map { values[$0 * Resource.count + resource.rawValue] }
    }

    /// The phase of step `k` within a period of `periodSteps` steps, aligned to the Unix
    /// epoch (for 5-minute data and a 288-step period: the 5-minute slot of the UTC day).
    public func phase(ofStep k: Int, periodSteps: Int) -> Int {
        let absolute = timestamp(ofStep: k) / intervalSeconds
        let r = Int(absolute % Int64(periodSteps))
        return r < 0 ? r + periodSteps : r
    }

    /// Steps `range` as a new series.
    public func slice(_ range: Range<Int>) -> RegularSeries {
        let lower = max(0, range.lowerBound), upper = min(steps, range.upperBound)
        guard lower < upper else { return RegularSeries(startTimestamp: timestamp(ofStep: lower), intervalSeconds: intervalSeconds, values: []) }
        return RegularSeries(startTimestamp: timestamp(ofStep: lower), intervalSeconds: intervalSeconds,
                             values: Array(values[(lower * Resource.count)..<(upper * Resource.count)]))
    }

    /// Resamples irregular samples onto the grid of `intervalSeconds` aligned to multiples
    /// of the interval since the Unix epoch: each sample goes to the step whose slot
    /// `[t, t + interval)` contains it; several samples in one slot are averaged per
    /// resource (NaN ignored); empty slots are NaN. Timestamps must be increasing.
    ///
    /// - Parameters:
    ///   - timestamps: Unix seconds, increasing, `n` values.
    ///   - values: row-major `n × Resource.count`.
    ///   - from, to: optional bounds (Unix seconds, `to` exclusive) of the grid.
    /// - Returns: nil when no sample falls in the bounds.
    public static func resample(timestamps: [Int64], values: [Double], intervalSeconds: Int64,
                                from: Int64? = nil, to: Int64? = nil) -> RegularSeries? {
        precondition(values.count == timestamps.count * Resource.count, "values must be timestamps.count × \(Resource.count)")
        precondition(intervalSeconds > 0, "intervalSeconds must be > 0")
        func floorSlot(_ t: Int64) -> Int64 { t >= 0 ? t / intervalSeconds * intervalSeconds : ((t - intervalSeconds + 1) / intervalSeconds) * intervalSeconds }
        let lowerBound = from ?? Int64.min, upperBound = to ?? Int64.max
        guard let first = timestamps.first(where: { $0 >= lowerBound && $0 < upperBound }),
              let last = timestamps.last(where: { $0 >= lowerBound && $0 < upperBound }) else { return nil }
        let start = from.map { max(floorSlot($0), floorSlot(first)) } ?? floorSlot(first)
        let steps = Int((floorSlot(last) - start) / intervalSeconds) + 1
        var sums = [Double](repeating: 0, count: steps * Resource.count)
        var counts = [Int32](repeating: 0, count: steps * Resource.count)
        for (i, t) in timestamps.enumerated() where t >= lowerBound && t < upperBound {
            let k = Int((floorSlot(t) - start) / intervalSeconds)
            guard k >= 0, k < steps else { continue }
            for r in 0..<Resource.count {
                let v = values[i * Resource.count + r]
                if v.isFinite { sums[k * Resource.count + r] += v; counts[k * Resource.count + r] += 1 }
            }
        }
        for j in sums.indices { sums[j] = counts[j] > 0 ? sums[j] / Double(counts[j]) : .nan }
        return RegularSeries(startTimestamp: start, intervalSeconds: intervalSeconds, values: sums)
    }
}
