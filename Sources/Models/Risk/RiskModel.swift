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
        for r in 0..<Resource.count where forecast[r].count == horizon * levels {
            var peak = -Double.infinity
            for k in 0..<horizon where forecast[r][k * levels + top].isFinite { peak = max(peak, forecast[r][k * levels + top]) }
            if peak.isFinite { planned[r] = peak }
        }
        let risk = calibration.probability(rawRisk: assessment.rawRisk, heavyPhaseProbability: heavyPhaseProbability ?? 0)
        return WorkloadScore(
            timestamp: timestamp, risk: risk, rawRisk: assessment.rawRisk, heavyPhaseProbability: heavyPhaseProbability,
            resourceAtRisk: assessment.resourceAtRisk?.snakeCaseName,
            expectedSecondsToBreach: assessment.expectedStepsToBreach.map { $0 * Double(intervalSeconds) },
            plannedDemand: planned, exceedance: assessment.horizonExceedance)
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
