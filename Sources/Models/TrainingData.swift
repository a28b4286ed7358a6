import Forecast
import Store

/// One workload's history in the training window, on its regular grid.
public struct WorkloadHistory {
    public var record: WorkloadRecord
    public var series: RegularSeries
    /// One trace symbol per step of `series` (`TraceSymbols.stepSymbols`), or nil when the
    /// workload has no phase or state event in the window.
    public var stepSymbols: [String]?
    /// The `phase` and `state` events the symbols were made from (time order), for the
    /// paths that replay the scorer online (`RiskTrack`); empty when there are none.
    public var traceEvents: [TraceEventRecord]

    public var name: String { record.name }
    /// Limits in `Resource` order (NaN = none).
    public var limits: [Double] { record.limits.values }

    public init(record: WorkloadRecord, series: RegularSeries, stepSymbols: [String]? = nil, traceEvents: [TraceEventRecord] = []) {
        precondition(stepSymbols.map { $0.count == series.steps } ?? true,
                     "WorkloadHistory: \(stepSymbols?.count ?? 0) step symbols for \(series.steps) steps")
        self.record = record
        self.series = series
        self.stepSymbols = stepSymbols
        self.traceEvents = traceEvents
    }
}

/// Loads every workload's samples in `[from, until)` onto its grid (the workload's median
/// interval, 5 minutes when unknown), with one trace symbol per step when it has `phase`
/// or `state` events in the grid's span. Workloads with no sample in the window are left out.
public enum TrainingData {
    /// - Parameter only: when given, only these workloads are read (the others' samples are
    ///   never loaded: a training shard reads its own share).
    public static func load(store: HeadroomStore, from: Int64, until: Int64, only: Set<String>? = nil) throws -> [WorkloadHistory] {
        var out: [WorkloadHistory] = []
        for record in try store.workloads() where only?.contains(record.name) ?? true {
            let interval = record.gridIntervalSeconds
            let raw = try store.samples(workloads: [record.name], from: from, to: until)[0]
            guard raw.count > 0, let grid = RegularSeries.resample(timestamps: raw.timestamps, values: raw.values,
                                                                   intervalSeconds: interval, from: from, to: until) else { continue }
            let gridEnd = grid.timestamp(ofStep: grid.steps)
            let events = try store.traceEvents(workload: record.name, from: Double(grid.startTimestamp), to: Double(gridEnd),
                                               kinds: TraceSymbols.kinds)
            let symbols = events.isEmpty ? nil : TraceSymbols.stepSymbols(events: events, startTimestamp: grid.startTimestamp,
                                                                         intervalSeconds: grid.intervalSeconds, steps: grid.steps)
            out.append(WorkloadHistory(record: record, series: grid, stepSymbols: symbols, traceEvents: events))
        }
        return out
    }

    /// The latest sample timestamp in the store + 1 (the default `--until`).
    public static func defaultUntil(store: HeadroomStore) throws -> Int64? {
        try store.latestSampleTimestamp().map { $0 + 1 }
    }
}

extension WorkloadRecord {
    /// The grid a workload's samples are put on: its median interval rounded to whole
    /// seconds, or 5 minutes when none is recorded or the stored value is not a usable
    /// interval (not finite, below 1 s or above `ImportOptions.maximumIntervalSeconds`:
    /// `Int64(_:)` of such a Double would trap).
    public var gridIntervalSeconds: Int64 {
        guard let seconds = intervalSeconds, seconds.isFinite, seconds >= 0.5,
              seconds <= Double(ImportOptions.maximumIntervalSeconds) else { return 300 }
        return Int64(seconds.rounded())
    }
}
