import Foundation

/// The binary log loss in the raw score F (log-odds), and its derivatives, as boosting
/// uses them:
///
///     p = σ(F) = 1 / (1 + e^(−F))
///     ℓ(F, y) = −[y log p + (1 − y) log(1 − p)] = log(1 + e^F) − y F
///     ∂ℓ/∂F = p − y            ∂²ℓ/∂F² = p (1 − p)
///
/// Every function is evaluated through e = exp(−|F|) ∈ (0, 1], so no intermediate
/// overflows: p = 1/(1 + e) and 1 − p = e/(1 + e) for F ≥ 0 (mirrored for F < 0), and
/// log(1 + e^F) = max(F, 0) + log1p(e). Valid for every finite F; ±∞ give p = 1 or 0.
public enum GBTLogLoss {
    /// p and 1 − p at F, each computed without cancellation.
    @inline(__always)
    static func probabilities(_ f: Double) -> (p: Double, q: Double, e: Double) {
        let e = exp(-abs(f))
        let r = 1 / (1 + e)
        return f >= 0 ? (r, e * r, e) : (e * r, r, e)
    }

    /// σ(F) = P(y = 1) at raw score F.
    @inlinable
    public static func probability(rawScore f: Double) -> Double {
        let e = exp(-abs(f))
        return f >= 0 ? 1 / (1 + e) : e / (1 + e)
    }

    /// logit(p) = log(p / (1 − p)), the raw score of probability p ∈ (0, 1).
    public static func logit(_ p: Double) -> Double { log(p / (1 - p)) }

    /// ℓ(F, y) in nats.
    public static func loss(rawScore f: Double, label: Bool) -> Double {
        max(f, 0) + log1p(exp(-abs(f))) - (label ? f : 0)
    }

    /// ∂ℓ/∂F = p − y.
    public static func gradient(rawScore f: Double, label: Bool) -> Double {
        let (p, q, _) = probabilities(f)
        return label ? -q : p
    }

    /// ∂²ℓ/∂F² = p (1 − p).
    public static func hessian(rawScore f: Double) -> Double {
        let (p, q, _) = probabilities(f)
        return p * q
    }
}
