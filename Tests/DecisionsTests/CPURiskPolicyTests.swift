import Forecast
import Foundation
@testable import Models
import Testing
@testable import Decisions

/// The predictive policy with the version's `CPURiskTable`: the CPU target is the table's
/// rule (the study's `nv-h1-floor`, `bench/policy/README.md` part 3), the throttle bump, hold
/// and decrease gap still apply, and without a table (or at another interval) the margin rule serves.
@Suite("Predictive policy with a CPU table")
struct CPURiskPolicyTests {
    static let gib = 1_073_741_824.0

    /// 8 days of a constant 1 core and 1 GiB, every 5 minutes; returns the history and its last time.
    static func flatHistory(_ p: inout PredictiveSizing, start: Double) -> (UsageHistory, Double) {
        var h = UsageHistory(intervalSeconds: 300, capacitySteps: 15 * 288)
        var t = start
        while t <= start + 8 * 86_400 {
            h.append([1, gib], at: t)
            p.observe(cpuCores: 1, at: t)
            p.observe(memoryBytes: gib, at: t)
            t += 300
        }
        return (h, start + 8 * 86_400)
    }

    @Test("the CPU target is max(last hour's peak, ref · Q_b(τ)) with τ from the knob's λ")
    func usesTable() {
        // Every bin: survival 0.5 at ratio 1, 0.05 at 2.5, 0 at 3: λ = 0.048 at the default knob → τ 0.954,
        // 1 − τ = 0.046 < 0.05 → 3.
        let table = CPURiskTable(ratios: .init(repeating: [1, 2.5, 3], count: CPURiskTable.binCount),
                                 survivals: .init(repeating: [0.5, 0.05, 0], count: CPURiskTable.binCount))
        var p = PredictiveSizing(configuration: .init(), cpuTable: table, intervalSeconds: 300)
        #expect(p.cpuTable != nil)
        let (h, now) = Self.flatHistory(&p, start: 700_000 * 3600.0)
        let target = p.target(history: h, now: now, allocation: [2, 2 * Self.gib], throttled: false, oomKilled: false,
                              score: nil, enterThreshold: 0.3)
        #expect(target[0] == 3)
        // Knob 0.0: λ = 0.048 · 2^4 = 0.768, τ = 0.566, 1 − τ = 0.434 → 2.5.
        var low = PredictiveSizing(configuration: .init(margin: 0.0), cpuTable: table, intervalSeconds: 300)
        let (h2, now2) = Self.flatHistory(&low, start: 700_000 * 3600.0)
        #expect(low.target(history: h2, now: now2, allocation: [3, 2 * Self.gib], throttled: false, oomKilled: false,
                           score: nil, enterThreshold: 0.3)[0] == 2.5)
        // A growth alarm does not raise a resource the table sizes.
        var planned = [Double](repeating: .nan, count: Resource.count)
        planned[Resource.cpuCores.rawValue] = 10
        let score = WorkloadScore(timestamp: Int64(now), risk: 0.9, rawRisk: 0.9, heavyPhaseProbability: nil, resourceAtRisk: "cpu_cores",
                                  expectedSecondsToBreach: nil, plannedDemand: planned, exceedance: planned)
        #expect(p.target(history: h, now: now, allocation: [2, 2 * Self.gib], throttled: false, oomKilled: false,
                         score: score, enterThreshold: 0.3)[0] == 3)
        // Throttled now: ≥ 1.5 × the allocation.
        #expect(p.target(history: h, now: now, allocation: [4, 2 * Self.gib], throttled: true, oomKilled: false,
                         score: nil, enterThreshold: 0.3)[0] == 6)
    }

    @Test("without a table, or with one learned at another interval: the margin rule")
    func fallback() {
        let table = CPURiskTable(ratios: .init(repeating: [3], count: CPURiskTable.binCount),
                                 survivals: .init(repeating: [0], count: CPURiskTable.binCount), intervalSeconds: 60)
        for candidate in [nil, table] {
            var p = PredictiveSizing(configuration: .init(margin: 0.4), cpuTable: candidate, intervalSeconds: 300)
            #expect(p.cpuTable == nil)
            let (h, now) = Self.flatHistory(&p, start: 710_000 * 3600.0)
            // (1 + 0.4 − 0.45) × 1 core.
            let target = p.target(history: h, now: now, allocation: [1, Self.gib], throttled: false, oomKilled: false,
                                  score: nil, enterThreshold: 0.3)
            #expect(abs(target[0] - 0.95) < 1e-12)
        }
        #expect(abs(PredictiveSizing.Configuration(margin: 0.4).cpuLambda - 0.048) < 1e-15)
        #expect(abs(PredictiveSizing.Configuration(margin: 0.5).cpuLambda - 0.024) < 1e-15)
    }
}
