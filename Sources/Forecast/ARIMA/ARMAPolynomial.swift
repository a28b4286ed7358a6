import Foundation

/// Stationarity and invertibility of ARMA polynomials through partial autocorrelations.
///
/// An AR polynomial 1 − φ₁z − … − φ_pz^p has all roots outside the unit circle iff its
/// partial autocorrelations (reflection coefficients) u₁…u_p, obtained by the
/// Durbin–Levinson step-down recursion, all satisfy |u_k| < 1 (Barndorff-Nielsen &
/// Schou 1973; Monahan 1984). The optimiser works on unconstrained x ∈ ℝ^p with
/// u_k = tanh(x_k) (Jones 1980, as R's `arima` with `transform.pars`), so every point
/// it tries is stationary. The MA polynomial 1 + θ₁z + … is invertible iff the AR-type
/// polynomial with coefficients −θ is stationary, so θ = −(the same map); R transforms
/// only the AR part and repairs the MA part afterwards, statsmodels (with
/// `enforce_invertibility`) transforms both, as here.
enum ARMAPolynomial {
    /// Largest |x| mapped: tanh(19) = 1 − 6e-17 rounds to 1, which would make the
    /// polynomial non-stationary; clamping keeps |u| ≤ tanh(18) ≈ 1 − 4.6e-16.
    static let maximumUnconstrained = 18.0

    /// AR coefficients from unconstrained parameters: u_k = tanh(x_k), then
    /// Durbin–Levinson: φ^(k)_k = u_k, φ^(k)_j = φ^(k−1)_j − u_k·φ^(k−1)_{k−j}.
    /// `out` and `work` hold `count` elements each (they may not alias `x`).
    static func coefficients(
        fromUnconstrained x: UnsafePointer<Double>, count: Int,
        into out: UnsafeMutablePointer<Double>, work: UnsafeMutablePointer<Double>
    ) {
        for k in 0..<count {
            let u = tanh(min(max(x[k], -maximumUnconstrained), maximumUnconstrained))
            for j in 0..<k { work[j] = out[j] - u * out[k - 1 - j] }
            for j in 0..<k { out[j] = work[j] }
            out[k] = u
        }
    }

    /// Array form of `coefficients(fromUnconstrained:…)`.
    static func coefficients(fromUnconstrained x: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        var work = out
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                work.withUnsafeMutableBufferPointer { wp in
                    coefficients(fromUnconstrained: xp.baseAddress!, count: x.count, into: op.baseAddress!, work: wp.baseAddress!)
                }
            }
        }
        return out
    }

    /// Partial autocorrelations of AR coefficients by the step-down recursion,
    /// φ^(k−1)_j = (φ^(k)_j + u_k·φ^(k)_{k−j}) / (1 − u_k²), u_k = φ^(k)_k; nil when some
    /// |u_k| ≥ 1 (a root on or inside the unit circle).
    static func partialAutocorrelations(_ phi: [Double]) -> [Double]? {
        var a = phi
        var u = [Double](repeating: 0, count: phi.count)
        var k = phi.count - 1
        while k >= 0 {
            let uk = a[k]
            guard abs(uk) < 1, uk.isFinite else { return nil }
            u[k] = uk
            let denominator = 1 - uk * uk
            var next = a
            for j in 0..<k { next[j] = (a[j] + uk * a[k - 1 - j]) / denominator }
            a = next
            k -= 1
        }
        return u
    }

    /// Unconstrained parameters for AR coefficients (atanh of the partial
    /// autocorrelations), nil if not stationary.
    static func unconstrained(fromCoefficients phi: [Double]) -> [Double]? {
        guard let u = partialAutocorrelations(phi) else { return nil }
        return u.map { atanh($0) }
    }

    /// True when every root of 1 − φ₁z − … − φ_pz^p has modulus > `margin` (≥ 1): the
    /// roots of the polynomial with coefficients φ_j·margin^j are those divided by
    /// `margin`, so the step-down test on them decides it without root finding.
    /// Trailing zeros are ignored; an all-zero polynomial is stationary.
    static func isStationary(_ phi: [Double], rootMargin margin: Double = 1) -> Bool {
        var scaled = phi
        var power = 1.0
        for j in scaled.indices {
            power *= margin
            scaled[j] *= power
        }
        while let last = scaled.last, last == 0 { scaled.removeLast() }
        return partialAutocorrelations(scaled) != nil
    }

    /// True when 1 + θ₁z + … + θ_qz^q has every root of modulus > `margin`.
    static func isInvertible(_ theta: [Double], rootMargin margin: Double = 1) -> Bool {
        isStationary(theta.map { -$0 }, rootMargin: margin)
    }
}
