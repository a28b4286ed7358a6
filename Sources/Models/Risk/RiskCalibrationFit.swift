import Forecast

/// Fits the version's risk calibration: the scorer's per-tick path (`RiskTrack`) is run
/// over the last `validation` of each workload's training window with the freshly
/// trained models, and a Platt scaling (`RiskCalibrationSpec`) maps its raw risk and HMM
/// heavy-phase probability to the observed breach frequency. The LSTM's early stopping
/// held these recent windows out; ARIMA's few parameters saw them (a small optimistic
/// bias, checked by the reliability diagram `evaluate` draws on a later period).
public enum RiskCalibrationFit {
    public struct Outcome: Sendable {
        public var family: RiskFamily
        public var samples: Int
        public var breaches: Int
        public var rawBrier: Double
        public var calibratedBrier: Double
    }

    /// At most 10,080 calibration ticks per workload (a week of 1-minute data): each is a
    /// full forecast and score; three days of 1-second data would be 259,200 per workload,
    /// 300 times the 864 of 5-minute data.
    public static let validationStepCap = 10_080

    /// - Parameter validation: the span at the end of each history walked (three days in
    ///   `train`), converted by each workload's interval (at most `validationStepCap` steps).
    public static func fit(histories: [WorkloadHistory], models: TrainedModels, horizonSteps: Int, levels: [Double],
                    validation: Duration, rule: AllocationRule = AllocationRule()) throws -> Outcome {
        var samples: [RiskCalibrationSample] = []
        for history in histories {
            let steps = history.series.steps, interval = history.series.intervalSeconds
            let validationSteps = validation.steps(atIntervalSeconds: interval, cap: validationStepCap)
            guard steps > validationSteps + rule.windowSteps(atIntervalSeconds: interval) else { continue }
            let risk = try RiskModel(levels: levels, horizonSteps: horizonSteps, intervalSeconds: history.series.intervalSeconds, calibration: nil)
            for point in RiskTrack.walk(workload: history.name, series: history.series, limits: history.limits, models: models, risk: risk,
                                        start: steps - validationSteps, end: steps, rule: rule, traceEvents: history.traceEvents) {
                samples.append(RiskCalibrationSample(rawRisk: point.score.rawRisk, heavyPhaseProbability: point.score.heavyPhaseProbability ?? 0,
                                                     breached: point.breached))
            }
        }
        guard !samples.isEmpty else {
            let hours = (validation + rule.window).components.seconds / 3600
            let fallback = RiskCalibration.fallback(reason: "no workload has \(hours) hours of samples to calibrate on", sampleCount: 0, breachCount: 0)
            return Outcome(family: RiskFamily(calibration: fallback, rule: rule, horizonSteps: horizonSteps), samples: 0, breaches: 0,
                           rawBrier: .nan, calibratedBrier: .nan)
        }
        let calibration = try RiskCalibrationSpec().fit(samples)
        let raw = try ReliabilityDiagram(predicted: samples.map(\.rawRisk), outcomes: samples.map(\.breached))
        let calibrated = try ReliabilityDiagram(
            predicted: samples.map { calibration.probability(rawRisk: $0.rawRisk, heavyPhaseProbability: $0.heavyPhaseProbability) },
            outcomes: samples.map(\.breached))
        return Outcome(family: RiskFamily(calibration: calibration, rule: rule, horizonSteps: horizonSteps, reliability: calibrated),
                       samples: samples.count, breaches: samples.filter(\.breached).count,
                       rawBrier: raw.brierScore, calibratedBrier: calibrated.brierScore)
    }
}
