import Foundation

/// A fitted Platt-style calibration of the raw risk: a logistic regression
///
///     p = σ(b₀ + b₁·x₁ + b₂·x₂),   σ(t) = 1 / (1 + e^(−t)),
///     x₁ = logit(clip(raw risk, 1e-4, 1 − 1e-4)),   x₂ = heavy-phase probability ∈ [0, 1],
///
/// fitted by `RiskCalibrationSpec.fit` on held-out (features, breached) pairs so that a
/// calibrated 0.8 means 80 %. x₂ is the HMM's heavy-phase probability within the horizon;
/// callers without an HMM pass 0 (in fitting and scoring alike).
///
/// The clip bounds x₁ to ±9.21 (= logit(1 − 1e-4)), so a raw risk of exactly 0 or 1 (common:
/// unconstrained workloads, or an allocation far below the median) stays a finite feature.
///
/// `identity` (b₀ = 0, b₁ = 1, b₂ = 0) maps the raw risk to itself, clipped to
/// [1e-4, 1 − 1e-4]; it is the fallback when there is too little data to fit
/// (`isFallback` is then true). Stored as JSON in model-file metadata (`Codable`).
public struct RiskCalibration: Sendable, Codable, Equatable {
    /// b₀.
    public let intercept: Double
    /// b₁, the weight of logit(raw risk).
    public let rawRiskLogitCoefficient: Double
    /// b₂, the weight of the heavy-phase probability.
    public let heavyPhaseCoefficient: Double
    /// True when this is the identity fallback rather than a fit (too few breaches or too
    /// few non-breaches; `fallbackReason` says which).
    public let isFallback: Bool
    /// Why the fit fell back to the identity; nil for a real fit.
    public let fallbackReason: String?
    /// Samples used (with positive weight), and how many of them breached.
    public let sampleCount: Int
    public let breachCount: Int
    /// Newton iterations taken (0 for the fallback).
    public let iterations: Int

    /// Raw-risk clip for the logit feature: 1e-4 keeps |x₁| ≤ 9.21.
    public static let rawRiskClip = 1e-4

    public init(intercept: Double, rawRiskLogitCoefficient: Double, heavyPhaseCoefficient: Double,
                isFallback: Bool = false, fallbackReason: String? = nil,
                sampleCount: Int = 0, breachCount: Int = 0, iterations: Int = 0) {
        self.intercept = intercept
        self.rawRiskLogitCoefficient = rawRiskLogitCoefficient
        self.heavyPhaseCoefficient = heavyPhaseCoefficient
        self.isFallback = isFallback
        self.fallbackReason = fallbackReason
        self.sampleCount = sampleCount
        self.breachCount = breachCount
        self.iterations = iterations
    }

    /// The identity on the raw risk (b₀ = 0, b₁ = 1, b₂ = 0), not marked as a fallback.
    public static let identity = RiskCalibration(intercept: 0, rawRiskLogitCoefficient: 1, heavyPhaseCoefficient: 0)

    /// The identity marked as the fallback, with the reason.
    public static func fallback(reason: String, sampleCount: Int, breachCount: Int) -> RiskCalibration {
        RiskCalibration(intercept: 0, rawRiskLogitCoefficient: 1, heavyPhaseCoefficient: 0, isFallback: true,
                        fallbackReason: reason, sampleCount: sampleCount, breachCount: breachCount)
    }

    /// x₁ = logit(clip(rawRisk, 1e-4, 1 − 1e-4)). NaN stays NaN.
    @inline(__always)
    public static func rawRiskFeature(_ rawRisk: Double) -> Double {
        let p = min(max(rawRisk, rawRiskClip), 1 - rawRiskClip)
        return log(p / (1 - p))
    }

    /// The calibrated probability σ(b₀ + b₁·x₁ + b₂·x₂), in (0, 1).
    /// `heavyPhaseProbability` is 0 when there is no HMM. NaN inputs give NaN.
    public func probability(rawRisk: Double, heavyPhaseProbability: Double = 0) -> Double {
        let t = intercept + rawRiskLogitCoefficient * Self.rawRiskFeature(rawRisk)
            + heavyPhaseCoefficient * heavyPhaseProbability
        return Self.sigmoid(t)
    }

    /// σ(t) without overflow for large |t|.
    @inline(__always)
    static func sigmoid(_ t: Double) -> Double {
        if t >= 0 { return 1 / (1 + exp(-t)) }
        let e = exp(t)
        return e / (1 + e)
    }
}

/// One held-out observation for calibration: the raw risk and heavy-phase probability
/// scored at a tick, and whether any resource actually exceeded its allocation within the
/// horizon after it.
public struct RiskCalibrationSample: Sendable, Codable, Equatable {
    /// Raw risk in [0, 1].
    public var rawRisk: Double
    /// Heavy-phase probability in [0, 1] (0 without an HMM).
    public var heavyPhaseProbability: Double
    /// The outcome: a breach happened within the horizon.
    public var breached: Bool
    /// Sample weight ≥ 0 (e.g. to down-weight overlapping horizons); default 1.
    public var weight: Double

    public init(rawRisk: Double, heavyPhaseProbability: Double = 0, breached: Bool, weight: Double = 1) {
        self.rawRisk = rawRisk
        self.heavyPhaseProbability = heavyPhaseProbability
        self.breached = breached
        self.weight = weight
    }
}
