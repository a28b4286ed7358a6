/// Turns a quantile forecast and an allocation into a `RiskAssessment`, once per tick.
///
/// Input shapes: `forecast` holds `Resource.count` arrays; array r holds
/// `horizonSteps × levels.count` values, step-major (`forecast[r][k * levels.count + j]` is
/// the τ_j-quantile of resource r at step k + 1), SI units; an array that is empty or whose
/// values at a step are not all finite means "no forecast" for r at that step.
/// `allocation` holds `Resource.count` limits in the same units; NaN or +∞ means
/// unconstrained.
///
/// Formulas:
/// * p_{r,k} = P(X_{r,k} > allocation_r) by `QuantileExceedance`; 0 when unconstrained.
/// * P_r = max_k p_{r,k}: the probability that resource r exceeds its allocation at some
///   step is at least this, with equality when the steps are comonotone (one shock
///   drives them all); it is the comonotone lower bound, and the forecasters give no joint
///   distribution across steps to do better.
/// * raw risk = 1 − Π_r (1 − P_r) over resources with a forecast: resources are treated as
///   independent (unconstrained ones contribute P_r = 0). 0 when nothing is constrained.
/// * resource at risk = argmax_r P_r (nil when the raw risk is 0).
/// * F_k = max_{i ≤ k} max_r p_{r,i} (F_0 = 0), and the expected steps to breach given a
///   breach within the horizon, E[T | T ≤ H] = Σ_{k=1…H} k (F_k − F_{k−1}) / F_H; nil when
///   F_H = 0. It lies in [1, H].
///
/// Cost: 6 resources × 12 steps of interpolation in normal-score space, but Φ (an erfc)
/// only for the maxima: once per resource and once per step where F_k grows (the scores
/// are compared instead, Φ being monotone); no allocation with a reused `RiskAssessment`.
public struct RiskEstimator: Sendable, Equatable {
    /// The exceedance model for the forecaster's levels.
    public let exceedance: QuantileExceedance
    /// Forecast steps H per call.
    public let horizonSteps: Int

    /// The forecaster's quantile levels.
    public var levels: [Double] { exceedance.levels }

    /// - Throws: `RiskError.invalidLevels` (see `QuantileExceedance.init`) or
    ///   `.invalidHorizon` when `horizonSteps < 1`.
    public init(levels: [Double], horizonSteps: Int) throws(RiskError) {
        guard horizonSteps >= 1 else { throw .invalidHorizon(steps: horizonSteps) }
        self.exceedance = try QuantileExceedance(levels: levels)
        self.horizonSteps = horizonSteps
    }

    /// A fresh assessment (allocates; use `assess(forecast:allocation:into:)` on the hot path).
    public func assess(forecast: [[Double]], allocation: [Double]) -> RiskAssessment {
        var assessment = RiskAssessment(horizonSteps: horizonSteps)
        assess(forecast: forecast, allocation: allocation, into: &assessment)
        return assessment
    }

    /// Overwrites `assessment` (made with this estimator's `horizonSteps`) in place.
    /// - Precondition: `forecast.count == allocation.count == Resource.count`, each forecast
    ///   array empty or of `horizonSteps × levels.count` values, and
    ///   `assessment.horizonSteps == horizonSteps`.
    public func assess(forecast: [[Double]], allocation: [Double], into assessment: inout RiskAssessment) {
        precondition(forecast.count == Resource.count, "forecast has \(forecast.count) resources, expected \(Resource.count)")
        precondition(allocation.count == Resource.count, "allocation has \(allocation.count) values, expected \(Resource.count)")
        precondition(assessment.horizonSteps == horizonSteps,
                     "assessment made for \(assessment.horizonSteps) steps, estimator has \(horizonSteps)")
        let h = horizonSteps, m = exceedance.levels.count
        var survivalProduct = 1.0
        var worst: Resource? = nil, worstP = 0.0

        // Scores, not probabilities, per (r, k): Φ is decreasing, so every maximum below is Φ
        // of a minimum score, and Φ (an erfc) runs once per resource and per change of F_k
        // rather than once per step.
        for r in 0..<Resource.count {
            let limit = allocation[r]
            let row = forecast[r]
            precondition(row.isEmpty || row.count == h * m,
                         "forecast of \(Resource(rawValue: r)!) has \(row.count) values, expected \(h) steps × \(m) levels")
            var zMin = Double.infinity, forecasted = false
            row.withUnsafeBufferPointer { values in
                assessment.stepScores.withUnsafeMutableBufferPointer { out in
                    exceedance.normalScores.withUnsafeBufferPointer { knots in
                        for k in 0..<h {
                            let z: Double
                            if values.isEmpty {
                                z = .nan
                            } else {
                                z = QuantileExceedance.score(exceeding: limit, quantiles: UnsafeBufferPointer(rebasing: values[(k * m)..<(k * m + m)]),
                                                             z: knots)
                            }
                            out[r * h + k] = z
                            if !z.isNaN { forecasted = true }
                            if z < zMin { zMin = z }  // false for NaN
                        }
                    }
                }
            }
            guard forecasted else {
                assessment.horizonExceedance[r] = .nan
                continue
            }
            let pMax = QuantileExceedance.probability(score: zMin)
            assessment.horizonExceedance[r] = pMax
            survivalProduct *= 1 - pMax
            if pMax > worstP { worstP = pMax; worst = Resource(rawValue: r) }
        }

        let risk = 1 - survivalProduct
        assessment.rawRisk = risk
        assessment.resourceAtRisk = risk > 0 ? worst : nil

        // F_k and E[T | T ≤ H]: F_k = Φ(−(running minimum of the scores)).
        var running = 0.0, runningScore = Double.infinity, weighted = 0.0
        assessment.stepScores.withUnsafeBufferPointer { z in
            assessment.breachByStep.withUnsafeMutableBufferPointer { f in
                for k in 0..<h {
                    var stepMin = runningScore
                    for r in 0..<Resource.count where z[r * h + k] < stepMin { stepMin = z[r * h + k] }
                    if stepMin < runningScore {
                        runningScore = stepMin
                        let next = QuantileExceedance.probability(score: stepMin)
                        weighted += Double(k + 1) * (next - running)
                        running = next
                    }
                    f[k] = running
                }
            }
        }
        assessment.expectedStepsToBreach = running > 0 ? weighted / running : nil
    }
}
