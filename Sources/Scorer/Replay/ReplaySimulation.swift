import Forecast
import Foundation
import Models
import Store

/// `headroom-scorer replay`: the decision loop driven over stored history with a
/// simulated fleet. Each workload's online state is warmed on the history before `from`;
/// then every stored sample in [from, to) is, in time order, (1) checked against what the
/// workload has at its POP (contention), (2) fed to its online state and scored, (3)
/// turned into the policy's assessment; after each instant the decision engine ticks and
/// its actions are simulated: a resize applies at once, a move completes after its
/// transfer time (the engine's cost model), its downtime and moved bytes are counted.
///
/// Start: each workload gets the `AllocationRule` allocation from its warm-up history and
/// is placed on the cheapest up POP where that fits (in name order).
struct ReplaySimulation {
    struct Options {
        var policy: ReplayPolicy
        var from: Int64
        var to: Int64
        var horizonSteps = 12
        var planningQuantile: Double?
        var decision = DecisionConfig()
        var workloads: [String]?
        var warmupSamples = 2016
        var scoresCSV: CSVWriter?
        var forecastsCSV: CSVWriter?
        var decisionsCSV: CSVWriter?
        /// POPs that fail (are marked down) at a time: their workloads are restarted elsewhere.
        var failures: [(pop: String, at: Int64)] = []
        /// How often checkpointable workloads checkpoint (a restart resumes from the last one).
        var checkpointIntervalSeconds: Int64 = 900
        var forecastEverySteps = 12
        var progress: ((Int, Int) -> Void)?
    }

    enum ReplayError: Error, CustomStringConvertible {
        case noWorkloads(from: Int64, to: Int64)
        case fleetTooSmall(workload: String, allocation: String)
        var description: String {
            switch self {
            case .noWorkloads(let from, let to):
                "no workload has samples in [\(from), \(to)); import traces or choose another --from/--to"
            case .fleetTooSmall(let workload, let allocation):
                "no up POP in the fleet has room for \(workload) (allocation \(allocation)); add capacity or POPs to the fleet file"
            }
        }
    }

    let store: HeadroomStore
    let models: TrainedModels
    let fleet: Fleet

    private struct Track {
        var record: WorkloadRecord
        var samples: SampleSeries
        var next = 0
        var interval: Double
        /// When an in-flight action completes (Unix seconds).
        var finishAt: Int64?
        var forecastCounter = 0
        /// Its stored `phase` and `state` events in the replayed period, observed as the
        /// service observes a batch's: each before the first sample at or after it.
        var traces: [TraceEventRecord] = []
        var nextTrace = 0

        mutating func observeTraces(through timestamp: Int64, into core: ScoringCore) {
            while nextTrace < traces.count, traces[nextTrace].timestamp <= Double(timestamp) {
                core.observeTrace(workload: record.name, kind: traces[nextTrace].kind, name: traces[nextTrace].name)
                nextTrace += 1
            }
        }
    }

    func run(_ options: Options) throws -> ReplaySummary {
        let core = ScoringCore(models: models, horizonSteps: options.horizonSteps, planningQuantile: options.planningQuantile)
        var tracks: [Track] = []
        for record in try store.workloads() where options.workloads?.contains(record.name) ?? true {
            let samples = try store.samples(workloads: [record.name], from: options.from, to: options.to)[0]
            guard samples.count > 0 else { continue }
            let history = try store.lastSamples(workload: record.name, count: options.warmupSamples, until: options.from - 1)
            try core.register(name: record.name, intervalSeconds: record.gridIntervalSeconds, limits: record.limits.values, history: history,
                              traceEvents: try ScoringCore.warmupTraces(store: store, workload: record.name, history: history))
            var track = Track(record: record, samples: samples, interval: Double(record.gridIntervalSeconds))
            track.traces = try store.traceEvents(workload: record.name, from: Double(history.timestamps.last ?? options.from - 1).nextUp,
                                                 to: Double(options.to), kinds: TraceSymbols.kinds)
            tracks.append(track)
        }
        guard !tracks.isEmpty else { throw ReplayError.noWorkloads(from: options.from, to: options.to) }

        // Initial placement: cheapest up POP with room, in name order.
        var used: [String: [Double]] = [:]
        var placements: [Placement] = []
        let byPrice = fleet.pops.filter { !$0.down }.sorted { ($0.pricePerHour, $0.name) < ($1.pricePerHour, $1.name) }
        for track in tracks {
            let name = track.record.name
            let allocation = core.entry(name)!.allocation
            guard let pop = byPrice.first(where: { pop in
                let u = used[pop.name] ?? .init(repeating: 0, count: Resource.count)
                return Resource.allCases.allSatisfy { r in
                    let a = allocation[r.rawValue], c = pop.capacity[r]
                    return !a.isFinite || c.isNaN || u[r.rawValue] + a <= c
                }
            }) else {
                throw ReplayError.fleetTooSmall(workload: name, allocation: Self.describe(allocation))
            }
            var u = used[pop.name] ?? .init(repeating: 0, count: Resource.count)
            for r in 0..<Resource.count where allocation[r].isFinite { u[r] += allocation[r] }
            used[pop.name] = u
            let memory = track.samples.value(0, .memoryBytes)
            placements.append(Placement(
                workload: name, pop: pop.name, allocation: ResourceVector(allocation),
                stateBytes: memory.isFinite ? memory : (allocation[Resource.memoryBytes.rawValue].isFinite ? allocation[Resource.memoryBytes.rawValue] : 0),
                partitionable: track.record.partitionable, maxParts: track.record.partitionable ? 4 : 1,
                supportsLive: track.record.liveMigratable, expectedRemainingSeconds: Double(options.to - options.from)))
        }
        var engine = try DecisionEngine(config: options.decision, fleet: fleet, placements: placements)

        var summary = ReplaySummary(
            policy: options.policy.rawValue, from: options.from, to: options.to, modelVersion: models.version, workloads: tracks.count,
            samples: 0, contentionMinutes: 0, contendedSamples: 0, downtimeMinutes: 0, cost: 0, hostingCost: 0, migrationCost: 0,
            migrations: [:], resizes: 0, movedBytes: 0, decisionsPerWorkloadDay: 0, meanAllocation: [:], popFailures: 0,
            lostWorkMinutes: 0)
        var allocationSums = [Double](repeating: 0, count: Resource.count)
        var allocationCounts = [Int](repeating: 0, count: Resource.count)
        var actions = 0
        let total = tracks.reduce(0) { $0 + $1.samples.count }
        let horizon = options.horizonSteps
        let levels = core.levels
        let allPops = fleet.pops.map(\.name)
        var failed = Set<Int>()

        while true {
            // The next instant with samples.
            var now = Int64.max
            for track in tracks where track.next < track.samples.count { now = min(now, track.samples.timestamps[track.next]) }
            guard now != Int64.max else { break }
            // POP failures: mark the POP down; its workloads resume from their last checkpoint.
            for (k, failure) in options.failures.enumerated() where failure.at <= now && !failed.contains(k) {
                failed.insert(k)
                engine.setDown(failure.pop, true)
                summary.popFailures += 1
                for track in tracks {
                    guard var placement = engine.placements[track.record.name], placement.pop == failure.pop else { continue }
                    let checkpoint: Int64? = track.record.checkpointable
                        ? failure.at - (failure.at - options.from) % options.checkpointIntervalSeconds : nil
                    placement.lastCheckpointAt = checkpoint
                    engine.place(placement)
                    summary.lostWorkMinutes += Double(failure.at - (checkpoint ?? options.from)) / 60
                }
            }
            // Finish actions whose time has come.
            for i in tracks.indices {
                guard let finish = tracks[i].finishAt, finish <= now else { continue }
                engine.finish(workload: tracks[i].record.name, succeeded: true)
                tracks[i].finishAt = nil
                if let placement = engine.placements[tracks[i].record.name] {
                    core.setAllocation(workload: tracks[i].record.name, allocation: placement.totalAllocation)
                }
            }
            var assessments: [Assessment] = []
            for i in tracks.indices {
                guard tracks[i].next < tracks[i].samples.count, tracks[i].samples.timestamps[tracks[i].next] == now else { continue }
                let k = tracks[i].next
                tracks[i].next += 1
                let name = tracks[i].record.name
                let values = Array(tracks[i].samples.values[(k * Resource.count)..<((k + 1) * Resource.count)])
                tracks[i].observeTraces(through: now, into: core)
                let placement = engine.placements[name]!
                let allocation = placement.totalAllocation
                summary.samples += 1
                if engine.fleet.pop(named: placement.pop)?.down == true {
                    // Its POP is down and the restart has not finished: the workload is not running.
                    summary.downtimeMinutes += tracks[i].interval / 60
                    _ = core.ingest(workload: name, timestamp: now, values: values)
                    continue
                }
                if AllocationRule.exceeds(values, allocation) {
                    summary.contendedSamples += 1
                    summary.contentionMinutes += tracks[i].interval / 60
                }
                for part in placement.parts { summary.hostingCost += (fleet.pop(named: part.pop)?.pricePerHour ?? 0) * tracks[i].interval / 3600 }
                for r in AllocationRule.constrained where allocation[r.rawValue].isFinite {
                    allocationSums[r.rawValue] += allocation[r.rawValue]
                    allocationCounts[r.rawValue] += 1
                }
                guard let score = core.ingest(workload: name, timestamp: now, values: values) else { continue }
                try options.scoresCSV?.row([String(now), name, Self.format(score.risk), score.resourceAtRisk ?? ""])
                if let writer = options.forecastsCSV {
                    if tracks[i].forecastCounter % options.forecastEverySteps == 0, let entry = core.entry(name) {
                        for resource in Resource.allCases {
                            let f = entry.forecast[resource.rawValue]
                            guard f.contains(where: \.isFinite) else { continue }
                            for step in 0..<horizon {
                                try writer.row([String(now), name, resource.snakeCaseName, String(step + 1)]
                                    + (0..<levels.count).map { Self.format(f[step * levels.count + $0]) })
                            }
                        }
                    }
                    tracks[i].forecastCounter += 1
                }
                switch options.policy {
                case .static:
                    continue
                case .predictive:
                    assessments.append(.predictive(workload: name, now: now, score: score, usage: values, allocation: allocation))
                case .reactive:
                    assessments.append(.reactive(workload: name, now: now, usage: values, allocation: allocation))
                case .oracle:
                    var peak = [Double](repeating: .nan, count: Resource.count)
                    var breach = false
                    let samples = tracks[i].samples
                    for j in (k + 1)..<min(samples.count, k + 1 + horizon) {
                        let future = Array(samples.values[(j * Resource.count)..<((j + 1) * Resource.count)])
                        if AllocationRule.exceeds(future, allocation) { breach = true }
                        for r in 0..<Resource.count where future[r].isFinite { peak[r] = peak[r].isNaN ? future[r] : max(peak[r], future[r]) }
                    }
                    assessments.append(Assessment(
                        workload: name, timestamp: now, risk: breach ? 1 : 0,
                        plannedDemand: ResourceVector(peak), currentUsage: ResourceVector(values),
                        breaching: AllocationRule.exceeds(values, allocation)))
                }
            }
            if options.policy != .static {
                let outcome = engine.tick(now: now, assessments: assessments,
                                          popLastSeen: Dictionary(uniqueKeysWithValues: allPops.map { ($0, now) }))
                // (A down POP is never chosen whatever its last report: the engine checks `down` first.)
                if let writer = options.decisionsCSV {
                    for decision in outcome.decisions where decision.action != .none || decision.details.alarmed {
                        try writer.row([String(now), decision.workload, decision.action.rawValue, Self.format(decision.details.risk),
                                        decision.targetPops.joined(separator: "+"),
                                        decision.details.reason.replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: "\"", with: "'")])
                    }
                }
                for decision in outcome.decisions where decision.action != .none && !options.decision.dryRun {
                    actions += 1
                    guard let i = tracks.firstIndex(where: { $0.record.name == decision.workload }) else { continue }
                    switch decision.action {
                    case .none:
                        break
                    case .resize:
                        summary.resizes += 1
                        engine.finish(workload: decision.workload, succeeded: true)
                        if let placement = engine.placements[decision.workload] {
                            core.setAllocation(workload: decision.workload, allocation: placement.totalAllocation)
                        }
                    case .migrate, .partition, .restart:
                        let key = decision.action == .migrate ? (decision.strategy?.rawValue ?? "migrate") : decision.action.rawValue
                        summary.migrations[key, default: 0] += 1
                        let chosen = decision.details.candidates.filter { c in c.feasible && decision.targetPops.contains(c.pop) }
                            + (decision.details.partition?.candidates.filter { c in c.feasible && decision.targetPops.contains(c.pop) } ?? [])
                        var transfer = 0.0
                        for candidate in chosen {
                            guard let cost = candidate.cost else { continue }
                            summary.migrationCost += cost.migrationCost
                            summary.downtimeMinutes += cost.downtimeSeconds / 60
                            transfer = max(transfer, cost.transferSeconds, cost.downtimeSeconds)
                        }
                        if decision.action != .restart { summary.movedBytes += engine.placements[decision.workload]?.stateBytes ?? 0 }
                        tracks[i].finishAt = now + max(1, Int64(transfer.rounded(.up)))
                    }
                }
            }
            options.progress?(summary.samples, total)
        }
        summary.cost = summary.hostingCost + summary.migrationCost
        let days = Double(options.to - options.from) / 86_400
        summary.decisionsPerWorkloadDay = days > 0 ? Double(actions) / (Double(tracks.count) * days) : 0
        for r in AllocationRule.constrained where allocationCounts[r.rawValue] > 0 {
            summary.meanAllocation[r.snakeCaseName] = allocationSums[r.rawValue] / Double(allocationCounts[r.rawValue])
        }
        try options.scoresCSV?.close()
        try options.forecastsCSV?.close()
        try options.decisionsCSV?.close()
        return summary
    }

    static func format(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "" }

    static func describe(_ allocation: [Double]) -> String {
        Resource.allCases.filter { allocation[$0.rawValue].isFinite }.map { "\($0.snakeCaseName) \(format(allocation[$0.rawValue]))" }
            .joined(separator: ", ")
    }
}
