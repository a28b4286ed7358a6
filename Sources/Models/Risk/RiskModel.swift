import Forecast

/// A workload's score at one tick: the calibrated risk and what led to it.
public struct WorkloadScore: Sendable, Codable, Equatable {
    /// Unix seconds of the last sample.
    public var timestamp: Int64
    /// Calibrated P(some constrained resource exceeds its allocation within the horizon).
    public var risk: Double
    /// The same before calibration (from the predictive quantiles alone).
    public var rawRisk: Double
    /// The HMM's P(a heavy phase within the horizon); nil without an HMM.
    public var heavyPhaseProbability: Double?
    /// snake_case name of the resource most at risk; nil when nothing is.
    public var resourceAtRisk: String?
    /// Expected seconds to the first breach given one within the horizon; nil when none is expected.
    public var expectedSecondsToBreach: Double?
    /// Per resource, the demand an action must provide: the planning quantile's maximum
    /// over the horizon (NaN where nothing forecasts it).
    public var plannedDemand: [Double]
    /// Per resource, P(exceeding the allocation at some step) (NaN = no forecast).
    public var exceedance: [Double]
    /// Per resource and forecast level, that level's maximum over the horizon, resource-major:
    /// `levelPeaks[r * levelScores.count + j]` for level j (NaN where nothing forecasts r;
    /// empty unless the model `keepsLevelPeaks`). `plannedDemand` is the planning level's column.
    public var levelPeaks: [Double] = []
    /// Φ⁻¹ of the forecast's levels (the columns of `levelPeaks`), ascending.
    public var levelScores: [Double] = []

    /// The `tau`-quantile of resource `r`'s peak over the horizon, read off `levelPeaks` with
    /// `QuantileExceedance`'s interpolation in normal-score space (linear between levels, the
    /// outer segment's slope beyond them, clamped at 0). At a level it is that level's peak
    /// (at the planning level, `plannedDemand`). Between levels it interpolates the peaks,
    /// which is at most the peak of the interpolated steps (equal when one step holds every
    /// level's peak, as when the steps are comonotone and the spread grows with the step).
    /// NaN where nothing forecasts r or the score has no `levelPeaks`.
    public func peakDemand(_ r: Int, quantile tau: Double) -> Double {
        peakDemand(r, normalScore: StandardNormal.quantile(tau))
    }

    /// `peakDemand(_:quantile:)` at the normal score z = Φ⁻¹(τ) (any real z: beyond the
    /// outer levels the peaks are extrapolated).
    public func peakDemand(_ r: Int, normalScore z: Double) -> Double {
        let m = levelScores.count
        guard m > 0, r >= 0, levelPeaks.count >= (r + 1) * m else { return .nan }
        return levelPeaks.withUnsafeBufferPointer { peaks in
            levelScores.withUnsafeBufferPointer { scores in
                QuantileExceedance.quantile(atNormalScore: z, quantiles: UnsafeBufferPointer(rebasing: peaks[(r * m)..<((r + 1) * m)]),
                                            normalScores: scores)
            }
        }
    }
}

/// Turns a workload's forecast into its score: `RiskEstimator` (exceedance per resource
/// and step from the predictive quantiles) then `RiskCalibration` (Platt scaling on the
/// raw risk and the HMM's heavy-phase probability, fitted by the trainer on held-out
/// data). Without a calibration in the version the identity is used and the score is the
/// raw risk.
public struct RiskModel: Sendable {
    public let estimator: RiskEstimator
    public let calibration: RiskCalibration
    public let intervalSeconds: Int64
    /// Index into the levels of the quantile an action plans for.
    public let plannedLevelIndex: Int
    /// Fill each score's `levelPeaks` and `levelScores` (one more array per score, and a
    /// pass over every level). The replay's predictive policy reads them; the service's tick,
    /// which plans only for `plannedDemand`, leaves them off (default).
    public var keepsLevelPeaks = false

    /// - Parameter planningQuantile: the forecast level whose peak over the horizon an
    ///   action must provide (must be one of `levels`; default the highest).
    public init(levels: [Double], horizonSteps: Int, intervalSeconds: Int64, calibration: RiskCalibration?,
                planningQuantile: Double? = nil) throws {
        estimator = try RiskEstimator(levels: levels, horizonSteps: horizonSteps)
        self.calibration = calibration ?? .identity
        self.intervalSeconds = intervalSeconds
        if let planningQuantile {
            guard let index = levels.firstIndex(where: { abs($0 - planningQuantile) < 1e-12 }) else {
                throw RiskModelError.planningQuantileNotForecast(planningQuantile, levels: levels)
            }
            plannedLevelIndex = index
        } else {
            plannedLevelIndex = levels.count - 1
        }
    }

    /// Scores one forecast (`Resource.count` arrays of horizon × levels) against `allocation`.
    public func score(timestamp: Int64, forecast: [[Double]], allocation: [Double], heavyPhaseProbability: Double?,
                      into assessment: inout RiskAssessment) -> WorkloadScore {
        estimator.assess(forecast: forecast, allocation: allocation, into: &assessment)
        let levels = estimator.levels.count, top = plannedLevelIndex, horizon = estimator.horizonSteps
        var planned = [Double](repeating: .nan, count: Resource.count)
        var peaks: [Double] = keepsLevelPeaks ? [Double](repeating: .nan, count: Resource.count * levels) : []
        for r in 0..<Resource.count where forecast[r].count == horizon * levels {
            forecast[r].withUnsafeBufferPointer { row in
                for j in 0..<levels where j == top || keepsLevelPeaks {
                    var peak = -Double.infinity
                    for k in 0..<horizon where row[k * levels + j].isFinite { peak = max(peak, row[k * levels + j]) }
                    guard peak.isFinite else { continue }
                    if j == top { planned[r] = peak }
                    if keepsLevelPeaks { peaks[r * levels + j] = peak }
                }
            }
        }
        let risk = calibration.probability(rawRisk: assessment.rawRisk, heavyPhaseProbability: heavyPhaseProbability ?? 0)
        return WorkloadScore(
            timestamp: timestamp, risk: risk, rawRisk: assessment.rawRisk, heavyPhaseProbability: heavyPhaseProbability,
            resourceAtRisk: assessment.resourceAtRisk?.snakeCaseName,
            expectedSecondsToBreach: assessment.expectedStepsToBreach.map { $0 * Double(intervalSeconds) },
            plannedDemand: planned, exceedance: assessment.horizonExceedance, levelPeaks: peaks,
            levelScores: keepsLevelPeaks ? estimator.exceedance.normalScores : [])
    }
}

public enum RiskModelError: Error, CustomStringConvertible {
    case planningQuantileNotForecast(Double, levels: [Double])
    public var description: String {
        switch self {
        case .planningQuantileNotForecast(let q, let levels):
            "planning quantile \(q) is not one of the forecast levels \(levels); choose one of them"
        }
    }
}
