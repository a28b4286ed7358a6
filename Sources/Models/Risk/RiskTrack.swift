import Forecast
import Store

/// The scorer's per-tick path replayed over one workload's stored grid, for the trainer's
/// calibration and the evaluation's reliability diagram: the online state is warmed on
/// the steps before `start` (at most `warmupSteps(intervalSeconds:)`: a week), then at
/// every `stride`-th step t in [start, end − H) it is advanced by step t, scored against
/// the allocation `AllocationRule` gives from the steps up to t (a day of the workload's
/// grid), and labelled by whether the actual
/// demand at any of the steps t+1 … t+H exceeds that allocation. The workload's stored
/// trace events (`traceEvents`, time order) are observed as the scorer observes a batch's:
/// each before the first sample at or after it (`OnlineWorkload.observeTrace`), so a
/// model trained with trace symbols is filtered with them here as online.
public enum RiskTrack {
    public struct Point: Sendable, Equatable {
        public var step: Int
        public var score: WorkloadScore
        public var breached: Bool
    }

    /// History the online state is warmed on before `start`: one week, as the backtest
    /// warms ARIMA (`SharedModelForecasts.arimaWarmup`) and the scorer a new state.
    public static let warmup: Duration = .seconds(7 * 86_400)

    /// `warmup` on a grid of `intervalSeconds` (2,016 steps at 300 s), at most
    /// `OnlineWorkload.naiveWindowStepCap`: the longest window the online state keeps is the
    /// naive member's, so steps before it would only cost time (at 1-second sampling a
    /// week is 604,800 steps per workload walked).
    public static func warmupSteps(intervalSeconds: Int64) -> Int {
        warmup.steps(atIntervalSeconds: intervalSeconds, cap: OnlineWorkload.naiveWindowStepCap)
    }

    public static func walk(workload: String, series: RegularSeries, limits: [Double], models: TrainedModels, risk: RiskModel,
                            start: Int, end: Int, rule: AllocationRule = AllocationRule(), stride: Int = 1,
                            traceEvents: [TraceEventRecord] = []) -> [Point] {
        let horizon = risk.estimator.horizonSteps
        let n = Resource.count
        let warmupSteps = Self.warmupSteps(intervalSeconds: series.intervalSeconds)
        let windowSteps = rule.windowSteps(atIntervalSeconds: series.intervalSeconds)
        let scalingHistory = Array(series.values[(max(0, start - warmupSteps) * n)..<(max(0, start) * n)])
        var online = OnlineWorkload(name: workload, models: models, intervalSeconds: series.intervalSeconds,
                                    horizonSteps: horizon, levels: risk.estimator.levels, limits: limits,
                                    scalingHistory: scalingHistory, advance: .weightedMembers)
        var assessment = RiskAssessment(horizonSteps: horizon)
        var scratch = OnlineWorkload.Scratch(), forecast: [[Double]] = []
        var points: [Point] = []
        let last = min(end, series.steps) - horizon
        let first = max(0, start - warmupSteps)
        // Events before the replayed range are not the online state's (it starts there, as
        // the scorer's warm-up starts at the first sample it reads).
        var nextEvent = traceEvents.firstIndex { $0.timestamp >= Double(series.timestamp(ofStep: first)) } ?? traceEvents.count
        for t in first..<max(start, last) {
            let row = Array(series.values[(t * n)..<((t + 1) * n)])
            if row.contains(where: \.isFinite) {
                let timestamp = series.timestamp(ofStep: t)
                while nextEvent < traceEvents.count, traceEvents[nextEvent].timestamp <= Double(timestamp) {
                    online.observeTrace(kind: traceEvents[nextEvent].kind, name: traceEvents[nextEvent].name)
                    nextEvent += 1
                }
                online.ingest(timestamp: timestamp, values: row)
            }
            guard t >= start, (t - start) % stride == 0, online.lastTimestamp != nil else { continue }
            let allocation = rule.allocation(history: series.values[(max(0, t + 1 - windowSteps) * n)..<((t + 1) * n)], limits: limits,
                                             intervalSeconds: series.intervalSeconds)
            online.forecast(into: &forecast, scratch: &scratch)
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
