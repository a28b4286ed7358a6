import Foundation
import Models
import Forecast
import Store

/// Headroom's right-sizing (both ways), from the policy studies on branches
/// `policy-research` and `memory-study` (`bench/policy/README.md`: "Recommendation" and
/// "Swift port spec"), combined with the online score's growth alarm for the CPU.
///
/// With m = `margin` (the knob), per tick t:
/// - **CPU**, with the version's learned `CPURiskTable` (for workloads at its interval):
///   max(the last hour's peak, ref · Q_b(τ)), the newsvendor quantile of the table's bin with
///   τ = 1 / (1 + λ), λ = 0.048 · 2^{10 (0.40 − m)} (each +0.1 of the knob halves the price of
///   a core-hour of slack, as memory's λ; 0.048 at the default knob: the VPA's CPU slack on the
///   tune weeks with the trace's demand observed, `bench/policy/README.md` part 3), then the
///   same throttle bump, 2-h hold and 6-h decrease gap as below (the hold and every decrease
///   gap are halved per −0.1 of the CPU knob below 0.40, `Configuration.cpuHoldScale`: with
///   the gaps at every knob the frontier never came down to vpa's default slack on Azure V1
///   and Alibaba, EVALUATION.md "Below the default knob, shorter decrease gaps"; with the 2-h
///   hold at every knob a throttled tick, frequent at low knobs, still held each 1.5× step for
///   two hours, "Below the default knob, a shorter hold after throttling"). In the study it
///   throttled 0.30–0.78 × as much as the margin rule below at the VPA's CPU slack on its tune
///   weeks, 0.50–0.97 × on the held-out weeks.
///   Without a table and younger than a day (no seasonal term: fewer samples of the coming
///   hour on past days than the hour has steps; a Google 2011 job, a new workload),
///   max(the last hour's peak, the forecast's τ-quantile of the CPU's peak over the horizon),
///   τ = Φ(Φ⁻¹(0.90) + 4 (knob − 0.40)): the online score's planned demand (p90)
///   at the default knob, p99 at 0.66, p50 at 0.08 (`WorkloadScore.peakDemand`, interpolated
///   between the forecast's levels in normal-score space). Above 0.40 the last hour becomes
///   the last 2^{10 (knob − 0.40)} hours (`youngCPURecentScale`: 4 h at 0.6, 16 h at 0.8;
///   without it the knob bought little above the default, and reactive's 6-h peak throttled
///   less at its slack on Google's trained half: EVALUATION.md "Below the default knob, a
///   shorter hold after throttling"). No score yet: (1 + knob − 0.40) × that peak. Then the
///   same throttle bump and hold, and no decrease within 2 h (not 6 h) of the last CPU change.
///   The knob moves the quantile, not a multiplier under the peak: below the default a
///   multiplier allocated under the last hour's peak, throttled, stepped up 1.5× and held, so
///   slack hardly fell while throttling climbed. Chosen on Google
///   2011's day-long jobs (`bench/risk/families.sh`, the trained half only, among 19 variants:
///   `bench/risk/results/young-quantile-20261207/`; EVALUATION.md): read at vpa's default
///   slack (135.7 core-hours) it throttled ≈ 17 core-minutes against vpa's 75.0 (the
///   multiplier rule: > 1,000). With the 23-h fix `frontier` reads 28 % of vpa's throttling
///   there, and the default knob gives 25.7 core-minutes at 121.9 core-hours.
///   Without a table (older versions, other intervals), the margin rule:
///   (1 + m + `cpuMarginOffset`) × max(Q95{cpu[t + k − d·1 day] : k = 1…12, d = 1…7},
///   max cpu[t−11…t]): the 95th percentile of the coming hour on the last 7 days, or the last
///   hour's peak; when throttled now (usage at or above the allocation), ≥ 1.5 × the
///   allocation; no decrease within 2 h of a throttled tick, nor within 6 h of the last CPU
///   change (the study's `hold2h-gap6h`: half the changes of the 2-h hold alone at the same
///   throttling); below the default knob both waits are scaled by `cpuHoldScale`, as with a
///   table. The offset −0.45 (default CPU margin −0.05) was chosen on the bundled week
///   2013-08-09…16 with the trace's demand observed: there this policy's CPU slack met the
///   VPA's. The study's own pick (−0.9055, matched to the VPA's CPU slack on 08-09 with
///   censored observations) matches a VPA starved by censoring, too little CPU for a default
///   a user runs; the frontier's negative knobs reach it.
/// - **Memory**, with the version's learned `MemoryRiskTable` (for workloads at its interval):
///   ref · q*, the Lagrangian rule of the table with λ = 0.00062 · 2^{10 (0.40 − m)} (0.00062 at
///   the default knob: the VPA's memory slack on the tune weeks; each +0.1 of the knob halves
///   λ, i.e. buys more memory); a decrease goes only down to the highest raw target of the
///   last 2 h; an increase is never delayed. Without a table (older versions, other
///   intervals): (1 + m) × ref, ref = max(the coming hour's maximum over the last 14 days, the
///   24-h peak, after an OOM kill max(1.2 × allocation, allocation + 100 MiB) for 24 h).
/// - The seasonal terms are refreshed once an hour (when the hour of `now` changes).
/// - **The forecast** (`WorkloadScore`): when the calibrated risk is above the engine's
///   enter threshold (a growth alarm), a resource without a table gets at least the score's
///   planned demand (the planning quantile's peak over the horizon); a resource with one does
///   not (the table's rule already prices the breach risk, and an alarm on top would spend
///   slack its λ did not choose; the study measured the table rules without it).
/// NaN where the history holds nothing (keep the allocation).
package struct PredictiveSizing: Sendable, Equatable {
    package struct Configuration: Sendable, Equatable {
        /// The knob: the memory margin; the CPU margin is it + `cpuMarginOffset`.
        package var margin = 0.40
        /// The CPU side's own knob (nil: `margin`), so each resource can be set to a slack
        /// of its own, as `frontier` does to meet a baseline's CPU and memory slack at once.
        package var cpuKnob: Double?
        package var cpuMarginOffset = -0.45
        /// λ of the memory table's rule at the default knob (expected OOM samples per tick one GiB is worth).
        package var memoryLambdaAtDefault = 0.00062
        /// λ of the CPU table's newsvendor at the default knob (core-hours of throttling one
        /// core-hour of slack is worth): 0.048, τ = 0.954.
        package var cpuLambdaAtDefault = 0.048
        /// Seconds of raw memory targets a decrease may not go below the highest of.
        package var memoryDecreaseWindowSeconds = 7200.0
        /// No CPU decrease within this long of the last CPU change (at the default knob and
        /// above; `cpuDecreaseGapScale` shortens it below).
        package var cpuDecreaseGapSeconds = 21_600.0
        package var cpuQuantile = 0.95
        package var cpuSeasonalDays = 7
        package var memorySeasonalDays = 14
        package var aheadSeconds = 3600.0
        package var cpuRecentSeconds = 3600.0
        package var memoryRecentSeconds = 86_400.0
        package var throttleBump = 1.5
        package var throttleHoldSeconds = 7200.0
        package var oomBumpUpRatio = 1.2
        package var oomMinBumpUpBytes = 100.0 * 1_048_576
        package var oomPeakSeconds = 86_400.0
        /// Let a growth alarm of the online score raise the target to its planned demand.
        package var useScore = true
        package init(margin: Double = 0.40, cpuKnob: Double? = nil) {
            self.margin = margin
            self.cpuKnob = cpuKnob
        }

        /// The CPU margin: the CPU knob (or `margin`) + `cpuMarginOffset`.
        package var cpuMargin: Double { (cpuKnob ?? margin) + cpuMarginOffset }
        /// The CPU margin of a workload without a table and younger than a day (no seasonal
        /// term) before its first score: the CPU knob (or `margin`) − 0.40, 0 at the default knob.
        package var youngCPUMargin: Double { (cpuKnob ?? margin) - 0.40 }
        /// The quantile of the forecast's CPU peak a young workload gets at the default knob
        /// (the score's planning level).
        package var youngCPUQuantileAtDefault = 0.90
        /// Normal score added to Φ⁻¹(`youngCPUQuantileAtDefault`) per unit of knob above 0.40.
        package var youngCPUScorePerKnob = 4.0
        /// No CPU decrease of a young workload within this long of the last CPU change.
        package var youngCPUDecreaseGapSeconds = 7200.0
        /// The factor on every wait before a CPU decrease (the decrease gaps
        /// `cpuDecreaseGapSeconds`, `youngCPUDecreaseGapSeconds` and the hold after a
        /// throttled tick, `throttleHoldSeconds`) at the CPU knob (or `margin`): 1 at 0.40 and
        /// above, halved per −0.1 below (as λ doubles), so a knob below the default buys less
        /// slack instead of holding each raised allocation for hours.
        package var cpuHoldScale: Double {
            let k = cpuKnob ?? margin
            return k < 0.40 ? pow(2, 10 * (k - 0.40)) : 1
        }
        /// The factor on a young workload's peak window (`cpuRecentSeconds`) at the CPU knob
        /// (or `margin`): 1 at 0.40 and below, doubled per +0.1 above (4 h at 0.6, 16 h at
        /// 0.8), so a knob above the default also buys a longer memory of past peaks, as
        /// reactive's 6-h peak has.
        package var youngCPURecentScale: Double {
            let k = cpuKnob ?? margin
            return k > 0.40 ? pow(2, 10 * (k - 0.40)) : 1
        }
        /// The normal score of the young workload's quantile at the CPU knob (or `margin`).
        package var youngCPUScore: Double {
            StandardNormal.quantile(youngCPUQuantileAtDefault) + youngCPUScorePerKnob * ((cpuKnob ?? margin) - 0.40)
        }

        /// λ at this knob: 0.00062 at 0.40, halved per +0.1.
        package var memoryLambda: Double { memoryLambdaAtDefault * pow(2, 10 * (0.40 - margin)) }
        /// The CPU table's λ at the CPU knob (or `margin`): 0.048 at 0.40, halved per +0.1.
        package var cpuLambda: Double { cpuLambdaAtDefault * pow(2, 10 * (0.40 - (cpuKnob ?? margin))) }
    }

    package let configuration: Configuration
    /// The version's learned memory sizing (nil: the margin rule).
    package let memoryTable: MemoryRiskTable?
    private var memoryFeatures: MemoryFeatures?
    /// The version's learned CPU sizing (nil: the margin rule).
    package let cpuTable: CPURiskTable?
    private var cpuFeatures: CPUFeatures?
    /// Raw memory targets of the last `memoryDecreaseWindowSeconds`, by step (+∞ = none yet).
    private var rawMemory: [Double] = []
    private var seasonal: [Double] = [.nan, .nan]
    private var seasonalHour: Int64?
    private var throttledAt = -Double.infinity
    private var oomPeak = 0.0
    private var oomAt = -Double.infinity

    /// - Parameter intervalSeconds: the workload's sampling interval; a table serves only
    ///   workloads at the interval it was learned at.
    package init(configuration: Configuration = Configuration(), memoryTable: MemoryRiskTable? = nil, cpuTable: CPURiskTable? = nil,
                 intervalSeconds: Double = 300) {
        self.configuration = configuration
        if let cpuTable, Double(cpuTable.intervalSeconds) == intervalSeconds {
            self.cpuTable = cpuTable
            cpuFeatures = CPUFeatures(intervalSeconds: intervalSeconds)
        } else {
            self.cpuTable = nil
        }
        if let memoryTable, Double(memoryTable.intervalSeconds) == intervalSeconds {
            self.memoryTable = memoryTable
            memoryFeatures = MemoryFeatures(intervalSeconds: intervalSeconds)
            rawMemory = .init(repeating: .infinity,
                              count: Swift.max(1, Int((configuration.memoryDecreaseWindowSeconds / intervalSeconds).rounded())))
        } else {
            self.memoryTable = nil
        }
    }

    /// Feeds the memory table's features one observed sample (every tick, warm-up included).
    package mutating func observe(memoryBytes: Double, at time: Double) {
        memoryFeatures?.observe(memoryBytes, at: time)
    }

    /// Feeds the CPU table's features one observed sample (every tick, warm-up included).
    package mutating func observe(cpuCores: Double, at time: Double) {
        cpuFeatures?.observe(cpuCores, at: time)
    }

    /// [CPU cores, memory bytes] to propose at `now`; the history must already hold this tick.
    /// - Parameters:
    ///   - throttled: CPU demand at or above its allocation now.
    ///   - oomKilled: memory above its allocation now.
    ///   - score: the online score (nil: none yet); `enterThreshold` is the engine's.
    ///   - lastCPUChangeAt: when the CPU allocation last changed (the actuator's record; nil: never).
    package mutating func target(history: UsageHistory, now: Double, allocation: [Double], throttled: Bool, oomKilled: Bool,
                                 score: WorkloadScore?, enterThreshold: Double, lastCPUChangeAt: Double? = nil) -> [Double] {
        let c = configuration
        guard let step = history.lastStep else { return [.nan, .nan] }
        let hour = Int64((now / 3600).rounded(.down))
        let ahead = Int((c.aheadSeconds / history.intervalSeconds).rounded())
        if seasonalHour != hour {
            seasonalHour = hour
            // The CPU's needs the whole coming hour of at least one past day: with less, the
            // workload is younger than a day and the young rule serves.
            seasonal = [history.seasonalQuantile(0, c.cpuQuantile, now: step, aheadSteps: ahead, days: c.cpuSeasonalDays,
                                                 minimumCount: ahead),
                        history.seasonalQuantile(1, 1, now: step, aheadSteps: ahead, days: c.memorySeasonalDays)]
        }
        if throttled { throttledAt = now }
        if oomKilled, allocation[1].isFinite {
            oomPeak = max(allocation[1] * c.oomBumpUpRatio, allocation[1] + c.oomMinBumpUpBytes)
            oomAt = now
            memoryFeatures?.recordOOM(allocation: allocation[1], at: now)
        }
        func fmax(_ a: Double, _ b: Double) -> Double { a.isNaN ? b : (b.isNaN ? a : max(a, b)) }
        let recentCPU = history.max(0, steps: Int((c.cpuRecentSeconds / history.intervalSeconds).rounded()), endingAt: step)
        var cpu: Double
        var young = false
        if let table = cpuTable, var features = cpuFeatures {
            let f = features.compute(at: now)
            cpuFeatures = features
            cpu = table.target(f, lambda: c.cpuLambda)
        } else {
            if seasonal[0].isNaN {
                // Younger than a day: no seasonal term, so not the margin rule (its −0.45 offset
                // is set against the 7-day Q95, which is well above the last hour's peak).
                young = true
                let peak = score?.peakDemand(Resource.cpuCores.rawValue, normalScore: c.youngCPUScore) ?? .nan
                let scale = c.youngCPURecentScale
                // At most the history's ring (a knob of 4 would ask for 2^36 hours).
                let window = Swift.min((c.cpuRecentSeconds * scale / history.intervalSeconds).rounded(), Double(history.capacitySteps))
                let floor = scale == 1 ? recentCPU : history.max(0, steps: Int(window), endingAt: step)
                cpu = peak.isNaN ? floor * (1 + c.youngCPUMargin) : fmax(floor, peak)
            } else {
                cpu = fmax(seasonal[0], recentCPU) * (1 + c.cpuMargin)
            }
        }
        let recentMemory = history.max(1, steps: Int((c.memoryRecentSeconds / history.intervalSeconds).rounded()), endingAt: step)
        var memoryBase = fmax(seasonal[1], recentMemory)
        if now - oomAt < c.oomPeakSeconds { memoryBase = fmax(memoryBase, oomPeak) }
        var memory: Double
        if let table = memoryTable, var features = memoryFeatures {
            let f = features.compute(at: now)
            memoryFeatures = features
            var raw = table.target(reference: f.reference, largestRise: f.largestRise, current: f.current, lambda: c.memoryLambda)
            rawMemory[Int(((step % Int64(rawMemory.count)) + Int64(rawMemory.count)) % Int64(rawMemory.count))] =
                raw.isFinite ? raw : (allocation[1].isFinite ? allocation[1] : .infinity)
            if raw.isFinite, allocation[1].isFinite, raw < allocation[1] { raw = min(allocation[1], rawMemory.max() ?? .infinity) }
            memory = raw
        } else {
            memory = memoryBase * (1 + c.margin)
        }
        if c.useScore, let score, score.risk > enterThreshold {
            if cpuTable == nil { cpu = fmax(cpu, score.plannedDemand[Resource.cpuCores.rawValue]) }
            if memoryTable == nil { memory = fmax(memory, score.plannedDemand[Resource.memoryBytes.rawValue]) }
        }
        if throttled, allocation[0].isFinite { cpu = fmax(cpu, c.throttleBump * allocation[0]) }
        if allocation[0].isFinite, !(cpu >= allocation[0]) {
            if now - throttledAt < c.throttleHoldSeconds * c.cpuHoldScale { cpu = allocation[0] }
            let gap = (young ? c.youngCPUDecreaseGapSeconds : c.cpuDecreaseGapSeconds) * c.cpuHoldScale
            if let last = lastCPUChangeAt, now - last < gap { cpu = allocation[0] }
        }
        return [cpu, memory]
    }
}
