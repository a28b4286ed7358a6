import Forecast
import Foundation
@testable import Models
import Testing

/// The predictive policy's learned CPU sizing (`CPURiskTable`, `CPUFeatures`): cases worked
/// by hand, and a golden run against the study's numpy code
/// (`scripts/fixtures/gen_cpu_risk_table_fixture.py` → `Fixtures/cpu_risk_table.json`, from
/// `bench/policy/cpu_study.py`).
@Suite("CPU risk table")
struct CPURiskTableTests {
    /// Every bin holds the same survival steps.
    static func uniform(ratios: [Double], survivals: [Double]) -> CPURiskTable {
        CPURiskTable(ratios: .init(repeating: ratios, count: CPURiskTable.binCount),
                     survivals: .init(repeating: survivals, count: CPURiskTable.binCount))
    }

    static func values(_ ref: Double, recent: Double, week: Double, current: Double) -> CPUFeatures.Values {
        CPUFeatures.Values(reference: ref, recentPeak: recent, weekPeak: week, current: current)
    }

    @Test("hand table: Q(τ) is the first ratio whose survival is ≤ 1 − τ, τ = 1 / (1 + λ); never below the last hour's peak")
    func handTable() {
        let table = Self.uniform(ratios: [0.5, 1.0, 2.0, 4.0], survivals: [0.8, 0.3, 0.05, 0.0])
        // λ = 0.048: τ = 0.9542, 1 − τ = 0.0458 < 0.05 → 4.0.
        #expect(table.quantile(bin: 0, tau: CPURiskTable.criticalRatio(lambda: 0.048)) == 4.0)
        // λ = 0.25: τ = 0.8, 1 − τ = 0.2 → 2.0 (0.3 > 0.2 ≥ 0.05).
        #expect(table.quantile(bin: 0, tau: CPURiskTable.criticalRatio(lambda: 0.25)) == 2.0)
        // λ = 4: τ = 0.2, 1 − τ = 0.8 → 0.5 (the survival at 0.5 is 0.8: ≤ 0.8).
        #expect(table.quantile(bin: 0, tau: CPURiskTable.criticalRatio(lambda: 4)) == 0.5)
        // ref 0.5 core, last hour's peak 0.3: λ = 0.25 → max(0.3, 0.5 × 2) = 1.0; λ = 4 → max(0.3, 0.25) = 0.3.
        let f = Self.values(0.5, recent: 0.3, week: 0.6, current: 0.2)
        #expect(table.target(f, lambda: 0.25) == 1.0)
        #expect(table.target(f, lambda: 4) == 0.3)
        // A survival that never gets down to 1 − τ: the grid's last ratio, 64.
        let heavy = Self.uniform(ratios: [0.5, 1.0], survivals: [0.5, 0.1])
        #expect(heavy.quantile(bin: 7, tau: 0.95) == 64)
        // No reference: NaN (hold); a zero reference: 0 (the floor applies later); a bin out of range: 1.
        #expect(table.target(Self.values(.nan, recent: .nan, week: .nan, current: .nan), lambda: 0.048).isNaN)
        #expect(table.target(Self.values(0, recent: 0, week: 0, current: 0), lambda: 0.048) == 0)
        #expect(table.quantile(bin: -1, tau: 0.9) == 1 && table.quantile(bin: 210, tau: 0.9) == 1)
        #expect(CPURiskTable.criticalRatio(lambda: .nan) == 1 && CPURiskTable.criticalRatio(lambda: -1) == 1)
    }

    @Test("bins: p = max(W7, ref) / ref, level = cur / ref, size = log₂ ref; 7 × 6 × 5")
    func bins() {
        #expect(CPURiskTable.binCount == 210)
        #expect(CPURiskTable.grid.count == 417 && CPURiskTable.grid.first == 0.015625 && CPURiskTable.grid.last == 64 && CPURiskTable.grid[208] == 1)
        // ref 1 core: z = 0, size edges −5, −3.7, −1 ≤ 0 → 3; W7 3: p = 3, edges 1.1, 1.8, 2.9 → 3; cur 0.5: 0.02, 0.4 → 2.
        #expect(CPURiskTable.bin(Self.values(1, recent: 1, week: 3, current: 0.5)) == 3 + 7 * 2 + 42 * 3)
        // W7 below ref counts as ref (p = 1 → 0); cur above every level edge → 5; ref 8 cores → z = 3 → 4.
        #expect(CPURiskTable.bin(Self.values(8, recent: 8, week: 2, current: 8)) == 0 + 7 * 5 + 42 * 4)
        // NaN week peak: p = 1 → 0; NaN current → 0; ref 0.01 core: z = −6.6 → 0.
        #expect(CPURiskTable.bin(Self.values(0.01, recent: 0.01, week: .nan, current: .nan)) == 0)
        // ref 0.1 core: z = −3.3 → 2.
        #expect(CPURiskTable.bin(Self.values(0.1, recent: 0.1, week: .nan, current: 0.1)) == 0 + 7 * 5 + 42 * 2)
    }

    @Test("learned from a workload whose CPU never moves: ratio 1 everywhere; a round trip through the file")
    func learnedFlat() throws {
        var learner = CPURiskTable.Learner(intervalSeconds: 300)
        let start: Int64 = 1_375_000_000 - 1_375_000_000 % 3600
        let timestamps = (0..<(10 * 288)).map { start + Int64($0) * 300 }
        learner.add(timestamps: timestamps, cpu: .init(repeating: 2, count: timestamps.count))
        // Malformed input adds nothing.
        learner.add(timestamps: [start, start], cpu: [1, 1])
        learner.add(timestamps: [start], cpu: [])
        let table = learner.table()
        // Three days after the warm-up week, less the last hour (rows need their whole hour ahead), 12 futures each.
        #expect(table.counts.reduce(0, +) == Double((3 * 288 - 12) * 12))
        let f = Self.values(2, recent: 2, week: 2, current: 2)
        let b = CPURiskTable.bin(f)
        #expect(table.counts[b] == table.counts.reduce(0, +))
        #expect(table.ratios[b] == [CPURiskTable.grid[0], 1] && table.survivals[b] == [1, 0])
        #expect(table.target(f, lambda: 0.048) == 2)
        var bundle = TensorBundle()
        table.encode(into: &bundle)
        #expect(try CPURiskTable.decode(bundle) == table)
        #expect(try CPURiskTable.decode(TensorBundle()) == nil, "a version trained before the table: none")
        var bad = table
        bad.survivals[3] = [0.1, 0.2]
        bad.ratios[3] = [1, 2]
        var badBundle = TensorBundle()
        bad.encode(into: &badBundle)
        #expect(throws: TensorBundleError.self) { try CPURiskTable.decode(badBundle) }
        var badInterval = bundle
        badInterval.metadata["cpu_table_interval_seconds"] = "-5"
        #expect(throws: TensorBundleError.self) { try CPURiskTable.decode(badInterval) }
        var missing = bundle
        missing.metadata["cpu_table_interval_seconds"] = "300"
        missing.set("cpu_table.edges", doubles: [1, 2, 3])
        #expect(throws: TensorBundleError.self) { try CPURiskTable.decode(missing) }
    }

    @Test("warm-up: a week, or half a history shorter than two weeks, at least a day; a 5-day trace learns from its later half")
    func shortHistory() {
        #expect(SizingTableWarmup.seconds(history: 40 * 86_400) == 7 * 86_400)
        #expect(SizingTableWarmup.seconds(history: 14 * 86_400) == 7 * 86_400)
        #expect(SizingTableWarmup.seconds(history: 5 * 86_400) == 2.5 * 86_400)
        #expect(SizingTableWarmup.seconds(history: 10 * 3600) == 86_400)
        #expect(SizingTableWarmup.seconds(history: .nan) == 7 * 86_400)
        var learner = CPURiskTable.Learner(intervalSeconds: 300)
        let start: Int64 = 1_375_000_000 - 1_375_000_000 % 3600
        let timestamps = (0..<(5 * 288)).map { start + Int64($0) * 300 }
        let history = Double(timestamps.last! - timestamps.first!)
        // With the week's warm-up nothing is learned from five days.
        learner.add(timestamps: timestamps, cpu: .init(repeating: 2, count: timestamps.count))
        #expect(learner.table().counts.reduce(0, +) == 0)
        // With half the history (2.5 days less half a step): rows from step 720 to the last
        // whose hour ahead is inside, 1,440 − 12 − 720 = 708 ticks of 12 futures.
        learner.add(timestamps: timestamps, cpu: .init(repeating: 2, count: timestamps.count),
                    warmupSeconds: SizingTableWarmup.seconds(history: history))
        #expect(learner.table().counts.reduce(0, +) == Double(708 * 12))
    }

    struct Fixture: Decodable {
        struct Tick: Decodable {
            var workload: Int
            var index: Int
            var reference: Double?
            var recent_peak: Double?
            var week_peak: Double?
            var current: Double?
            var bin: Int
            var target: Double?
        }
        var interval_seconds: Int64
        var timestamps: [Int64]
        var cpu: [[Double?]]
        var bin_totals: [Double]
        var filled_bins: [Int]
        var taus: [Double]
        var quantiles: [String: [Double]]
        var lambda: Double
        var ticks: [Tick]
    }

    static func close(_ a: Double, _ b: Double?) -> Bool {
        guard let b else { return a.isNaN }
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    }

    @Test("golden: the study's numpy learner, quantiles, features and targets on a synthetic trace")
    func golden() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/cpu_risk_table", withExtension: "json"))
        let fx = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        var learner = CPURiskTable.Learner(intervalSeconds: fx.interval_seconds)
        let series = fx.cpu.map { $0.map { $0 ?? .nan } }
        for cpu in series { learner.add(timestamps: fx.timestamps, cpu: cpu) }
        let table = learner.table()
        #expect(table.counts == fx.bin_totals)
        for b in fx.filled_bins {
            let want = try #require(fx.quantiles[String(b)])
            for (k, tau) in fx.taus.enumerated() {
                #expect(table.quantile(bin: b, tau: tau) == want[k], "bin \(b), τ \(tau)")
            }
        }
        var byWorkload = Dictionary(grouping: fx.ticks, by: \.workload)
        for (w, cpu) in series.enumerated() {
            var features = CPUFeatures(intervalSeconds: Double(fx.interval_seconds))
            var ticks = byWorkload.removeValue(forKey: w) ?? []
            ticks.reverse()
            for i in cpu.indices {
                let t = Double(fx.timestamps[i])
                features.observe(cpu[i], at: t)
                let f = features.compute(at: t)
                guard let tick = ticks.last, tick.index == i else { continue }
                ticks.removeLast()
                #expect(Self.close(f.reference, tick.reference), "workload \(w) tick \(i): ref \(f.reference) vs \(String(describing: tick.reference))")
                #expect(Self.close(f.recentPeak, tick.recent_peak), "workload \(w) tick \(i): RC")
                #expect(Self.close(f.weekPeak, tick.week_peak), "workload \(w) tick \(i): W7")
                #expect(Self.close(f.current, tick.current), "workload \(w) tick \(i): cur")
                #expect(CPURiskTable.bin(f) == tick.bin, "workload \(w) tick \(i): bin")
                #expect(Self.close(table.target(f, lambda: fx.lambda), tick.target), "workload \(w) tick \(i): target")
            }
            #expect(ticks.isEmpty)
        }
    }
}
