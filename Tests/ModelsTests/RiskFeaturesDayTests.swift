import Foundation
import Testing
import Forecast
@testable import Models

/// The scorer's features read their day of CPU and memory from the adaptive-window medians'
/// rings (`RiskFeatures(…readsDay: true)`, issue 15 item 4), which hold only the measured
/// samples: every feature must be what a state keeping its own day gives, bit for bit, and
/// what a state given 0 for every unmeasured sample gives (the features read an unmeasured
/// sample as 0; that state has no unmeasured sample to skip, so it checks the skipping).
@Suite("Risk features: the day read from the medians' rings")
struct RiskFeaturesDayTests {
    /// One state keeping its day, one reading it from two medians fed the same samples, one
    /// given 0 for the unmeasured ones.
    struct Pair {
        var kept: RiskFeatures
        var read: RiskFeatures
        var zeroed: RiskFeatures
        var cpu = AdaptiveWindowMedian(horizon: 12), memory = AdaptiveWindowMedian(horizon: 12)

        init(interval: Int64) {
            kept = RiskFeatures(intervalSeconds: interval)
            read = RiskFeatures(intervalSeconds: interval, readsDay: true)
            zeroed = kept
        }

        mutating func push(_ t: Int64, _ c: Double, _ m: Double) {
            kept.push(timestamp: t, cpuCores: c, memoryBytes: m)
            zeroed.push(timestamp: t, cpuCores: c.isFinite ? c : 0, memoryBytes: m.isFinite ? m : 0)
            cpu.update(c)
            memory.update(m)
            cpu.withDay { cd in memory.withDay { md in read.push(timestamp: t, cpuCores: c, memoryBytes: m, day: (cd, md)) } }
        }

        mutating func setAllocation(_ c: Double, _ m: Double) {
            kept.setAllocation(cpuCores: c, memoryBytes: m)
            zeroed.setAllocation(cpuCores: c, memoryBytes: m)
            cpu.withDay { cd in memory.withDay { md in read.setAllocation(cpuCores: c, memoryBytes: m, day: (cd, md)) } }
        }

        func features() -> (kept: [Double], read: [Double], zeroed: [Double]) {
            var a = [Double](repeating: -1, count: RiskFeatures.count), b = a, z = a
            a.withUnsafeMutableBufferPointer { kept.features(into: $0) }
            z.withUnsafeMutableBufferPointer { zeroed.features(into: $0) }
            b.withUnsafeMutableBufferPointer { out in
                cpu.withDay { cd in memory.withDay { md in read.features(into: out, day: (cd, md)) } }
            }
            return (a, b, z)
        }
    }

    @Test("bit for bit against a day kept: unmeasured stretches in either resource (one over a day), ±∞, ties, recounts, the sample 288 back",
          arguments: [(Int64(300), UInt64(1)), (300, 2), (600, 3)])
    func sameAsKept(interval: Int64, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var pair = Pair(interval: interval)
        #expect(pair.read.readsDay && !pair.kept.readsDay)
        pair.setAllocation(1.5, 4e9)
        let d = Int(86_400 / interval), n = 6 * d
        var compared = 0, unmeasuredSamples = 0
        for i in 0..<n {
            let u = generator.nextUniform()
            var c = [1.0, 1.25, 1.5, 1.75][Int(generator.nextUniform() * 4)], m = 3.5e9 + 1e8 * Double(Int(generator.nextUniform() * 8))
            // Unmeasured: scattered in either resource over the first 4 days; CPU for a stretch
            // longer than a day (day 2 to 3.2); memory for an hour on day 4; both now and then;
            // ±∞ as unmeasured. Then two days all measured (the day's oldest sample is the
            // one the median's ring let go).
            let scattered = i < 4 * d
            if (scattered && u < 0.03) || (i >= 2 * d && i < 2 * d + d + d / 5) { c = .nan }
            if (scattered && u > 0.97 && u < 0.99) || (i >= 4 * d && i < 4 * d + d / 24) { m = .nan }
            if scattered && u >= 0.995 { c = .infinity; m = -.infinity }
            pair.push(Int64(i) * interval, c, m)
            if i % (d / 3) == 7 { pair.setAllocation(1 + generator.nextUniform(), 3.6e9 + 5e8 * generator.nextUniform()) }
            let (a, b, z) = pair.features()
            for k in a.indices {
                #expect(a[k].bitPattern == b[k].bitPattern || (a[k].isNaN && b[k].isNaN),
                        "sample \(i) feature \(RiskFeatures.names[k]): kept \(a[k]), read \(b[k])")
                #expect(z[k].bitPattern == b[k].bitPattern || (z[k].isNaN && b[k].isNaN),
                        "sample \(i) feature \(RiskFeatures.names[k]): zeroed \(z[k]), read \(b[k])")
                if a[k].isFinite { compared += 1 }
            }
            if !c.isFinite || !m.isFinite { unmeasuredSamples += 1 }
        }
        #expect(compared > n * 20)
        #expect(unmeasuredSamples > d + d / 5)
    }

    @Test("at intervals whose day does not fit the median's ring the state keeps its own day")
    func longDayKept() {
        #expect(!RiskFeatures(intervalSeconds: 60, readsDay: true).readsDay)
        #expect(RiskFeatures(intervalSeconds: 300, readsDay: true).readsDay)
    }

    @Test("a state that reads its day but is handed none reads every usage as NaN, without a crash")
    func noDayHandedIn() {
        var state = RiskFeatures(intervalSeconds: 300, readsDay: true)
        state.setAllocation(cpuCores: 1, memoryBytes: 1e9)
        for i in 0..<400 { state.push(timestamp: Int64(i) * 300, cpuCores: 0.5, memoryBytes: 5e8) }
        let f = state.features()
        #expect(f[1].isNaN && f[2].isNaN)
        #expect(f[3] == 0)   // the breach counts come from the flags, judged on the pushed values
    }
}

/// The breach flags kept as bits, onsets read from them (issue 15 item 4).
@Suite("Risk features: breach flags as bits")
struct RiskFeaturesFlagTests {
    /// A recount judges again the sample before the week's oldest (it decides whether the
    /// oldest was an onset): its flag must be the one judged then, not the one it was given
    /// against the allocation before (the onset is not kept but read from the two flags).
    @Test("after a recount past a week the oldest sample's onset follows its predecessor judged again (week kept, week read back)",
          arguments: [true, false])
    func recountJudgesTheEvictedPredecessor(keepsWeek: Bool) {
        var state = RiskFeatures(intervalSeconds: 300, keepsWeek: keepsWeek)
        let w = state.weekSteps
        // Samples 0 and 1 high, the rest low; sample 0 leaves the week with the last push.
        let cpu = (0...w).map { $0 <= 1 ? 2.0 : 0.5 }, memory = [Double](repeating: 1e9, count: w + 1)
        state.setAllocation(cpuCores: 3, memoryBytes: 4e9)
        for i in 0...w { state.push(timestamp: Int64(i) * 300, cpuCores: cpu[i], memoryBytes: memory[i]) }
        let before = state.features()
        #expect(before[23] == 0 && before[5] == 0, "nothing over at 3 cores")
        // At 1 core samples 0 and 1 are over: sample 1, the week's oldest, is no onset.
        state.setAllocation(cpuCores: 1, memoryBytes: 4e9, readWeek: { count in
            (Array(cpu.suffix(count)), Array(memory.suffix(count)))
        })
        let after = state.features()
        #expect(after[5] == 1 / Double(w), "one sample over in the week")
        #expect(after[23] == 0, "on_1w: the oldest's predecessor was over too, \(after[23])")
        #expect(after[25] == 0, "hz_1w \(after[25])")
        #expect(state.recountsNotReadBack == 0)
        // The next sample pushes sample 1 out of the week: no onset leaves with it.
        state.push(timestamp: Int64(w + 1) * 300, cpuCores: 0.5, memoryBytes: 1e9)
        let next = state.features()
        #expect(next[23] == 0 && next[25] == 0, "on_1w \(next[23]), hz_1w \(next[25]) once the oldest left")
        #expect(next[5] == 0)
    }

    /// The next-hour windows of the last 7 days (`sbr_7d` … `sbr_dt`) read from the flags' words
    /// at 5 minutes (the numpy fixture), and sample by sample when an hour has more than 63
    /// samples: both against the definitions written out here.
    @Test("the next-hour windows of the last 7 days against their definitions, from the words (5 min) and sample by sample (30 s)",
          arguments: [Int64(300), 30])
    func nextHourWindows(interval: Int64) {
        var state = RiskFeatures(intervalSeconds: interval)
        let h = state.hourSteps, d = state.daySteps, w = state.weekSteps
        var generator = SeededGenerator(seed: UInt64(interval))
        var over: [Bool] = [], times: [Int64] = []
        state.setAllocation(cpuCores: 1, memoryBytes: 1e12)
        // Breaches in bursts, more often on some clock hours, so days differ.
        var burst = 0
        let start: Int64 = 1_376_611_200   // 2013-08-16, a Friday
        for i in 0..<(w + 3 * d / 2) {
            let t = start + Int64(i) * interval
            if burst > 0 { burst -= 1 } else if generator.nextUniform() < (((t / 3600) % 24) == 14 ? 0.02 : 0.002) { burst = Int(generator.nextUniform() * Double(h)) }
            let o = burst > 0
            over.append(o); times.append(t)
            state.push(timestamp: t, cpuCores: o ? 2 : 0.5, memoryBytes: 1e9)
            guard i % 97 == 0 || i == w + 3 * d / 2 - 1 else { continue }
            func onset(_ k: Int) -> Bool { over[k] && (k == 0 || !over[k - 1]) }
            func weekend(_ t: Int64) -> Bool { let day = Int((t / 86_400 + 3) % 7); return day >= 5 }
            var days = 0, anyOver = 0, anyOnset = 0, same = 0, sameOver = 0
            for j in 1...7 where i - j * d + h >= 0 {
                let ks = Swift.max(0, i - j * d + 1)...(i - j * d + h)
                days += 1
                let a = ks.contains { over[$0] }
                if a { anyOver += 1 }
                if ks.contains(where: onset) { anyOnset += 1 }
                if weekend(t - Int64(j) * 86_400) == weekend(t) { same += 1; if a { sameOver += 1 } }
            }
            let f = state.features()
            let expected = days == 0 ? [Double.nan, .nan, .nan] : [Double(anyOver) / Double(days), Double(anyOver), Double(anyOnset) / Double(days)]
            for (k, e) in expected.enumerated() {
                #expect(f[28 + k] == e || (f[28 + k].isNaN && e.isNaN), "sample \(i) \(RiskFeatures.names[28 + k]): \(f[28 + k]) vs \(e)")
            }
            let e = same == 0 ? Double.nan : Double(sameOver) / Double(same)
            #expect(f[31] == e || (f[31].isNaN && e.isNaN), "sample \(i) sbr_dt: \(f[31]) vs \(e)")
        }
        #expect(over.filter { $0 }.count > 10)
    }
}

