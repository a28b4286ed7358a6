import Forecast
import Decisions
import Foundation
import Store
import Wire

/// A journaled decision as `GET /v1/decisions` returns it.
struct DecisionEntry: Encodable, Sendable {
    var id: Int64
    var timestamp: Int64
    var workload: String
    var action: DecisionAction
    var risk: Double
    var resourceAtRisk: String?
    var sourcePop: String?
    var targetPop: String?
    /// Its migration row's id and state, when the action was issued (not in dry-run).
    var migrationId: Int64?
    var migrationState: MigrationState?
    /// The whole decision with every number behind it (as in `decisions.details`).
    var details: Decision?
}

/// An instruction for a POP's agent: a pending or running migration row with its decision
/// (sent as a `CommandBody`).
struct CommandEntry: Sendable {
    /// The migration row's id (`POST /v1/agents/{pop}/commands/{id}` acknowledges it).
    var id: Int64
    var decisionId: Int64?
    var workload: String
    var action: DecisionAction
    var strategy: ExecutionStrategy
    var state: MigrationState
    var sourcePop: String
    var targets: [PlacementPart]
    var checkpointAt: Int64?
    /// Unix seconds the decision was taken.
    var issuedAt: Int64
    /// Steps the executor reported done so far.
    var steps: [String]
    /// The last progress the agent reported (VM live migrations), if any.
    var progress: MigrationProgress?
}

extension CommandReportBody.State {
    /// The journal's state a report moves a command to.
    var migrationState: MigrationState {
        switch self {
        case .running: .running
        case .done: .done
        case .failed: .failed
        }
    }
}

extension CommandBody {
    /// A command as the agents' list and an acknowledgement's answer carry it.
    init(_ entry: CommandEntry) {
        self.init(id: entry.id, decisionId: entry.decisionId, workload: entry.workload, action: Action(entry.action),
                  strategy: entry.strategy.rawValue, state: entry.state.rawValue, sourcePop: entry.sourcePop,
                  targets: entry.targets.map { Target(pop: $0.pop, allocation: $0.allocation) }, checkpointAt: entry.checkpointAt,
                  issuedAt: entry.issuedAt, steps: entry.steps, progress: entry.progress)
    }
}

extension CommandBody.Action {
    /// The journal's action under the wire's name (the same names, checked by a test).
    init(_ action: DecisionAction) {
        switch action {
        case .none: self = .none
        case .resize: self = .resize
        case .migrate: self = .migrate
        case .partition: self = .partition
        case .restart: self = .restart
        }
    }
}

extension ScoringService {
    // MARK: Reads (the store only, off the actor)

    /// Journaled decisions, newest first; `workload` filters by name. `limit` 1…1000.
    nonisolated func decisions(workload: String?, limit: Int) throws -> [DecisionEntry] {
        try store.decisionRows(workload: workload, limit: limit).map { row in
            DecisionEntry(id: row.id, timestamp: row.timestamp, workload: row.workload, action: row.action, risk: row.risk,
                          resourceAtRisk: row.resourceAtRisk, sourcePop: row.sourcePop, targetPop: row.targetPop,
                          migrationId: row.migrationId, migrationState: row.migrationState,
                          details: try row.details.map { try DecisionJSON.decode(Decision.self, from: $0) })
        }
    }

    /// The pending and running commands whose source or one of whose targets is `pop`,
    /// oldest first (one query; a partition's targets are in its decision, so the filter
    /// by POP runs over the decoded decisions).
    /// - Throws: `ServiceError.unknownPOP`.
    nonisolated func commands(pop: String) throws -> [CommandEntry] {
        let pops = try store.pops().map(\.name)
        guard pops.contains(pop) else { throw ServiceError.unknownPOP(pop, known: pops) }
        // A sharded scorer lists its own workloads' commands only: the agent pulls from every
        // scorer and reports each command to the one that listed it.
        return try store.unfinishedMigrations(order: .id).map(Self.command).filter { entry in
            (entry.sourcePop == pop || entry.targets.contains(where: { $0.pop == pop })) && owns(entry.workload)
        }
    }

    static func command(_ item: HeadroomStore.JournaledMigration) throws -> CommandEntry {
        let row = item.migration
        let decision = try DecisionJSON.decode(Decision.self, from: item.details)
        return CommandEntry(id: row.id ?? -1, decisionId: row.decisionId, workload: decision.workload, action: decision.action,
                            strategy: row.strategy, state: row.state, sourcePop: decision.sourcePop, targets: decision.targets,
                            checkpointAt: decision.checkpointAt, issuedAt: decision.timestamp,
                            steps: try DecisionJSON.decode([String].self, from: row.journal ?? "[]"))
    }

    // MARK: Acknowledgements

    /// An agent's report on command `id`: `running` (with the steps done so far), `done`
    /// or `failed`. Pending and running commands may become any of the three; repeating
    /// `done` or `failed` changes nothing; any other transition is refused. `done` and
    /// `failed` end the engine's in-flight action (a move places the workload on its
    /// targets; a failed resize restores the old allocation) and re-score the workload
    /// against what it now has.
    /// - Throws: `ServiceError.unknownCommand` (no such id, or not for `pop`),
    ///   `ServiceError.transitionNotAllowed`.
    func acknowledge(pop: String, id: Int64, state: CommandReportBody.State, steps: [String], movedBytes: Double? = nil,
                     downtimeMs: Double? = nil, progress: MigrationProgress? = nil) throws -> CommandEntry {
        let found = try store.journaledMigration(id: id).map(Self.command)
        guard let command = found, command.sourcePop == pop || command.targets.contains(where: { $0.pop == pop }) else {
            throw ServiceError.unknownCommand(id: id, pop: pop)
        }
        try requireOwned([command.workload])
        if command.state == state.migrationState, state != .running { return command }
        guard command.state.isUnfinished else {
            throw ServiceError.transitionNotAllowed(id: id, from: command.state.rawValue, to: state.rawValue)
        }
        let now = clock()
        if let progress, progress.rounds >= 1, progress.dirtyBytesPerSecond > 0 {
            // Kept before the transition, so an acknowledgement whose write fails is retried whole.
            try store.recordDirtyRate(.init(workload: command.workload, bytesPerSecond: progress.dirtyBytesPerSecond,
                                            rounds: progress.rounds, measuredAt: now, migrationId: id))
        }
        switch state {
        case .running: try journal.markRunning(migrationId: id, steps: steps)
        case .done: try journal.markDone(migrationId: id, at: now, steps: steps, movedBytes: movedBytes, downtimeMs: downtimeMs)
        case .failed: try journal.markFailed(migrationId: id, at: now, steps: steps)
        }
        if state != .running, let flight = engine.inFlight[command.workload],
           flight.decision.timestamp == command.issuedAt, flight.decision.action == command.action {
            engine.finish(workload: command.workload, succeeded: state == .done)
            try syncBookings([command.workload])
            if let placement = engine.placements[command.workload] {
                core?.setAllocation(workload: command.workload, allocation: placement.totalAllocation)
            }
        }
        if let progress {
            migrationProgress[id] = progress
            // A completed pre-copy round measured the guest's dirty rate: the next move of
            // this workload is priced with it (`PreCopyModel`), in this scorer, after a
            // restart (`makePlacement` reads it back) and in replays of the period.
            if progress.rounds >= 1, progress.dirtyBytesPerSecond > 0, var placement = engine.placements[command.workload] {
                placement.dirtyRate = DirtyRate(bytesPerSecond: progress.dirtyBytesPerSecond, source: .measured)
                engine.place(placement)
            }
        }
        var updated = command
        updated.state = state.migrationState
        updated.steps = steps
        updated.progress = migrationProgress[id]
        if state != .running { migrationProgress[id] = nil }
        return updated
    }
}
