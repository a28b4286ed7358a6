import Foundation
import Testing
@testable import Forecast

/// The adaptive-window median against the study's scalar reference
/// (`bench/forecast/awm.py --golden '{"half_life": 864, "eta": 0.1}'`), and its rules by hand.
@Suite("Adaptive-window median")
struct AdaptiveWindowMedianTests {
    static let input = [1.0, 1.2, 0.9, 1.1, 1.0, 1.3, 0.8, 1.0, 1.2, 1.1, 0.9, 1.0, 3.5, 1.1, 1.0,
                        1.2, 0.9, 1.1, 2.0, 2.1, 1.9, 2.2, 2.0, 1.8, 2.1, 2.0, 2.3, 1.9, 2.0, 2.1]
    static let golden: [(Double, Double, Double)] = [
        (2.000000, 2.565316, 3.424457), (2.000000, 2.648100, 3.575788), (2.000000, 2.695766, 3.651230),
        (2.000000, 2.820145, 3.994096), (2.000000, 2.908256, 4.136896), (2.000000, 2.973355, 4.479791),
        (2.000000, 3.182942, 4.699818), (2.000000, 3.312247, 4.846666), (2.000000, 3.495441, 5.302668),
        (2.000000, 3.590411, 5.512408), (2.050000, 3.945852, 6.039461), (2.000000, 3.870209, 5.854888),
    ]

    @Test("the study's golden case to 6 decimals; a missing sample changes nothing")
    func golden() {
        var f = AdaptiveWindowMedian()
        for (i, y) in Self.input.enumerated() {
            f.update(y)
            if i == 20 { f.update(.nan) }
        }
        #expect(f.count == 30)
        let (p50, p90, p99) = f.forecast()
        for k in 0..<12 {
            #expect(abs(p50[k] - Self.golden[k].0) < 5e-7, "p50 step \(k + 1): \(p50[k])")
            #expect(abs(p90[k] - Self.golden[k].1) < 5e-7, "p90 step \(k + 1): \(p90[k])")
            #expect(abs(p99[k] - Self.golden[k].2) < 5e-7, "p99 step \(k + 1): \(p99[k])")
            #expect(f.quantile(step: k, level: 0.5) == p50[k] && f.quantile(step: k, level: 0.99) == p99[k])
        }
        #expect(f.quantile(step: 0, level: 0.75) == nil)
    }

    /// `awm.py --golden-long '{"half_life": 864, "eta": 0.1}'`: 1,000 values with many ties
    /// and level shifts, so every window (288 too) is full and replaces values equal to others.
    static let longGolden: [(Double, Double, Double)] = [
        (1.950000000, 3.688969386, 5.290538722), (2.000000000, 3.770932371, 5.511256034),
        (1.900000000, 3.738539925, 5.333366419), (2.050000000, 3.824748542, 5.182138635),
        (1.200000000, 2.928018054, 4.204356141), (1.200000000, 2.392233446, 3.449897969),
        (1.950000000, 3.561292315, 5.778939369), (2.000000000, 3.560250573, 5.968750048),
        (1.900000000, 3.546275908, 5.812071433), (1.900000000, 3.676291934, 5.526940275),
        (1.900000000, 3.514988126, 5.301444127), (1.200000000, 2.410815477, 4.513231441),
    ]

    @Test("the study's reference over 1,000 samples with ties: full windows replace in place")
    func longGoldenCase() {
        var f = AdaptiveWindowMedian()
        for i in 0..<1000 {
            let noise: Int = (i * 7919 + (i / 37) * 13) % 41
            let level: Int = 10 * ((i / 250) % 3)
            f.update(Double(noise + level) / 10)
        }
        let (p50, p90, p99) = f.forecast()
        for k in 0..<12 {
            #expect(abs(p50[k] - Self.longGolden[k].0) < 5e-9, "p50 step \(k + 1): \(p50[k])")
            #expect(abs(p90[k] - Self.longGolden[k].1) < 5e-9, "p90 step \(k + 1): \(p90[k])")
            #expect(abs(p99[k] - Self.longGolden[k].2) < 5e-9, "p99 step \(k + 1): \(p99[k])")
        }
    }

    @Test("before any error history: the 3-sample median (an even count averages the middle two)")
    func fresh() {
        var f = AdaptiveWindowMedian()
        #expect(f.forecast().p50.allSatisfy { $0.isNaN })
        f.update(5); f.update(1)
        #expect(f.forecast().p50[0] == 3)
        f.update(2)
        #expect(f.forecast().p50[11] == 2)
        // A spike moves no median of three until it is two of them.
        f.update(100)
        #expect(f.forecast().p50[0] == 2)
    }

    @Test("the windows as ring slots and the quantiles kept per step give what the windows of values and a ring of every quantile gave, bit for bit: ties, unmeasured samples, every window full and wrapping, horizons 12, 3 and 1",
          arguments: [(12, UInt64(1)), (12, 2), (3, 3), (1, 4)])
    func slotWindowsSameAsValueWindows(horizon: Int, seed: UInt64) {
        var slots = AdaptiveWindowMedian(horizon: horizon), values = ValueWindowsMedian(horizon: horizon)
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var compared = 0
        for i in 0..<2_500 {
            // Quantised (many equal values in every window), level shifts, spikes, a NaN now and then.
            let level = Double((i / 400) % 3)
            let u = next()
            let y = u < 0.01 ? Double.nan : u < 0.05 ? 10 + level : level + Double(Int(next() * 6)) / 4
            slots.update(y)
            values.update(y)
            let a = slots.forecast(), b = values.forecast()
            for k in 0..<horizon {
                for (x, z) in [(a.p50[k], b.p50[k]), (a.p90[k], b.p90[k]), (a.p99[k], b.p99[k])] {
                    #expect(x.bitPattern == z.bitPattern || (x.isNaN && z.isNaN), "sample \(i) step \(k + 1): \(x) vs \(z)")
                    if x.isFinite { compared += 1 }
                }
                #expect(slots.quantile(step: k, level: 0.9) == b.p90[k])
            }
            var rows = [Double](repeating: -1, count: horizon * 4)
            rows.withUnsafeMutableBufferPointer { slots.writeQuantiles(levels: [0.5, 0.75, 0.9, 0.99], into: $0) }
            for k in 0..<horizon where slots.count > 0 {
                #expect(rows[k * 4] == a.p50[k] && rows[k * 4 + 1] == -1 && rows[k * 4 + 2] == a.p90[k] && rows[k * 4 + 3] == a.p99[k])
            }
        }
        #expect(slots.count == values.count && slots.count > 2_400)
        #expect(compared > 2_400 * horizon * 3 - 3 * horizon)
    }
}

extension AdaptiveWindowMedianTests {
    @Test("the widths the update writes out (3·2^j for the six small windows, 189 of them, a ring of 288) are the candidate windows")
    func widthsWrittenOut() {
        #expect(AdaptiveWindowMedian.windows.dropLast() == (0..<6).map { 3 << $0 })
        #expect(AdaptiveWindowMedian.smallCount == 189)
        #expect(AdaptiveWindowMedian.ringSize == AdaptiveWindowMedian.windows.last!)
    }
}
