import Foundation
import Testing
import Forecast
@testable import Models

/// `RiskFeatures` (incremental, online) against the vectorised numpy computation of the
/// study that chose the features (`scripts/fixtures/gen_risk_features_fixture.py`), on a
/// bundled Bitbrains VM: two periods with different static allocations, and the first
/// samples of the series (truncated windows, NaN where a window does not exist yet).
@Suite("Risk features")
struct RiskFeaturesTests {
    struct Row: Decodable { var index: Int; var features: [Double?] }
    struct Period: Decodable { var start_index: Int; var allocation: [Double]; var rows: [Row] }
    struct Fixture: Decodable {
        var names: [String]
        var interval_seconds: Int64
        var timestamps: [Int64]
        var cpu_cores: [Double?]
        var memory_bytes: [Double]
        var periods: [Period]
        var early: [Row]
    }

    static func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/risk_features", withExtension: "json"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func check(_ got: [Double], _ want: [Double?], _ names: [String], at index: Int) {
        for (k, expected) in want.enumerated() {
            if let expected {
                let tolerance = 1e-9 * max(1, abs(expected))
                #expect(abs(got[k] - expected) <= tolerance, "sample \(index), \(names[k]): \(got[k]) vs numpy \(expected)")
            } else {
                #expect(got[k].isNaN, "sample \(index), \(names[k]): \(got[k]) vs numpy NaN")
            }
        }
    }

    @Test("the names are the study's compact list")
    func names() throws {
        #expect(try Self.fixture().names == RiskFeatures.names)
        #expect(RiskFeatures(intervalSeconds: 300).hourSteps == 12 && RiskFeatures(intervalSeconds: 300).daySteps == 288)
    }

    @Test("two periods, one state: the allocation change recounts the breach flags")
    func periods() throws {
        let f = try Self.fixture()
        var state = RiskFeatures(intervalSeconds: f.interval_seconds)
        var next = 0
        for period in f.periods {
            // The period's allocation holds for the whole history (a static replay's event):
            // setting it recounts every sample in the ring.
            state.setAllocation(cpuCores: period.allocation[0], memoryBytes: period.allocation[1])
            for row in period.rows {
                while next <= row.index {
                    state.push(timestamp: f.timestamps[next], cpuCores: f.cpu_cores[next] ?? .nan, memoryBytes: f.memory_bytes[next])
                    next += 1
                }
                if next - 1 == row.index, period.start_index <= row.index {
                    Self.check(state.features(), row.features, f.names, at: row.index)
                }
            }
        }
        #expect(next > f.periods[1].start_index)
    }

    @Test("the first samples: truncated windows and NaN where none exists yet")
    func early() throws {
        let f = try Self.fixture()
        var state = RiskFeatures(intervalSeconds: f.interval_seconds)
        #expect(state.features().allSatisfy { $0.isNaN }, "nothing before the first sample")
        state.setAllocation(cpuCores: f.periods[0].allocation[0], memoryBytes: f.periods[0].allocation[1])
        var next = 0
        for row in f.early {
            while next <= row.index {
                state.push(timestamp: f.timestamps[next], cpuCores: f.cpu_cores[next] ?? .nan, memoryBytes: f.memory_bytes[next])
                next += 1
            }
            Self.check(state.features(), row.features, f.names, at: row.index)
        }
    }

    @Test("no allocation: ratios NaN, nothing over, no crash on NaN and huge usage")
    func degenerate() {
        var state = RiskFeatures(intervalSeconds: 300)
        for k in 0..<600 {
            state.push(timestamp: Int64(k) * 300, cpuCores: k % 7 == 0 ? .nan : 1e308, memoryBytes: k % 5 == 0 ? .infinity : 0)
        }
        let features = state.features()
        #expect(features[1].isNaN && features[2].isNaN && features[0].isNaN)
        #expect(features[3] == 0 && features[4] == 0, "no allocation: nothing is over")
        state.setAllocation(cpuCores: 1, memoryBytes: 1e9)
        let after = state.features()
        #expect(after[3] > 0, "1e308 cores are over one core")
        #expect(after[20].isFinite && after[21].isFinite)
    }

    @Test("the incremental day windows equal a recomputation from scratch: ties, flat stretches, jumps, ten days")
    func incrementalDayWindows() {
        // Memory from a small set of levels (many ties), flat for long stretches, with jumps
        // that leave the window a day later; allocation 1 byte so ratios are the values.
        var generator = SeededGenerator(seed: 11)
        var state = RiskFeatures(intervalSeconds: 300)
        state.setAllocation(cpuCores: 1, memoryBytes: 1)
        let levels = [4e8, 4e8 + 1, 1.5e9, 7e7, 3.3e9]
        var level = levels[0]
        var memory: [Double] = []
        let d = 288
        for i in 0..<(10 * d) {
            let u = Double.random(in: 0..<1, using: &generator)
            if u < 0.01 { level = levels[Int.random(in: 0..<levels.count, using: &generator)] }
            let m = (i / 500) % 2 == 0 ? level : level + Double(Int.random(in: -2...2, using: &generator)) * 1e6
            memory.append(m)
            state.push(timestamp: 1_375_000_000 + Int64(i) * 300, cpuCores: 0.5, memoryBytes: m)
            let f = state.features()
            let window = Array(memory[Swift.max(0, i - d + 1)...i])
            let diffs = (Swift.max(0, i - (d - 1) + 1)...i).map { k in k == 0 ? 0 : memory[k] - memory[k - 1] }
            let mean = diffs.reduce(0, +) / Double(diffs.count)
            let sigma = (diffs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(diffs.count)).squareRoot()
            #expect(f[18] == window.max()!, "sample \(i): day maximum \(f[18]) vs \(window.max()!)")
            #expect(abs(f[13] - sigma) <= 1e-6 * Swift.max(1, sigma), "sample \(i): day σ \(f[13]) vs \(sigma)")
            if i + 1 >= d {
                let sorted = window.sorted(), p = 0.99 * Double(d - 1), lo = Int(p.rounded(.down))
                let q = sorted[lo] + (sorted[Swift.min(lo + 1, d - 1)] - sorted[lo]) * (p - Double(lo))
                #expect(abs(f[14] - q) <= 1e-9 * Swift.max(1, abs(q)), "sample \(i): q99 \(f[14]) vs \(q)")
            } else {
                #expect(f[14].isNaN)
            }
        }
    }

    /// The week's usage older than a day is kept as Float rounded toward zero, read only by
    /// the recount: the flags it gives must be the exact ones, an allocation set to exactly
    /// a past peak (as the sizing policies do) included.
    @Test("an allocation change recounts the week exactly from its Float copy, at a past peak and just below it")
    func weekRecountFromFloat() {
        var generator = SeededGenerator(seed: 5)
        var state = RiskFeatures(intervalSeconds: 300)
        let n = 9 * 288   // past the week: the evicted sample's onset is judged too
        var cpu: [Double] = [], memory: [Double] = []
        for i in 0..<n {
            // Values no Float holds exactly; the peaks 2 to 6 days back.
            var c = 1 + 1e-3 * generator.nextUniform(), m = 4e9 + 1e6 * generator.nextUniform()
            if i % 577 == 3 { c = 1.5 + 1e-9 * Double(i); m = 6e9 + 3 + Double(i) }
            cpu.append(c); memory.append(m)
            state.push(timestamp: 1_375_000_000 + Int64(i) * 300, cpuCores: c, memoryBytes: m)
        }
        let w = state.weekSteps, first = n - w
        let olderThanADay = (first..<(n - 289))
        let cpuPeak = olderThanADay.map { cpu[$0] }.max()!, memoryPeak = olderThanADay.map { memory[$0] }.max()!
        #expect(Double(Float(cpuPeak)) != cpuPeak && Double(Float(memoryPeak)) != memoryPeak)
        // At the peaks (nothing older than a day over), a millionth below them (the peaks over),
        // and among the ordinary values (many over). (Within 2⁻²³ below a value older than a
        // day the Float copy would call it not over: the documented exception.)
        for (ac, am) in [(cpuPeak, memoryPeak), (cpuPeak * (1 - 1e-6), memoryPeak), (cpuPeak, memoryPeak * (1 - 1e-6)), (1.0005, 4.0005e9)] {
            state.setAllocation(cpuCores: ac, memoryBytes: am)
            let f = state.features()
            func over(_ k: Int) -> Bool { cpu[k] > ac || memory[k] > am }
            let overs = (first..<n).filter(over).count
            let onsets = (first..<n).filter { over($0) && !over($0 - 1) }.count
            let lastOver = (0..<n).last(where: over)
            #expect(f[5] == Double(overs) / Double(w), "br_1w at \(ac), \(am)")
            #expect(f[23] == Double(onsets) / Double(w), "on_1w at \(ac), \(am)")
            #expect(f[26] == log1p(Double(Swift.min(lastOver.map { n - 1 - $0 } ?? w, w))), "tsl at \(ac), \(am)")
        }
    }
}
