import Forecast
import Store

/// Labelled ticks for the learned risk and its evaluation: per tick, the
/// `RiskFeatures`, the event, whether usage is over the allocation now, and the plain
/// baselines on the same tick.
///
/// The event is the one Headroom is judged on (`../shared/eval/score_exports.py`): with the
/// allocation A fixed over a period (the `AllocationRule` over the day before the period
/// starts, as a static replay starting there allocates), tick i is positive when CPU or
/// memory usage exceeds A at some sample j with t_i < t_j ≤ t_i + horizon × interval; a tick
/// with no sample after it within the horizon is not scored.
public struct RiskExamples: Sendable {
    /// The baselines' columns.
    public enum Baseline: Int, CaseIterable, Sendable {
        /// max(cpu/A_c, mem/A_m) now.
        case usageOverAllocation
        /// The share of samples over A among those of the last day, i−d … i (d + 1 samples),
        /// counting samples before the period's start as not over (the scorer's exports hold
        /// allocations from `from` on), + 10⁻⁶ × usage ÷ allocation to break ties, exactly as
        /// score_exports.py.
        case breachRateLastDay
        /// The same over every sample of the window, judged against A (what "simple learned"
        /// is fitted on, the study's `rate1d_full`).
        case breachRateLastDayFull
        /// 1 when the same window yesterday (the next hour, one day earlier) had a sample over A.
        case sameTimeYesterday
    }

    public private(set) var rows = 0
    /// rows × `RiskFeatures.count`, row-major.
    public private(set) var features: [Double] = []
    public private(set) var labels: [Bool] = []
    public private(set) var breachingNow: [Bool] = []
    /// rows × `Baseline.allCases.count`, row-major.
    public private(set) var baselines: [Double] = []
    /// Index into `workloads` per row.
    public private(set) var workloadIndex: [Int32] = []
    public private(set) var timestamps: [Int64] = []
    public private(set) var workloads: [String] = []

    public init() {}

    public func baseline(_ b: Baseline, row: Int) -> Double { baselines[row * Baseline.allCases.count + b.rawValue] }
    public func baselineColumn(_ b: Baseline) -> [Double] { (0..<rows).map { baseline(b, row: $0) } }

    /// The rows whose workload is in `names` (a train/calibration split by whole workloads).
    public func subset(workloads names: Set<String>) -> RiskExamples {
        var out = RiskExamples()
        out.workloads = workloads
        let f = RiskFeatures.count, b = Baseline.allCases.count
        for r in 0..<rows where names.contains(workloads[Int(workloadIndex[r])]) {
            out.rows += 1
            out.features += features[(r * f)..<((r + 1) * f)]
            out.labels.append(labels[r])
            out.breachingNow.append(breachingNow[r])
            out.baselines += baselines[(r * b)..<((r + 1) * b)]
            out.workloadIndex.append(workloadIndex[r])
            out.timestamps.append(timestamps[r])
        }
        return out
    }

    /// A scored period: [start, end) Unix seconds.
    public struct Period: Sendable, Equatable {
        public var start: Int64
        public var end: Int64
        public init(start: Int64, end: Int64) {
            self.start = start
            self.end = end
        }
    }

    /// Weekly periods ending at `until`, going back while a day of history precedes them.
    ///
    /// A trace shorter than a week and a day (Alibaba 2018's machines span 8 days, Google
    /// 2011's jobs one) would give none, and the learned risk would train on nothing. Then
    /// the history before `until` is split into one period: the allocation from the first
    /// min(a day, half of it), the ticks from there to `until`, as a static replay of a short
    /// trace allocates from what precedes it. Less than an hour on either side gives none.
    public static func weeklyPeriods(until: Int64, firstSample: Int64, weeks: Int = .max) -> [Period] {
        var out: [Period] = []
        var end = until
        while out.count < weeks, end - 7 * 86_400 - 86_400 >= firstSample {
            out.append(Period(start: end - 7 * 86_400, end: end))
            end -= 7 * 86_400
        }
        if out.isEmpty, weeks > 0 {
            let span = until - firstSample, history = min(86_400, span / 2)
            if history >= 3_600, span - history >= 3_600 { out.append(Period(start: firstSample + history, end: until)) }
        }
        return out.reversed()
    }

    /// Adds the ticks of one workload in `periods` (ascending, non-overlapping).
    /// - Parameters:
    ///   - samples: the workload's stored samples in time order (at least through the last period's end + horizon).
    ///   - stride: keep every `stride`-th tick of a period (from its first).
    ///   - completeHorizonOnly: drop ticks whose horizon reaches past the period's end (training); the
    ///     evaluation keeps them, as the scorer's exports do.
    public mutating func add(workload: String, samples: SampleSeries, intervalSeconds: Int64, limits: [Double],
                             periods: [Period], horizonSteps: Int, stride: Int = 1, completeHorizonOnly: Bool = false,
                             rule: AllocationRule = AllocationRule()) {
        let n = samples.count
        guard n > 0, !periods.isEmpty, stride >= 1, horizonSteps >= 1 else { return }
        let r = Resource.count
        let cpuIndex = Resource.cpuCores.rawValue, memoryIndex = Resource.memoryBytes.rawValue
        let horizonSeconds = Int64(horizonSteps) * max(1, intervalSeconds)
        let windowSteps = rule.windowSteps(atIntervalSeconds: intervalSeconds)
        let daySteps = max(1, Int(86_400 / max(1, intervalSeconds)))
        let index = Int32(workloads.count)
        workloads.append(workload)
        var state = RiskFeatures(intervalSeconds: intervalSeconds)
        var buffer = [Double](repeating: .nan, count: RiskFeatures.count)
        var next = 0
        for period in periods {
            let i0 = samples.timestamps.firstIndex { $0 >= period.start } ?? n
            guard i0 > 0, i0 < n else { continue }
            // The static allocation: the rule over the day before the period.
            let history = samples.values[(max(0, i0 - windowSteps) * r)..<(i0 * r)]
            let allocation = rule.allocation(history: history, limits: limits, intervalSeconds: intervalSeconds)
            // A resource the rule allocates nothing to (never measured: Azure V1 and NAB traces
            // carry CPU only) constrains nothing, as score_exports.py reads a NaN allocation
            // (usage > NaN is false; fmax skips it) and as `RiskFeatures` flags breaches. A
            // period is skipped only when neither resource is allocated.
            let ac = allocation[cpuIndex], am = allocation[memoryIndex]
            let cpuAllocated = ac.isFinite && ac > 0, memoryAllocated = am.isFinite && am > 0
            guard cpuAllocated || memoryAllocated else { continue }
            func over(_ k: Int) -> Bool {
                let c = samples.values[k * r + cpuIndex], m = samples.values[k * r + memoryIndex]
                return (cpuAllocated && (c.isFinite ? c : 0) > ac) || (memoryAllocated && (m.isFinite ? m : 0) > am)
            }
            state.setAllocation(cpuCores: ac, memoryBytes: am)
            var tick = 0
            var i = next
            while i < n, samples.timestamps[i] < period.end {
                state.push(timestamp: samples.timestamps[i], cpuCores: samples.values[i * r + cpuIndex],
                           memoryBytes: samples.values[i * r + memoryIndex])
                defer { i += 1 }
                guard i >= i0 else { continue }
                defer { tick += 1 }
                guard tick % stride == 0 else { continue }
                let t = samples.timestamps[i]
                if completeHorizonOnly && t + horizonSeconds >= period.end { continue }
                var j = i + 1
                var label = false
                while j < n, samples.timestamps[j] <= t + horizonSeconds {
                    if over(j) { label = true }
                    j += 1
                }
                guard j > i + 1 else { continue }
                buffer.withUnsafeMutableBufferPointer { state.features(into: $0) }
                let c = samples.values[i * r + cpuIndex], m = samples.values[i * r + memoryIndex]
                let util = max(cpuAllocated ? (c.isFinite ? c : 0) / ac : -.infinity,
                               memoryAllocated ? (m.isFinite ? m : 0) / am : -.infinity)
                let k0 = max(0, i - daySteps)
                var overExport = 0, overFull = 0
                for k in k0...i where over(k) {
                    overFull += 1
                    if k >= i0 { overExport += 1 }
                }
                let span = Double(i + 1 - k0)
                rows += 1
                features += buffer
                labels.append(label)
                breachingNow.append(over(i))
                baselines += [util, Double(overExport) / span + 1e-6 * util, Double(overFull) / span + 1e-6 * util,
                              buffer[6].isNaN ? 0 : buffer[6]]
                workloadIndex.append(index)
                timestamps.append(t)
            }
            next = i
        }
    }
}
