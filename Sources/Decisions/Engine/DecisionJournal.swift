import Foundation
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
package struct DecisionJournal: Sendable {
    package let store: HeadroomStore

    package init(store: HeadroomStore) { self.store = store }

    /// A journaled decision: its row id, and its migration row's id when it has one.
    package struct Entry: Sendable, Equatable {
        package var decisionId: Int64
        package var migrationId: Int64?
        package var decision: Decision
    }

    /// What to do with an unfinished migration found at start-up.
    package enum ResumeRule: String, Sendable, Equatable {
        case reissue
        case rollBack = "roll_back"
    }

    package struct UnfinishedMigration: Sendable, Equatable {
        package var migration: MigrationRecord
        package var decision: Decision
        package var rule: ResumeRule
    }

    /// Writes one tick's decisions in one transaction: a `decisions` row each, and a
    /// `pending` `migrations` row for each action unless the decision was taken in
    /// dry-run. The workload row is found by name or created (`source = "agent"`).
    /// - Throws: `JournalError.unknownPOP` when a POP was never synced to the store.
    @discardableResult
    package func record(_ decisions: [Decision]) throws -> [Entry] {
        let writes = try decisions.map { decision in
            let target = decision.targets.first { $0.pop != decision.sourcePop } ?? decision.targets.first
            let issued = decision.action != .none && !decision.details.dryRun
            return HeadroomStore.JournalWrite(
                timestamp: decision.timestamp, workload: decision.workload, risk: decision.details.risk,
                resourceAtRisk: decision.details.resourceAtRisk, action: decision.action,
                sourcePop: decision.sourcePop.isEmpty ? nil : decision.sourcePop, targetPop: target?.pop,
                details: try DecisionJSON.encode(decision), migration: issued ? decision.strategy : nil)
        }
        return zip(try store.recordDecisions(writes), decisions).map { ids, decision in
            Entry(decisionId: ids.decisionId, migrationId: ids.migrationId, decision: decision)
        }
    }

    /// The executor started it; `steps` are the steps completed so far.
    package func markRunning(migrationId: Int64, steps: [String]) throws {
        try update(migrationId) { $0.state = .running; $0.journal = try DecisionJSON.encode(steps) }
    }

    /// It completed: the workload runs on its targets.
    package func markDone(migrationId: Int64, at time: Int64, steps: [String], movedBytes: Double? = nil, downtimeMs: Double? = nil) throws {
        try update(migrationId) {
            $0.state = .done
            $0.finishedAt = time
            $0.journal = try DecisionJSON.encode(steps)
            $0.movedBytes = movedBytes
            $0.downtimeMs = downtimeMs
        }
    }

    /// It failed: the workload stays at its source.
    package func markFailed(migrationId: Int64, at time: Int64, steps: [String]) throws {
        try update(migrationId) { $0.state = .failed; $0.finishedAt = time; $0.journal = try DecisionJSON.encode(steps) }
    }

    /// Rolled back after a restart (see the resume rule).
    package func markRolledBack(migrationId: Int64, at time: Int64) throws {
        try update(migrationId) { $0.state = .rolledBack; $0.finishedAt = time }
    }

    /// The migrations still `pending` or `running`, oldest first, each with its decision
    /// and the resume rule.
    package func unfinished() throws -> [UnfinishedMigration] {
        try store.unfinishedMigrations(order: .startedAt).map { item in
            let decision = try DecisionJSON.decode(Decision.self, from: item.details)
            return UnfinishedMigration(migration: item.migration, decision: decision, rule: Self.rule(for: item.migration, decision: decision))
        }
    }

    /// The resume rule above.
    package static func rule(for migration: MigrationRecord, decision: Decision) -> ResumeRule {
        if migration.state == .pending || decision.action == .resize || decision.action == .restart { return .reissue }
        return .rollBack
    }

    /// The steps recorded so far for a migration.
    package func steps(migrationId: Int64) throws -> [String] {
        guard let row = try store.migration(id: migrationId) else { throw JournalError.unknownMigration(migrationId) }
        return try DecisionJSON.decode([String].self, from: row.journal ?? "[]")
    }

    private func update(_ migrationId: Int64, _ change: (inout MigrationRecord) throws -> Void) throws {
        try store.updateMigration(id: migrationId, change)
    }
}
