import Forecast
import Foundation
@testable import Models
import Testing
@testable import Decisions

/// The predictive policy's learned memory sizing (`MemoryRiskTable`, `MemoryFeatures`) and
/// the CPU decrease gap, on the policy study's worked examples (`bench/policy/README.md`,
/// "Swift port spec") and cases worked by hand.
@Suite("Memory risk table and the predictive policy's memory rule")
struct MemoryRiskPolicyTests {
    static let gib = 1_073_741_824.0

    /// Every bin holds the same hull.
    static func uniform(ratios: [Double], survivals: [Double]) -> MemoryRiskTable {
        MemoryRiskTable(ratios: .init(repeating: ratios, count: MemoryRiskTable.binCount),
                        survivals: .init(repeating: survivals, count: MemoryRiskTable.binCount))
    }

    @Test("the study's hand table: q* minimises S + λ·ref·q (λ = 0.00062)")
    func handTable() {
        let table = Self.uniform(ratios: [0.5, 1.0, 1.5, 2.0], survivals: [0.1, 0.01, 0.001, 0.0])
        // ref 2 GiB: costs 0.100620, 0.011240, 0.002860, 0.002480 → 2.0.
        #expect(table.multiplier(bin: 0, reference: 2 * Self.gib, lambda: 0.00062) == 2.0)
        #expect(table.target(reference: 2 * Self.gib, largestRise: 0, current: Self.gib, lambda: 0.00062) == 4_294_967_296)
        // ref 8 GiB: 0.102480, 0.014960, 0.008440, 0.009920 → 1.5.
        #expect(table.target(reference: 8 * Self.gib, largestRise: 0, current: Self.gib, lambda: 0.00062) == 12_884_901_888)
        // ref 64 GiB: 0.119840, 0.049680, 0.060520, 0.079360 → 1.0.
        #expect(table.target(reference: 64 * Self.gib, largestRise: 0, current: Self.gib, lambda: 0.00062) == 68_719_476_736)
        #expect(table.target(reference: .nan, largestRise: 0, current: 1, lambda: 0.00062).isNaN)
    }

    @Test("bins of the study's examples: (ref, J7, cur) in GiB")
    func bins() {
        let g = Self.gib
        #expect(MemoryRiskTable.bin(reference: 0.5 * g, largestRise: 0.4 * g, current: 0.1 * g) == 44)
        #expect(MemoryRiskTable.bin(reference: 2 * g, largestRise: 1 * g, current: 0.3 * g) == 103)
        #expect(MemoryRiskTable.bin(reference: 4 * g, largestRise: 8 * g, current: 3.9 * g) == 119)
        #expect(MemoryRiskTable.bin(reference: 16 * g, largestRise: 2 * g, current: 1 * g) == 126)
        #expect(MemoryRiskTable.bin(reference: 64 * g, largestRise: 10 * g, current: 40 * g) == 144)
        #expect(MemoryRiskTable.binCount == 150)
        #expect(MemoryRiskTable.grid.count == 351 && MemoryRiskTable.grid.first == 0.5 && MemoryRiskTable.grid.last == 16)
    }

    @Test("lower hull: a point on or above the chord of its neighbours is dropped; stops at the first zero")
    func hull() {
        // On the grid's first points: s = [1, 0.9, 0.5, 0.45, 0, 0]: 0.9 lies above the chord 1 → 0.5.
        let s = [1.0, 0.9, 0.5, 0.45, 0.0, 0.0] + .init(repeating: 0, count: 345)
        let h = MemoryRiskTable.lowerHull(s)
        #expect(h.first == 0 && h.last == 4 && !h.contains(1) && !h.contains(5))
    }

    @Test("learned from a workload whose memory never moves: the reference itself, and a round trip through the file")
    func learnedFlat() throws {
        var learner = MemoryRiskTable.Learner(intervalSeconds: 300)
        let start: Int64 = 1_375_000_000 - 1_375_000_000 % 3600
        let timestamps = (0..<(10 * 288)).map { start + Int64($0) * 300 }
        learner.add(timestamps: timestamps, memory: .init(repeating: 3 * Self.gib, count: timestamps.count))
        let table = learner.table()
        // Three days after the warm-up week, 6 future samples each (the last 6 ticks lack them).
        #expect(table.counts.reduce(0, +) == Double((3 * 288 - 6) * 6 + (1 + 2 + 3 + 4 + 5)))
        // ref = cur = 3 GiB, J7 = 0: bin bv 0, bc 4, bz 3 → 0 + 24 + 90 = 114; every ratio is 1.
        let b = MemoryRiskTable.bin(reference: 3 * Self.gib, largestRise: 0, current: 3 * Self.gib)
        #expect(b == 114 && table.counts[b] > 0)
        #expect(table.target(reference: 3 * Self.gib, largestRise: 0, current: 3 * Self.gib, lambda: 0.00062) == 3 * Self.gib)
        var bundle = TensorBundle()
        table.encode(into: &bundle)
        #expect(try MemoryRiskTable.decode(bundle) == table)
        // A survival that rises along the hull is refused, naming the bin.
        var bad = table
        bad.survivals[3] = [0.1, 0.2]
        bad.ratios[3] = [1, 2]
        var badBundle = TensorBundle()
        bad.encode(into: &badBundle)
        #expect(throws: TensorBundleError.self) { try MemoryRiskTable.decode(badBundle) }
    }

    @Test("features: P24 over hourly blocks, S14 of the coming hour, J7 the largest hourly rise, OOM peak for 24 h")
    func features() {
        var f = MemoryFeatures(intervalSeconds: 300)
        let start = 400_000 * 3600.0
        // Eight days at 1 GiB, except 3 GiB during the hour that starts a day before the end.
        let end = start + 8 * 86_400
        var t = start
        while t < end {
            let yesterdaysNextHour = t >= end - 86_400 && t < end - 86_400 + 3600
            f.observe(yesterdaysNextHour ? 3 * Self.gib : Self.gib, at: t)
            t += 300
        }
        f.observe(Self.gib, at: end)
        let v = f.compute(at: end)
        // S14 sees yesterday's coming hour (steps end + k − 1 day, k = 1…12: 11 of them at 3 GiB).
        #expect(v.reference == 3 * Self.gib)
        // J7: from 1 GiB to 3 GiB between consecutive hours.
        #expect(v.largestRise == 2 * Self.gib)
        #expect(v.current == Self.gib)
        f.recordOOM(allocation: 4 * Self.gib, at: end)
        #expect(f.compute(at: end).reference == 4.8 * Self.gib, "max(1.2 a, a + 100 MiB)")
    }

    @Test("predictive with a table: decreases only to the highest raw target of the last 2 h; increases at once")
    func decreaseWindow() {
        // Every bin: q* = 0.6 whatever λ (one vertex).
        let table = Self.uniform(ratios: [0.6], survivals: [0])
        var p = PredictiveSizing(configuration: .init(), memoryTable: table, intervalSeconds: 300)
        var h = UsageHistory(intervalSeconds: 300, capacitySteps: 15 * 288)
        let start = 500_000 * 3600.0
        var t = start
        while t <= start + 8 * 86_400 {
            h.append([1, 10 * Self.gib], at: t)
            p.observe(memoryBytes: 10 * Self.gib, at: t)
            t += 300
        }
        let now = start + 8 * 86_400
        // Raw target 6 GiB below the allocation 10 GiB, but the window holds no 2 h of raw targets yet: held.
        var target = p.target(history: h, now: now, allocation: [1, 10 * Self.gib], throttled: false, oomKilled: false,
                              score: nil, enterThreshold: 0.3)
        #expect(target[1] == 10 * Self.gib)
        for k in 1..<24 {
            let tk = now + Double(k) * 300
            h.append([1, 10 * Self.gib], at: tk)
            p.observe(memoryBytes: 10 * Self.gib, at: tk)
            target = p.target(history: h, now: tk, allocation: [1, 10 * Self.gib], throttled: false, oomKilled: false,
                              score: nil, enterThreshold: 0.3)
        }
        #expect(abs(target[1] - 6 * Self.gib) < 1, "after 2 h of 6 GiB targets: 6 GiB")
        // An allocation below the raw target: increase at once.
        let up = p.target(history: h, now: now + 24 * 300, allocation: [1, 4 * Self.gib], throttled: false, oomKilled: false,
                          score: nil, enterThreshold: 0.3)
        #expect(abs(up[1] - 6 * Self.gib) < 1)
    }

    @Test("predictive CPU: no decrease within 6 h of the last CPU change; λ halves per +0.1 of the knob")
    func cpuGap() {
        var h = UsageHistory(intervalSeconds: 300, capacitySteps: 15 * 288)
        let start = 600_000 * 3600.0
        var t = start
        while t <= start + 8 * 86_400 { h.append([1, Self.gib], at: t); t += 300 }
        let now = start + 8 * 86_400
        var p = PredictiveSizing(configuration: .init(margin: 0.4))
        // Target (1 + 0.4 − 0.45) × 1 = 0.95 < allocation 2: held while the last change is < 6 h old.
        let held = p.target(history: h, now: now, allocation: [2, Self.gib], throttled: false, oomKilled: false, score: nil,
                            enterThreshold: 0.3, lastCPUChangeAt: now - 5 * 3600)
        #expect(held[0] == 2)
        let free = p.target(history: h, now: now, allocation: [2, Self.gib], throttled: false, oomKilled: false, score: nil,
                            enterThreshold: 0.3, lastCPUChangeAt: now - 7 * 3600)
        #expect(abs(free[0] - 0.95) < 1e-12)
        #expect(abs(PredictiveSizing.Configuration(margin: 0.4).memoryLambda - 0.00062) < 1e-15)
        #expect(abs(PredictiveSizing.Configuration(margin: 0.5).memoryLambda - 0.00031) < 1e-15)
    }
}
