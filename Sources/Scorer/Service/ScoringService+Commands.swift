import Forecast
import Foundation
import GRDB
import Store

/// A journaled decision as `GET /v1/decisions` returns it.
struct DecisionEntry: Encodable, Sendable {
    var id: Int64
    var timestamp: Int64
    var workload: String
    var action: String
    var risk: Double
    var resourceAtRisk: String?
    var sourcePop: String?
    var targetPop: String?
    /// Its migration row's id and state, when the action was issued (not in dry-run).
    var migrationId: Int64?
    var migrationState: String?
    /// The whole decision with every number behind it (as in `decisions.details`).
    var details: Decision?
}

/// An instruction for a POP's agent: a pending or running migration row with its decision.
struct CommandEntry: Encodable, Sendable {
    /// The migration row's id (`POST /v1/agents/{pop}/commands/{id}` acknowledges it).
    var id: Int64
    var decisionId: Int64?
    var workload: String
    var action: DecisionAction
    var strategy: String
    /// pending, running, done, failed, rolled_back.
    var state: String
    var sourcePop: String
    var targets: [PlacementPart]
    var checkpointAt: Int64?
    /// Unix seconds the decision was taken.
    var issuedAt: Int64
    /// Steps the executor reported done so far.
    var steps: [String]
}

/// The state an agent reports for a command.
enum CommandState: String, Sendable, Codable, CaseIterable {
    case running, done, failed
}

extension ScoringService {
    // MARK: Reads (the store only, off the actor)

    /// Journaled decisions, newest first; `workload` filters by name. `limit` 1…1000.
    nonisolated func decisions(workload: String?, limit: Int) throws -> [DecisionEntry] {
        try store.reader.read { db in
            var sql = """
                SELECT d.id, d.timestamp, w.name AS workload, d.action, d.risk, d.resource_at_risk, d.details,
                       s.name AS source_pop, t.name AS target_pop, m.id AS migration_id, m.state AS migration_state
                FROM decisions d JOIN workloads w ON w.id = d.workload_id
                LEFT JOIN pops s ON s.id = d.source_pop_id LEFT JOIN pops t ON t.id = d.target_pop_id
                LEFT JOIN migrations m ON m.decision_id = d.id
                """
            var arguments: StatementArguments = []
            if let workload {
                sql += " WHERE w.name = ?"
                arguments += [workload]
            }
            sql += " ORDER BY d.id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let details: String? = row["details"]
                return DecisionEntry(id: row["id"], timestamp: row["timestamp"], workload: row["workload"], action: row["action"],
                                     risk: row["risk"], resourceAtRisk: row["resource_at_risk"], sourcePop: row["source_pop"],
                                     targetPop: row["target_pop"], migrationId: row["migration_id"], migrationState: row["migration_state"],
                                     details: try details.map { try DecisionJSON.decode(Decision.self, from: $0) })
            }
        }
    }

    /// The pending and running commands whose source or one of whose targets is `pop`,
    /// oldest first.
    /// - Throws: `ServiceError.unknownPOP`.
    nonisolated func commands(pop: String) throws -> [CommandEntry] {
        try store.reader.read { db in
            guard try Int64.fetchOne(db, sql: "SELECT id FROM pops WHERE name = ?", arguments: [pop]) != nil else {
                throw ServiceError.unknownPOP(pop, known: try String.fetchAll(db, sql: "SELECT name FROM pops ORDER BY name"))
            }
            let rows = try MigrationRecord.filter(["pending", "running"].contains(Column("state"))).order(Column("id")).fetchAll(db)
            return try rows.compactMap { row in
                let entry = try Self.command(row, db)
                return entry.sourcePop == pop || entry.targets.contains(where: { $0.pop == pop }) ? entry : nil
            }
        }
    }

    static func command(_ row: MigrationRecord, _ db: Database) throws -> CommandEntry {
        guard let id = row.id, let decisionId = row.decisionId, let text = try String.fetchOne(db, sql: "SELECT details FROM decisions WHERE id = ?", arguments: [decisionId]) else {
            throw JournalError.missingDecision(migrationId: row.id ?? -1)
        }
        let decision = try DecisionJSON.decode(Decision.self, from: text)
        return CommandEntry(id: id, decisionId: decisionId, workload: decision.workload, action: decision.action, strategy: row.strategy,
                            state: row.state, sourcePop: decision.sourcePop, targets: decision.targets, checkpointAt: decision.checkpointAt,
                            issuedAt: decision.timestamp, steps: try DecisionJSON.decode([String].self, from: row.journal ?? "[]"))
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
    func acknowledge(pop: String, id: Int64, state: CommandState, steps: [String], movedBytes: Double? = nil,
                     downtimeMs: Double? = nil) throws -> CommandEntry {
        let found = try store.reader.read { db -> CommandEntry? in
            guard let row = try MigrationRecord.fetchOne(db, key: id) else { return nil }
            return try Self.command(row, db)
        }
        guard let command = found, command.sourcePop == pop || command.targets.contains(where: { $0.pop == pop }) else {
            throw ServiceError.unknownCommand(id: id, pop: pop)
        }
        if command.state == state.rawValue, state != .running { return command }
        guard command.state == "pending" || command.state == "running" else {
            throw ServiceError.transitionNotAllowed(id: id, from: command.state, to: state.rawValue)
        }
        let now = clock()
        switch state {
        case .running: try journal.markRunning(migrationId: id, steps: steps)
        case .done: try journal.markDone(migrationId: id, at: now, steps: steps, movedBytes: movedBytes, downtimeMs: downtimeMs)
        case .failed: try journal.markFailed(migrationId: id, at: now, steps: steps)
        }
        if state != .running, let flight = engine.inFlight[command.workload],
           flight.decision.timestamp == command.issuedAt, flight.decision.action == command.action {
            engine.finish(workload: command.workload, succeeded: state == .done)
            if let placement = engine.placements[command.workload] {
                core?.setAllocation(workload: command.workload, allocation: placement.totalAllocation)
            }
        }
        var updated = command
        updated.state = state.rawValue
        updated.steps = steps
        return updated
    }
}
