import Forecast
import Models
import Store

/// The scorer's per-workload online state over one loaded model version: each sample
/// advances the workload's `OnlineWorkload` by one step and re-scores it against its
/// current allocation. Not thread-safe: one owner (the service actor, or the replay loop).
///
/// Allocation: what the decision loop last gave the workload (`setAllocation`), else the
/// `AllocationRule` over its history at registration (the VPA-style starting point the
/// risk was calibrated against).
final class ScoringCore {
    struct Entry {
        var online: OnlineWorkload
        var risk: RiskModel
        var assessment: RiskAssessment
        var allocation: [Double]
        var limits: [Double]
        var score: WorkloadScore?
        var forecast: [[Double]] = []
        /// Unix seconds of the last sample it was warmed on (as stored, before the grid
        /// snaps it); the stored trace events after it are the ones a catch-up still owes.
        var warmedThrough: Int64?
    }

    let models: TrainedModels
    let horizonSteps: Int
    let levels: [Double]
    let rule: AllocationRule
    /// The forecast level an action plans for (nil = the highest).
    let planningQuantile: Double?
    private(set) var entries: [String: Entry] = [:]

    init(models: TrainedModels, horizonSteps: Int, levels: [Double] = [0.5, 0.9, 0.99], rule: AllocationRule = AllocationRule(),
         planningQuantile: Double? = nil) {
        self.planningQuantile = planningQuantile
        self.models = models
        self.horizonSteps = horizonSteps
        self.levels = levels
        self.rule = rule
    }

    var workloadNames: [String] { entries.keys.sorted() }

    /// Starts (or restarts) a workload's state and warms it on `history` (oldest first) and
    /// its stored trace events (`traceEvents`, in time order): each event is observed
    /// before the first sample at or after it, so the HMM's symbols during the warm-up
    /// follow the same rule as online (`observeTrace`); events after the last sample are
    /// left observed, as the step in progress.
    func register(name: String, intervalSeconds: Int64, limits: [Double], history: SampleSeries,
                  traceEvents: [TraceEventRecord] = []) throws {
        var online = OnlineWorkload(name: name, models: models, intervalSeconds: intervalSeconds, horizonSteps: horizonSteps,
                                    levels: levels, limits: limits, scalingHistory: history.values, advance: .weightedMembers)
        Self.feed(&online, samples: history, traceEvents: traceEvents)
        let risk = try RiskModel(levels: levels, horizonSteps: horizonSteps, intervalSeconds: intervalSeconds,
                                 calibration: models.riskCalibration, planningQuantile: planningQuantile)
        let allocation = rule.allocation(history: history.values[...], limits: limits)
        entries[name] = Entry(online: online, risk: risk, assessment: RiskAssessment(horizonSteps: horizonSteps),
                              allocation: allocation, limits: limits, warmedThrough: history.timestamps.last)
        if history.count > 0 { rescore(name) }
    }

    /// Advances `workload` by one sample and re-scores it; nil when the workload is unknown
    /// or the sample is not after its last one.
    @discardableResult
    func ingest(workload: String, timestamp: Int64, values: [Double]) -> WorkloadScore? {
        // One hash lookup; the entry is then mutated in place (no copy of its buffers).
        guard let index = entries.index(forKey: workload) else { return nil }
        return Self.ingest(&entries.values[index], timestamp: timestamp, values: values, horizonSteps: horizonSteps)
    }

    private static func ingest(_ entry: inout Entry, timestamp: Int64, values: [Double], horizonSteps: Int) -> WorkloadScore? {
        guard entry.online.ingest(timestamp: timestamp, values: values) else { return nil }
        return rescore(&entry, horizonSteps: horizonSteps)
    }

    /// Advances `workload` by one sample without re-scoring it (a batch re-scores each
    /// workload once, after its last sample: `rescore`); false when the workload is
    /// unknown or the sample is not after its last one.
    func advance(workload: String, timestamp: Int64, values: [Double]) -> Bool {
        guard entries[workload] != nil else { return false }
        return entries[workload]!.online.ingest(timestamp: timestamp, values: values)
    }

    /// The stored `phase` and `state` events (the kinds that make HMM symbols) from the
    /// first to the last sample of `history` inclusive, and before `before` when given.
    /// A phase announced before the history's first sample is not read (the warm-up starts
    /// without a phase until the next one).
    static func warmupTraces(store: HeadroomStore, workload: String, history: SampleSeries,
                             before: Double? = nil) throws -> [TraceEventRecord] {
        guard let first = history.timestamps.first, let last = history.timestamps.last else { return [] }
        let end = min(Double(last).nextUp, before ?? .infinity)
        guard end > Double(first) else { return [] }
        return try store.traceEvents(workload: workload, from: Double(first), to: end, kinds: TraceSymbols.kinds)
    }

    /// Advances `workload` through `samples` and `traceEvents` (both in time order) as
    /// `register` warms it, without re-scoring; false when the workload is unknown.
    @discardableResult
    func catchUp(workload: String, samples: SampleSeries, traceEvents: [TraceEventRecord]) -> Bool {
        guard let index = entries.index(forKey: workload) else { return false }
        Self.feed(&entries.values[index].online, samples: samples, traceEvents: traceEvents)
        return true
    }

    /// Each event is observed before the first sample at or after it; the rest after the last.
    private static func feed(_ online: inout OnlineWorkload, samples: SampleSeries, traceEvents: [TraceEventRecord]) {
        var next = 0
        for i in 0..<samples.count {
            while next < traceEvents.count, traceEvents[next].timestamp <= Double(samples.timestamps[i]) {
                online.observeTrace(kind: traceEvents[next].kind, name: traceEvents[next].name)
                next += 1
            }
            online.ingest(timestamp: samples.timestamps[i], values: Array(samples.values[(i * Resource.count)..<((i + 1) * Resource.count)]))
        }
        for event in traceEvents[next...] { online.observeTrace(kind: event.kind, name: event.name) }
    }

    /// Records one trace event of `workload`'s step in progress (the next sample that
    /// advances it closes the step: `OnlineWorkload.observeTrace`); false when unknown.
    @discardableResult
    func observeTrace(workload: String, kind: String, name: String) -> Bool {
        guard let index = entries.index(forKey: workload) else { return false }
        entries.values[index].online.observeTrace(kind: kind, name: name)
        return true
    }

    /// Forecasts and scores `name` at its last sample; nil when unknown or it has none.
    @discardableResult
    func rescore(_ name: String) -> WorkloadScore? {
        guard let index = entries.index(forKey: name) else { return nil }
        return Self.rescore(&entries.values[index], horizonSteps: horizonSteps)
    }

    /// Forecast into the entry's own buffer (reused every tick), then score.
    @discardableResult
    private static func rescore(_ entry: inout Entry, horizonSteps: Int) -> WorkloadScore? {
        guard let timestamp = entry.online.lastTimestamp else { return nil }
        entry.online.forecast(into: &entry.forecast)
        entry.score = entry.risk.score(timestamp: timestamp, forecast: entry.forecast, allocation: entry.allocation,
                                       heavyPhaseProbability: entry.online.heavyPhaseProbability(withinSteps: horizonSteps),
                                       into: &entry.assessment)
        return entry.score
    }

    /// Sets what `workload` is given (SI units, NaN = nothing allocated) and, unless told
    /// not to, re-scores it against it.
    func setAllocation(workload: String, allocation: [Double], rescore: Bool = true) {
        guard let index = entries.index(forKey: workload) else { return }
        entries.values[index].allocation = allocation
        if rescore { Self.rescore(&entries.values[index], horizonSteps: horizonSteps) }
    }

    func entry(_ workload: String) -> Entry? { entries[workload] }
}
