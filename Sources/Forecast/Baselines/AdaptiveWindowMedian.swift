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
///    q_τ,k = p50_k + m[τ][k] · A[c*(k)][k]; published p90 = max(q_0.9, p50), p99 = max(q_0.99, p90).
///
/// Constants (the study's, chosen on the weeks before the reported ones): β = 1 − 2^(−1/864)
/// (a 3-day half-life), η = 0.1, m starts at 1.5 and 4.0, H = 12.
public struct AdaptiveWindowMedian: Sendable, Equatable {
    public static let windows = [3, 6, 12, 24, 48, 96, 288]
    public static let levels = [0.9, 0.99]
    public let horizon: Int
    public let beta: Double
    public let eta: Double
    /// The last 288 samples (ring) and, per candidate, its window's values sorted.
    private var ring: [Double]
    private var sorted: [[Double]]
    /// Samples seen.
    public private(set) var count = 0
    /// A[c * horizon + k]: the EW mean absolute k-step error of candidate c.
    private var errors: [Double]
    /// m[t * horizon + k] per level t.
    private var multipliers: [Double]
    /// The candidate medians of the last `horizon` samples (ring of horizon × candidates).
    private var medianHistory: [Double]
    /// The unclamped quantiles issued at the last `horizon` samples (ring of horizon × levels × horizon).
    private var quantileHistory: [Double]
    private var medians: [Double]
    /// The published forecast after the last sample: per step p50, p90, p99 (in order).
    private var published: [Double]

    public init(horizon: Int = 12, halfLifeSamples: Double = 864, eta: Double = 0.1, initialMultipliers: [Double] = [1.5, 4.0]) {
        let h = max(1, horizon), c = Self.windows.count
        self.horizon = h
        beta = 1 - pow(2, -1 / max(1, halfLifeSamples))
        self.eta = eta
        ring = .init(repeating: .nan, count: Self.windows.last!)
        sorted = .init(repeating: [], count: c)
        errors = .init(repeating: 0, count: c * h)
        multipliers = (0..<Self.levels.count).flatMap { t in [Double](repeating: initialMultipliers[min(t, initialMultipliers.count - 1)], count: h) }
        medianHistory = .init(repeating: .nan, count: h * c)
        quantileHistory = .init(repeating: .nan, count: h * Self.levels.count * h)
        medians = .init(repeating: .nan, count: c)
        published = .init(repeating: .nan, count: h * 3)
    }

    /// Feeds the next sample; a non-finite one is skipped (no state change).
    public mutating func update(_ y: Double) {
        guard y.isFinite else { return }
        let c = Self.windows.count, h = horizon, levels = Self.levels.count
        if count >= h {
            for k in 1...h {
                let slot = (count - k) % h   // what was computed k samples ago
                for j in 0..<c {
                    let e = abs(medianHistory[slot * c + j] - y)
                    errors[j * h + k - 1] += beta * (e - errors[j * h + k - 1])
                }
                for t in 0..<levels {
                    let q = quantileHistory[(slot * levels + t) * h + k - 1]
                    let miss = y > q ? 1.0 : 0.0
                    multipliers[t * h + k - 1] += eta * (miss - (1 - Self.levels[t]))
                }
            }
        }
        // The windows: the new value in, the one w samples back out.
        let capacity = ring.count
        for (j, w) in Self.windows.enumerated() {
            if count >= w { Self.remove(ring[(count - w) % capacity], from: &sorted[j]) }
            Self.insert(y, into: &sorted[j])
            let s = sorted[j], n = s.count
            medians[j] = n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
        }
        ring[count % capacity] = y
        let slot = count % h
        for j in 0..<c { medianHistory[slot * c + j] = medians[j] }
        count += 1
        // The quantiles issued now: unclamped for the tracking, in order for the forecast
        // (computed once here, so a tick's forecast only reads them).
        for k in 0..<h {
            let best = bestCandidate(step: k), e = errors[best * h + k], p50 = medians[best]
            let q90 = p50 + multipliers[k] * e, q99 = p50 + multipliers[h + k] * e
            quantileHistory[(slot * levels) * h + k] = q90
            quantileHistory[(slot * levels + 1) * h + k] = q99
            published[k * 3] = p50
            published[k * 3 + 1] = max(p50, q90)
            published[k * 3 + 2] = max(published[k * 3 + 1], q99)
        }
    }

    private func bestCandidate(step k: Int) -> Int {
        var best = 0
        for j in 1..<Self.windows.count where errors[j * horizon + k] < errors[best * horizon + k] { best = j }
        return best
    }

    /// p50, p90, p99 for steps 1…horizon (NaN before the first sample); quantiles kept in order.
    public func forecast() -> (p50: [Double], p90: [Double], p99: [Double]) {
        ((0..<horizon).map { published[$0 * 3] }, (0..<horizon).map { published[$0 * 3 + 1] },
         (0..<horizon).map { published[$0 * 3 + 2] })
    }

    /// The quantile at `level` for step k (0-based) from the state: 0.5 → p50, 0.9 → p90,
    /// 0.99 → p99 (kept in order); nil for other levels or before the first sample.
    public func quantile(step k: Int, level: Double) -> Double? {
        guard count > 0, k >= 0, k < horizon else { return nil }
        switch level {
        case 0.5: return published[k * 3]
        case 0.9: return published[k * 3 + 1]
        case 0.99: return published[k * 3 + 2]
        default: return nil
        }
    }

    private static func insert(_ v: Double, into a: inout [Double]) {
        var lo = 0, hi = a.count
        while lo < hi { let mid = (lo + hi) / 2; if a[mid] < v { lo = mid + 1 } else { hi = mid } }
        a.insert(v, at: lo)
    }

    private static func remove(_ v: Double, from a: inout [Double]) {
        var lo = 0, hi = a.count
        while lo < hi { let mid = (lo + hi) / 2; if a[mid] < v { lo = mid + 1 } else { hi = mid } }
        if lo < a.count, a[lo] == v { a.remove(at: lo) }
    }
}
