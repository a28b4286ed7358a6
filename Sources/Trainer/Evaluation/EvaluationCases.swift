import Models
import Forecast
import Store

/// Loads backtest cases from the store: every workload with samples in the evaluation
/// period, on its regular grid, with up to `history` before the period.
enum EvaluationCases {

    /// - Parameters:
    ///   - trainedWorkloads: the workloads the version was trained on; every other one is
    ///     "new" (cold start: held out of training, or born after it). nil: none is new.
    static func load(store: HeadroomStore, from: Int64, to: Int64, history: Duration, trainedWorkloads: Set<String>?,
                     workloads names: [String]? = nil) throws -> [Backtest.Case] {
        let workloads = try store.workloads().filter { names?.contains($0.name) ?? true }
        var cases: [Backtest.Case] = []
        for workload in workloads {
            let interval = workload.gridIntervalSeconds
            // Whole steps of the workload's grid, so the grid before `from` is the same as it
            // is for a step count (2,304 steps of 5-minute data for 8 days).
            let historyStart = from - Int64(history.steps(atIntervalSeconds: interval)) * interval
            let raw = try store.samples(workloads: [workload.name], from: historyStart, to: to)[0]
            guard raw.count > 0, raw.timestamps.contains(where: { $0 >= from }) else { continue }
            guard let grid = RegularSeries.resample(timestamps: raw.timestamps, values: raw.values, intervalSeconds: interval,
                                                    from: historyStart, to: to) else { continue }
            let start = max(0, grid.step(atOrBefore: from - 1) + 1)
            let end = grid.steps
            guard end > start else { continue }
            let isNew = trainedWorkloads.map { !$0.contains(workload.name) } ?? false
            cases.append(Backtest.Case(workload: workload.name, series: grid, evaluationStart: start, evaluationEnd: end, isNew: isNew))
        }
        return cases
    }

    /// Each case's stored `phase` and `state` events over its grid's span (time order), for
    /// the workloads that have any.
    static func traceEvents(store: HeadroomStore, cases: [Backtest.Case]) throws -> [String: [TraceEventRecord]] {
        var out: [String: [TraceEventRecord]] = [:]
        for testCase in cases {
            let grid = testCase.series
            let events = try store.traceEvents(workload: testCase.workload, from: Double(grid.startTimestamp),
                                               to: Double(grid.timestamp(ofStep: grid.steps)), kinds: TraceSymbols.kinds)
            if !events.isEmpty { out[testCase.workload] = events }
        }
        return out
    }

    /// One trace symbol per step of each case's series (`TraceSymbols.stepSymbols`, the rule
    /// the HMM was trained with) from `traceEvents(store:cases:)`.
    static func stepSymbols(cases: [Backtest.Case], traceEvents: [String: [TraceEventRecord]]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for testCase in cases {
            guard let events = traceEvents[testCase.workload] else { continue }
            let grid = testCase.series
            out[testCase.workload] = TraceSymbols.stepSymbols(events: events, startTimestamp: grid.startTimestamp,
                                                              intervalSeconds: grid.intervalSeconds, steps: grid.steps)
        }
        return out
    }
}
