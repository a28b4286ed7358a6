import Foundation
import Testing
@testable import Decisions

/// The VPA recommender on cases worked by hand from its source's formulas
/// (kubernetes/autoscaler `pkg/recommender/util/histogram_options.go`: bucket n starts at
/// s·(1.05ⁿ − 1)/0.05 and a value v falls in ⌊ln(v·0.05/s + 1)/ln 1.05⌋).
@Suite("VPA recommender")
struct VPARecommenderTests {
    /// CPU buckets: s = 0.01 core, so start(n) = 0.2·(1.05ⁿ − 1).
    static func cpuStart(_ n: Int) -> Double { 0.2 * (pow(1.05, Double(n)) - 1) }
    /// Memory buckets: s = 10⁷ bytes, so start(n) = 2·10⁸·(1.05ⁿ − 1).
    static func memoryStart(_ n: Int) -> Double { 2e8 * (pow(1.05, Double(n)) - 1) }
    static let day = 86_400.0
    /// Equal within rounding (the histogram computes bucket ends with its own operation order).
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(1, abs(b)) }
    static let gib = 1_073_741_824.0

    @Test("bucket indices and bucket ends match the worked values")
    func buckets() {
        let h = DecayingHistogram(maxValue: 1000, firstBucketSize: 0.01, ratio: 1.05, epsilon: 1e-4, halfLifeSeconds: Self.day)
        // ln(1.0·5 + 1)/ln 1.05 = 36.72 → 36; ln(2·5 + 1)/ln 1.05 = 49.15 → 49; below s → 0.
        #expect(h.bucket(of: 1.0) == 36)
        #expect(h.bucket(of: 2.0) == 49)
        #expect(h.bucket(of: 0.005) == 0)
        #expect(h.bucket(of: 1e9) == h.numBuckets - 1)
        // ⌈ln(1000·0.05/0.01 + 1)/ln 1.05⌉ + 1 = ⌈174.6⌉ + 1 = 176.
        #expect(h.numBuckets == 176)
        #expect(Self.close(h.bucketStart(37), Self.cpuStart(37)))
        #expect(abs(Self.cpuStart(37) - 1.016_28) < 1e-5)
    }

    @Test("percentiles answer with the end of the bucket where the decayed weight is reached")
    func decayedPercentiles() {
        var h = DecayingHistogram(maxValue: 1000, firstBucketSize: 0.01, ratio: 1.05, epsilon: 1e-4, halfLifeSeconds: Self.day)
        #expect(h.percentile(0.9) == 0, "empty → 0")
        let t0 = 100 * Self.day
        h.add(1.0, weight: 0.1, at: t0)
        h.add(2.0, weight: 0.1, at: t0 + Self.day)   // one half-life later: twice the weight
        #expect(abs(h.totalWeight - 0.3) < 1e-12)
        // Weights 0.1 (bucket 36) and 0.2 (bucket 49): up to p = 1/3 the first bucket answers.
        #expect(Self.close(h.percentile(0.3), Self.cpuStart(37)))
        #expect(Self.close(h.percentile(0.5), Self.cpuStart(50)))
        h.subtract(2.0, weight: 0.1, at: t0 + Self.day)
        #expect(Self.close(h.percentile(0.99), Self.cpuStart(37)), "subtracting the newer sample leaves the older one")
    }

    @Test("the reference moves after 100 half-lives without changing any percentile")
    func referenceShift() {
        let hour = 3600.0
        var h = DecayingHistogram(maxValue: 1000, firstBucketSize: 0.01, ratio: 1.05, epsilon: 1e-4, halfLifeSeconds: hour)
        h.add(3.0, weight: 0.1, at: 0)              // reference 0
        h.add(1.0, weight: 0.1, at: 99 * hour)      // weight 0.1·2⁹⁹
        h.add(2.0, weight: 0.1, at: 100 * hour)     // weight 0.1·2¹⁰⁰
        let before = (h.percentile(0.3), h.percentile(0.5))
        #expect(Self.close(before.0, Self.cpuStart(37)) && Self.close(before.1, Self.cpuStart(50)))
        // Past 100 half-lives the reference moves to 101 h: every weight × 2⁻¹⁰¹, so the
        // sample at 0 (0.1·2⁻¹⁰¹) drops below epsilon and the others keep their ratio.
        h.add(0.5, weight: 1e-40, at: 101 * hour + 1)
        #expect(h.referenceTime == 101 * hour)
        #expect(abs(h.totalWeight - 0.075) < 1e-12)
        #expect(h.percentile(0.3) == before.0 && h.percentile(0.5) == before.1 && Self.close(h.percentile(1), Self.cpuStart(50)))
    }

    @Test("two days of constant usage: target, bounds and confidence as the formulas give")
    func constantUsage() {
        var vpa = VPARecommender(intervalSeconds: 300)
        let t0 = 200 * Self.day
        for k in 0..<576 { vpa.observe(cpuCores: 1.0, memoryBytes: Self.gib, at: t0 + Double(k) * 300) }
        // Lifespan (575·300 s)/1 day = 1.9965 days; samples 576·5 min / 1440 min = 2.0 → 1.9965.
        let confidence = 575.0 * 300 / Self.day
        #expect(abs(vpa.confidence - confidence) < 1e-12)
        let r = vpa.recommendation
        let cpu = Self.cpuStart(37) * 1.15
        #expect(abs(r.cpuTarget - cpu) < 1e-12)
        #expect(abs(r.cpuUpper - cpu * (1 + 1 / confidence)) < 1e-12)
        #expect(abs(r.cpuLower - cpu * pow(1 + 0.001 / confidence, -2)) < 1e-12)
        // 1 GiB: ln(1.073741824e9·5e-9 + 1)/ln 1.05 = 37.95 → bucket 37, answered by start(38).
        let memory = Self.memoryStart(38) * 1.15
        #expect(abs(r.memoryTarget - memory) < 1e-3)
        #expect(abs(Self.memoryStart(38) - 1.077_096e9) < 1e4)
    }

    @Test("an OOM kill records max(used + 100 MiB, used × 1.2) as the window's peak")
    func oomBump() {
        var vpa = VPARecommender(intervalSeconds: 300)
        let t0 = 300 * Self.day
        vpa.observe(cpuCores: 0.5, memoryBytes: Self.gib, at: t0)
        vpa.recordOOM(allocatedBytes: Self.gib, at: t0 + 300)
        // used = max(1 GiB allocated, 1 GiB peak); needed = max(1 GiB + 100 MiB, 1.2 GiB) = 1.2 GiB
        // → bucket ⌊ln(1.2885e9·5e-9 + 1)/ln 1.05⌋ = ⌊41.14⌋ = 41, answered by start(42); the
        // 1 GiB peak of the same window was replaced, so every percentile is there.
        #expect(abs(vpa.recommendation.memoryTarget - Self.memoryStart(42) * 1.15) < 1e-3)
        #expect(abs(vpa.memoryPeaks.percentile(0.01) - Self.memoryStart(42)) < 1e-3)
    }

    @Test("floors: 25 millicores and 250 MiB for an idle workload")
    func floors() {
        var vpa = VPARecommender(intervalSeconds: 300)
        for k in 0..<10 { vpa.observe(cpuCores: 0.001, memoryBytes: 1e6, at: Double(k) * 300 + 1e7) }
        let r = vpa.recommendation
        #expect(r.cpuTarget == 0.025 && r.cpuLower == 0.025)
        #expect(r.memoryTarget == 250 * 1_048_576)
    }

    @Test("the updater acts only outside [lower, upper], to the target capped at the limit")
    func updaterRule() {
        let r = VPARecommender.Recommendation(cpuTarget: 2, cpuLower: 1.5, cpuUpper: 3, memoryTarget: 4e9, memoryLower: 3e9, memoryUpper: 6e9)
        let limits = [2.5, 5e9, .nan, .nan, .nan, .nan]
        let usage = [1.0, 2e9, .nan, .nan, .nan, .nan]
        let inside = ReplayPolicyState.vpaAssessment(r, workload: "w", now: 0, usage: usage, allocation: [2.2, 5e9, .nan, .nan, .nan, .nan], limits: limits)
        #expect(inside.risk == 0 && inside.downsizeTo == nil)
        let low = ReplayPolicyState.vpaAssessment(r, workload: "w", now: 0, usage: usage, allocation: [1.0, 5e9, .nan, .nan, .nan, .nan], limits: limits)
        #expect(low.risk == 1 && low.downsizeTo == nil)
        #expect(low.plannedDemand.cpuCores == 2 && low.plannedDemand.memoryBytes == 4e9)
        let high = ReplayPolicyState.vpaAssessment(r, workload: "w", now: 0, usage: usage, allocation: [4.0, 5e9, .nan, .nan, .nan, .nan], limits: limits)
        #expect(high.risk == 0 && high.downsizeTo?.cpuCores == 2)
        let capped = ReplayPolicyState.vpaAssessment(r, workload: "w", now: 0, usage: usage, allocation: [1.0, 2e9, .nan, .nan, .nan, .nan],
                                                     limits: [1.8, 3.5e9, .nan, .nan, .nan, .nan])
        #expect(capped.plannedDemand.cpuCores == 1.8 && capped.plannedDemand.memoryBytes == 3.5e9)
    }
}
