import Foundation
import GRDB
import Store

/// The decision journal in the store: every decision (a `decisions` row whose `details`
/// is the whole `Decision` as JSON) and, for each action that resizes or moves, a
/// `migrations` row that follows it from `pending` through `running` to `done` or
/// `failed` (or `rolled_back` after a crash), with the executor's completed steps as a
/// JSON array in `journal`.
///
/// Resume rule after a restart (`unfinished()`):
/// - `pending`: the executor never started it → **re-issue**.
/// - `running` resize: setting an allocation is idempotent → **re-issue**.
/// - `running` restart: its source POP is down, there is nothing to go back to → **re-issue**.
/// - `running` live / checkpoint_restart / partition: how far the executor got is
///   unknown, and the source keeps running the workload until switch-over → **roll back**
///   (the executor discards the target copy, the row becomes `rolled_back`, and the
///   engine decides afresh at the next tick).
struct DecisionJournal: Sendable {
    let store: HeadroomStore

    init(store: HeadroomStore) { self.store = store }

    /// A journaled decision: its row id, and its migration row's id when it has one.
    struct Entry: Sendable, Equatable {
        var decisionId: Int64
        var migrationId: Int64?
        var decision: Decision
    }

    /// What to do with an unfinished migration found at start-up.
    enum ResumeRule: String, Sendable, Equatable {
        case reissue
        case rollBack = "roll_back"
    }

    struct UnfinishedMigration: Sendable, Equatable {
        var migration: MigrationRecord
        var decision: Decision
        var rule: ResumeRule
    }

    /// Writes one tick's decisions in one transaction: a `decisions` row each, and a
    /// `pending` `migrations` row for each action unless the decision was taken in
    /// dry-run. The workload row is found by name or created (`source = "agent"`).
    /// - Throws: `JournalError.unknownPOP` when a POP was never synced to the store.
    @discardableResult
    func record(_ decisions: [Decision]) throws -> [Entry] {
        try store.writer.write { db in
            var entries: [Entry] = []
            for decision in decisions {
                let workloadId = try workloadId(decision, db)
                let sourceId = decision.sourcePop.isEmpty ? nil : try popId(decision.sourcePop, db)
                let target = decision.targets.first { $0.pop != decision.sourcePop } ?? decision.targets.first
                let targetId = try target.map { try popId($0.pop, db) }
                var row = DecisionRecord(
                    timestamp: decision.timestamp, workloadId: workloadId, risk: decision.details.risk,
                    resourceAtRisk: decision.details.resourceAtRisk, action: decision.action.rawValue,
                    sourcePopId: sourceId, targetPopId: targetId, details: try DecisionJSON.encode(decision))
                try row.insert(db)
                var migrationId: Int64?
                if decision.action != .none, !decision.details.dryRun, let strategy = decision.strategy {
                    var migration = MigrationRecord(decisionId: row.id, workloadId: workloadId, sourcePopId: sourceId,
                                                    targetPopId: targetId, strategy: strategy.rawValue, state: "pending",
                                                    startedAt: decision.timestamp, journal: "[]")
                    try migration.insert(db)
                    migrationId = migration.id
                }
                entries.append(Entry(decisionId: row.id!, migrationId: migrationId, decision: decision))
            }
            return entries
        }
    }

    /// The executor started it; `steps` are the steps completed so far.
    func markRunning(migrationId: Int64, steps: [String]) throws {
        try update(migrationId) { $0.state = "running"; $0.journal = try DecisionJSON.encode(steps) }
    }

    /// It completed: the workload runs on its targets.
    func markDone(migrationId: Int64, at time: Int64, steps: [String], movedBytes: Double? = nil, downtimeMs: Double? = nil) throws {
        try update(migrationId) {
            $0.state = "done"
            $0.finishedAt = time
            $0.journal = try DecisionJSON.encode(steps)
            $0.movedBytes = movedBytes
            $0.downtimeMs = downtimeMs
        }
    }

    /// It failed: the workload stays at its source.
    func markFailed(migrationId: Int64, at time: Int64, steps: [String]) throws {
        try update(migrationId) { $0.state = "failed"; $0.finishedAt = time; $0.journal = try DecisionJSON.encode(steps) }
    }

    /// Rolled back after a restart (see the resume rule).
    func markRolledBack(migrationId: Int64, at time: Int64) throws {
        try update(migrationId) { $0.state = "rolled_back"; $0.finishedAt = time }
    }

    /// The migrations still `pending` or `running`, oldest first, each with its decision
    /// and the resume rule.
    func unfinished() throws -> [UnfinishedMigration] {
        try store.reader.read { db in
            let rows = try MigrationRecord.filter(["pending", "running"].contains(Column("state")))
                .order(Column("started_at"), Column("id")).fetchAll(db)
            return try rows.map { row in
                guard let decisionId = row.decisionId, let record = try DecisionRecord.fetchOne(db, key: decisionId),
                      let details = record.details else {
                    throw JournalError.missingDecision(migrationId: row.id ?? -1)
                }
                let decision = try DecisionJSON.decode(Decision.self, from: details)
                return UnfinishedMigration(migration: row, decision: decision, rule: Self.rule(for: row, decision: decision))
            }
        }
    }

    /// The resume rule above.
    static func rule(for migration: MigrationRecord, decision: Decision) -> ResumeRule {
        if migration.state == "pending" || decision.action == .resize || decision.action == .restart { return .reissue }
        return .rollBack
    }

    /// The steps recorded so far for a migration.
    func steps(migrationId: Int64) throws -> [String] {
        let row = try store.reader.read { db in try MigrationRecord.fetchOne(db, key: migrationId) }
        guard let row else { throw JournalError.unknownMigration(migrationId) }
        return try DecisionJSON.decode([String].self, from: row.journal ?? "[]")
    }

    private func update(_ migrationId: Int64, _ change: (inout MigrationRecord) throws -> Void) throws {
        try store.writer.write { db in
            guard var row = try MigrationRecord.fetchOne(db, key: migrationId) else { throw JournalError.unknownMigration(migrationId) }
            try change(&row)
            try row.update(db)
        }
    }

    private func workloadId(_ decision: Decision, _ db: Database) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM workloads WHERE name = ?", arguments: [decision.workload]) {
            return id
        }
        var workload = WorkloadRecord(name: decision.workload, source: "agent", createdAt: decision.timestamp)
        try workload.insert(db)
        return workload.id!
    }

    private func popId(_ name: String, _ db: Database) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM pops WHERE name = ?", arguments: [name]) else {
            throw JournalError.unknownPOP(name)
        }
        return id
    }
}

/// Journal failures; messages say what to do.
enum JournalError: Error, Equatable, CustomStringConvertible {
    case unknownPOP(String)
    case unknownMigration(Int64)
    case missingDecision(migrationId: Int64)

    var description: String {
        switch self {
        case .unknownPOP(let name):
            "POP \"\(name)\" is not in the store; sync the fleet file first (`headroom-scorer fleet sync --pops FILE --db PATH`)"
        case .unknownMigration(let id): "no migration with id \(id) in the store"
        case .missingDecision(let id): "migration \(id) has no decision with details in the store; it cannot be resumed, mark it failed"
        }
    }
}
