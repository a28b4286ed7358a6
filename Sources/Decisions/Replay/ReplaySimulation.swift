import Forecast
import Foundation
import Models
import Store

/// `headroom-scorer replay`: the decision loop driven over stored history with a
/// simulated fleet, as a sequence of small steps:
/// 1. `ReplayTrack.load`: each workload's samples in [from, to), its online state warmed on
///    the history before `from`, its trace events;
/// 2. `ReplayPlacement.initial`: the starting allocation (`AllocationRule`) on the cheapest
///    POP with room;
/// then at every instant with samples, in time order:
/// 3. `failures`: POPs failing now go down, their workloads lose the work since their
///    last checkpoint;
/// 4. `finishDue`: moves whose transfer time has passed complete;
/// 5. per workload with a sample now: its trace events up to it are observed, the sample
///    is accounted under the allocation in force (`ReplayLedger`: contention, OOM kills,
///    throttling, slack, cost), fed to its online state and scored, and its policy turns
///    it into an assessment (`ReplayPolicyState`);
/// 6. the decision engine ticks over the assessments, and `carryOut` simulates its actions:
///    a resize applies at once, a move completes after its transfer time (the engine's cost
///    model), its downtime and moved bytes are counted. A VM's live move is priced by
///    `PreCopyModel` from its memory at that sample and its dirty rate (`DecisionEngine.dirtyRate(for:)`: measured by a
///    real migration, else the fleet file's `[pre_copy]`, else the trace proxy of the
///    interval just replayed, `DirtyRate.traceProxy`); a target where it would not converge
///    is never chosen.
package struct ReplaySimulation {
    package enum ReplayError: Error, CustomStringConvertible {
        case noWorkloads(from: Int64, to: Int64)
        package var description: String {
            switch self {
            case .noWorkloads(let from, let to):
                "no workload has samples in [\(from), \(to)); import traces or choose another --from/--to"
            }
        }
    }

    package let store: HeadroomStore
    package let models: TrainedModels
    package let fleet: Fleet

    package init(store: HeadroomStore, models: TrainedModels, fleet: Fleet) {
        self.store = store
        self.models = models
        self.fleet = fleet
    }

    /// The engine's config for a policy: the VPA and Autopilot recommendations carry their
    /// own margins, so the engine adds none (headroom factor 1).
    static func engineConfig(_ options: ReplayOptions) -> DecisionConfig {
        var config = options.decision
        if options.policy == .vpa || options.policy == .autopilot { config.resizeHeadroomFactor = 1 }
        return config
    }

    package func run(_ given: ReplayOptions) throws -> ReplaySummary {
        // The knobs it runs at: what is not given comes from the version's calibrated
        // predictive defaults (`ReplayOptions.effectiveKnobs`), resolved once here.
        var options = given
        (options.knob, options.cpuKnob) = given.effectiveKnobs(models.risk?.predictiveDefaults)
        let core = ScoringCore(models: models, horizonSteps: options.horizonSteps, planningQuantile: options.planningQuantile,
                               keepsLevelPeaks: options.policy == .predictive)
        var tracks = try ReplayTrack.load(store: store, core: core, options: options)
        guard !tracks.isEmpty else { throw ReplayError.noWorkloads(from: options.from, to: options.to) }
        var placements = try ReplayPlacement.initial(
            tracks: tracks, allocations: Dictionary(uniqueKeysWithValues: tracks.map { ($0.name, core.entry($0.name)!.allocation) }),
            fleet: fleet, expectedRemainingSeconds: Double(options.to - options.from))
        let measured = try store.dirtyRates()
        for i in placements.indices {
            if let rate = measured[placements[i].workload] {
                placements[i].dirtyRate = DirtyRate(bytesPerSecond: rate.bytesPerSecond, source: .measured)
            }
        }
        var engine = try DecisionEngine(config: Self.engineConfig(options), fleet: fleet, placements: placements)
        var initial = ReplaySummary(policy: options.policy.rawValue, knob: options.knob ?? options.policy.knob?.defaultValue,
                                    censoredObservations: options.censoredObservations, from: options.from, to: options.to,
                                    modelVersion: models.version, workloads: tracks.count)
        initial.cpuKnob = options.policy.hasCPUKnob ? options.cpuKnob : nil
        initial.limitCeiling = options.policy.sizes ? options.limitCeiling : nil
        var ledger = ReplayLedger(initial)
        let total = tracks.reduce(0) { $0 + $1.samples.count }
        let everyPOP = fleet.pops.map(\.name)
        var failed = Set<Int>()
        var index: [String: Int] = [:]
        for (i, track) in tracks.enumerated() { index[track.name] = i }

        while let now = tracks.compactMap(\.nextTimestamp).min() {
            failures(at: now, options: options, failed: &failed, engine: &engine, tracks: tracks, ledger: &ledger)
            finishDue(at: now, tracks: &tracks, engine: &engine, core: core)
            var assessments: [Assessment] = []
            for i in tracks.indices where tracks[i].nextTimestamp == now {
                if let assessment = try step(&tracks[i], now: now, options: options, engine: engine, core: core, ledger: &ledger) {
                    assessments.append(assessment)
                }
                // A VM's live move is priced by pre-copy from its memory now and the rate its
                // last migration measured, else the trace's proxy over the interval just replayed.
                if tracks[i].estimatesDirtyRate {
                    let k = tracks[i].next - 1, name = tracks[i].name
                    engine.setStateBytes(tracks[i].samples.value(k, .memoryBytes), workload: name)
                    if engine.placements[name]?.dirtyRate?.source != .measured {
                        engine.setDirtyRate(tracks[i].dirtyRateProxy(at: k), workload: name)
                    }
                }
            }
            if options.policy != .static {
                let outcome = engine.tick(now: now, assessments: assessments,
                                          popLastSeen: Dictionary(uniqueKeysWithValues: everyPOP.map { ($0, now) }))
                // (A down POP is never chosen whatever its last report: the engine checks `down` first.)
                try carryOut(outcome, now: now, options: options, index: index, tracks: &tracks, engine: &engine, core: core,
                             ledger: &ledger)
            }
            options.progress?(ledger.summary.samples, total)
        }
        try options.recorder?.finish()
        return ledger.finished(workloads: tracks.count)
    }

    /// Step 3: POPs failing at or before `now` go down; each workload there loses the work
    /// since its last checkpoint (the engine restarts it elsewhere at this tick).
    private func failures(at now: Int64, options: ReplayOptions, failed: inout Set<Int>, engine: inout DecisionEngine,
                          tracks: [ReplayTrack], ledger: inout ReplayLedger) {
        for (k, failure) in options.failures.enumerated() where failure.at <= now && !failed.contains(k) {
            failed.insert(k)
            engine.setDown(failure.pop, true)
            ledger.popFailed()
            for track in tracks {
                guard var placement = engine.placements[track.name], placement.pop == failure.pop else { continue }
                let checkpoint: Int64? = track.record.checkpointable
                    ? failure.at - (failure.at - options.from) % options.checkpointIntervalSeconds : nil
                placement.lastCheckpointAt = checkpoint
                engine.place(placement)
                ledger.popFailureLoss(at: failure.at, lastCheckpoint: checkpoint ?? options.from)
            }
        }
    }

    /// Step 4: moves whose time has come complete; the workload is scored against what it now has.
    private func finishDue(at now: Int64, tracks: inout [ReplayTrack], engine: inout DecisionEngine, core: ScoringCore) {
        for i in tracks.indices {
            guard let finish = tracks[i].finishAt, finish <= now else { continue }
            engine.finish(workload: tracks[i].name, succeeded: true)
            tracks[i].finishAt = nil
            if let placement = engine.placements[tracks[i].name] {
                core.setAllocation(workload: tracks[i].name, allocation: placement.totalAllocation)
            }
        }
    }

    /// Step 5 for one workload's sample at `now`.
    private func step(_ track: inout ReplayTrack, now: Int64, options: ReplayOptions, engine: DecisionEngine, core: ScoringCore,
                      ledger: inout ReplayLedger) throws -> Assessment? {
        let k = track.next
        track.next += 1
        let name = track.name
        let usage = track.values(at: k)
        track.traces.advance(through: Double(now)) { core.observeTrace(workload: name, kind: $0.kind, name: $0.name) }
        guard let placement = engine.placements[name] else { return nil }
        let allocation = placement.totalAllocation
        try options.recorder?.allocation(timestamp: now, workload: name, pop: placement.pop, allocation: ResourceVector(allocation))
        let observed = options.censoredObservations ? Self.censored(usage, allocation: allocation) : usage
        if engine.fleet.pop(named: placement.pop)?.down == true {
            // Its POP is down and the restart has not finished: the workload is not running.
            ledger.down(intervalSeconds: track.interval)
            core.ingest(workload: name, timestamp: now, values: observed)
            return nil
        }
        let verdict = ledger.account(usage: usage, placement: placement, fleet: engine.fleet, intervalSeconds: track.interval)
        if verdict.oomKilled {
            ledger.oomKill(now: now, lastCheckpoint: track.lastCheckpoint(before: now, from: options.from,
                                                                           interval: options.checkpointIntervalSeconds),
                           restartSeconds: options.oomRestartSeconds)
            track.startedAt = now
        }
        let score = core.ingest(workload: name, timestamp: now, values: observed)
        if let score { try record(score, track: &track, now: now, options: options, core: core) }
        let samples = track.samples
        let cpu = usage[Resource.cpuCores.rawValue], cpuAllocation = allocation[Resource.cpuCores.rawValue]
        return track.policyState.assess(
            workload: name, now: now, usage: observed, allocation: allocation, limits: options.sizingLimits(track.record.limits.values),
            score: score, throttled: cpu.isFinite && cpuAllocation.isFinite && cpu >= cpuAllocation, oomKilled: verdict.oomKilled,
            enterThreshold: options.decision.enterThreshold,
            future: { ((k + 1)..<min(samples.count, k + 1 + options.horizonSteps)).map { j in
                Array(samples.values[(j * Resource.count)..<((j + 1) * Resource.count)])
            } })
    }

    /// What a policy observes with censored observations: CPU and memory at most their
    /// allocation (the other resources and unallocated ones as measured).
    static func censored(_ usage: [Double], allocation: [Double]) -> [Double] {
        var v = usage
        for r in [Resource.cpuCores, Resource.memoryBytes] {
            let i = r.rawValue
            if v[i].isFinite, allocation[i].isFinite { v[i] = min(v[i], allocation[i]) }
        }
        return v
    }

    /// The score row of every tick, and the forecast rows every `forecastEverySteps` ticks.
    private func record(_ score: WorkloadScore, track: inout ReplayTrack, now: Int64, options: ReplayOptions,
                        core: ScoringCore) throws {
        guard let recorder = options.recorder else { return }
        try recorder.score(timestamp: now, workload: track.name, score: score)
        if track.forecastCounter % options.forecastEverySteps == 0, let forecast = core.forecast(track.name) {
            try recorder.forecast(timestamp: now, workload: track.name, forecast: forecast, levels: core.levels,
                                  horizonSteps: options.horizonSteps)
        }
        track.forecastCounter += 1
    }

    /// Step 6: journal rows, and the engine's actions simulated (none in dry-run).
    private func carryOut(_ outcome: TickOutcome, now: Int64, options: ReplayOptions, index: [String: Int],
                          tracks: inout [ReplayTrack], engine: inout DecisionEngine, core: ScoringCore,
                          ledger: inout ReplayLedger) throws {
        if let recorder = options.recorder {
            for decision in outcome.decisions where decision.action != .none || decision.details.alarmed {
                try recorder.decision(timestamp: now, decision: decision)
            }
        }
        for decision in outcome.decisions {
            ledger.rejectedNotConverging(decision.details.candidates + (decision.details.partition?.candidates ?? []))
        }
        guard !options.decision.dryRun else { return }
        for decision in outcome.decisions where decision.action != .none {
            ledger.action(decision)
            guard let i = index[decision.workload] else { continue }
            switch decision.action {
            case .none:
                break
            case .resize:
                engine.finish(workload: decision.workload, succeeded: true)
                if let placement = engine.placements[decision.workload] {
                    core.setAllocation(workload: decision.workload, allocation: placement.totalAllocation)
                }
            case .migrate, .partition, .restart:
                let chosen = decision.details.candidates.filter { c in c.feasible && decision.targetPops.contains(c.pop) }
                    + (decision.details.partition?.candidates.filter { c in c.feasible && decision.targetPops.contains(c.pop) } ?? [])
                var transfer = 0.0
                // Pre-copy sends the dirtied pages again: its own byte count where it priced the move.
                var preCopyBytes: Double?
                for candidate in chosen {
                    guard let cost = candidate.cost else { continue }
                    ledger.move(cost: cost, strategy: candidate.strategy)
                    transfer = max(transfer, cost.transferSeconds, cost.downtimeSeconds)
                    if let preCopy = cost.preCopy { preCopyBytes = (preCopyBytes ?? 0) + preCopy.transferredBytes }
                }
                if decision.action != .restart {
                    ledger.moved(bytes: preCopyBytes ?? engine.placements[decision.workload]?.stateBytes ?? 0)
                }
                tracks[i].finishAt = now + max(1, Int64(transfer.rounded(.up)))
            }
        }
    }
}
