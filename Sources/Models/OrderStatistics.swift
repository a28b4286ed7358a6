import Foundation

/// Empirical quantiles by selection: the same values as sorting and reading
/// `empiricalQuantile(sorted:_:)` (numpy's "linear" method), in expected O(n) per level
/// instead of O(n log n), for the scorer's naive-member refresh.
enum OrderStatistics {
    /// Writes the empirical `levels[j]`-quantile of `v[0..<n]` into `out[j]`: with
    /// p = q·(n − 1), ℓ = ⌊p⌋, u = min(ℓ + 1, n − 1), the value s_ℓ + (s_u − s_ℓ)(p − ℓ) over
    /// the sorted values s. Reorders `v`.
    /// - Precondition: n ≥ 1, the values finite, levels in [0, 1].
    static func empiricalQuantiles(_ v: UnsafeMutablePointer<Double>, count n: Int, levels: [Double],
                                   into out: UnsafeMutablePointer<Double>) {
        precondition(n >= 1, "empiricalQuantiles: no values")
        // v[lo..<n] holds exactly the order statistics lo…n−1 (any order); ascending levels
        // narrow it, a descending one starts again from the whole range.
        var lo = 0, previous = -Double.infinity
        for j in levels.indices {
            let q = levels[j]
            if q < previous { lo = 0 }
            previous = q
            let position = q * Double(n - 1)
            let lower = Int(position.rounded(.down)), upper = min(lower + 1, n - 1)
            let fraction = position - Double(lower)
            select(v, lower, lo, n)
            lo = lower
            let a = v[lower]
            var b = a
            if upper > lower {
                b = v[lower + 1]
                for i in (lower + 2)..<max(lower + 2, n) where v[i] < b { b = v[i] }
            }
            out[j] = a + (b - a) * fraction
        }
    }

    /// Rearranges `v[lowerBound..<upperBound]` so that `v[k]` holds the value a sort would put
    /// there, everything before it ≤ it and everything after it ≥ it: Floyd and Rivest's
    /// SELECT (CACM 18(3), 1975, algorithm 489; the formulation of d3-array's `quickselect`),
    /// which first narrows a range over 600 values to a sample around rank k, about
    /// n + min(k, n − k) comparisons. After 64 rounds the rest of the range is sorted (a
    /// bound on the worst case).
    static func select(_ v: UnsafeMutablePointer<Double>, _ k: Int, _ lowerBound: Int, _ upperBound: Int) {
        var left = lowerBound, right = upperBound - 1, rounds = 0
        while right > left {
            rounds += 1
            if rounds > 64 {
                var rest = UnsafeMutableBufferPointer(start: v + left, count: right - left + 1)
                rest.sort()
                return
            }
            if right - left > 600 {
                let n = Double(right - left + 1), m = Double(k - left + 1)
                let z = log(n), s = 0.5 * exp(2 * z / 3)
                let sd = 0.5 * (z * s * (n - s) / n).squareRoot() * (m - n / 2 < 0 ? -1 : 1)
                let newLeft = max(left, Int((Double(k) - m * s / n + sd).rounded(.down)))
                let newRight = min(right, Int((Double(k) + (n - m) * s / n + sd).rounded(.down)))
                select(v, k, newLeft, newRight + 1)
            }
            let t = v[k]
            var i = left, j = right
            v.swapAt(left, k)
            if v[right] > t { v.swapAt(left, right) }
            while i < j {
                v.swapAt(i, j)
                i += 1
                j -= 1
                while v[i] < t { i += 1 }
                while v[j] > t { j -= 1 }
            }
            if v[left] == t {
                v.swapAt(left, j)
            } else {
                j += 1
                v.swapAt(j, right)
            }
            if j <= k { left = j + 1 }
            if k <= j { right = j - 1 }
        }
    }
}

private extension UnsafeMutablePointer where Pointee == Double {
    func swapAt(_ a: Int, _ b: Int) {
        let t = self[a]
        self[a] = self[b]
        self[b] = t
    }
}
