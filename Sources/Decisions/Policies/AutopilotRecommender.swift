import Foundation
import Store

/// Autopilot's moving-window recommenders for one workload (Rzadca et al., "Autopilot:
/// workload autoscaling at Google", EuroSys 2020, §3.2 "Moving window recommenders"), with
/// the settings the paper gives for serving jobs, as the policy study ported them
/// (`bench/policy/policy_study.py`, class `Autopilot`, branch `policy-research`):
///
/// - **CPU**: every 5-minute usage sample goes into a histogram whose sample weights decay
///   exponentially with a **half-life of 12 hours** (the VPA's `DecayingHistogram`: first
///   bucket 0.01 core, +5 % per bucket, weight 1); the recommendation is its
///   **95th percentile** (S_p95; the end of the bucket holding it).
/// - **Memory**: **S_max**, the peak of the usage over the last **48 hours** (the paper's
///   memory recommender for OOM-sensitive jobs is the window's maximum).
/// - **OOM**: after an OOM kill the bumped allocation, max(1.2 × allocation, allocation +
///   100 MiB), counts as a memory peak for the next 48 h (the paper raises the memory limit
///   after OOMs; the size of the bump is the VPA's, the study's choice).
/// - Both × (1 + `margin`), the paper's safety margin (default 10 %).
///
/// What could not be confirmed here from the paper's text (only its abstract and a summary
/// were reachable): the exact half-lives (12 h CPU; the paper gives a longer one for memory,
/// which S_max over a 48-h window stands in for), the OOM bump size, and the paper's
/// smoothing of decreases ("the final limit is the max over a stabilization window"),
/// which here is the shared `ResizeActuator`'s hysteresis and minimum gap instead. The ML
/// recommender that picks among moving-window models is not implemented.
///
/// Empty history: the CPU recommendation is NaN (keep the allocation) until a sample
/// arrives; memory likewise until the window holds a sample.
package struct AutopilotRecommender: Sendable, Equatable {
    package struct Configuration: Sendable, Equatable {
        /// Safety margin over both recommendations (the knob), ≥ −1.
        package var margin = 0.10
        package var cpuPercentile = 0.95
        package var cpuHalfLifeSeconds = 12 * 3600.0
        package var memoryWindowSeconds = 48 * 3600.0
        package var oomBumpUpRatio = 1.2
        package var oomMinBumpUpBytes = 100.0 * 1_048_576
        package init(margin: Double = 0.10) { self.margin = margin }
    }

    package let configuration: Configuration
    package private(set) var cpu: DecayingHistogram
    private var memory: UsageHistory
    private var oomPeak = 0.0
    private var oomAt = -Double.infinity
    private var now = -Double.infinity

    package init(configuration: Configuration = Configuration(), intervalSeconds: Double) {
        self.configuration = configuration
        cpu = DecayingHistogram(maxValue: 1000, firstBucketSize: 0.01, ratio: 1.05, epsilon: 0.001,
                                halfLifeSeconds: configuration.cpuHalfLifeSeconds)
        memory = UsageHistory(intervalSeconds: intervalSeconds,
                              capacitySteps: Int((configuration.memoryWindowSeconds / intervalSeconds).rounded(.up)))
    }

    /// One sample at `time` (Unix seconds); non-finite or negative values are skipped.
    package mutating func observe(cpuCores: Double, memoryBytes: Double, at time: Double) {
        if cpuCores.isFinite, cpuCores >= 0 { cpu.add(cpuCores, weight: 1, at: time) }
        memory.append([.nan, memoryBytes.isFinite && memoryBytes >= 0 ? memoryBytes : .nan], at: time)
        now = max(now, time)
    }

    /// An OOM kill at `time` with `allocatedBytes` of memory.
    package mutating func recordOOM(allocatedBytes: Double, at time: Double) {
        guard allocatedBytes.isFinite, allocatedBytes >= 0 else { return }
        oomPeak = max(allocatedBytes * configuration.oomBumpUpRatio, allocatedBytes + configuration.oomMinBumpUpBytes)
        oomAt = time
        now = max(now, time)
    }

    /// [CPU cores, memory bytes] now, before the actuator's floors and limits (NaN = no evidence).
    package var recommendation: [Double] {
        let k = 1 + configuration.margin
        let cpuValue = cpu.isEmpty ? Double.nan : cpu.percentile(configuration.cpuPercentile) * k
        var peak = Double.nan
        if let last = memory.lastStep {
            peak = memory.max(1, steps: memory.capacitySteps, endingAt: last)
        }
        if now - oomAt < configuration.memoryWindowSeconds { peak = peak.isNaN ? oomPeak : max(peak, oomPeak) }
        return [cpuValue, peak.isFinite && peak > 0 ? peak * k : .nan]
    }
}
