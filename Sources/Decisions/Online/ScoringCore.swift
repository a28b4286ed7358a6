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
package final class ScoringCore {
    /// One workload's state. A class: the dictionary then holds a reference per slot, not
    /// the 1.6 KB of the state's own fields, whose slots a growing dictionary doubles
    /// (issue 15 item 4: up to 3 KB per workload at 100,000).
    package final class Entry {
        package var online: OnlineWorkload
        package var risk: RiskModel
        package var allocation: [Double]
        package var limits: [Double]
        package var score: WorkloadScore?
        /// Unix seconds of the last sample it was warmed on (as stored, before the grid
        /// snaps it); the stored trace events after it are the ones a catch-up still owes.
        package var warmedThrough: Int64?
        /// The learned risk's inputs. Nil when the learned risk does not apply to this workload
        /// (none in the version, or the workload's interval is not the one the trees were
        /// trained at).
        package var features: RiskFeatures?

        init(online: OnlineWorkload, risk: RiskModel, allocation: [Double], limits: [Double], warmedThrough: Int64?,
             features: RiskFeatures?) {
            self.online = online
            self.risk = risk
            self.allocation = allocation
            self.limits = limits
            self.warmedThrough = warmedThrough
            self.features = features
        }
    }

    package let models: TrainedModels
    package let horizonSteps: Int
    package let levels: [Double]
    package let rule: AllocationRule
    /// The forecast level an action plans for (nil = the highest).
    package let planningQuantile: Double?
    /// Scores carry every level's peak (`RiskModel.keepsLevelPeaks`: the replay's predictive policy).
    package let keepsLevelPeaks: Bool
    package private(set) var entries: [String: Entry] = [:]
    /// The member forecasts' buffers, shared by every workload's re-score (one at a time:
    /// the core has one owner), so a workload does not carry them (`OnlineWorkload.Scratch`).
    private var scratch = TickScratch()

    /// What one re-score computes in and no workload keeps: the members' forecasts and the
    /// risk's assessment (the core has one owner, so one of each serves every workload).
    struct TickScratch {
        var members = OnlineWorkload.Scratch()
        var assessment: RiskAssessment?
        /// The forecast scored (`Resource.count` rows): not kept per workload, `forecast(_:)`
        /// computes it again from the unchanged state when asked.
        var rows: [[Double]] = []
    }

    /// The risk model per sampling interval: the same for every workload of an interval, so
    /// shared (its arrays are one copy) rather than built per workload.
    private var riskModels: [Int64: RiskModel] = [:]

    /// The learned risk it serves (nil: the version has none, or it is switched off to
    /// measure what it costs: `headroom-bench tick --no-learned-risk`).
    package let learned: LearnedRisk?

    /// Where the workloads' long windows are read back instead of kept (the service's store:
    /// `StoredHistory`); nil keeps them in memory (replays, benchmarks of the tick).
    package let stored: StoredHistory?

    /// - Parameter stored: the store every sample this core ingests was written to first
    ///   (the service), so the naive member's week and the risk features' week of usage are
    ///   read back from it at a refresh or a recount instead of kept per workload; nil when
    ///   the core is fed samples the store does not hold as fed (a replay's censored usage).
    package init(models: TrainedModels, horizonSteps: Int, levels: [Double] = [0.5, 0.9, 0.99], rule: AllocationRule = AllocationRule(),
         planningQuantile: Double? = nil, useLearnedRisk: Bool = true, stored: StoredHistory? = nil, keepsLevelPeaks: Bool = false) {
        self.stored = stored
        self.keepsLevelPeaks = keepsLevelPeaks
        self.learned = useLearnedRisk ? models.risk?.learned : nil
        self.planningQuantile = planningQuantile
        self.models = models
        self.horizonSteps = horizonSteps
        self.levels = levels
        self.rule = rule
    }

    package var workloadNames: [String] { entries.keys.sorted() }

    /// Starts (or restarts) a workload's state and warms it on `history` (oldest first) and
    /// its stored trace events (`traceEvents`, in time order): each event is observed
    /// before the first sample at or after it, so the HMM's symbols during the warm-up
    /// follow the same rule as online (`observeTrace`); events after the last sample are
    /// left observed, as the step in progress.
    package func register(name: String, intervalSeconds: Int64, limits: [Double], history: SampleSeries,
                  traceEvents: [TraceEventRecord] = []) throws {
        var online = OnlineWorkload(name: name, models: models, intervalSeconds: intervalSeconds, horizonSteps: horizonSteps,
                                    levels: levels, limits: limits, scalingHistory: history.values, advance: .weightedMembers,
                                    readsBack: stored != nil)
        // The trees learned breach dynamics at one sampling interval; at another (a 1-second
        // live workload, say) the windows' meaning changes, so the calibrated forecast risk serves.
        var features: RiskFeatures? = learned.map { $0.intervalSeconds == intervalSeconds } == true
            ? RiskFeatures(intervalSeconds: intervalSeconds, keepsWeek: stored == nil, readsDay: true) : nil
        Self.feed(&online, &features, samples: history, traceEvents: traceEvents)
        var risk = try riskModels[intervalSeconds] ?? RiskModel(levels: levels, horizonSteps: horizonSteps, intervalSeconds: intervalSeconds,
                                                                calibration: models.riskCalibration, planningQuantile: planningQuantile)
        risk.keepsLevelPeaks = keepsLevelPeaks
        riskModels[intervalSeconds] = risk
        let allocation = rule.allocation(history: history.values[...], limits: limits, intervalSeconds: intervalSeconds)
        entries[name] = Entry(online: online, risk: risk, allocation: allocation, limits: limits, warmedThrough: history.timestamps.last, features: features)
        if history.count > 0, let index = entries.index(forKey: name) {
            // The first score reads the warm-up history just read (the store's rows), not the store again.
            let warmup = stored.map { _ in StoredHistory.serving(history) }
            Self.rescore(entries.values[index], horizonSteps: horizonSteps, learned: learned, stored: warmup, scratch: &scratch)
        }
    }

    /// Advances `workload` by one sample and re-scores it; nil when the workload is unknown
    /// or the sample is not after its last one.
    @discardableResult
    package func ingest(workload: String, timestamp: Int64, values: [Double]) -> WorkloadScore? {
        // One hash lookup; the entry is then mutated in place (no copy of its buffers).
        guard let index = entries.index(forKey: workload) else { return nil }
        return Self.ingest(entries.values[index], timestamp: timestamp, values: values, horizonSteps: horizonSteps,
                           learned: learned, stored: stored, scratch: &scratch)
    }

    private static func ingest(_ entry: Entry, timestamp: Int64, values: [Double], horizonSteps: Int,
                               learned: LearnedRisk?, stored: StoredHistory?, scratch: inout TickScratch) -> WorkloadScore? {
        guard advance(entry, timestamp: timestamp, values: values) else { return nil }
        return rescore(entry, horizonSteps: horizonSteps, learned: learned, stored: stored, scratch: &scratch)
    }

    /// One sample into the online models and the risk features; false when refused (not after the last).
    private static func advance(_ entry: Entry, timestamp: Int64, values: [Double]) -> Bool {
        // The features' day of usage is read from the medians' rings, which hold it already.
        entry.online.ingest(timestamp: timestamp, values: values, features: &entry.features)
    }

    /// Advances `workload` by one sample without re-scoring it (a batch re-scores each
    /// workload once, after its last sample: `rescore`); false when the workload is
    /// unknown or the sample is not after its last one.
    package func advance(workload: String, timestamp: Int64, values: [Double]) -> Bool {
        guard let index = entries.index(forKey: workload) else { return false }
        return Self.advance(entries.values[index], timestamp: timestamp, values: values)
    }

    /// The stored `phase` and `state` events (the kinds that make HMM symbols) from the
    /// first to the last sample of `history` inclusive, and before `before` when given.
    /// A phase announced before the history's first sample is not read (the warm-up starts
    /// without a phase until the next one).
    package static func warmupTraces(store: HeadroomStore, workload: String, history: SampleSeries,
                             before: Double? = nil) throws -> [TraceEventRecord] {
        guard let first = history.timestamps.first, let last = history.timestamps.last else { return [] }
        let end = min(Double(last).nextUp, before ?? .infinity)
        guard end > Double(first) else { return [] }
        return try store.traceEvents(workload: workload, from: Double(first), to: end, kinds: TraceSymbols.kinds)
    }

    /// Advances `workload` through `samples` and `traceEvents` (both in time order) as
    /// `register` warms it, without re-scoring; false when the workload is unknown.
    @discardableResult
    package func catchUp(workload: String, samples: SampleSeries, traceEvents: [TraceEventRecord]) -> Bool {
        guard let index = entries.index(forKey: workload) else { return false }
        let entry = entries.values[index]
        Self.feed(&entry.online, &entry.features, samples: samples, traceEvents: traceEvents)
        return true
    }

    /// Warms `online` on `samples` and `traceEvents` by the one interleaving rule (`TraceCursor`).
    private static func feed(_ online: inout OnlineWorkload, _ features: inout RiskFeatures?, samples: SampleSeries,
                             traceEvents: [TraceEventRecord]) {
        var cursor = TraceCursor(traceEvents)
        for i in 0..<samples.count {
            cursor.advance(through: Double(samples.timestamps[i])) { online.observeTrace(kind: $0.kind, name: $0.name) }
            online.ingest(timestamp: samples.timestamps[i], values: Array(samples.values[(i * Resource.count)..<((i + 1) * Resource.count)]),
                          features: &features)
        }
        cursor.rest { online.observeTrace(kind: $0.kind, name: $0.name) }
    }

    /// Records one trace event of `workload`'s step in progress (the next sample that
    /// advances it closes the step: `OnlineWorkload.observeTrace`); false when unknown.
    @discardableResult
    package func observeTrace(workload: String, kind: String, name: String) -> Bool {
        guard let index = entries.index(forKey: workload) else { return false }
        entries.values[index].online.observeTrace(kind: kind, name: name)
        return true
    }

    /// Forecasts and scores `name` at its last sample; nil when unknown or it has none.
    @discardableResult
    package func rescore(_ name: String) -> WorkloadScore? {
        guard let index = entries.index(forKey: name) else { return nil }
        return Self.rescore(entries.values[index], horizonSteps: horizonSteps, learned: learned, stored: stored, scratch: &scratch)
    }

    /// Forecast into the entry's own buffer (reused every tick), then score: the forecast's
    /// exceedance (resource at risk, time to breach, planned demand) and, when the version
    /// has one, the learned risk on the entry's features against its allocation.
    @discardableResult
    private static func rescore(_ entry: Entry, horizonSteps: Int, learned: LearnedRisk?, stored: StoredHistory?,
                                scratch: inout TickScratch) -> WorkloadScore? {
        guard let timestamp = entry.online.lastTimestamp else { return nil }
        entry.online.forecast(into: &scratch.rows, scratch: &scratch.members, stored: stored)
        if scratch.assessment?.horizonSteps != horizonSteps { scratch.assessment = RiskAssessment(horizonSteps: horizonSteps) }
        var score = entry.risk.score(timestamp: timestamp, forecast: scratch.rows, allocation: entry.allocation,
                                     heavyPhaseProbability: entry.online.heavyPhaseProbability(withinSteps: horizonSteps),
                                     into: &scratch.assessment!)
        if let learned, entry.features != nil {
            let cpu = entry.allocation[Resource.cpuCores.rawValue], memory = entry.allocation[Resource.memoryBytes.rawValue]
            if !entry.features!.isAllocation(cpuCores: cpu, memoryBytes: memory) {
                // A recount: the week older than the day is read back when not kept.
                var readWeek: RiskFeatures.WeekReader?
                if let stored, let last = entry.online.lastTimestamp {
                    let name = entry.online.name, interval = entry.online.intervalSeconds
                    let newestCPU = entry.online.lastValues[Resource.cpuCores.rawValue]
                    let newestMemory = entry.online.lastValues[Resource.memoryBytes.rawValue]
                    readWeek = { count in
                        stored.lastAccepted(workload: name, count: count, anchor: last, intervalSeconds: interval,
                                            newestCPU: newestCPU, newestMemory: newestMemory)
                    }
                }
                entry.online.setAllocation(&entry.features!, cpuCores: cpu, memoryBytes: memory, readWeek: readWeek)
            }
            // The row on the stack: every entry is written (`features(into:)`), none is kept.
            var p = Double.nan
            withUnsafeTemporaryAllocation(of: Double.self, capacity: RiskFeatures.count) { row in
                entry.online.write(&entry.features!, into: row)
                p = learned.probability(UnsafeBufferPointer(row))
            }
            if p.isFinite { score.risk = p }
        }
        entry.score = score
        return score
    }

    /// Sets what `workload` is given (SI units, NaN = nothing allocated) and, unless told
    /// not to, re-scores it against it.
    package func setAllocation(workload: String, allocation: [Double], rescore: Bool = true) {
        guard let index = entries.index(forKey: workload) else { return }
        entries.values[index].allocation = allocation
        if rescore { Self.rescore(entries.values[index], horizonSteps: horizonSteps, learned: learned, stored: stored, scratch: &scratch) }
    }

    package func entry(_ workload: String) -> Entry? { entries[workload] }

    /// The forecast `workload`'s last score was made from (`Resource.count` rows of
    /// horizon × levels, SI units), computed again from its state — unchanged since, so the
    /// same numbers — rather than kept (2 KB per workload, read only by the API, the
    /// dashboards' metrics and a replay's export); empty when it has no sample yet, nil
    /// when unknown.
    package func forecast(_ workload: String) -> [[Double]]? {
        guard let entry = entries[workload] else { return nil }
        guard entry.online.lastTimestamp != nil else { return [] }
        var rows: [[Double]] = []
        entry.online.forecast(into: &rows, scratch: &scratch.members, stored: stored)
        return rows
    }
}
