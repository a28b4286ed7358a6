import Forecast
import Models
import Store

/// The risk score checked on the evaluation period, the way the scorer computes it: per
/// workload the online state is warmed on the history before `from`, then at every step
/// the calibrated risk of "demand exceeds the allocation (`AllocationRule` over the last
/// day) within the horizon" is compared with what happened. Reported as reliability
/// diagrams of the calibrated and the raw risk, with Brier scores beside the base rate's.
struct RiskReport: Codable {
    var workloads: Int
    var ticks: Int
    var breaches: Int
    var calibrated: ReliabilityDiagram
    var raw: ReliabilityDiagram
    /// Whether the version carried a calibration (else the identity was used).
    var versionCalibrated: Bool
}

enum RiskEvaluation {
    /// - Parameter traceEvents: per workload its stored `phase` and `state` events over the
    ///   case's grid (time order), observed as the scorer does.
    static func run(cases: [Backtest.Case], models: TrainedModels, horizonSteps: Int, levels: [Double], strideSteps: Int,
                    limits: [String: [Double]], traceEvents: [String: [TraceEventRecord]] = [:]) throws -> RiskReport? {
        var calibrated: [Double] = [], raw: [Double] = [], outcomes: [Bool] = []
        var workloads = 0
        let rule = models.risk?.rule ?? AllocationRule()
        for testCase in cases {
            let risk = try RiskModel(levels: levels, horizonSteps: horizonSteps, intervalSeconds: testCase.series.intervalSeconds,
                                     calibration: models.risk?.calibration)
            let points = RiskTrack.walk(workload: testCase.workload, series: testCase.series,
                                        limits: limits[testCase.workload] ?? .init(repeating: .nan, count: Resource.count),
                                        models: models, risk: risk, start: testCase.evaluationStart, end: testCase.evaluationEnd,
                                        rule: rule, stride: strideSteps, traceEvents: traceEvents[testCase.workload] ?? [])
            guard !points.isEmpty else { continue }
            workloads += 1
            for point in points {
                calibrated.append(point.score.risk)
                raw.append(point.score.rawRisk)
                outcomes.append(point.breached)
            }
        }
        guard !outcomes.isEmpty else { return nil }
        return RiskReport(workloads: workloads, ticks: outcomes.count, breaches: outcomes.filter { $0 }.count,
                          calibrated: try ReliabilityDiagram(predicted: calibrated, outcomes: outcomes),
                          raw: try ReliabilityDiagram(predicted: raw, outcomes: outcomes),
                          versionCalibrated: models.risk != nil)
    }
}
