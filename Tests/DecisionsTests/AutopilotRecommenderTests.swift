import Foundation
import Testing
@testable import Decisions

/// Autopilot's moving-window recommenders on cases worked by hand: CPU p95 of a histogram
/// whose weights halve every 12 h (buckets as the VPA's: start(n) = 0.2·(1.05ⁿ − 1) core),
/// memory the 48-h peak, the OOM bump, × (1 + margin).
@Suite("Autopilot recommender")
struct AutopilotRecommenderTests {
    static let gib = 1_073_741_824.0
    static let hour = 3600.0
    static func cpuStart(_ n: Int) -> Double { 0.2 * (pow(1.05, Double(n)) - 1) }
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    @Test("CPU: p95 of decayed weights, so recent samples count more")
    func cpuDecay() {
        var a = AutopilotRecommender(configuration: .init(margin: 0.1), intervalSeconds: 300)
        #expect(a.recommendation[0].isNaN, "no sample: keep")
        // 20 samples of 0.5 core at t0 (weight 20), then one of 1.0 core 48 h later: four
        // half-lives, weight 2⁴ = 16. Total 36, p95 threshold 34.2: the 0.5 bucket (n = 25)
        // holds 20 < 34.2, the 1.0 bucket (n = 36) reaches 36 → its end, start(37) = 1.01628.
        // (Undecayed: 20 of 21 ≥ 19.95 would answer the 0.5 bucket's end, start(26) = 0.51113.)
        let t0 = 1000 * 43_200.0
        for _ in 0..<20 { a.observe(cpuCores: 0.5, memoryBytes: .nan, at: t0) }
        a.observe(cpuCores: 1.0, memoryBytes: .nan, at: t0 + 48 * Self.hour)
        #expect(Self.close(a.recommendation[0], Self.cpuStart(37) * 1.1))
        #expect(abs(Self.cpuStart(37) - 1.016_28) < 1e-5 && abs(Self.cpuStart(26) - 0.511_13) < 1e-5)
    }

    @Test("memory: the peak of the last 48 h, then the OOM-bumped allocation for 48 h")
    func memoryWindow() {
        var a = AutopilotRecommender(configuration: .init(margin: 0.1), intervalSeconds: 300)
        let t0 = 1_000_000 * 300.0
        a.observe(cpuCores: 1, memoryBytes: 3 * Self.gib, at: t0)
        for k in 1...575 { a.observe(cpuCores: 1, memoryBytes: 2 * Self.gib, at: t0 + Double(k) * 300) }
        // 576 steps = 48 h, the 3 GiB sample is the window's first: peak 3 GiB × 1.1.
        #expect(Self.close(a.recommendation[1], 3.3 * Self.gib))
        a.observe(cpuCores: 1, memoryBytes: 2 * Self.gib, at: t0 + 576 * 300)
        // It has left the window: 2 GiB × 1.1.
        #expect(Self.close(a.recommendation[1], 2.2 * Self.gib))
        // OOM at 2 GiB allocated: max(1.2 × 2 GiB, 2 GiB + 100 MiB) = 2.4 GiB, × 1.1 = 2.64 GiB.
        a.recordOOM(allocatedBytes: 2 * Self.gib, at: t0 + 577 * 300)
        #expect(Self.close(a.recommendation[1], 2.64 * Self.gib))
        // Small allocation: + 100 MiB wins: 0.25 GiB → 0.25 GiB + 100 MiB = 350 MiB (× 1.1), below the 2 GiB peak.
        var b = AutopilotRecommender(configuration: .init(margin: 0), intervalSeconds: 300)
        b.recordOOM(allocatedBytes: 256 * 1_048_576, at: t0)
        #expect(b.recommendation[1] == 356 * 1_048_576)
        // 48 h later the OOM peak has expired.
        b.observe(cpuCores: 1, memoryBytes: 100 * 1_048_576, at: t0 + 48 * Self.hour)
        #expect(b.recommendation[1] == 100 * 1_048_576)
    }
}
