import Foundation

/// Hyperparameters of the Platt calibration fit (`RiskCalibration`), and the fit.
///
/// Objective (minimised): the weighted negative log-likelihood plus a ridge on the slopes,
///
///     L(b) = −Σ_i w_i [y_i log p_i + (1 − y_i) log(1 − p_i)] + ½ λ (b₁² + b₂²),
///     p_i = σ(b₀ + b₁ x₁ᵢ + b₂ x₂ᵢ),
///
/// by Newton–Raphson (equivalently IRLS): gradient g = Σ w_i (p_i − y_i) x_i + λ (0, b₁, b₂),
/// Hessian H = Σ w_i p_i (1 − p_i) x_i x_iᵀ + λ diag(0, 1, 1), step Δ = H⁻¹ g by a 3 × 3
/// Cholesky solve, halved (up to 30 times) until L does not increase. Start:
/// b₀ = logit(weighted breach rate), b₁ = b₂ = 0.
///
/// Convergence: when the Newton step has |Δ_j| ≤ `tolerance` · max(1, |b_j|) for every j,
/// or the Newton decrement gᵀH⁻¹g (twice the predicted decrease of L) is ≤ 1e-13 · max(1, L),
/// the rounding level of L's sum; the step is then taken (Newton converges quadratically,
/// so the remaining error is far below the tolerance). Once the decrement is ≤ 1e-6 · max(1, L)
/// steps are taken in full without the line search, which could not tell their effect
/// from rounding. Otherwise `RiskError.calibrationDidNotConverge` after `maximumIterations`.
public struct RiskCalibrationSpec: Sendable, Codable, Equatable {
    /// λ, the ridge on b₁ and b₂ (not on the intercept), in units of the log-likelihood.
    /// Default 1e-6: it keeps H positive definite when a feature is constant — x₂ ≡ 0 for
    /// workloads without an HMM, or x₁ ≡ logit(1e-4) when the raw risk was always 0 — where
    /// it drives that coefficient to 0, and it keeps the coefficients finite under perfect
    /// separation. On non-degenerate data it moves the coefficients by about
    /// λ / (n · p(1 − p) · var x) relative: ≈ 3e-8 on a 2,000-row held-out set, far below any
    /// sampling error.
    public var ridge: Double
    /// Minimum number of breaches and of non-breaches (samples with positive weight) to
    /// fit; below it, `fit` returns `RiskCalibration.fallback`. Default 20: ten events per
    /// slope (Peduzzi et al., *J Clin Epidemiol* 49, 1996) for the two slopes.
    public var minimumPerClass: Int
    /// Newton iteration cap. Default 100 (non-separable data converges in under 10).
    public var maximumIterations: Int
    /// Relative step tolerance (see above). Default 1e-10.
    public var tolerance: Double

    public init(ridge: Double = 1e-6, minimumPerClass: Int = 20, maximumIterations: Int = 100, tolerance: Double = 1e-10) {
        self.ridge = ridge
        self.minimumPerClass = minimumPerClass
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
    }

    /// Fits the calibration on held-out samples.
    ///
    /// - Returns: the fitted `RiskCalibration`, or the identity fallback (`isFallback`) when
    ///   there are fewer than `minimumPerClass` breaches or non-breaches (including no
    ///   samples and all-one-class labels).
    /// - Throws: `RiskError.invalidSpec` for out-of-range hyperparameters,
    ///   `.invalidSample` for a raw risk or heavy-phase probability outside [0, 1] (or NaN)
    ///   or a negative / non-finite weight, `.singularFeatures` when ridge 0 meets a
    ///   constant feature, `.calibrationDidNotConverge`.
    public func fit(_ samples: [RiskCalibrationSample]) throws(RiskError) -> RiskCalibration {
        guard ridge >= 0, ridge.isFinite else { throw .invalidSpec("ridge \(ridge) must be finite and ≥ 0") }
        guard minimumPerClass >= 1 else { throw .invalidSpec("minimumPerClass \(minimumPerClass) must be ≥ 1") }
        guard maximumIterations >= 1 else { throw .invalidSpec("maximumIterations \(maximumIterations) must be ≥ 1") }
        guard tolerance > 0, tolerance.isFinite else { throw .invalidSpec("tolerance \(tolerance) must be finite and > 0") }

        var x1: [Double] = [], x2: [Double] = [], y: [Double] = [], w: [Double] = []
        x1.reserveCapacity(samples.count); x2.reserveCapacity(samples.count)
        y.reserveCapacity(samples.count); w.reserveCapacity(samples.count)
        var positives = 0, negatives = 0, weightSum = 0.0, weightedPositives = 0.0
        for (i, s) in samples.enumerated() {
            guard s.rawRisk >= 0, s.rawRisk <= 1 else {
                throw .invalidSample(index: i, reason: "raw risk \(s.rawRisk) is outside [0, 1]")
            }
            guard s.heavyPhaseProbability >= 0, s.heavyPhaseProbability <= 1 else {
                throw .invalidSample(index: i, reason: "heavy-phase probability \(s.heavyPhaseProbability) is outside [0, 1] (pass 0 without an HMM)")
            }
            guard s.weight >= 0, s.weight.isFinite else {
                throw .invalidSample(index: i, reason: "weight \(s.weight) must be finite and ≥ 0")
            }
            guard s.weight > 0 else { continue }
            x1.append(RiskCalibration.rawRiskFeature(s.rawRisk))
            x2.append(s.heavyPhaseProbability)
            y.append(s.breached ? 1 : 0)
            w.append(s.weight)
            weightSum += s.weight
            if s.breached { positives += 1; weightedPositives += s.weight } else { negatives += 1 }
        }
        let n = positives + negatives
        guard positives >= minimumPerClass, negatives >= minimumPerClass else {
            return .fallback(
                reason: "\(positives) breach(es) and \(negatives) non-breach(es); fitting needs at least "
                    + "\(minimumPerClass) of each, so the raw risk is used as is",
                sampleCount: n, breachCount: positives)
        }

        let rate = weightedPositives / weightSum
        var b = (log(rate / (1 - rate)), 0.0, 0.0)
        var loss = objective(b, x1, x2, y, w)
        for iteration in 1...maximumIterations {
            // Gradient and Hessian (upper triangle) of L at b.
            var g0 = 0.0, g1 = ridge * b.1, g2 = ridge * b.2
            var h00 = 0.0, h01 = 0.0, h02 = 0.0, h11 = ridge, h12 = 0.0, h22 = ridge
            for i in 0..<n {
                let p = RiskCalibration.sigmoid(b.0 + b.1 * x1[i] + b.2 * x2[i])
                let r = w[i] * (p - y[i]), v = w[i] * p * (1 - p)
                g0 += r; g1 += r * x1[i]; g2 += r * x2[i]
                h00 += v; h01 += v * x1[i]; h02 += v * x2[i]
                h11 += v * x1[i] * x1[i]; h12 += v * x1[i] * x2[i]; h22 += v * x2[i] * x2[i]
            }
            guard let step = Self.solveSymmetric3(h00, h01, h02, h11, h12, h22, g0, g1, g2) else {
                throw .singularFeatures
            }
            // Newton decrement gᵀH⁻¹g: twice the decrease a full step predicts.
            let decrement = g0 * step.0 + g1 * step.1 + g2 * step.2
            let small = abs(step.0) <= tolerance * max(1, abs(b.0)) && abs(step.1) <= tolerance * max(1, abs(b.1))
                && abs(step.2) <= tolerance * max(1, abs(b.2))
            if small || decrement <= Self.roundingDecrement * max(1, loss) {
                b = (b.0 - step.0, b.1 - step.1, b.2 - step.2)
                return RiskCalibration(intercept: b.0, rawRiskLogitCoefficient: b.1, heavyPhaseCoefficient: b.2,
                                       sampleCount: n, breachCount: positives, iterations: iteration)
            }
            if decrement <= Self.quadraticDecrement * max(1, loss) {
                // Quadratic region: the full step is safe, and the loss change is too close to
                // its rounding error for the line search to judge it.
                b = (b.0 - step.0, b.1 - step.1, b.2 - step.2)
                loss = objective(b, x1, x2, y, w)
                continue
            }
            var scale = 1.0
            for _ in 0...30 {
                let candidate = (b.0 - scale * step.0, b.1 - scale * step.1, b.2 - scale * step.2)
                let candidateLoss = objective(candidate, x1, x2, y, w)
                if candidateLoss <= loss { b = candidate; loss = candidateLoss; break }
                scale *= 0.5
            }
        }
        throw .calibrationDidNotConverge(iterations: maximumIterations)
    }

    /// Below this decrement (relative to the loss) a full Newton step changes the loss by
    /// less than the rounding error of its n-term sum (~1e-16 · n), so the fit has converged
    /// as far as double precision can tell.
    static let roundingDecrement = 1e-13
    /// Below this decrement (relative to the loss) steps are taken in full: the iterate is in
    /// Newton's quadratic region (a step of ~1e-3 in the coefficients), where the line
    /// search would only see rounding noise.
    static let quadraticDecrement = 1e-6

    /// L(b) as documented on the type; log σ computed stably.
    private func objective(_ b: (Double, Double, Double), _ x1: [Double], _ x2: [Double], _ y: [Double], _ w: [Double]) -> Double {
        var total = 0.5 * ridge * (b.1 * b.1 + b.2 * b.2)
        for i in 0..<y.count {
            let t = b.0 + b.1 * x1[i] + b.2 * x2[i]
            // −[y log σ(t) + (1 − y) log σ(−t)] = softplus(t) − y t.
            let softplus = t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))
            total += w[i] * (softplus - y[i] * t)
        }
        return total
    }

    /// Solves the symmetric 3 × 3 system H Δ = g (upper triangle given) by Cholesky; nil
    /// unless H is numerically positive definite (a pivot ≤ 1e-14 × the largest diagonal).
    static func solveSymmetric3(_ a00: Double, _ a01: Double, _ a02: Double, _ a11: Double, _ a12: Double,
                                _ a22: Double, _ g0: Double, _ g1: Double, _ g2: Double) -> (Double, Double, Double)? {
        let floor = 1e-14 * max(a00, a11, a22)
        guard a00 > floor else { return nil }
        let l00 = a00.squareRoot()
        let l10 = a01 / l00, l20 = a02 / l00
        let d11 = a11 - l10 * l10
        guard d11 > floor else { return nil }
        let l11 = d11.squareRoot()
        let l21 = (a12 - l20 * l10) / l11
        let d22 = a22 - l20 * l20 - l21 * l21
        guard d22 > floor else { return nil }
        let l22 = d22.squareRoot()
        // L z = g, then Lᵀ Δ = z.
        let z0 = g0 / l00
        let z1 = (g1 - l10 * z0) / l11
        let z2 = (g2 - l20 * z0 - l21 * z1) / l22
        let d2 = z2 / l22
        let d1 = (z1 - l21 * d2) / l11
        let d0 = (z0 - l10 * d1 - l20 * d2) / l00
        return (d0, d1, d2)
    }
}
