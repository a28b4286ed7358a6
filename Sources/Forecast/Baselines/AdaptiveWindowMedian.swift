import Foundation

/// The adaptive-window median forecaster (AWM, issue 11 item 3): per series, rolling medians
/// of the last 3, 6, 12, 24, 48, 96 and 288 samples; for each forecast step k the one whose
/// k-step errors have been smallest lately is the p50, and p90 / p99 are the p50 plus a
/// multiplier of that candidate's error, each multiplier tracked online so its own misses
/// happen 10 % / 1 % of the time.
///
/// Why: on held-out Bitbrains weeks (`bench/forecast/README.md`, branch `forecast-study`),
/// this had 0.50–0.58 (CPU) and 0.69–0.76 (memory) of naive's median scaled MAE over 1–12
/// steps, below statsforecast's AutoARIMA on the same origins (0.68–0.82), with pooled p90 /
/// p99 coverage 0.898–0.904 / 0.990–0.992; 5-minute usage is spiky, and a median ignores a
/// spike that moves a mean or the last value, while the best width differs between series
/// and resources (CPU 6 samples, memory 288), so each series picks its own, per step.
/// It needs no fitting: it works from a workload's own samples, for a new one too.
///
/// State per series, update with a finite sample y (n = samples seen before it; a missing
/// sample is skipped entirely):
/// 1. if n ≥ H, for k = 1…H, with the candidate medians and the (unclamped) quantiles issued
///    k samples ago: A[c][k] += β (|med_c − y| − A[c][k]) for every candidate c, and
///    m[τ][k] += η ([y > q_τ,k] − (1 − τ)) for τ = 0.90, 0.99;
/// 2. the medians of the last min(w_c, n + 1) samples (an even count: the mean of the middle two);
/// 3. the forecast: c*(k) = argmin_c A[c][k] (ties: the smallest window), p50_k = med[c*(k)],
///    q_τ,k = p50_k + m[τ][k] · Â[c*(k)][k]; published p90 = max(q_0.9, p50), p99 = max(q_0.99, p90),
///    where Â = A / (1 − (1 − β)^u) after u updates of step 1 (the error averages start at 0:
///    without the division they are (1 − (1 − β)^u) of the errors' mean, half of it after one
///    half-life, so the band was near 0 on a young series; the p50 is the same either way, every
///    A being divided by the same number).
///
/// Constants (the study's, chosen on the weeks before the reported ones): β = 1 − 2^(−1/864)
/// (a half-life of 864 samples, three days of 5-minute data; in samples by design, like the
/// windows: the error averages weigh the workload's own recent forecasts), η = 0.1, m
/// starts at 1.5 and 4.0, H = 12.
public struct AdaptiveWindowMedian: Sendable, Equatable {
    /// The candidate windows, in samples: a step count by design, not a span of time (the
    /// method chooses among widths of the workload's own sample sequence per step, at any
    /// interval; the study fixed this set on 5-minute data, where 288 is a day).
    public static let windows = [3, 6, 12, 24, 48, 96, 288]
    public static let levels = [0.9, 0.99]
    public let horizon: Int
    public let beta: Double
    public let eta: Double
    /// Samples seen.
    public private(set) var count = 0
    /// Samples before a caller should serve this forecast: twice the horizon, so every step's
    /// error average has judged H forecasts (24 at H = 12, two hours at 5 minutes). It was the
    /// horizon plus one half-life (876: three days at 5 minutes), when the averages were not
    /// yet divided by their start's missing weight and the band was near 0 before that.
    /// Chosen on the development traces' cold starts (`bench/forecast/coldstart.py`, every
    /// series started fresh: Bitbrains before the tuning week, Google 2011, Alibaba 2018,
    /// Azure V1): from 24 to 287 samples the p50 had 0.59–0.99 of naive's error (Alibaba's
    /// near-flat memory 0.93–1.14) and the p90 / p99 covered 0.85–0.93 / 0.94–1.00 (0.52–0.88
    /// / 0.55–0.92 without the division); before 24, 0.77–0.92 / 0.87–0.95.
    public let warmSamples: Int
    /// (1 − β)^u after u updates of the error averages: the weight they still give their start
    /// at 0; the band divides them by 1 − this.
    private var startWeight = 1.0
    /// Whether `warmSamples` have been seen.
    public var isWarm: Bool { count >= warmSamples }
    /// Every number of the state in one buffer (the scorer updates two series per workload
    /// per tick; one buffer walked through one pointer costs a fifth of separate arrays):
    /// the last 288 samples (ring); A[c·H + k] the EW mean absolute k-step error of
    /// candidate c; m[t·H + k] per level t; the candidate medians of the last H samples
    /// (ring of H × 7); per level the unclamped quantiles still to be judged (`quantileIndex`:
    /// H(H+1)/2 of them, not H²); the current medians.
    @usableFromInline private(set) var state: [Double]
    /// Per candidate its window in the order of the values, not the values themselves (the
    /// ring holds them; issue 15 item 4: they were a third of the median's state), and where
    /// each sample sits in that order, found in one read rather than by a search.
    /// A sample of a window is named by its key, its number mod the width: unique within the
    /// window, the leaving sample's key is the new one's, and since every width divides 288
    /// the key is also its ring slot mod the width.
    /// `smallOrder`: the six windows of 3…96 (189 samples, laid end to end) as keys of one
    /// byte, then per window the position of each key, one byte. The sample of key k is
    /// d = (key of the newest − k) mod w samples back, so its ring slot is found from the key.
    private var smallOrder: [UInt8]
    /// The day-long window (288): ring slots, 2 bytes (its key is the slot itself), then the
    /// position of each slot.
    private var dayOrder: [UInt16]
    /// The small windows' 189 samples: the offset of the positions in `smallOrder` (the update
    /// writes the widths out as 3·2^j and this as 189).
    static let smallCount = windows.dropLast().reduce(0, +)
    /// slot mod w for every ring slot and each width but the last (288: the slot itself),
    /// one table for every state.
    private static let slotKeys: [UInt8] = windows.dropLast().flatMap { w in (0..<windows.last!).map { UInt8($0 % w) } }
    /// Per step k (0…H−1) the candidate whose median is the published p50 (argmin of A[·][k]
    /// at the last update): with the quantiles issued then, the published forecast, which is
    /// not kept. Then (H + k) the number of the last sample mod k + 1: where step k's
    /// quantiles issued then sit (`quantileIndex`); k before the first sample.
    private var chosen: [UInt8]
    @usableFromInline let layout: Layout

    @usableFromInline struct Layout: Sendable, Equatable {
        @usableFromInline var ring = 0, evicted = 0
        var errors = 0, multipliers = 0, medianHistory = 0, quantileHistory = 0, medians = 0, total = 0

        init(horizon h: Int) {
            let c = AdaptiveWindowMedian.windows.count
            var at = 0
            func take(_ n: Int) -> Int { defer { at += n }; return at }
            ring = take(AdaptiveWindowMedian.windows.last!)
            errors = take(c * h)
            multipliers = take(AdaptiveWindowMedian.levels.count * h)
            medianHistory = take(h * c)
            quantileHistory = take(AdaptiveWindowMedian.levels.count * h * (h + 1) / 2)
            medians = take(c)
            evicted = take(1)
            total = at
        }
    }

    /// Where the level-0 quantile for step k + 1 (0-based k) issued at a sample whose number
    /// mod (k + 1) is `phase` sits; level 1's is `quantileLevelStride` further. Each quantile is
    /// judged once, k + 1 samples after it was issued, so per step only the last k + 1 issued
    /// wait: step k's entries are a ring of k + 1 (indexed by the issuing sample's number mod
    /// k + 1, read just before the same slot takes the new one), the steps' rings laid end
    /// to end, one block per level.
    @inline(__always)
    private static func quantileIndex(step k: Int, phase: Int) -> Int { k * (k + 1) / 2 + phase }

    /// H(H + 1)/2: one level's block of waiting quantiles.
    @inline(__always)
    private var quantileLevelStride: Int { horizon * (horizon + 1) / 2 }

    public init(horizon: Int = 12, halfLifeSamples: Double = 864, eta: Double = 0.1, initialMultipliers: [Double] = [1.5, 4.0]) {
        let h = max(1, horizon)
        self.horizon = h
        beta = 1 - pow(2, -1 / max(1, halfLifeSamples))
        self.eta = eta
        warmSamples = 2 * h
        layout = Layout(horizon: h)
        state = .init(repeating: .nan, count: layout.total)
        smallOrder = .init(repeating: 0, count: 2 * Self.smallCount)
        dayOrder = .init(repeating: 0, count: 2 * Self.ringSize)
        chosen = .init(repeating: 0, count: 2 * h)
        for k in 0..<h { chosen[h + k] = UInt8(k) }   // so the first sample's phase is 0 at every step
        for i in 0..<(Self.windows.count * h) { state[layout.errors + i] = 0 }
        for t in 0..<Self.levels.count {
            for k in 0..<h { state[layout.multipliers + t * h + k] = initialMultipliers[min(t, initialMultipliers.count - 1)] }
        }
    }

    /// Feeds the next sample; a non-finite one is skipped (no state change).
    public mutating func update(_ y: Double) {
        guard y.isFinite else { return }
        let c = Self.windows.count, h = horizon, n = count, levelStride = quantileLevelStride
        let L = layout, beta = self.beta, eta = self.eta
        let tail0 = 1 - Self.levels[0], tail1 = 1 - Self.levels[1]
        let ringSize = Self.windows.last!
        state.withUnsafeMutableBufferPointer { buffer in
            smallOrder.withUnsafeMutableBufferPointer { small in
            dayOrder.withUnsafeMutableBufferPointer { day in
            Self.slotKeys.withUnsafeBufferPointer { keys in
            chosen.withUnsafeMutableBufferPointer { chosen in
            let s = buffer.baseAddress!
            if n >= h {
                // slot = (n − k) mod h, what was computed k samples ago: one integer division
                // per update, then stepped down with a wrap.
                var slot = (n - 1) % h
                var triangle = 0   // (k − 1)k/2: where step k's ring starts
                for k in 1...h {
                    defer { triangle += k }
                    defer { slot = slot == 0 ? h - 1 : slot - 1 }
                    let medians = s + L.medianHistory + slot * c
                    // Then the candidate with the smallest error at this step (ties: the smaller
                    // window), while its errors are at hand; the quantiles below use it.
                    var best = 0, smallest = Double.infinity
                    for j in 0..<c {
                        let a = s + L.errors + j * h + k - 1
                        a.pointee += beta * (abs(medians[j] - y) - a.pointee)
                        if j == 0 || a.pointee < smallest { best = j; smallest = a.pointee }
                    }
                    chosen[k - 1] = UInt8(best)
                    // Issued at n − k: index (n − k) mod k = n mod k, one past the last sample's.
                    let last = Int(chosen[h + k - 1])
                    let q = s + L.quantileHistory + triangle + (last == k - 1 ? 0 : last + 1)
                    let q0 = q[0], q1 = q[levelStride]
                    s[L.multipliers + k - 1] += eta * ((y > q0 ? 1 : 0) - tail0)
                    s[L.multipliers + h + k - 1] += eta * ((y > q1 ? 1 : 0) - tail1)
                }
            }
            // The windows: the sample w back out, the new one in, each kept in the order of
            // its value. The new sample's slot (`fresh`) is written to the ring after every
            // window is placed (in the day-long window it is the slot leaving, whose entry
            // still holds the old value), so its value is y here. A full window gives the
            // leaving sample's entry (found by its position, no search) to the new one and
            // moves it to its rank: only the entries between the two ranks shift (usage
            // changes little from one sample to the next, so that is few).
            let ring = s + L.ring
            let fresh = n % ringSize
            // The small windows are 3·2^j (`windows`), laid end to end: window j starts at
            // 3·(2^j − 1), its positions `smallCount` (189) further.
            for j in 0..<(c - 1) {
                let w = 3 &<< j
                let window = small.baseAddress! + (w - 3), position = window + 189
                // The newest sample's key; the value of the sample of key k (not the newest).
                let newestKey = Int(keys[j * ringSize + fresh])
                // Branch-free wraps (`x >> 63` is −1 when x < 0, else 0): which way a key wraps
                // is as unpredictable as the data, and a mispredicted branch per comparison
                // cost more than the two masks.
                @inline(__always) func valueOf(_ k: UInt8) -> Double {
                    var back = newestKey - Int(k)
                    back += w & (back >> 63)
                    var slot = fresh - back
                    slot += ringSize & (slot >> 63)
                    return ring[slot]
                }
                var size = min(n, w)
                var i: Int
                if n >= w {
                    // The leaving sample's entry takes the new one (same key) and moves to its rank.
                    var leaving = fresh - w
                    if leaving < 0 { leaving += ringSize }
                    let old = ring[leaving]
                    i = Int(position[newestKey])
                    if y > old {
                        while i + 1 < size, valueOf(window[i + 1]) < y {
                            window[i] = window[i + 1]; position[Int(window[i])] = UInt8(i); i += 1
                        }
                    } else {
                        while i > 0, valueOf(window[i - 1]) > y {
                            window[i] = window[i - 1]; position[Int(window[i])] = UInt8(i); i -= 1
                        }
                    }
                } else {
                    i = size
                    while i > 0, valueOf(window[i - 1]) > y {
                        window[i] = window[i - 1]; position[Int(window[i])] = UInt8(i); i -= 1
                    }
                    size += 1
                }
                window[i] = UInt8(newestKey)
                position[newestKey] = UInt8(i)
                @inline(__always) func value(_ k: Int) -> Double { Int(window[k]) == newestKey ? y : valueOf(window[k]) }
                s[L.medians + j] = size % 2 == 1 ? value(size / 2) : 0.5 * (value(size / 2 - 1) + value(size / 2))
            }
            do {
                // The day-long window: slots, the leaving sample's slot the new one's.
                let w = ringSize, window = day.baseAddress!, position = day.baseAddress! + ringSize
                var size = min(n, w)
                var i: Int
                if n >= w {
                    let old = ring[fresh]
                    i = Int(position[fresh])
                    if y > old {
                        while i + 1 < size, ring[Int(window[i + 1])] < y {
                            window[i] = window[i + 1]; position[Int(window[i])] = UInt16(i); i += 1
                        }
                    } else {
                        while i > 0, ring[Int(window[i - 1])] > y {
                            window[i] = window[i - 1]; position[Int(window[i])] = UInt16(i); i -= 1
                        }
                    }
                } else {
                    i = size
                    while i > 0, ring[Int(window[i - 1])] > y {
                        window[i] = window[i - 1]; position[Int(window[i])] = UInt16(i); i -= 1
                    }
                    size += 1
                }
                window[i] = UInt16(fresh)
                position[fresh] = UInt16(i)
                @inline(__always) func value(_ k: Int) -> Double { Int(window[k]) == fresh ? y : ring[Int(window[k])] }
                s[L.medians + c - 1] = size % 2 == 1 ? value(size / 2) : 0.5 * (value(size / 2 - 1) + value(size / 2))
            }
            s[L.evicted] = n >= ringSize ? ring[fresh] : .nan
            ring[fresh] = y
            let slot = n % h
            for j in 0..<c { s[L.medianHistory + slot * c + j] = s[L.medians + j] }
            // The quantiles issued now: unclamped for the tracking; with the candidate chosen
            // per step, what the forecast publishes (clamped in order when read).
            // Issued at n: step k's slot is n mod (k + 1), the phase (its old entry was judged above).
            // The error averages' start at 0 still weighs startWeight (1 before any update: the
            // averages are all 0 then and so is the band).
            if n >= h { startWeight *= 1 - beta }
            let unbias = startWeight < 1 ? 1 / (1 - startWeight) : 0
            var triangle = 0
            for k in 0..<h {
                defer { triangle += k + 1 }
                var best = 0
                if n >= h {
                    best = Int(chosen[k])   // chosen as the errors were updated above
                } else {
                    for j in 1..<c where s[L.errors + j * h + k] < s[L.errors + best * h + k] { best = j }
                }
                let e = s[L.errors + best * h + k] * unbias, p50 = s[L.medians + best]
                let last = Int(chosen[h + k]), phase = last == k ? 0 : last + 1
                let q = s + L.quantileHistory + triangle + phase
                q[0] = p50 + s[L.multipliers + k] * e
                q[levelStride] = p50 + s[L.multipliers + h + k] * e
                chosen[k] = UInt8(best)
                chosen[h + k] = UInt8(phase)
            }
            }
            }
            }
            }
        }
        count += 1
    }

    /// The last 288 samples (and the one before them) read in place, for as long as `body`
    /// runs: the learned risk's features read their day of usage here instead of keeping
    /// it twice (issue 15 item 4).
    /// (Inlinable: the scorer calls it from another module twice per tick.)
    @inlinable
    public func withDay(_ body: (UsageDay) -> Void) {
        state.withUnsafeBufferPointer { s in
            body(UsageDay(values: s.baseAddress! + layout.ring, size: Self.ringSize, count: count, evicted: s[layout.evicted]))
        }
    }

    /// The ring's size: the longest window (`windows.last`).
    @inlinable public static var ringSize: Int { 288 }

    /// The published p50, p90, p99 of step k (0-based) after at least one sample: the
    /// chosen candidate's median and the quantiles issued at the last update, kept in order.
    @inline(__always)
    private func published(_ k: Int, _ s: UnsafeBufferPointer<Double>) -> (p50: Double, p90: Double, p99: Double) {
        let h = horizon
        // Issued at count − 1, the last sample.
        let q = layout.quantileHistory + Self.quantileIndex(step: k, phase: Int(chosen[h + k]))
        let p50 = s[layout.medians + Int(chosen[k])]
        let p90 = max(p50, s[q])
        return (p50, p90, max(p90, s[q + quantileLevelStride]))
    }

    /// p50, p90, p99 for steps 1…horizon (NaN before the first sample); quantiles kept in order.
    public func forecast() -> (p50: [Double], p90: [Double], p99: [Double]) {
        guard count > 0 else {
            let nan = [Double](repeating: .nan, count: horizon)
            return (nan, nan, nan)
        }
        let rows = state.withUnsafeBufferPointer { s in (0..<horizon).map { published($0, s) } }
        return (rows.map(\.p50), rows.map(\.p90), rows.map(\.p99))
    }

    /// `quantile(step:level:)` for every step and each of `levels`, written step-major
    /// (`out[k · levels.count + j]`, as the scorer's forecast rows); a level the median does
    /// not publish, or every level before the first sample, leaves its entries as they were.
    public func writeQuantiles(levels: [Double], into out: UnsafeMutableBufferPointer<Double>) {
        guard count > 0 else { return }
        let nq = levels.count
        state.withUnsafeBufferPointer { s in
            for k in 0..<min(horizon, out.count / max(nq, 1)) {
                let p = published(k, s)
                for (j, level) in levels.enumerated() {
                    switch level {
                    case 0.5: out[k * nq + j] = p.p50
                    case 0.9: out[k * nq + j] = p.p90
                    case 0.99: out[k * nq + j] = p.p99
                    default: continue
                    }
                }
            }
        }
    }

    /// The quantile at `level` for step k (0-based) from the state: 0.5 → p50, 0.9 → p90,
    /// 0.99 → p99 (kept in order); nil for other levels or before the first sample.
    public func quantile(step k: Int, level: Double) -> Double? {
        guard count > 0, k >= 0, k < horizon else { return nil }
        let p = state.withUnsafeBufferPointer { published(k, $0) }
        switch level {
        case 0.5: return p.p50
        case 0.9: return p.p90
        case 0.99: return p.p99
        default: return nil
        }
    }
}

/// The newest finite samples of one series, read in place from a ring of `size` (no copy):
/// `value(back: 0)` is the newest, `value(back: size)` the one the newest overwrote. Valid
/// only inside the call that hands it out (`AdaptiveWindowMedian.withDay`).
public struct UsageDay {
    public let values: UnsafePointer<Double>
    public let size: Int
    /// Finite samples seen in all.
    public let count: Int
    /// The sample `size` back, NaN when there is none.
    public let evicted: Double
    /// The newest sample's slot.
    public let newest: Int

    @inlinable
    public init(values: UnsafePointer<Double>, size: Int, count: Int, evicted: Double) {
        self.values = values
        self.size = size
        self.count = count
        self.evicted = evicted
        newest = count > 0 ? (count - 1) % size : 0
    }

    /// The sample j back (0 = the newest); NaN when not held (j > size, or before the series' start).
    @inlinable @inline(__always)
    public func value(back j: Int) -> Double {
        if j < count && j < size {
            let slot = newest - j
            return values[slot < 0 ? slot + size : slot]
        }
        return j == size && count > size ? evicted : .nan
    }
}
