/// Profiling β out of a filtered regression, and the conditional sum of squares.
extension ARIMAWorkspace {
    /// With `filtered` holding the filtered target ṽ₀ and regressors ṽ₁…ṽ_k over
    /// start..<n, forms S = Ṽᵀ Ṽ, solves S_xx β̂ = S_xy by Cholesky into `beta` and
    /// returns the residual sum of squares S_yy − β̂ᵀ S_xy (nil when S_xx is not
    /// numerically positive definite — collinear regressors — or the residual is not
    /// positive).
    func profileRegression(from start: Int) -> Double? {
        let columns = columnCount, count = n - start
        guard count > 0 else { return nil }
        let s = crossProducts
        if columns == 1 {
            s[0] = sumOfSquares(filtered + start, count: count)
        } else {
            // S = F Fᵀ with F the columns × count block of `filtered` (row stride n).
            let block = UnsafeMatrixView(baseAddress: UnsafePointer(filtered + start), rows: columns, cols: count, leadingDimension: n)
            BLAS.gemm(a: block, b: block, transB: .transposed,
                      c: UnsafeMutableMatrixView(baseAddress: s, rows: columns, cols: columns))
        }
        let syy = s[0]
        let k = columns - 1
        guard k > 0 else { return syy > 0 && syy.isFinite ? syy : nil }
        // Cholesky S_xx = L Lᵀ (lower, row-major k × k) into `cholesky`.
        let l = cholesky
        for i in 0..<k {
            for j in 0...i {
                var sum = s[(i + 1) * columns + (j + 1)]
                for t in 0..<j { sum -= l[i * k + t] * l[j * k + t] }
                if i == j {
                    // Relative pivot test: a regressor the others explain to 1e-12 is collinear.
                    guard sum > 1e-12 * s[(i + 1) * columns + (i + 1)], sum.isFinite else { return nil }
                    l[i * k + i] = sum.squareRoot()
                } else {
                    l[i * k + j] = sum / l[j * k + j]
                }
            }
        }
        // Forward: L z = S_xy; the residual sum of squares is S_yy − ‖z‖²; back: Lᵀ β = z.
        var reduction = 0.0
        for i in 0..<k {
            var sum = s[i + 1]
            for t in 0..<i { sum -= l[i * k + t] * beta[t] }
            beta[i] = sum / l[i * k + i]
            reduction += beta[i] * beta[i]
        }
        var i = k - 1
        while i >= 0 {
            var sum = beta[i]
            for t in (i + 1)..<max(k, i + 1) { sum -= l[t * k + i] * beta[t] }
            beta[i] = sum / l[i * k + i]
            i -= 1
        }
        let rss = syy - reduction
        return rss > 0 && rss.isFinite ? rss : nil
    }

    /// Σ x_t² with four accumulators (the compiler may not reorder a floating-point
    /// reduction itself; four chains hide the add latency).
    private func sumOfSquares(_ x: UnsafeMutablePointer<Double>, count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var t = 0
        while t + 4 <= count {
            s0 += x[t] * x[t]
            s1 += x[t + 1] * x[t + 1]
            s2 += x[t + 2] * x[t + 2]
            s3 += x[t + 3] * x[t + 3]
            t += 4
        }
        while t < count { s0 += x[t] * x[t]; t += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// The conditional sum of squares (Box & Jenkins §7.1; R's `ARIMA_CSS`) of the
    /// (differenced) columns for the current φ, θ, with β profiled:
    ///
    ///     e_t = w_t − Σ_{j≤p} φ_j w_{t−j} − Σ_{j≤q} θ_j e_{t−j},   t = p…n−1,  e_t = 0 for t < p.
    ///
    /// A step whose target residual is not finite (a missing sample within reach) gets
    /// e_t = 0 in every column and is left out of the sums, so the residual of
    /// w − Xβ is still e(w) − Σ β_j e(x_j). Returns nil when nothing is left or the
    /// regressors are collinear.
    func conditionalSumOfSquares() -> ProfiledFit? {
        let start = p
        guard start < n else { return nil }
        var observations = 0
        for c in 0..<columnCount {
            let x = columns + c * n
            let e = filtered + c * n
            for t in 0..<start { e[t] = 0 }
            for t in start..<n {
                var value = x[t]
                for j in 0..<p { value -= phi[j] * x[t - 1 - j] }
                for j in 0..<min(q, t - start) { value -= theta[j] * e[t - 1 - j] }
                if c == 0 {
                    if value.isFinite {
                        missing[t] = false
                        observations += 1
                    } else {
                        value = 0
                        missing[t] = true  // reused as "excluded" for the other columns
                    }
                } else if missing[t] {
                    value = 0
                }
                e[t] = value
            }
        }
        // Restore the missing-target flags the exact filter relies on.
        if hasMissing {
            for t in 0..<n { missing[t] = columns[t].isNaN }
        } else {
            for t in 0..<n { missing[t] = false }
        }
        guard observations > 0, let rss = profileRegression(from: start) else { return nil }
        return ProfiledFit(sumOfSquares: rss, sumLogVariance: 0, observations: observations)
    }
}
