import Foundation

/// The exact Gaussian likelihood by the Kalman filter (Harvey 1989 §3.4; Durbin & Koopman
/// 2012 §4.3), concentrated in σ² and β.
///
/// State s_t = (α_t, u_{t−1}, …, u_{t−D}) of dimension m = r + D, where α_t is the ARMA
/// state (see `computeStationaryCovariance`) and u the level of the regression error;
/// observation u_t = Z s_t = α_t[0] + Σ δ_j u_{t−j} with no measurement noise. D is the
/// filter's own differencing (`setDifferencing`): 0 when the caller filters an already
/// differenced series (the fast path for complete data), d when it filters levels (series
/// with missing samples, and the online state). In the latter case the first D observed
/// values are taken as known lags and α starts from its stationary law: that is the
/// exact diffuse likelihood of the levels, equal to the exact likelihood of the
/// differenced series (Durbin & Koopman §5.7), with no κ = 10⁶ approximation.
///
/// The gains K_t = P_t Zᵀ / F_t and variances F_t = Z P_t Zᵀ do not depend on the data,
/// so they are computed once per evaluation and every column (target and regressors)
/// then runs only the O(m) mean recursion. Once P_t stops changing (max-norm change
/// ≤ 1e-12, in units of σ²) the last gain is reused until the next missing sample: the
/// steady-state shortcut of statsmodels, exact to that tolerance. A missing target
/// value (NaN) makes that step predict only: s ← T s, P ← T P Tᵀ + R Rᵀ.
extension ARIMAWorkspace {
    /// Tolerance on the change of P_t (σ² units) to switch to the steady-state gain.
    static let steadyStateTolerance = 1e-12

    /// Computes gains and variances for steps start..<n. Returns false when the
    /// stationary covariance cannot be formed.
    func computeGains(start: Int) -> Bool {
        guard computeStationaryCovariance() else { return false }
        let kernels = self.kernels
        let r = self.r, m = kernels.m, mm = m * m
        var pm = covariance, next = covarianceNext
        pm.update(repeating: 0, count: mm)
        for i in 0..<r { for k in 0..<r { pm[i * m + k] = stationary[i * r + k] } }
        for t in 0..<min(start, n) { gainRow[t] = -2 }
        var rows: Int32 = 0
        var converged = false
        // Σ log F_t: logs of products of F (each F ≥ 1 in σ² units) taken before they can
        // overflow, plus (steady-state steps) × log F of the steady state.
        var sumLog = 0.0, product = 1.0, lastLog = 0.0, steadySteps = 0
        var observations = 0
        defer {
            gainSumLogVariance = sumLog + log(product) + Double(steadySteps) * lastLog
            gainObservations = observations
        }
        for t in start..<max(n, start) {
            if missing[t] {
                gainRow[t] = -1
                kernels.predictCovariance(pm, into: next, scratch: stateTemp)
                swap(&pm, &next)
                if converged {
                    sumLog += Double(steadySteps) * lastLog
                    steadySteps = 0
                    converged = false
                }
                continue
            }
            observations += 1
            if converged {
                gainRow[t] = rows &- 1
                steadySteps += 1
                continue
            }
            let f = kernels.covarianceTimesZ(pm, into: pz)
            guard f > 0, f.isFinite else { return false }
            let row = Int(rows)
            let gain = gains + row * m
            let inverseF = 1 / f
            for i in 0..<m { gain[i] = pz[i] * inverseF }
            innovationVariance[row] = f
            inverseSqrtVariance[row] = inverseF.squareRoot()
            product *= f
            if product > 1e280 { sumLog += log(product); product = 1 }
            gainRow[t] = rows
            rows += 1
            // Filtered P − M Mᵀ / F, then predicted T(·)Tᵀ + R Rᵀ.
            let filteredCovariance = covarianceTemp
            for i in 0..<m {
                let scaled = gain[i]
                for k in 0..<m { filteredCovariance[i &* m &+ k] = pm[i &* m &+ k] - scaled * pz[k] }
            }
            kernels.predictCovariance(filteredCovariance, into: next, scratch: stateTemp)
            var change = 0.0
            for i in 0..<mm {
                let difference = abs(next[i] - pm[i])
                change = difference > change ? difference : change
            }
            swap(&pm, &next)
            if change <= ARIMAWorkspace.steadyStateTolerance {
                converged = true
                lastLog = log(f)  // the steady state reuses this row: its log F counts per step
            }
        }
        return true
    }

    /// Runs the mean recursion on column c with the gains of `computeGains(start:)`,
    /// writing standardised innovations v_t/√F_t into `filtered` (0 where the step is
    /// missing or before `start`). With D > 0 the lags start at the column's values
    /// before `start`.
    func filterColumn(_ c: Int, start: Int) {
        let x = columns + c * n
        let out = filtered + c * n
        for t in 0..<min(start, n) { out[t] = 0 }
        if filterD == 0 {
            filterDifferencedColumn(x, out: out, start: start)
            return
        }
        let kernels = self.kernels
        let r = self.r, d = filterD, m = kernels.m
        var a = stateMean, b = stateTemp
        a.update(repeating: 0, count: m)
        for j in 0..<d { a[r + j] = x[start - 1 - j] }
        let gains = self.gains, inverseSqrt = self.inverseSqrtVariance, gainRow = self.gainRow
        for t in start..<max(n, start) {
            let row = Int(gainRow[t])
            if row < 0 {
                out[t] = 0
            } else {
                let v = x[t] - kernels.observe(a)
                out[t] = v * inverseSqrt[row]
                let gain = gains + row * m
                for i in 0..<m { a[i] += gain[i] * v }
            }
            kernels.transition(a, into: b)
            swap(&a, &b)
        }
    }

    /// `filterColumn` for D = 0 (the hot loop of every fit on complete data): the
    /// update a + K v and the transition T(·) fused in place,
    /// a_i ← φ_i (a₀ + K₀v) + (a_{i+1} + K_{i+1}v).
    private func filterDifferencedColumn(_ x: UnsafeMutablePointer<Double>, out: UnsafeMutablePointer<Double>, start: Int) {
        let r = self.r
        let a = stateMean, phi = self.phi
        a.update(repeating: 0, count: r)
        let gains = self.gains, inverseSqrt = self.inverseSqrtVariance, gainRow = self.gainRow
        for t in start..<max(n, start) {
            let row = Int(gainRow[t])
            if row < 0 {
                out[t] = 0
                let a0 = a[0]
                for i in 0..<(r - 1) { a[i] = phi[i] * a0 + a[i + 1] }
                a[r - 1] = phi[r - 1] * a0
                continue
            }
            let v = x[t] - a[0]
            out[t] = v * inverseSqrt[row]
            let gain = gains + row * r
            let b0 = a[0] + gain[0] * v
            for i in 0..<(r - 1) { a[i] = phi[i] * b0 + (a[i + 1] + gain[i + 1] * v) }
            a[r - 1] = phi[r - 1] * b0
        }
    }

    /// `filterDifferencedColumn` for all columns at once. The column recursions are
    /// independent, so interleaving them (columns in the inner loop) turns one
    /// latency-bound dependency chain into `columnCount` parallel ones.
    private func filterDifferencedColumns(start: Int) {
        let r = self.r, columns = columnCount, n = self.n
        let a = columnStates, v = columnStates + r * columns, b0 = v + columns
        a.update(repeating: 0, count: r * columns)
        for c in 0..<columns { for t in 0..<min(start, n) { filtered[c * n + t] = 0 } }
        let phi = self.phi, gains = self.gains, inverseSqrt = self.inverseSqrtVariance, gainRow = self.gainRow
        let x = self.columns, out = filtered
        for t in start..<max(n, start) {
            let row = Int(gainRow[t])
            if row < 0 {
                for c in 0..<columns {
                    out[c * n + t] = 0
                    b0[c] = a[c]
                    v[c] = 0
                }
            } else {
                let scale = inverseSqrt[row], g0 = gains[row * r]
                for c in 0..<columns {
                    let value = x[c * n + t] - a[c]
                    v[c] = value
                    out[c * n + t] = value * scale
                    b0[c] = a[c] + g0 * value
                }
            }
            let gain = gains + max(row, 0) * r
            for i in 0..<(r - 1) {
                let f = phi[i], g = row < 0 ? 0 : gain[i + 1]
                let current = a + i * columns, next = a + (i + 1) * columns
                for c in 0..<columns { current[c] = f * b0[c] + next[c] + g * v[c] }
            }
            let last = a + (r - 1) * columns, f = phi[r - 1]
            for c in 0..<columns { last[c] = f * b0[c] }
        }
    }

    /// The concentrated exact likelihood for the current ARMA coefficients, β profiled;
    /// nil when it cannot be evaluated (non-stationary edge, collinear filtered regressors).
    func exactLikelihood(start: Int) -> ProfiledFit? {
        guard computeGains(start: start) else { return nil }
        if filterD == 0 && columnCount > 1 {
            filterDifferencedColumns(start: start)
        } else {
            for c in 0..<columnCount { filterColumn(c, start: start) }
        }
        guard let sumOfSquares = profileRegression(from: start) else { return nil }
        return ProfiledFit(sumOfSquares: sumOfSquares, sumLogVariance: gainSumLogVariance, observations: gainObservations)
    }
}
