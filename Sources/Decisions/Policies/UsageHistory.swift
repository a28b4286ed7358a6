import Foundation
import Store

/// A workload's observed CPU cores and memory bytes per grid step over its last
/// `capacitySteps` steps: the ring the moving-window and seasonal policies read.
///
/// A sample at Unix time t lands in step ⌊t / interval⌋; a later sample in the same step
/// replaces it. Each slot remembers its step, so a value older than the ring (or a step with
/// no sample) reads as missing. Non-finite values are stored as missing.
package struct UsageHistory: Sendable, Equatable {
    package let intervalSeconds: Double
    package let capacitySteps: Int
    private var steps: [Int64]
    private var values: [[Double]]
    /// The step of the newest sample (nil before the first).
    package private(set) var lastStep: Int64?

    /// A workload's interval comes from its data, so a non-positive or non-finite one is
    /// read as one second, and fewer than one step as one step, rather than trapping.
    package init(intervalSeconds: Double, capacitySteps: Int) {
        let intervalSeconds = intervalSeconds.isFinite && intervalSeconds > 0 ? intervalSeconds : 1
        let capacitySteps = Swift.max(1, capacitySteps)
        self.intervalSeconds = intervalSeconds
        self.capacitySteps = capacitySteps
        steps = [Int64](repeating: .min, count: capacitySteps)
        values = [[Double]](repeating: [Double](repeating: .nan, count: capacitySteps), count: 2)
    }

    /// The grid step of Unix time `t`.
    package func step(of t: Double) -> Int64 { Int64((t / intervalSeconds).rounded(.down)) }

    /// Records [cpu cores, memory bytes] at `time` (Unix seconds).
    package mutating func append(_ sample: [Double], at time: Double) {
        let s = step(of: time)
        let slot = Int(((s % Int64(capacitySteps)) + Int64(capacitySteps)) % Int64(capacitySteps))
        steps[slot] = s
        for r in 0..<2 { values[r][slot] = sample[r].isFinite ? sample[r] : .nan }
        lastStep = Swift.max(lastStep ?? s, s)
    }

    /// The value of resource `r` (0 = CPU, 1 = memory) at step `s`, NaN when not held.
    package func value(_ r: Int, atStep s: Int64) -> Double {
        let slot = Int(((s % Int64(capacitySteps)) + Int64(capacitySteps)) % Int64(capacitySteps))
        return steps[slot] == s ? values[r][slot] : .nan
    }

    /// The maximum of resource `r` over the `count` steps ending at step `end` (inclusive; at
    /// most the ring's `capacitySteps`), NaN when none of them holds a value or `count` < 1.
    package func max(_ r: Int, steps count: Int, endingAt end: Int64) -> Double {
        guard count >= 1 else { return .nan }
        var best = -Double.infinity
        for s in (end - Int64(Swift.min(count, capacitySteps)) + 1)...end {
            let v = value(r, atStep: s)
            if v.isFinite, v > best { best = v }
        }
        return best.isFinite ? best : .nan
    }

    /// The `q`-quantile (0…1) of resource `r` at the same time of day as each of the
    /// `aheadSteps` steps after `now` on each of the last `days` days: the values at steps
    /// `now + k − d · stepsPerDay` for k = 1…aheadSteps, d = 1…days (missing ones skipped),
    /// as the order statistic of rank ⌈q · n⌉ (q = 1: the maximum). NaN when fewer than
    /// `minimumCount` (at least 1) are held. A day is 86,400 s rounded to whole steps.
    package func seasonalQuantile(_ r: Int, _ q: Double, now: Int64, aheadSteps: Int, days: Int, minimumCount: Int = 1) -> Double {
        let perDay = Int64((86_400 / intervalSeconds).rounded())
        var found: [Double] = []
        found.reserveCapacity(aheadSteps * days)
        for d in 1...Swift.max(1, days) {
            for k in 1...Swift.max(1, aheadSteps) {
                let v = value(r, atStep: now + Int64(k) - Int64(d) * perDay)
                if v.isFinite { found.append(v) }
            }
        }
        guard !found.isEmpty, found.count >= minimumCount else { return .nan }
        found.sort()
        let rank = Swift.min(Swift.max(Int((q * Double(found.count)).rounded(.up)) - 1, 0), found.count - 1)
        return found[rank]
    }
}
