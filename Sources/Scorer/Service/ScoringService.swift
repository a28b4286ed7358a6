import Decisions
import FleetFile
import Forecast
import Foundation
import Logging
import Models
import Resources
import PrometheusIngest
import ScorerIntake
import Store
import Wire

/// The state behind `headroom-scorer serve`: the store, the model version serving, the
/// online state of every workload, the decision engine and its journal, the metrics. One
/// actor, so a batch of samples is applied as a whole: validated, written to the store in
/// one transaction, fed to the online states in order, then one decision tick over the
/// workloads it scored.
///
/// Loading a new model version happens off the actor (`ScoringService+Reload`): requests
/// keep being served by the old version until the new one has loaded and warmed.
actor ScoringService {
    struct Configuration: Sendable {
        /// Steps forecast per tick (`OnlineWorkload.horizonSteps`): a step count by design.
        var horizonSteps = 12
        /// History each workload's state is warmed on when it is (re)started: one week on
        /// its grid (`warmupSamples(intervalSeconds:)`: 2,016 samples of 5-minute data).
        var warmup: Duration = .seconds(7 * 86_400)
        /// At most this many warm-up samples per workload: `OnlineWorkload.naiveWindowStepCap`,
        /// the longest window the online state keeps, so older samples would only cost
        /// registration time (a week of 1-second data is 604,800 samples).
        var warmupSampleCap = OnlineWorkload.naiveWindowStepCap
        /// The forecast level an action plans for (`--plan-quantile`).
        var planningQuantile: Double? = 0.9
        var decision = DecisionConfig()
        /// How long a placed workload is expected to keep running, seconds: prices a move
        /// (price × remaining). Agents do not report it; one day is the horizon over which
        /// the fleet's hourly prices are compared.
        var expectedRemainingSeconds = 86_400.0
        /// Sampling interval assumed for a workload first seen online (5 minutes, as the
        /// bundled traces and the trained models).
        var newWorkloadIntervalSeconds: Int64 = 300
        /// Extra seconds a reload's background build waits before it is swapped in (nil in
        /// production). Tests set it so that "requests are answered while a version loads"
        /// is observable on a busy machine, where a real build may finish before a request.
        /// `reactive` acts only on a breach under way (usage above the allocation now).
        var policy: ServePolicy = .predictive
        var reloadHoldSeconds: Double?
        /// A POP whose agent has reported before and then stayed silent for longer than
        /// this is marked down (its workloads are restarted elsewhere) until it reports
        /// again; nil turns it off. Five minutes: one missed 5-minute sample interval plus
        /// the staleness limit's slack, long past `staleAfterSeconds` (when it is only
        /// no longer chosen).
        var downAfterSeconds: Double? = 300
        /// Most workloads the service holds; a batch that would create more over HTTP is
        /// refused with 429 (`--max-workloads`; nil: no cap). Each costs ~76 KB of online
        /// state (BENCHMARKS.md, "Scorer memory per workload"), so the default 10 000 is
        /// ~0.8 GB: past what one host holds, split the fleet across scorers (`--shard`).
        var maxWorkloads: Int? = 10_000
        /// The mapping of Prometheus series to workloads (`--prometheus-mapping`); nil turns
        /// `POST /api/v1/write` off (404).
        var prometheusMapping: PrometheusMapping?
        /// Most workloads `/metrics` exports per-workload series for (`--metrics-max-workloads`):
        /// the highest risks first (`ScoringService+WorkloadMetrics`).
        var metricsMaxWorkloads = 1000
        /// The shard of the fleet's workloads this scorer owns (`--shard i/n`), nil: all of
        /// them. A sharded scorer books capacity in the store (`ScoringService+Shards`).
        var shard: WorkloadShard?
        /// The scorers by shard (the fleet file's `[[scorers]]`): named in the answer to a
        /// request for another shard's workloads.
        var scorers: ScorerShards?
        /// How often a sharded scorer re-reads what the other shards have booked (one
        /// `GROUP BY` over the bookings; a refusal re-reads at once).
        var bookingRefreshSeconds = 1.0

        /// `warmup` in samples of a workload sampled every `intervalSeconds`, at most `warmupSampleCap`.
        func warmupSamples(intervalSeconds: Int64) -> Int {
            warmup.steps(atIntervalSeconds: intervalSeconds, cap: warmupSampleCap)
        }
    }

    struct IngestResult: Codable, Sendable, Equatable {
        var accepted: Int
        var duplicates: Int
        var newWorkloads: Int
        var scored: Int
        /// Workloads placed on the batch's POP by this batch.
        var placed: Int
        /// Trace events written (every valid event is kept).
        var traces: Int = 0
        /// Decisions journaled after this batch (actions, and alarms whose reason changed).
        var decisions: Int
    }

    let store: HeadroomStore
    let registry: ModelRegistry
    let configuration: Configuration
    let metrics: ScorerMetrics
    let journal: DecisionJournal
    var version: String?
    var core: ScoringCore?
    var engine: DecisionEngine
    /// The last progress an agent reported per running command (a VM's live migration:
    /// transferred, remaining, dirty rate), shown with the command until it finishes.
    var migrationProgress: [Int64: MigrationProgress] = [:]
    /// Unix seconds of each POP agent's last report (a batch with `pop`, or a heartbeat).
    var popLastSeen: [String: Int64] = [:]
    /// The `last_seen` last written to the store per POP (written at most once a second).
    var popLastSeenStored: [String: Int64] = [:]
    /// POPs marked down because their agent went silent (not by the operator): a report
    /// from their agent brings them back up.
    var silentPOPs: Set<String> = []
    /// The reason last journaled per workload, so an alarm that persists is journaled once
    /// per change of reason, not every tick.
    var lastJournaledReason: [String: String] = [:]
    /// Reload bookkeeping (see `ScoringService+Reload`).
    var reloading = false
    var refusedVersion: String?
    var touchedDuringReload: Set<String> = []
    /// Which model version serves and why (`/healthz`).
    var modelStatus = ModelStatus()
    /// The store's failure, while it lasts (`ScoringService+Health`).
    var storeFault: StoreFaultState?
    /// Every workload the store holds or a batch has named (for `maxWorkloads`).
    var knownWorkloads: Set<String> = []
    /// Remote write's per-series state (counter baselines, open rows): `ScoringService+RemoteWrite`.
    var remoteWrite: SeriesAssembler?
    /// A sharded scorer's footprints as last written to the store, by workload then POP,
    /// and when the other shards' use was last read (`ScoringService+Shards`).
    var bookedFootprints: [String: [String: ResourceVector]] = [:]
    var externalUsageReadAt = -Double.infinity
    let clock: @Sendable () -> Int64
    let logger: Logger

    /// - Throws: `DecisionConfigError` for an invalid decision config.
    init(store: HeadroomStore, registry: ModelRegistry, fleet: Fleet, configuration: Configuration, metrics: ScorerMetrics,
         clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
         logger: Logger = Logger(label: "headroom-scorer")) throws {
        self.store = store
        self.logger = logger
        self.registry = registry
        self.configuration = configuration
        self.metrics = metrics
        self.clock = clock
        self.journal = DecisionJournal(store: store)
        self.engine = try DecisionEngine(config: configuration.decision, fleet: fleet, placements: [])
        self.remoteWrite = configuration.prometheusMapping.map { SeriesAssembler(mapping: $0, shard: configuration.shard) }
    }

    /// Start-up: checks that the store can be written (a read-only store fails here, naming
    /// the file), writes the fleet into the store, reads each POP's last report, resumes the
    /// journal's unfinished migrations (`ScoringService+Decisions`), loads the promoted
    /// model version (or the last good one: `reloadIfPromoted`).
    /// - Throws: `HeadroomStore.StorageFault` naming the store's path when it cannot be written.
    func start() async throws -> (models: ReloadOutcome, resumed: ResumeReport) {
        try store.checkWritable()
        try engine.fleet.sync(to: store)
        knownWorkloads = Set(try store.workloads().map(\.name).filter(owns))
        try refreshExternalUsage(force: true)
        let names = Set(engine.fleet.pops.map(\.name))
        for record in try store.pops() where names.contains(record.name) {
            if let seen = record.lastSeen {
                popLastSeen[record.name] = seen
                popLastSeenStored[record.name] = seen
            }
        }
        let resumed = try resumeUnfinished()
        let models = await reloadIfPromoted()
        return (models, resumed)
    }

    // MARK: Samples

    /// Writes the batch — samples and trace events — in one transaction (all or nothing),
    /// advances the states of the workloads it names (trace events interleaved with the
    /// samples by time: `BatchTraceFeed`), places workloads first seen from its POP, and
    /// ticks the decision engine over the workloads it scored.
    /// - Parameter agentPOPs: the POPs of the agent credential that sent it (nil: an
    ///   operator): it may report only workloads not placed yet or placed (in whole, in
    ///   part, or by a move in flight) at one of them.
    /// - Throws: `ServiceError.unknownPOP`, `.notAgentsWorkload` or `.workloadCap` before
    ///   anything is written; `StoreError` for a sample or trace event the store refuses
    ///   (nothing written).
    func ingest(_ batch: SampleBatch, agentPOPs: Set<String>? = nil) throws -> IngestResult {
        let named = Set(batch.samples.map(\.workload)).union(batch.traces.compactMap(\.workload))
        try requireOwned(named)
        try admit(named, pops: batch.pop.map { [$0] } ?? [], agentPOPs: agentPOPs)
        let now = clock()
        let written = try store.append(samples: batch.samples, traceEvents: batch.traces, now: now)
        return try apply(batch, named: named, written: .init(inserted: written.samples.inserted, duplicates: written.samples.duplicates,
                                                             traces: written.traces.inserted, newWorkloads: written.newWorkloads),
                         placing: batch.pop == nil ? [] : [batch], now: now)
    }

    /// What the store did with a request's samples (an agent's batch or a remote write).
    struct Written {
        var inserted: Int
        var duplicates: Int
        var traces: Int
        var newWorkloads: [String]
    }

    /// The checks before anything of a request is written: its POPs are the fleet's, an
    /// agent reports only workloads placed at its POPs (or not placed yet), and the
    /// workload cap.
    /// - Throws: `ServiceError.unknownPOP`, `.notAgentsWorkload`, `.workloadCap`.
    func admit(_ named: Set<String>, pops: [String], agentPOPs: Set<String>?) throws {
        for pop in pops where engine.fleet.pop(named: pop) == nil {
            throw ServiceError.unknownPOP(pop, known: engine.fleet.pops.map(\.name))
        }
        if let agentPOPs {
            for name in named.sorted() {
                if let at = popsReporting(workload: name), at.isDisjoint(with: agentPOPs) {
                    throw ServiceError.notAgentsWorkload(name, placedAt: at.sorted())
                }
            }
        }
        if let cap = configuration.maxWorkloads {
            let fresh = named.subtracting(knownWorkloads)
            if !fresh.isEmpty, knownWorkloads.count + fresh.count > cap {
                metrics.workloadCapRejections.increment()
                throw ServiceError.workloadCap(limit: cap, held: knownWorkloads.count, new: fresh.count)
            }
        }
    }

    /// Everything after a request's samples are stored — the same for an agent's batch and
    /// a remote write: the heartbeat of each POP in `placing`, the online states advanced on
    /// `batch.samples` (trace events interleaved), each workload re-scored once, workloads
    /// first seen placed on their POP (`placing`: one batch per POP), one decision tick.
    /// - Parameter allocateByRule: a workload scored without any allocation (neither the
    ///   request nor its registration gave one: remote write's series carry no limits) gets
    ///   the core's `AllocationRule` over its stored history, as a workload registered with
    ///   history does, so its risk is measured against something.
    func apply(_ batch: SampleBatch, named: Set<String>, written: Written, placing: [SampleBatch], now: Int64,
               allocateByRule: Bool = false) throws -> IngestResult {
        storeRecovered()
        knownWorkloads.formUnion(named)
        for group in placing { if let pop = group.pop { try heartbeat(pop: pop, now: now) } }
        if reloading {
            touchedDuringReload.formUnion(batch.samples.map(\.workload))
            touchedDuringReload.formUnion(batch.traces.compactMap(\.workload))
        }

        var scored: [String: IncomingSample] = [:]
        var order: [String] = []
        if let core {
            let created = Set(written.newWorkloads)
            var traces = BatchTraceFeed(batch.traces)
            // Degenerate-state resets counted from here on are this batch's, the warm-up of a
            // workload it registers included (`reportDegenerateResets`).
            var resetsBefore: [String: OnlineWorkload.DegenerateResets] = [:]
            var missesBefore: [String: ReadBackMisses] = [:]
            for name in named {
                resetsBefore[name] = core.entry(name)?.online.degenerateResets ?? .init()
                missesBefore[name] = ReadBackMisses(core.entry(name))
            }
            for sample in batch.samples where core.entry(sample.workload) == nil {
                try registerMissing(sample.workload, before: sample.timestamp, isNew: created.contains(sample.workload),
                                    batchTracesFrom: traces.firstTimestamp(of: sample.workload), in: core)
            }
            // A workload so far known only by its traces gets a state too, to collect them.
            for name in traces.workloads where core.entry(name) == nil {
                let first = traces.firstTimestamp(of: name)!
                try registerMissing(name, before: Int64(first.rounded(.down)), isNew: created.contains(name), batchTracesFrom: first, in: core)
            }
            for sample in batch.samples {
                traces.feed(sample.workload, through: Double(sample.timestamp), into: core)
                guard core.advance(workload: sample.workload, timestamp: sample.timestamp, values: sample.values) else { continue }
                if scored.updateValue(sample, forKey: sample.workload) == nil { order.append(sample.workload) }
            }
            traces.feedRest(into: core)
            for name in order {
                if let allocation = batch.allocations[name] {
                    core.setAllocation(workload: name, allocation: allocation, rescore: false)
                } else if allocateByRule, let entry = core.entry(name), AllocationRule.constrained.allSatisfy({ entry.allocation[$0.rawValue].isNaN }) {
                    let interval = entry.online.intervalSeconds
                    let history = try store.lastSamples(workload: name, count: core.rule.windowSteps(atIntervalSeconds: interval), until: nil)
                    core.setAllocation(workload: name, allocation: core.rule.allocation(history: history.values[...], limits: entry.limits,
                                                                                        intervalSeconds: interval), rescore: false)
                }
                if let score = core.rescore(name) { metrics.risk.record(score.risk) }
            }
            reportDegenerateResets(since: resetsBefore, in: core)
            reportReadBackMisses(since: missesBefore, in: core)
        }
        metrics.samplesIngested.increment(by: Int64(written.inserted))
        metrics.samplesDuplicate.increment(by: Int64(written.duplicates))
        metrics.traceEventsIngested.increment(by: Int64(written.traces))
        metrics.workloads.set(Double(core?.entries.count ?? 0))

        var placed = 0
        for group in placing { if let pop = group.pop { placed += place(group, on: pop) } }
        try syncBookings(named)
        let journaled = try tick(now: now, scored: order.compactMap { name in scored[name].map { (name, $0.values) } })
        return IngestResult(accepted: written.inserted, duplicates: written.duplicates, newWorkloads: written.newWorkloads.count,
                            scored: order.count, placed: placed, traces: written.traces, decisions: journaled)
    }

    /// Starts the state of a workload the core does not know: warmed on its stored history
    /// before `timestamp` and the stored trace events within it (none for a workload this
    /// batch created). Events from `batchTracesFrom` on are left out: the batch, already
    /// written, feeds its own.
    private func registerMissing(_ name: String, before timestamp: Int64, isNew: Bool, batchTracesFrom: Double?,
                                 in core: ScoringCore) throws {
        let record = isNew ? nil : try store.workload(named: name)
        let interval = record?.gridIntervalSeconds ?? configuration.newWorkloadIntervalSeconds
        let history = isNew ? SampleSeries(workload: name)
            : try store.lastSamples(workload: name, count: configuration.warmupSamples(intervalSeconds: interval), until: timestamp - 1)
        let traces = try ScoringCore.warmupTraces(store: store, workload: name, history: history, before: batchTracesFrom)
        try core.register(name: name, intervalSeconds: interval,
                          limits: record?.limits.values ?? .init(repeating: .nan, count: Resource.count), history: history,
                          traceEvents: traces)
        if let placement = engine.placements[name] { core.setAllocation(workload: name, allocation: placement.totalAllocation) }
    }

    // MARK: Reads

    func score(workload: String) -> WorkloadScore? { core?.entry(workload)?.score }

    func forecast(workload: String) -> (score: WorkloadScore?, forecast: [[Double]], levels: [Double], intervalSeconds: Int64)? {
        guard let core, let entry = core.entry(workload), let forecast = core.forecast(workload) else { return nil }
        return (entry.score, forecast, core.levels, entry.online.intervalSeconds)
    }

    func allocation(workload: String) -> [Double]? { core?.entry(workload)?.allocation }

    /// Trace events `workload`'s online state has observed since it was (re)started; nil
    /// when it has none.
    func traceEventsObserved(workload: String) -> Int? { core?.entry(workload)?.online.traceEventsObserved }

    func placement(workload: String) -> Placement? { engine.placements[workload] }

    /// The POPs whose agents may report `workload`: where it is placed (every part), and
    /// the source and targets of an action in flight; nil when it is not placed.
    func popsReporting(workload: String) -> Set<String>? {
        guard let placement = engine.placements[workload] else { return nil }
        var pops: Set<String> = [placement.pop]
        pops.formUnion(placement.additionalParts.map(\.pop))
        if let flight = engine.inFlight[workload] {
            pops.insert(flight.decision.sourcePop)
            pops.formUnion(flight.decision.targets.map(\.pop))
        }
        return pops
    }

    /// The degenerate member states `workload`'s online state has reset since it was
    /// (re)started; nil when it has none.
    func degenerateResets(workload: String) -> OnlineWorkload.DegenerateResets? { core?.entry(workload)?.online.degenerateResets }

    var status: (version: String?, workloads: Int, dryRun: Bool) { (version, core?.entries.count ?? 0, engine.config.dryRun) }

    /// Counts the degenerate online states reset since `before` (per workload) in
    /// `headroom_degenerate_state_resets_total{member}` and logs one line per workload
    /// that had any: its state was reset, and it keeps being scored.
    /// A workload's long-window read-back misses so far (`StoredHistory`).
    struct ReadBackMisses {
        var naive = 0, risk = 0
        init(_ entry: ScoringCore.Entry?) {
            naive = entry?.online.staleNaiveRefreshes ?? 0
            risk = entry?.features?.recountsNotReadBack ?? 0
        }
    }

    /// Counts and logs the read-back misses of a batch (`headroom_stored_history_misses_total`).
    func reportReadBackMisses(since before: [String: ReadBackMisses], in core: ScoringCore) {
        for (name, old) in before.sorted(by: { $0.key < $1.key }) {
            let now = ReadBackMisses(core.entry(name))
            let naive = max(0, now.naive - old.naive), risk = max(0, now.risk - old.risk)
            guard naive + risk > 0 else { continue }
            if naive > 0 { metrics.storedHistoryMissesNaive.increment(by: Int64(naive)) }
            if risk > 0 { metrics.storedHistoryMissesRisk.increment(by: Int64(risk)) }
            logger.warning("workload \(name): the store's rows did not end in its newest sample (\(naive) naive refreshes, \(risk) risk recounts): what it had is kept")
        }
    }

    func reportDegenerateResets(since before: [String: OnlineWorkload.DegenerateResets], in core: ScoringCore) {
        for (name, old) in before.sorted(by: { $0.key < $1.key }) {
            guard let now = core.entry(name)?.online.degenerateResets, now.total > old.total else { continue }
            let arima = max(0, now.arima - old.arima), lstm = max(0, now.lstm - old.lstm), hmm = max(0, now.hmm - old.hmm)
            if arima > 0 { metrics.degenerateResetsARIMA.increment(by: Int64(arima)) }
            if lstm > 0 { metrics.degenerateResetsLSTM.increment(by: Int64(lstm)) }
            if hmm > 0 { metrics.degenerateResetsHMM.increment(by: Int64(hmm)) }
            logger.warning("workload \(name): degenerate online state reset (arima \(arima), lstm \(lstm), hmm \(hmm); \(now.total) since it was started); it keeps being scored")
        }
    }
}

/// Service failures with the HTTP status they map to; messages say what to do.
enum ServiceError: Error, Equatable, CustomStringConvertible {
    case unknownPOP(String, known: [String])
    case unknownCommand(id: Int64, pop: String)
    case transitionNotAllowed(id: Int64, from: String, to: String)
    /// A batch would create `new` workloads beyond the cap of `limit` (`held` exist): 429.
    case workloadCap(limit: Int, held: Int, new: Int)
    /// An agent reported a workload placed at POPs not its own: 403.
    case notAgentsWorkload(String, placedAt: [String])
    /// A request named workloads another shard's scorer owns (`serve --shard`): 421, with
    /// the owners, nothing written.
    case otherShard(shard: String, owners: [ShardOwner])
    /// An agent's remote write mapped a workload to no POP, or to a POP not its own: 403.
    case remoteWriteOutsideAgent(workload: String, pop: String?, agentPOPs: [String])

    var description: String {
        switch self {
        case .unknownPOP(let name, let known):
            "unknown POP \"\(name)\"; the fleet file declares \(known.joined(separator: ", "))"
        case .unknownCommand(let id, let pop): "no command \(id) for POP \(pop)"
        case .transitionNotAllowed(let id, let from, let to):
            "command \(id) is \(from); it cannot become \(to) (pending → running → done|failed; repeating the same state is fine)"
        case .notAgentsWorkload(let name, let pops):
            "workload \"\(name)\" runs at \(pops.joined(separator: ", ")); this agent's token may report only its own POPs' workloads"
        case .remoteWriteOutsideAgent(let workload, let pop, let pops):
            "workload \"\(workload)\" maps to \(pop.map { "POP \"\($0)\"" } ?? "no POP"); this agent's token may send only for \(pops.joined(separator: ", ")) (set the mapping's pop template)"
        case .otherShard(let shard, let owners):
            "this scorer owns shard \(shard) of the fleet's workloads; "
                + owners.map { "shard \($0.shard)\($0.url.map { " (\($0))" } ?? "") owns \($0.workloads.joined(separator: ", "))" }.joined(separator: "; ")
                + "; send them there (nothing was written)"
        case .workloadCap(let limit, let held, let new):
            "the batch would create \(new) new workload\(new == 1 ? "" : "s") beyond the cap of \(limit) (\(held) held); "
                + "nothing was written. Raise --max-workloads, or split the fleet across scorers"
        }
    }
}
