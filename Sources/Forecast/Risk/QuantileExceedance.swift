/// P(X > a) for one predictive distribution known only through its quantiles
/// q₀ ≤ … ≤ q_{m−1} at levels τ₀ < … < τ_{m−1}.
///
/// **Method.** The quantile function is interpolated piecewise-linearly in standard-normal
/// space: knots (z_j, q_j) with z_j = Φ⁻¹(τ_j), Q(z) linear between knots, and beyond the
/// outer knots extrapolated with the slope of the outermost segment. Then
///
///     z*(a) = sup { z : Q(z) ≤ a },      P(X > a) = 1 − Φ(z*(a)) = Φ(−z*(a)).
///
/// If the quantiles are exactly those of a normal N(μ, σ²) (q_j = μ + σ z_j) then Q is that
/// normal's quantile function everywhere and the result is its survival function
/// Φ(−(a − μ)/σ) for every a ≥ 0, up to rounding.
///
/// **Degenerate cases (the step-function fallback).** With one level, or when the
/// outermost segment on a side has zero width (q_{m−1} = q_{m−2}, or q₁ = q₀), that tail
/// cannot be extrapolated. Then the tail is a step: for a < q₀ the probability is 1, and
/// for a ≥ q_{m−1} it is 1 − τ_{m−1} (the upper tail mass is not placed anywhere finite).
/// This is the largest exceedance consistent with the quantiles, so a degenerate
/// forecast errs towards risk. All quantiles equal to q gives exactly the step
/// P = 1 for a < q, 1 − τ_{m−1} for a ≥ q. Interior zero-width segments need no fallback:
/// they are atoms, and the supremum in z* makes P right-continuous.
///
/// **Quantile crossing.** Non-monotone quantiles are sorted ascending before use
/// (monotone rearrangement: Chernozhukov, Fernández-Val & Galichon, *Econometrica* 78,
/// 2010; the sorted set is never farther from the true quantile function in any Lp norm).
///
/// **Clamping.** Usage is non-negative: the distribution is that of max(Y, 0) where Y has
/// the interpolated quantiles, so P = 1 for a < 0 and P(Y > a) for a ≥ 0 (the quantiles
/// themselves are not clipped, which keeps the exact-normal property above).
///
/// **Other inputs.** a = NaN or +∞ (unconstrained) gives 0. Any non-finite quantile gives
/// NaN ("no forecast").
///
/// The result is non-increasing in a and lies in [0, 1]. Cost: O(m) with no allocation when
/// the quantiles are already sorted, and a stack buffer of m doubles when they are not.
public struct QuantileExceedance: Sendable, Equatable {
    /// Quantile levels τ_j, strictly ascending in (0, 1).
    public let levels: [Double]
    /// z_j = Φ⁻¹(τ_j), the knots' abscissae in standard-normal space.
    public let normalScores: [Double]

    /// - Throws: `RiskError.invalidLevels` unless `levels` is non-empty, finite, strictly
    ///   ascending and inside (0, 1).
    public init(levels: [Double]) throws(RiskError) {
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 && $0 < 1 }),
              zip(levels, levels.dropFirst()).allSatisfy({ $0 < $1 })
        else { throw .invalidLevels(levels) }
        self.levels = levels
        self.normalScores = levels.map(StandardNormal.quantile)
    }

    /// P(X > `allocation`) for quantiles `quantiles[j]` at `levels[j]`.
    /// - Precondition: `quantiles.count == levels.count`.
    public func probability(exceeding allocation: Double, quantiles: [Double]) -> Double {
        quantiles.withUnsafeBufferPointer { probability(exceeding: allocation, quantiles: $0) }
    }

    /// The allocation-free form of `probability(exceeding:quantiles:)` over a buffer (for
    /// example one step of a step-major forecast row).
    public func probability(exceeding allocation: Double, quantiles: UnsafeBufferPointer<Double>) -> Double {
        Self.probability(score: score(exceeding: allocation, quantiles: quantiles))
    }

    /// The exceedance as a normal score: z*(a) with P(X > a) = Φ(−z*(a)) — +∞ where the
    /// probability is 0 (unconstrained), −∞ where it is 1, z_{m−1} for the upper step
    /// 1 − τ_{m−1}, NaN for no forecast. P is decreasing in z*, so the largest of several
    /// probabilities is the one of the smallest score: a caller that needs only maxima (the
    /// risk's max over steps) evaluates Φ once instead of once per step.
    public func score(exceeding allocation: Double, quantiles: UnsafeBufferPointer<Double>) -> Double {
        precondition(quantiles.count == levels.count,
                     "\(quantiles.count) quantiles for \(levels.count) levels")
        return normalScores.withUnsafeBufferPointer { Self.score(exceeding: allocation, quantiles: quantiles, z: $0) }
    }

    /// `score(exceeding:quantiles:)` with the knots' normal scores `z` (`normalScores`, as
    /// many as `quantiles`) passed in: a caller scoring many steps reads them once.
    @inline(__always)
    static func score(exceeding allocation: Double, quantiles: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Double {
        if allocation.isNaN || allocation == .infinity { return .infinity }
        var sorted = true
        for j in 0..<quantiles.count {
            guard quantiles[j].isFinite else { return .nan }
            if j > 0, quantiles[j] < quantiles[j - 1] { sorted = false }
        }
        if allocation < 0 { return -.infinity }
        if sorted { return Self.survivalScore(allocation, quantiles: quantiles, z: z) }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: quantiles.count) { buffer in
            _ = buffer.initialize(from: quantiles)
            Self.insertionSort(buffer)
            return Self.survivalScore(allocation, quantiles: UnsafeBufferPointer(buffer), z: z)
        }
    }

    /// Sorts `buffer` ascending in place: insertion sort, as m is a handful of levels.
    @inline(__always)
    static func insertionSort(_ buffer: UnsafeMutableBufferPointer<Double>) {
        for i in 1..<Swift.max(1, buffer.count) {
            let value = buffer[i]
            var k = i
            while k > 0, buffer[k - 1] > value { buffer[k] = buffer[k - 1]; k -= 1 }
            buffer[k] = value
        }
    }

    /// Φ(−score): the probability of a `score(exceeding:quantiles:)` (0 for +∞, 1 for −∞,
    /// NaN for NaN).
    @inline(__always)
    public static func probability(score: Double) -> Double {
        score.isNaN ? .nan : StandardNormal.cdf(-score)
    }

    /// Q(z): the interpolated quantile function of the method above at the normal score `z`
    /// (a level τ is z = Φ⁻¹(τ)), clamped at 0 as usage is. Linear between the knots
    /// (z_j, q_j), the outermost segment's slope beyond them; non-monotone quantiles are
    /// sorted first. At a knot it is that level's quantile; exact normal quantiles give
    /// μ + σ z everywhere (before the clamp).
    ///
    /// One difference from the exceedance: where the outermost segment on a side has zero
    /// width (and with one level) the tail is flat at the outer quantile, where the
    /// exceedance steps (it puts the tail's mass beyond every finite value). A caller that
    /// sizes from Q gets the forecast's top quantile, not +∞, when the forecast shows no
    /// spread above it.
    ///
    /// NaN when `z` is NaN, any quantile is not finite, or the counts differ (or are 0).
    /// No allocation when the quantiles are sorted.
    public static func quantile(atNormalScore z: Double, quantiles: UnsafeBufferPointer<Double>,
                                normalScores: UnsafeBufferPointer<Double>) -> Double {
        guard !z.isNaN, quantiles.count == normalScores.count, !quantiles.isEmpty else { return .nan }
        var sorted = true
        for j in 0..<quantiles.count {
            guard quantiles[j].isFinite else { return .nan }
            if j > 0, quantiles[j] < quantiles[j - 1] { sorted = false }
        }
        if sorted { return max(0, interpolate(z, quantiles: quantiles, z: normalScores)) }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: quantiles.count) { buffer in
            _ = buffer.initialize(from: quantiles)
            Self.insertionSort(buffer)
            return max(0, interpolate(z, quantiles: UnsafeBufferPointer(buffer), z: normalScores))
        }
    }

    /// `quantile(atNormalScore:quantiles:normalScores:)` at level `tau` with this model's knots
    /// (NaN unless `quantiles.count == levels.count`).
    public func quantile(at tau: Double, quantiles: [Double]) -> Double {
        quantiles.withUnsafeBufferPointer { q in
            normalScores.withUnsafeBufferPointer { Self.quantile(atNormalScore: StandardNormal.quantile(tau), quantiles: q, normalScores: $0) }
        }
    }

    /// Q(z) for sorted, finite quantiles (no clamp).
    @inline(__always)
    static func interpolate(_ x: Double, quantiles q: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Double {
        let m = q.count
        guard m > 1 else { return q[0] }
        // The segment [j, j + 1] that holds x, or the outer one beyond the knots.
        var j = 0
        while j < m - 2, x > z[j + 1] { j += 1 }
        return q[j] + (x - z[j]) * (q[j + 1] - q[j]) / (z[j + 1] - z[j])
    }

    /// z*(a) of the method above for sorted, finite quantiles and a finite allocation a ≥ 0.
    @inline(__always)
    static func survivalScore(_ a: Double, quantiles q: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Double {
        let m = q.count
        let last = m - 1
        if a < q[0] {
            // Lower tail: extrapolate with the first segment's slope, or step to 1.
            guard m > 1, q[1] > q[0] else { return -.infinity }
            return z[0] + (a - q[0]) * (z[1] - z[0]) / (q[1] - q[0])
        }
        if a >= q[last] {
            // Upper tail: extrapolate with the last segment's slope, or step to 1 − τ_{m−1}
            // (Φ(−z_{m−1}) = 1 − τ_{m−1}).
            guard m > 1, q[last] > q[last - 1] else { return z[last] }
            return z[last] + (a - q[last]) * (z[last] - z[last - 1]) / (q[last] - q[last - 1])
        }
        // q₀ ≤ a < q_{m−1}: the last knot j with q_j ≤ a; then q_j ≤ a < q_{j+1}.
        var j = 0
        while q[j + 1] <= a { j += 1 }
        return z[j] + (a - q[j]) * (z[j + 1] - z[j]) / (q[j + 1] - q[j])
    }
}
