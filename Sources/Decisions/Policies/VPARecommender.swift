import Foundation
import Store

/// The Kubernetes Vertical Pod Autoscaler's recommender for one workload, rebuilt from its
/// source (kubernetes/autoscaler at 55c37cd, `vertical-pod-autoscaler/pkg/recommender/`):
///
/// - **CPU** (`model/aggregate_container_state.go`, `aggregations_config.go`): every usage
///   sample goes into a `DecayingHistogram` (first bucket 0.01 core, +5 % per bucket, up
///   to 1000 cores, half-life 24 h) with the constant weight `minSampleWeight` = 0.1.
/// - **Memory** (`model/container.go`): one peak per 24 h aggregation window goes into a
///   decaying histogram (first bucket 10⁷ bytes, +5 %, up to 10¹² bytes, half-life 24 h,
///   weight 1): a new window adds its first sample as the peak (stamped at the window's
///   end); a higher sample within it replaces the peak (the old one is subtracted).
/// - **OOM kill** (`container.go: RecordOOM`): memory used = max(allocation, window peak),
///   needed = max(used + 100 MiB, used × 1.2), recorded as an OOM peak in the window.
/// - **Recommendation** (`logic/recommender.go`, `logic/estimator.go`, `config/config.go`
///   defaults): target = p90, lower bound = p50, upper bound = p95 of each histogram,
///   each × (1 + 15 % safety margin); the upper bound × (1 + 1/c), the lower bound
///   × (1 + 0.001/c)⁻², with confidence c = min(days between the first and last CPU
///   sample, CPU samples / 1440); floors 25 millicores and 250 MiB.
/// - **Updater**: the allocation changes (to the target, every resource) only when it leaves
///   [lower, upper] in some resource (the and ANCHORS' reading of the updater).
///
/// One deliberate difference: the VPA counts one CPU sample per minute (metrics-server's
/// resolution), so `TotalSamplesCount / 1440` is days of samples; with coarser samples each
/// counts as `intervalSeconds / 60` one-minute samples, so a week of 5-minute samples has a
/// week's confidence, not 1.4 days'.
package struct VPARecommender: Sendable, Equatable {
    /// The recommender's defaults (`config/config.go`).
    package struct Configuration: Sendable, Equatable {
        package var targetPercentile = 0.9
        package var lowerBoundPercentile = 0.5
        package var upperBoundPercentile = 0.95
        package var safetyMarginFraction = 0.15
        package var minimumCPUCores = 0.025
        package var minimumMemoryBytes = 250.0 * 1_048_576
        package var halfLifeSeconds = 86_400.0
        package var memoryAggregationSeconds = 86_400.0
        package var oomBumpUpRatio = 1.2
        package var oomMinBumpUpBytes = 100.0 * 1_048_576
        package init() {}
    }

    /// target, lower and upper bound of one resource.
    package struct Recommendation: Sendable, Equatable {
        package var cpuTarget: Double, cpuLower: Double, cpuUpper: Double
        package var memoryTarget: Double, memoryLower: Double, memoryUpper: Double
    }

    package let configuration: Configuration
    package let intervalSeconds: Double
    package private(set) var cpu: DecayingHistogram
    package private(set) var memoryPeaks: DecayingHistogram
    private var firstSample: Double?
    private var lastSample: Double?
    private var samples = 0
    private var windowEnd: Double?
    private var memoryPeak = 0.0
    private var oomPeak = 0.0

    /// `minSampleWeight` and the histograms' `epsilon` = 0.001 × it.
    static let cpuSampleWeight = 0.1

    package init(configuration: Configuration = Configuration(), intervalSeconds: Double) {
        self.configuration = configuration
        self.intervalSeconds = intervalSeconds
        let epsilon = 0.001 * Self.cpuSampleWeight
        cpu = DecayingHistogram(maxValue: 1000, firstBucketSize: 0.01, ratio: 1.05, epsilon: epsilon,
                                halfLifeSeconds: configuration.halfLifeSeconds)
        memoryPeaks = DecayingHistogram(maxValue: 1e12, firstBucketSize: 1e7, ratio: 1.05, epsilon: epsilon,
                                        halfLifeSeconds: configuration.halfLifeSeconds)
    }

    /// One usage sample at `time` (Unix seconds); a non-finite or negative value of a
    /// resource is skipped.
    package mutating func observe(cpuCores: Double, memoryBytes: Double, at time: Double) {
        if cpuCores.isFinite, cpuCores >= 0, time > (lastSample ?? -.infinity) {
            cpu.add(cpuCores, weight: Self.cpuSampleWeight, at: time)
            firstSample = firstSample ?? time
            lastSample = time
            samples += 1
        }
        if memoryBytes.isFinite, memoryBytes >= 0 { addMemory(memoryBytes, at: time, oom: false) }
    }

    /// An OOM kill at `time` with `allocatedBytes` of memory.
    package mutating func recordOOM(allocatedBytes: Double, at time: Double) {
        guard allocatedBytes.isFinite, allocatedBytes >= 0 else { return }
        let used = max(allocatedBytes, memoryPeak)
        let needed = max(used + configuration.oomMinBumpUpBytes, used * configuration.oomBumpUpRatio)
        addMemory(needed, at: time, oom: true)
    }

    private mutating func addMemory(_ bytes: Double, at time: Double, oom: Bool) {
        let interval = configuration.memoryAggregationSeconds
        let end = windowEnd ?? time
        var addPeak = false
        if time < end {
            let old = max(memoryPeak, oomPeak)
            if old != 0 && bytes > old {
                memoryPeaks.subtract(old, weight: 1, at: end)
                addPeak = true
            }
        } else {
            windowEnd = end + ((time - end) / interval).rounded(.down) * interval + interval
            memoryPeak = 0
            oomPeak = 0
            addPeak = true
        }
        if addPeak, let stamp = windowEnd {
            memoryPeaks.add(bytes, weight: 1, at: stamp)
            if oom { oomPeak = bytes } else { memoryPeak = bytes }
        }
    }

    /// Days of evidence: min(days between the first and last CPU sample, samples as one-minute samples / 1440).
    package var confidence: Double {
        guard let first = firstSample, let last = lastSample else { return 0 }
        return min((last - first) / 86_400, Double(samples) * intervalSeconds / 60 / 1440)
    }

    /// The recommendation now (before capping at the workload's limit).
    package var recommendation: Recommendation {
        let c = configuration
        let margin = 1 + c.safetyMarginFraction
        let conf = confidence
        let upperScale = conf > 0 ? 1 + 1 / conf : .infinity
        let lowerScale = conf > 0 ? pow(1 + 0.001 / conf, -2) : 0
        func bounded(_ h: DecayingHistogram, _ floor: Double) -> (Double, Double, Double) {
            let target = h.percentile(c.targetPercentile) * margin
            let lower = h.percentile(c.lowerBoundPercentile) * margin * lowerScale
            let upperBase = h.percentile(c.upperBoundPercentile) * margin
            let upper = upperBase > 0 ? upperBase * upperScale : 0
            return (max(target, floor), max(lower.isNaN ? 0 : lower, floor), max(upper, floor))
        }
        let (ct, cl, cu) = bounded(cpu, c.minimumCPUCores)
        let (mt, ml, mu) = bounded(memoryPeaks, c.minimumMemoryBytes)
        return Recommendation(cpuTarget: ct, cpuLower: cl, cpuUpper: cu, memoryTarget: mt, memoryLower: ml, memoryUpper: mu)
    }
}
