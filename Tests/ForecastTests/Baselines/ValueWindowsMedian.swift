import Foundation

/// The adaptive-window median as it was before its sorted windows became ring slots (issue 15
/// item 4): each window kept its values, sorted. A reference only, for `AdaptiveWindowMedianTests`:
/// the slot windows must give the same numbers, bit for bit.
struct ValueWindowsMedian: Sendable, Equatable {
    /// The candidate windows, in samples: a step count by design, not a span of time (the
    /// method chooses among widths of the workload's own sample sequence per step, at any
    /// interval; the study fixed this set on 5-minute data, where 288 is a day).
    static let windows = [3, 6, 12, 24, 48, 96, 288]
    static let levels = [0.9, 0.99]
    let horizon: Int
    let beta: Double
    let eta: Double
    /// Samples seen.
    private(set) var count = 0
    /// Samples before a caller should serve it: twice the horizon (as `AdaptiveWindowMedian`).
    let warmSamples: Int
    /// (1 − β)^u after u updates of the error averages.
    private var startWeight = 1.0
    /// Whether `warmSamples` have been seen.
    var isWarm: Bool { count >= warmSamples }
    /// Every number of the state in one buffer (the scorer updates two series per workload
    /// per tick; one buffer walked through one pointer costs a fifth of separate arrays):
    /// the last 288 samples (ring); per candidate its window's values sorted (windows laid
    /// end to end); A[c·H + k] the EW mean absolute k-step error of candidate c; m[t·H + k]
    /// per level t; the candidate medians of the last H samples (ring of H × 7); the
    /// unclamped quantiles issued at the last H samples (ring of H × 2 × H); the current
    /// medians; the published forecast (per step p50, p90, p99).
    private var state: [Double]
    private let layout: Layout

    private struct Layout: Sendable, Equatable {
        var ring = 0, windows = 0, errors = 0, multipliers = 0, medianHistory = 0, quantileHistory = 0, medians = 0, published = 0, total = 0

        init(horizon h: Int) {
            let c = ValueWindowsMedian.windows.count
            var at = 0
            func take(_ n: Int) -> Int { defer { at += n }; return at }
            ring = take(ValueWindowsMedian.windows.last!)
            windows = take(ValueWindowsMedian.windows.reduce(0, +))
            errors = take(c * h)
            multipliers = take(ValueWindowsMedian.levels.count * h)
            medianHistory = take(h * c)
            quantileHistory = take(h * ValueWindowsMedian.levels.count * h)
            medians = take(c)
            published = take(h * 3)
            total = at
        }
    }

    init(horizon: Int = 12, halfLifeSamples: Double = 864, eta: Double = 0.1, initialMultipliers: [Double] = [1.5, 4.0]) {
        let h = max(1, horizon)
        self.horizon = h
        beta = 1 - pow(2, -1 / max(1, halfLifeSamples))
        self.eta = eta
        warmSamples = 2 * h
        layout = Layout(horizon: h)
        state = .init(repeating: .nan, count: layout.total)
        for i in 0..<(Self.windows.count * h) { state[layout.errors + i] = 0 }
        for t in 0..<Self.levels.count {
            for k in 0..<h { state[layout.multipliers + t * h + k] = initialMultipliers[min(t, initialMultipliers.count - 1)] }
        }
    }

    /// Feeds the next sample; a non-finite one is skipped (no state change).
    mutating func update(_ y: Double) {
        guard y.isFinite else { return }
        let c = Self.windows.count, h = horizon, levels = Self.levels.count, n = count
        let L = layout, beta = self.beta, eta = self.eta
        let tail0 = 1 - Self.levels[0], tail1 = 1 - Self.levels[1]
        state.withUnsafeMutableBufferPointer { buffer in
            let s = buffer.baseAddress!
            if n >= h {
                // slot = (n − k) mod h, what was computed k samples ago: one integer division
                // per update, then stepped down with a wrap.
                var slot = (n - 1) % h
                for k in 1...h {
                    defer { slot = slot == 0 ? h - 1 : slot - 1 }
                    let medians = s + L.medianHistory + slot * c
                    for j in 0..<c {
                        let a = s + L.errors + j * h + k - 1
                        a.pointee += beta * (abs(medians[j] - y) - a.pointee)
                    }
                    let q = s + L.quantileHistory + slot * levels * h + k - 1
                    s[L.multipliers + k - 1] += eta * ((y > q[0] ? 1 : 0) - tail0)
                    s[L.multipliers + h + k - 1] += eta * ((y > q[h] ? 1 : 0) - tail1)
                }
            }
            // The windows: the value w samples back out, the new one in (sorted in place).
            // A full window replaces the leaving value by the new one where it sits and
            // moves it to its rank: only the values between the two ranks shift (usage
            // changes little from one sample to the next, so that is few), not the whole
            // tail twice as a removal followed by an insertion would.
            let ringSize = Self.windows.last!
            var windowStart = L.windows   // the windows are laid end to end in `windows` order
            for (j, w) in Self.windows.enumerated() {
                let window = s + windowStart
                windowStart += w
                var size = min(n, w)
                var placed = false
                if n >= w {
                    let old = s[L.ring + (n - w) % ringSize]
                    var i = Self.lowerBound(old, window, size)
                    if i < size, window[i] == old {
                        if y > old {
                            while i + 1 < size, window[i + 1] < y { window[i] = window[i + 1]; i += 1 }
                        } else {
                            while i > 0, window[i - 1] > y { window[i] = window[i - 1]; i -= 1 }
                        }
                        window[i] = y
                        placed = true
                    }
                }
                if !placed {
                    if size == w { size -= 1 }   // (never: the value leaving was inserted as it is)
                    var i = size
                    while i > 0, window[i - 1] > y { window[i] = window[i - 1]; i -= 1 }
                    window[i] = y
                    size += 1
                }
                s[L.medians + j] = size % 2 == 1 ? window[size / 2] : 0.5 * (window[size / 2 - 1] + window[size / 2])
            }
            s[L.ring + n % ringSize] = y
            let slot = n % h
            for j in 0..<c { s[L.medianHistory + slot * c + j] = s[L.medians + j] }
            // The quantiles issued now: unclamped for the tracking, in order for the forecast
            // (computed once here, so a tick's forecast only reads them); the error averages
            // divided by 1 − their start's weight, as `AdaptiveWindowMedian`.
            if n >= h { startWeight *= 1 - beta }
            let unbias = startWeight < 1 ? 1 / (1 - startWeight) : 0
            for k in 0..<h {
                var best = 0
                for j in 1..<c where s[L.errors + j * h + k] < s[L.errors + best * h + k] { best = j }
                let e = s[L.errors + best * h + k] * unbias, p50 = s[L.medians + best]
                let q90 = p50 + s[L.multipliers + k] * e, q99 = p50 + s[L.multipliers + h + k] * e
                s[L.quantileHistory + slot * levels * h + k] = q90
                s[L.quantileHistory + (slot * levels + 1) * h + k] = q99
                let p90 = max(p50, q90)
                s[L.published + k * 3] = p50
                s[L.published + k * 3 + 1] = p90
                s[L.published + k * 3 + 2] = max(p90, q99)
            }
        }
        count += 1
    }

    /// Index of the first of the `size` sorted values at `base` that is ≥ v.
    @inline(__always)
    private static func lowerBound(_ v: Double, _ base: UnsafeMutablePointer<Double>, _ size: Int) -> Int {
        // Branch-free (Khuong & Morin, "Array layouts for comparison-based searching", 2017):
        // the half kept is chosen by a conditional move, not a jump that mispredicts half
        // the time; [first, first + n] always holds the answer.
        guard size > 0 else { return 0 }
        var first = 0, n = size
        while n > 1 {
            let half = n / 2
            first = base[first + half] < v ? first + half : first
            n -= half
        }
        return first + (base[first] < v ? 1 : 0)
    }

    /// p50, p90, p99 for steps 1…horizon (NaN before the first sample); quantiles kept in order.
    func forecast() -> (p50: [Double], p90: [Double], p99: [Double]) {
        let p = layout.published
        return ((0..<horizon).map { state[p + $0 * 3] }, (0..<horizon).map { state[p + $0 * 3 + 1] },
                (0..<horizon).map { state[p + $0 * 3 + 2] })
    }

    /// `quantile(step:level:)` for every step and each of `levels`, written step-major
    /// (`out[k · levels.count + j]`, as the scorer's forecast rows); a level the median does
    /// not publish, or every level before the first sample, leaves its entries as they were.
    func writeQuantiles(levels: [Double], into out: UnsafeMutableBufferPointer<Double>) {
        guard count > 0 else { return }
        let nq = levels.count
        state.withUnsafeBufferPointer { s in
            let published = s.baseAddress! + layout.published
            for (j, level) in levels.enumerated() {
                let column: Int
                switch level {
                case 0.5: column = 0
                case 0.9: column = 1
                case 0.99: column = 2
                default: continue
                }
                for k in 0..<min(horizon, out.count / max(nq, 1)) { out[k * nq + j] = published[k * 3 + column] }
            }
        }
    }

    /// The quantile at `level` for step k (0-based) from the state: 0.5 → p50, 0.9 → p90,
    /// 0.99 → p99 (kept in order); nil for other levels or before the first sample.
    func quantile(step k: Int, level: Double) -> Double? {
        guard count > 0, k >= 0, k < horizon else { return nil }
        switch level {
        case 0.5: return state[layout.published + k * 3]
        case 0.9: return state[layout.published + k * 3 + 1]
        case 0.99: return state[layout.published + k * 3 + 2]
        default: return nil
        }
    }
}
