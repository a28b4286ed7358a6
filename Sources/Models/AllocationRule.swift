import Forecast

/// What a workload is given at its POP when nothing predictive has acted yet: the
/// Kubernetes VPA recommender's rule of a high percentile of recent usage plus a safety
/// margin, capped by the workload's own limit. The risk score asks "will demand exceed
/// *this* within the horizon?", so the trainer's calibration labels, the replay's starting
/// allocations and the evaluation's reliability diagram all use this one rule.
///
/// Only CPU and memory are allocated per workload (they are what a cgroup limits); disk
/// and network rates are shared at the POP and left unconstrained (NaN) here.
public struct AllocationRule: Sendable, Equatable, Codable {
    /// Percentile of the trailing window (the VPA targets p90 CPU; p95 covers memory too).
    public var percentile: Double
    /// Safety margin on top (the VPA recommender's default is 15 %; 20 % as for its OOM bump).
    public var margin: Double
    /// Trailing window in steps of `windowStepSeconds` (5 minutes): 288 is one day. Model
    /// files store the rule in this unit (`allocation_rule`); a workload sampled at another
    /// interval reads the same span of time, `windowSteps(atIntervalSeconds:)` of its grid.
    public var windowSteps: Int
    /// Smallest allocation per resource, so an idle workload still gets something:
    /// 0.05 cores and 64 MiB.
    public var floor: [Double]

    public static let constrained: [Resource] = [.cpuCores, .memoryBytes]

    /// The unit of `windowSteps`: the 5-minute grid the rule was stated on.
    public static let windowStepSeconds: Int64 = 300
    /// At most 10,080 rows (a week of 1-minute data) per allocation: each one reads the
    /// window from the store and takes a quantile of it (a sort), and the trainer's walk
    /// does so at every tick; a day of 1-second data would be 86,400 rows each time. A
    /// rule whose own `windowSteps` is larger keeps it (the cap never cuts the stated window
    /// at its own 5-minute grid).
    public static let windowStepCap = 10_080

    /// The trailing window as a span of time (`windowSteps` × 5 minutes).
    public var window: Duration { .seconds(Int64(windowSteps) * Self.windowStepSeconds) }

    /// The window in steps of a workload sampled every `intervalSeconds`: `windowSteps` at
    /// 300 s, 1,440 at 60 s for the default day; at most `max(windowStepCap, windowSteps)`.
    public func windowSteps(atIntervalSeconds intervalSeconds: Int64) -> Int {
        window.steps(atIntervalSeconds: intervalSeconds, cap: max(Self.windowStepCap, windowSteps))
    }

    public init(percentile: Double = 0.95, margin: Double = 0.2, windowSteps: Int = 288,
                floor: [Double] = [0.05, 64 * 1_048_576, .nan, .nan, .nan, .nan]) {
        self.percentile = percentile
        self.margin = margin
        self.windowSteps = windowSteps
        self.floor = floor
    }

    /// The allocation (`Resource.count`, NaN = unconstrained) from the trailing values
    /// `history` (row-major steps × `Resource.count`, NaN = not measured) of a workload
    /// sampled every `intervalSeconds` (the last `windowSteps(atIntervalSeconds:)` rows are
    /// used) and the workload's limits (NaN = none). A resource with no measured value in
    /// the window gets its limit (NaN when it has none).
    public func allocation(history: ArraySlice<Double>, limits: [Double], intervalSeconds: Int64) -> [Double] {
        allocation(history: history, limits: limits, rows: windowSteps(atIntervalSeconds: intervalSeconds))
    }

    /// `allocation(history:limits:intervalSeconds:)` on the rule's own 5-minute grid: the
    /// last `windowSteps` rows.
    public func allocation(history: ArraySlice<Double>, limits: [Double]) -> [Double] {
        allocation(history: history, limits: limits, rows: windowSteps)
    }

    private func allocation(history: ArraySlice<Double>, limits: [Double], rows: Int) -> [Double] {
        precondition(history.count % Resource.count == 0 && limits.count == Resource.count, "allocation: malformed input")
        let steps = history.count / Resource.count
        let first = max(0, steps - rows)
        var out = [Double](repeating: .nan, count: Resource.count)
        for resource in Self.constrained {
            let r = resource.rawValue
            var values: [Double] = []
            values.reserveCapacity(steps - first)
            for k in first..<steps {
                let v = history[history.startIndex + k * Resource.count + r]
                if v.isFinite { values.append(v) }
            }
            let limit = limits[r].isFinite && limits[r] > 0 ? limits[r] : Double.nan
            guard !values.isEmpty else { out[r] = limit; continue }
            var a = empiricalQuantile(values, percentile) * (1 + margin)
            if floor[r].isFinite { a = max(a, floor[r]) }
            if limit.isFinite { a = min(a, limit) }
            out[r] = a
        }
        return out
    }

    /// Whether `demand` (`Resource.count`) exceeds `allocation` in any constrained resource.
    public static func exceeds(_ demand: [Double], _ allocation: [Double]) -> Bool {
        for resource in constrained {
            let r = resource.rawValue
            if demand[r].isFinite, allocation[r].isFinite, demand[r] > allocation[r] { return true }
        }
        return false
    }
}
