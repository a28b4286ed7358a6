/// Pointer kernels for the structured transition of the ARIMA state space, shared by the
/// likelihood workspace and the online `ARIMAState`.
///
/// State s = (α₀…α_{r−1}, u_{t−1}…u_{t−D}), m = r + D. Transition T:
/// * rows i < r:  (T s)_i = φ_i α₀ + α_{i+1}   (α_r ≡ 0, φ_i = 0 for i ≥ p),
/// * row r:       (T s)_r = Z s = α₀ + Σ_j δ_j u_{t−j}   (the level just observed),
/// * rows r + j:  (T s)_{r+j} = u_{t−j}   (shift), j = 1…D−1.
/// Disturbance: R = (1, θ₁, …, θ_{r−1}, 0…0), so R Rᵀ touches only the r × r block.
/// Every product with T costs O(m), every T P Tᵀ O(m²): no dense m × m × m products.
struct StateSpaceKernels {
    let r: Int
    let d: Int
    let phi: UnsafePointer<Double>
    let rVector: UnsafePointer<Double>
    let delta: UnsafePointer<Double>

    var m: Int { r + d }

    /// Z s = α₀ + Σ δ_j u_{t−j}.
    @inline(__always) func observe(_ s: UnsafePointer<Double>) -> Double {
        var value = s[0]
        for j in 0..<d { value += delta[j] * s[r + j] }
        return value
    }

    /// b = T a (a and b distinct).
    @inline(__always) func transition(_ a: UnsafePointer<Double>, into b: UnsafeMutablePointer<Double>) {
        let a0 = a[0]
        for i in 0..<(r - 1) { b[i] = phi[i] * a0 + a[i + 1] }
        b[r - 1] = phi[r - 1] * a0
        if d > 0 {
            var j = d - 1
            while j >= 1 { b[r + j] = a[r + j - 1]; j -= 1 }
            b[r] = observe(a)
        }
    }

    /// pz = P Zᵀ (m values); returns F = Z P Zᵀ.
    @inline(__always) func covarianceTimesZ(_ p: UnsafePointer<Double>, into pz: UnsafeMutablePointer<Double>) -> Double {
        let m = self.m
        for i in 0..<m {
            var value = p[i * m]
            for j in 0..<d { value += delta[j] * p[i * m + r + j] }
            pz[i] = value
        }
        var f = pz[0]
        for j in 0..<d { f += delta[j] * pz[r + j] }
        return f
    }

    /// out = T P Tᵀ + R Rᵀ (P, out m × m row-major, distinct; `scratch` holds m values).
    func predictCovariance(_ pIn: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
                           scratch: UnsafeMutablePointer<Double>) {
        if d == 0 {
            predictARMACovariance(pIn, into: out)
            return
        }
        let m = self.m
        for i in 0..<m {
            let row = out + i * m
            // row = (T P)_i·
            if i < r {
                let f = phi[i]
                if i + 1 < r {
                    for k in 0..<m { row[k] = f * pIn[k] + pIn[(i + 1) * m + k] }
                } else {
                    for k in 0..<m { row[k] = f * pIn[k] }
                }
            } else if i == r {
                for k in 0..<m {
                    var value = pIn[k]
                    for j in 0..<d { value += delta[j] * pIn[(r + j) * m + k] }
                    row[k] = value
                }
            } else {
                for k in 0..<m { row[k] = pIn[(i - 1) * m + k] }
            }
            // row ← row Tᵀ: (row Tᵀ)_l = (T rowᵀ)_l.
            for k in 0..<m { scratch[k] = row[k] }
            transition(scratch, into: row)
        }
        for i in 0..<r {
            let ri = rVector[i]
            if ri == 0 { continue }
            for k in 0..<r { out[i * m + k] += ri * rVector[k] }
        }
    }

    /// `predictCovariance` for D = 0 (the fitting hot path), element by element from
    /// (T P Tᵀ)_ik = φ_iφ_k P_00 + φ_i P_{0,k+1} + φ_k P_{i+1,0} + P_{i+1,k+1} (indices ≥ r
    /// dropped), upper triangle then mirrored: about a quarter of the generic work.
    @inline(__always) private func predictARMACovariance(_ pIn: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let r = self.r
        let p00 = pIn[0]
        for i in 0..<r {
            let fi = phi[i], ri = rVector[i]
            let rowBelow = i + 1 < r ? pIn + (i + 1) * r : nil
            for k in i..<r {
                let fk = phi[k]
                var value = fi * fk * p00 + ri * rVector[k]
                if k + 1 < r {
                    value += fi * pIn[k + 1]
                    if let rowBelow { value += rowBelow[k + 1] }
                }
                if let rowBelow { value += fk * rowBelow[0] }
                out[i * r + k] = value
                out[k * r + i] = value
            }
        }
    }
}
