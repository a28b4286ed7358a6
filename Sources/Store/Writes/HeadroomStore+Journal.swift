import GRDB

/// The decision journal's rows (`decisions`, `migrations`) behind typed reads and writes,
/// so the decision library stores and reads its journal without SQL. A decision's
/// `details` column holds the whole decision as JSON; the store keeps it as text and never
/// looks inside.
extension HeadroomStore {
    /// One decision to journal.
    public struct JournalWrite: Sendable, Equatable {
        public var timestamp: Int64
        public var workload: String
        public var risk: Double
        public var resourceAtRisk: String?
        public var action: DecisionAction
        /// Its POP now; nil when it has none.
        public var sourcePop: String?
        /// The (first) POP it goes to; nil for none.
        public var targetPop: String?
        /// The whole decision (JSON).
        public var details: String
        /// A `pending` migration row is written with this strategy when given (an action
        /// that is issued, not a dry run).
        public var migration: ExecutionStrategy?

        public init(timestamp: Int64, workload: String, risk: Double, resourceAtRisk: String?, action: DecisionAction,
                    sourcePop: String?, targetPop: String?, details: String, migration: ExecutionStrategy?) {
            self.timestamp = timestamp
            self.workload = workload
            self.risk = risk
            self.resourceAtRisk = resourceAtRisk
            self.action = action
            self.sourcePop = sourcePop
            self.targetPop = targetPop
            self.details = details
            self.migration = migration
        }
    }

    /// The row ids a journaled decision got.
    public struct JournalIds: Sendable, Equatable {
        public var decisionId: Int64
        public var migrationId: Int64?
    }

    /// A migration row with its decision's details (JSON).
    public struct JournaledMigration: Sendable, Equatable {
        public var migration: MigrationRecord
        public var details: String
    }

    /// A decision row as the read API shows it: names instead of ids, and its migration's
    /// state when it has one.
    public struct DecisionRow: Sendable, Equatable {
        public var id: Int64
        public var timestamp: Int64
        public var workload: String
        public var action: DecisionAction
        public var risk: Double
        public var resourceAtRisk: String?
        public var details: String?
        public var sourcePop: String?
        public var targetPop: String?
        public var migrationId: Int64?
        public var migrationState: MigrationState?
    }

    /// Writes one tick's decisions in one transaction (all or nothing): a `decisions` row
    /// each and, where `migration` is set, a `pending` `migrations` row. A workload row is
    /// found by name or created (`source = "agent"`).
    /// - Throws: `JournalError.unknownPOP` when a POP was never synced to the store.
    @discardableResult
    public func recordDecisions(_ writes: [JournalWrite]) throws -> [JournalIds] {
        if let postgres { return try postgres.recordDecisions(writes) }
        return try writer.write { db in
            var ids: [JournalIds] = []
            for write in writes {
                let workloadId = try Self.workloadId(named: write.workload, createdAt: write.timestamp, db)
                let sourceId = try write.sourcePop.map { try Self.popId($0, db) }
                let targetId = try write.targetPop.map { try Self.popId($0, db) }
                var row = DecisionRecord(timestamp: write.timestamp, workloadId: workloadId, risk: write.risk,
                                         resourceAtRisk: write.resourceAtRisk, action: write.action,
                                         sourcePopId: sourceId, targetPopId: targetId, details: write.details)
                try row.insert(db)
                var migrationId: Int64?
                if let strategy = write.migration {
                    var migration = MigrationRecord(decisionId: row.id, workloadId: workloadId, sourcePopId: sourceId,
                                                    targetPopId: targetId, strategy: strategy, state: .pending,
                                                    startedAt: write.timestamp, journal: "[]")
                    try migration.insert(db)
                    migrationId = migration.id
                }
                ids.append(JournalIds(decisionId: row.id!, migrationId: migrationId))
            }
            return ids
        }
    }

    /// Applies `change` to migration `id` in one transaction.
    /// - Throws: `JournalError.unknownMigration`.
    public func updateMigration(id: Int64, _ change: (inout MigrationRecord) throws -> Void) throws {
        if let postgres { return try postgres.updateMigration(id: id, change) }
        return try writer.write { db in
            guard var row = try MigrationRecord.fetchOne(db, key: id) else { throw JournalError.unknownMigration(id) }
            try change(&row)
            try row.update(db)
        }
    }

    /// Migration `id`, or nil.
    public func migration(id: Int64) throws -> MigrationRecord? {
        if let postgres { return try postgres.migration(id: id) }
        return try reader.read { db in try MigrationRecord.fetchOne(db, key: id) }
    }

    /// Migration `id` with its decision's details, or nil when there is no such row.
    /// - Throws: `JournalError.missingDecision` when its decision or details are gone.
    public func journaledMigration(id: Int64) throws -> JournaledMigration? {
        if let postgres { return try postgres.journaledMigration(id: id) }
        return try reader.read { db in
            guard let row = try MigrationRecord.fetchOne(db, key: id) else { return nil }
            return try Self.withDetails(row, db)
        }
    }

    /// Order of `unfinishedMigrations`.
    public enum MigrationOrder: Sendable {
        /// Oldest decision first (the resume order after a restart).
        case startedAt
        /// Row id (the order agents receive commands).
        case id
    }

    /// The `pending` and `running` migrations with their decisions' details, in one query.
    /// - Throws: `JournalError.missingDecision` for a row whose decision or details are gone.
    public func unfinishedMigrations(order: MigrationOrder) throws -> [JournaledMigration] {
        if let postgres { return try postgres.unfinishedMigrations(order: order) }
        return try reader.read { db in
            let ordering: String = switch order {
            case .startedAt: "m.started_at, m.id"
            case .id: "m.id"
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT m.*, d.details AS decision_details FROM migrations m LEFT JOIN decisions d ON d.id = m.decision_id
                WHERE m.state IN (?, ?) ORDER BY \(ordering)
                """, arguments: [MigrationState.pending, MigrationState.running])
            return try rows.map { row in
                let migration = try MigrationRecord(row: row)
                guard let details: String = row["decision_details"] else {
                    throw JournalError.missingDecision(migrationId: migration.id ?? -1)
                }
                return JournaledMigration(migration: migration, details: details)
            }
        }
    }

    /// Journaled decisions, newest first, each with its POP names and migration state;
    /// `workload` filters by name.
    public func decisionRows(workload: String?, limit: Int) throws -> [DecisionRow] {
        if let postgres { return try postgres.decisionRows(workload: workload, limit: limit) }
        return try reader.read { db in
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
                let action: String = row["action"]
                let state: String? = row["migration_state"]
                return DecisionRow(id: row["id"], timestamp: row["timestamp"], workload: row["workload"],
                                   action: DecisionAction(rawValue: action) ?? .none, risk: row["risk"],
                                   resourceAtRisk: row["resource_at_risk"], details: row["details"],
                                   sourcePop: row["source_pop"], targetPop: row["target_pop"],
                                   migrationId: row["migration_id"], migrationState: state.flatMap(MigrationState.init(rawValue:)))
            }
        }
    }

    private static func withDetails(_ row: MigrationRecord, _ db: Database) throws -> JournaledMigration {
        guard let decisionId = row.decisionId,
              let details = try String.fetchOne(db, sql: "SELECT details FROM decisions WHERE id = ?", arguments: [decisionId]) else {
            throw JournalError.missingDecision(migrationId: row.id ?? -1)
        }
        return JournaledMigration(migration: row, details: details)
    }

    private static func workloadId(named name: String, createdAt: Int64, _ db: Database) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM workloads WHERE name = ?", arguments: [name]) { return id }
        var workload = WorkloadRecord(name: name, source: "agent", createdAt: createdAt)
        try workload.insert(db)
        return workload.id!
    }

    static func popId(_ name: String, _ db: Database) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM pops WHERE name = ?", arguments: [name]) else {
            throw JournalError.unknownPOP(name)
        }
        return id
    }
}

/// Journal failures; messages say what to do.
public enum JournalError: Error, Equatable, CustomStringConvertible {
    case unknownPOP(String)
    case unknownMigration(Int64)
    case missingDecision(migrationId: Int64)

    public var description: String {
        switch self {
        case .unknownPOP(let name):
            "POP \"\(name)\" is not in the store; sync the fleet file first (`headroom-scorer fleet sync --pops FILE --db PATH`)"
        case .unknownMigration(let id): "no migration with id \(id) in the store"
        case .missingDecision(let id): "migration \(id) has no decision with details in the store; it cannot be resumed, mark it failed"
        }
    }
}
