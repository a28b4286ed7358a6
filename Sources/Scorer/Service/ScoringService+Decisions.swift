import Decisions
import Forecast
import Foundation
import Models
import ScorerIntake
import Store

extension ScoringService {
    struct ResumeReport: Sendable, Equatable {
        /// Migration ids re-issued (their commands are pending again for the agents).
        var reissued: [Int64] = []
        /// Migration ids rolled back.
        var rolledBack: [Int64] = []
    }

    // MARK: Agents

    /// Records a report from `pop`'s agent: its last-seen time for the staleness check and
    /// in the store's `pops.last_seen` (written at most once a second per POP).
    /// - Throws: `ServiceError.unknownPOP`.
    func heartbeat(pop: String, now: Int64? = nil) throws {
        guard engine.fleet.pop(named: pop) != nil else { throw ServiceError.unknownPOP(pop, known: engine.fleet.pops.map(\.name)) }
        let now = now ?? clock()
        popLastSeen[pop] = max(popLastSeen[pop] ?? now, now)
        if silentPOPs.remove(pop) != nil {
            engine.setDown(pop, false)
            try store.setPOPStatus(.up, names: [pop])
        }
        guard (popLastSeenStored[pop] ?? .min) < now else { return }
        try store.setPOPLastSeen(pop, at: now)
        popLastSeenStored[pop] = now
    }

    /// Places the batch's workloads that have no placement yet on `pop`, with the batch's
    /// allocation or else the one the core scores them against (the `AllocationRule`). For
    /// a placed workload without an action in flight, the batch's allocation replaces the
    /// placement's; its checkpoint time is recorded either way, and a VM's (`live_migratable`)
    /// state bytes become its latest memory sample.
    /// - Returns: the number of workloads placed.
    func place(_ batch: SampleBatch, on pop: String) -> Int {
        var placed = 0
        var seen = Set<String>()
        // A VM's move copies its memory as it is now: its latest sample in the batch.
        var vmMemory: [String: Double] = [:]
        if !batch.liveMigratable.isEmpty {
            for sample in batch.samples where batch.liveMigratable.contains(sample.workload) {
                let memory = sample.values[Resource.memoryBytes.rawValue]
                if memory.isFinite { vmMemory[sample.workload] = memory }
            }
        }
        for sample in batch.samples where seen.insert(sample.workload).inserted {
            let name = sample.workload
            if var placement = engine.placements[name] {
                var changed = false
                if let allocation = batch.allocations[name], engine.inFlight[name] == nil, placement.pop == pop {
                    placement.allocation = ResourceVector(allocation)
                    changed = true
                }
                if let checkpoint = batch.checkpoints[name] {
                    placement.lastCheckpointAt = checkpoint
                    changed = true
                }
                if batch.liveMigratable.contains(name), !placement.supportsLive {
                    placement.supportsLive = true
                    changed = true
                }
                if changed { engine.place(placement) }
                if let memory = vmMemory[name] { engine.setStateBytes(memory, workload: name) }
                continue
            }
            let allocation = batch.allocations[name] ?? core?.entry(name)?.allocation ?? .init(repeating: .nan, count: Resource.count)
            var placement = makePlacement(name, pop: pop, allocation: ResourceVector(allocation), memoryNow: sample.values[Resource.memoryBytes.rawValue])
            placement.lastCheckpointAt = batch.checkpoints[name]
            if batch.liveMigratable.contains(name) { placement.supportsLive = true }
            if let memory = vmMemory[name] { placement.stateBytes = memory }
            engine.place(placement)
            placed += 1
        }
        return placed
    }

    /// A placement for `name` on `pop`: its migration abilities from its workload row, the
    /// state a move copies = its memory now (else its memory allocation, else 0), the dirty
    /// rate its last live migration measured (`dirty_rates`), if any.
    func makePlacement(_ name: String, pop: String, allocation: ResourceVector, memoryNow: Double) -> Placement {
        let record = try? store.workload(named: name)
        let memory = memoryNow.isFinite ? memoryNow : (allocation[.memoryBytes].isFinite ? allocation[.memoryBytes] : 0)
        let partitionable = record?.partitionable ?? false
        var placement = Placement(workload: name, pop: pop, allocation: allocation, stateBytes: memory, partitionable: partitionable,
                                  maxParts: partitionable ? 4 : 1, supportsLive: record?.liveMigratable ?? false,
                                  expectedRemainingSeconds: configuration.expectedRemainingSeconds)
        if let measured = try? store.dirtyRate(workload: name) {
            placement.dirtyRate = DirtyRate(bytesPerSecond: measured.bytesPerSecond, source: .measured)
        }
        return placement
    }

    /// Marks `pop` down (or up again), in the engine and the store's `pops.status`, and
    /// ticks at once so the workloads there are restarted elsewhere.
    /// - Returns: the decisions journaled.
    func setDown(pop: String, down: Bool) throws -> Int {
        guard engine.fleet.pop(named: pop) != nil else { throw ServiceError.unknownPOP(pop, known: engine.fleet.pops.map(\.name)) }
        engine.setDown(pop, down)
        silentPOPs.remove(pop)
        try store.setPOPStatus(down ? .down : .up, names: [pop])
        return try tick(now: clock(), scored: [])
    }

    /// Marks down every up POP whose agent has reported before and has been silent for
    /// longer than `downAfterSeconds`, and ticks so their workloads are restarted elsewhere
    /// from their last checkpoints. A later report from the agent brings the POP back up.
    /// - Returns: the POPs marked down now.
    @discardableResult
    func checkAgents() throws -> [String] {
        guard let limit = configuration.downAfterSeconds else { return [] }
        let now = clock()
        let silent = engine.fleet.pops.filter { pop in
            guard !pop.down, let seen = popLastSeen[pop.name] else { return false }
            return Double(now - seen) > limit
        }.map(\.name)
        guard !silent.isEmpty else { return [] }
        for pop in silent {
            engine.setDown(pop, true)
            silentPOPs.insert(pop)
        }
        try store.setPOPStatus(.down, names: silent)
        _ = try tick(now: now, scored: [])
        return silent
    }

    // MARK: Ticks

    /// One decision tick over the workloads just scored (predictive assessments, as
    /// `ReplaySimulation`) plus, by the engine's rule, every workload on a down POP.
    /// Journals the decisions with an action and the alarmed ones whose reason changed.
    /// - Returns: the number of decisions journaled.
    func tick(now: Int64, scored: [(name: String, values: [Double])]) throws -> Int {
        var assessments: [Assessment] = []
        for (name, values) in scored where engine.placements[name] != nil {
            guard let entry = core?.entry(name), let score = entry.score else { continue }
            switch configuration.policy {
            case .predictive:
                assessments.append(.predictive(workload: name, now: now, score: score, usage: values, allocation: entry.allocation))
            case .reactive:
                assessments.append(.reactive(workload: name, now: now, usage: values, allocation: entry.allocation))
            }
        }
        guard !assessments.isEmpty || engine.placements.values.contains(where: { engine.fleet.pop(named: $0.pop)?.down == true }) else { return 0 }
        try refreshExternalUsage()
        let booked = BookedFootprints()
        let outcome = engine.tick(now: now, assessments: assessments, popLastSeen: popLastSeen,
                                  book: capacityBooker(now: now, booked: booked))
        bookedFootprints.merge(booked.footprints) { _, new in new }
        if booked.refusals > 0 {
            metrics.bookingRefusals.increment(by: Int64(booked.refusals))
            try refreshExternalUsage(force: true)
        }
        var toJournal: [Decision] = []
        for decision in outcome.decisions {
            if decision.action != .none {
                toJournal.append(decision)
                lastJournaledReason[decision.workload] = decision.details.reason
            } else if decision.details.alarmed, lastJournaledReason[decision.workload] != decision.details.reason {
                toJournal.append(decision)
                lastJournaledReason[decision.workload] = decision.details.reason
            } else if !decision.details.alarmed {
                lastJournaledReason[decision.workload] = nil
            }
        }
        guard !toJournal.isEmpty else { return 0 }
        try journal.record(toJournal)
        metrics.decisions.increment(by: Int64(toJournal.count))
        return toJournal.count
    }

    // MARK: Start-up

    /// Applies the journal's resume rule to every unfinished migration: re-issue (the
    /// engine re-books it, its command stays pending for the agent) or roll back
    /// (`rolled_back`; the engine decides afresh). A re-issued workload is placed at its
    /// decision's source with the allocation it had then.
    func resumeUnfinished() throws -> ResumeReport {
        var report = ResumeReport()
        let now = clock()
        // A sharded scorer resumes its own workloads' migrations only: the others' belong to
        // their shards' scorers, which resume them when they start.
        for item in try journal.unfinished() where owns(item.decision.workload) {
            guard let id = item.migration.id else { continue }
            switch item.rule {
            case .reissue:
                let decision = item.decision
                if engine.placements[decision.workload] == nil, !decision.sourcePop.isEmpty {
                    engine.place(makePlacement(decision.workload, pop: decision.sourcePop,
                                               allocation: decision.details.currentAllocation.vector,
                                               memoryNow: decision.details.currentUsage.vector[.memoryBytes]))
                }
                engine.resume(decision)
                try syncBookings([decision.workload])
                lastJournaledReason[decision.workload] = decision.details.reason
                report.reissued.append(id)
            case .rollBack:
                try journal.markRolledBack(migrationId: id, at: now)
                report.rolledBack.append(id)
            }
        }
        return report
    }
}
