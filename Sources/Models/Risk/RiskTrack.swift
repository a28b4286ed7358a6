import Forecast

/// The scorer's per-tick path replayed over one workload's stored grid, for the trainer's
/// calibration and the evaluation's reliability diagram: the online state is warmed on
/// the steps before `start` (at most `warmupSteps`), then at every `stride`-th step t in
/// [start, end − H) it is advanced by step t, scored against the allocation
/// `AllocationRule` gives from the steps up to t, and labelled by whether the actual
/// demand at any of the steps t+1 … t+H exceeds that allocation.
public enum RiskTrack {
    public struct Point: Sendable, Equatable {
        public var step: Int
        public var score: WorkloadScore
        public var breached: Bool
    }

    /// One week of 5-minute steps, as the backtest warms ARIMA.
    public static let warmupSteps = 2016

    public static func walk(workload: String, series: RegularSeries, limits: [Double], models: TrainedModels, risk: RiskModel,
                            start: Int, end: Int, rule: AllocationRule = AllocationRule(), stride: Int = 1) -> [Point] {
        let horizon = risk.estimator.horizonSteps
        let n = Resource.count
        let scalingHistory = Array(series.values[(max(0, start - warmupSteps) * n)..<(max(0, start) * n)])
        var online = OnlineWorkload(name: workload, models: models, intervalSeconds: series.intervalSeconds,
                                    horizonSteps: horizon, levels: risk.estimator.levels, limits: limits,
                                    scalingHistory: scalingHistory, advance: .weightedMembers)
        var assessment = RiskAssessment(horizonSteps: horizon)
        var points: [Point] = []
        let last = min(end, series.steps) - horizon
        for t in max(0, start - warmupSteps)..<max(start, last) {
            let row = Array(series.values[(t * n)..<((t + 1) * n)])
            if row.contains(where: \.isFinite) { online.ingest(timestamp: series.timestamp(ofStep: t), values: row) }
            guard t >= start, (t - start) % stride == 0, online.lastTimestamp != nil else { continue }
            let allocation = rule.allocation(history: series.values[(max(0, t + 1 - rule.windowSteps) * n)..<((t + 1) * n)], limits: limits)
            let forecast = online.forecast()
            let score = risk.score(timestamp: series.timestamp(ofStep: t), forecast: forecast, allocation: allocation,
                                   heavyPhaseProbability: online.heavyPhaseProbability(withinSteps: horizon), into: &assessment)
            var breached = false
            for k in (t + 1)...(t + horizon) where AllocationRule.exceeds(Array(series.values[(k * n)..<((k + 1) * n)]), allocation) {
                breached = true
                break
            }
            points.append(Point(step: t, score: score, breached: breached))
        }
        return points
    }
}
