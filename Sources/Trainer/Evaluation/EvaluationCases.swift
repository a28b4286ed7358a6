import Forecast
import Store

/// Loads backtest cases from the store: every workload with samples in the evaluation
/// period, on its regular grid, with up to `historySteps` of history before the period.
enum EvaluationCases {
    /// Default grid when a workload has no recorded interval: 5 minutes.
    static let defaultIntervalSeconds: Int64 = 300

    /// - Parameters:
    ///   - trainingEnd: the models' training window end (Unix s): workloads whose first
    ///     sample is at or after it are "new" (cold start). nil: none is new.
    static func load(store: HeadroomStore, from: Int64, to: Int64, historySteps: Int, trainingEnd: Int64?,
                     workloads names: [String]? = nil) throws -> [Backtest.Case] {
        let workloads = try store.workloads().filter { names?.contains($0.name) ?? true }
        var cases: [Backtest.Case] = []
        for workload in workloads {
            let interval = workload.intervalSeconds.map { Int64($0.rounded()) }.flatMap { $0 > 0 ? $0 : nil } ?? defaultIntervalSeconds
            let historyStart = from - Int64(historySteps) * interval
            let raw = try store.samples(workloads: [workload.name], from: historyStart, to: to)[0]
            guard raw.count > 0, raw.timestamps.contains(where: { $0 >= from }) else { continue }
            guard let grid = RegularSeries.resample(timestamps: raw.timestamps, values: raw.values, intervalSeconds: interval,
                                                    from: historyStart, to: to) else { continue }
            let start = max(0, grid.step(atOrBefore: from - 1) + 1)
            let end = grid.steps
            guard end > start else { continue }
            let firstEver = try store.timeRange(workload: workload.name)?.first
            let isNew = trainingEnd.map { (firstEver ?? .max) >= $0 } ?? false
            cases.append(Backtest.Case(workload: workload.name, series: grid, evaluationStart: start, evaluationEnd: end, isNew: isNew))
        }
        return cases
    }
}
