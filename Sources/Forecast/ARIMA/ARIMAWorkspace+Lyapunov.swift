/// The stationary covariance of the ARMA state.
///
/// In Harvey's representation (R's `arima`), the ARMA state α_t (r = max(p, q+1)) moves
/// as α_{t+1} = T α_t + R ε_{t+1}, with T's first column φ (padded), ones on the
/// superdiagonal, and R = (1, θ₁, …, θ_{r−1}). With σ² = 1 its stationary covariance P₀
/// solves the discrete Lyapunov equation P₀ = T P₀ Tᵀ + R Rᵀ. Because T has at most two
/// non-zeros per row,
///
///     (T P Tᵀ)_ik = φ_i φ_k P_00 + φ_i P_{0,k+1} + φ_k P_{i+1,0} + P_{i+1,k+1}
///
/// (indices ≥ r dropped), so the equation is a sparse linear system in the s = r(r+1)/2
/// unknowns of the upper triangle, solved here by Gaussian elimination with partial
/// pivoting: O(s³) = O(r⁶/8), 216 flops for ARIMA(2,1,2), ~3,000 for r = 6.
/// (Gardner et al.'s 1980 algorithm in R is the same system solved differently.)
extension ARIMAWorkspace {
    /// Computes P₀ into `stationary` (r × r). Returns false when the system is singular
    /// (φ on the edge of stationarity), so the caller can reject the point.
    func computeStationaryCovariance() -> Bool {
        stationaryARMACovariance(r: r, phi: phi, rVector: rVector, into: stationary, system: lyapunov, rhs: lyapunovRHS)
    }
}

/// Upper-triangle index of (i, k), i ≤ k, in an r × r symmetric matrix.
@inline(__always) private func packedIndex(_ i: Int, _ k: Int, _ r: Int) -> Int {
    i * r - i * (i - 1) / 2 + (k - i)
}

/// P₀ with P₀ = T P₀ Tᵀ + R Rᵀ (see above) into `out` (r × r, row-major), given φ and R
/// padded to r. `system` holds s² and `rhs` s doubles, s = r(r+1)/2. Returns false when
/// the system is singular or the solution is not a covariance (non-positive diagonal).
func stationaryARMACovariance(
    r: Int, phi: UnsafePointer<Double>, rVector: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
    system a: UnsafeMutablePointer<Double>, rhs b: UnsafeMutablePointer<Double>
) -> Bool {
    if r == 1 {
        let denominator = 1 - phi[0] * phi[0]
        guard denominator > 0 else { return false }
        out[0] = 1 / denominator
        return true
    }
    let s = r * (r + 1) / 2
    a.update(repeating: 0, count: s * s)
    for i in 0..<r {
        for k in i..<r {
            let equation = packedIndex(i, k, r)
            let row = equation * s
            b[equation] = rVector[i] * rVector[k]
            a[row + packedIndex(i, k, r)] += 1
            a[row] -= phi[i] * phi[k]
            if k + 1 < r { a[row + packedIndex(0, k + 1, r)] -= phi[i] }
            if i + 1 < r { a[row + packedIndex(0, i + 1, r)] -= phi[k] }
            if i + 1 < r && k + 1 < r { a[row + packedIndex(i + 1, k + 1, r)] -= 1 }
        }
    }
    guard solveSmallSystem(a, b, s) else { return false }
    for i in 0..<r {
        for k in i..<r {
            let value = b[packedIndex(i, k, r)]
            out[i * r + k] = value
            out[k * r + i] = value
        }
    }
    // A covariance has a non-negative diagonal (zeros occur: with φ = θ = 0 only α₀ varies);
    // a clearly negative or non-finite one is a numerically lost solve.
    guard out[0] >= 1, out[0].isFinite else { return false }
    for i in 1..<r where !(out[i * r + i] >= -1e-10 * out[0]) || !out[i * r + i].isFinite { return false }
    return true
}

/// Solves A x = b in place (A row-major n × n, destroyed; x overwrites b) by Gaussian
/// elimination with partial pivoting. Returns false when a pivot is below 1e-14 times the
/// largest element of A (singular to working precision). For the tiny systems of the ARIMA
/// kernels only (n ≲ 30), where a LAPACK call would cost more than the arithmetic.
private func solveSmallSystem(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
    var scale = 0.0
    for i in 0..<(n * n) { scale = max(scale, abs(a[i])) }
    guard scale > 0, scale.isFinite else { return false }
    let threshold = 1e-14 * scale
    for column in 0..<n {
        var pivotRow = column
        var pivotValue = abs(a[column * n + column])
        for row in (column + 1)..<max(n, column + 1) where abs(a[row * n + column]) > pivotValue {
            pivotRow = row
            pivotValue = abs(a[row * n + column])
        }
        guard pivotValue > threshold else { return false }
        if pivotRow != column {
            for j in column..<n { swap(&a[column * n + j], &a[pivotRow * n + j]) }
            swap(&b[column], &b[pivotRow])
        }
        let pivot = a[column * n + column]
        for row in (column + 1)..<max(n, column + 1) {
            let factor = a[row * n + column] / pivot
            if factor == 0 { continue }
            for j in (column + 1)..<n { a[row * n + j] -= factor * a[column * n + j] }
            b[row] -= factor * b[column]
        }
    }
    var row = n - 1
    while row >= 0 {
        var sum = b[row]
        for j in (row + 1)..<max(n, row + 1) { sum -= a[row * n + j] * b[j] }
        b[row] = sum / a[row * n + row]
        row -= 1
    }
    return true
}
