import Foundation
import PostgresNIO

/// The decision journal (`decisions`, `migrations`) on PostgreSQL.
extension PostgresBackend {
    static let decisionColumns = "id, timestamp, workload_id, risk, resource_at_risk, action, source_pop_id, target_pop_id, details"
    static let migrationColumns = "id, decision_id, workload_id, source_pop_id, target_pop_id, strategy, state, started_at, "
        + "finished_at, moved_bytes, downtime_ms, journal"

    static func decision(_ c: inout RowCursor) throws -> DecisionRecord {
        DecisionRecord(id: try c.next(Int64.self), timestamp: try c.next(), workloadId: try c.next(), risk: try c.next(),
                       resourceAtRisk: try c.next(), action: try c.next(DecisionAction.self), sourcePopId: try c.next(),
                       targetPopId: try c.next(), details: try c.next())
    }

    static func migration(_ c: inout RowCursor) throws -> MigrationRecord {
        MigrationRecord(id: try c.next(Int64.self), decisionId: try c.next(), workloadId: try c.next(), sourcePopId: try c.next(),
                        targetPopId: try c.next(), strategy: try c.next(ExecutionStrategy.self), state: try c.next(MigrationState.self),
                        startedAt: try c.next(), finishedAt: try c.next(), movedBytes: try c.next(), downtimeMs: try c.next(),
                        journal: try c.next())
    }

    func recordDecisions(_ writes: [HeadroomStore.JournalWrite]) throws -> [HeadroomStore.JournalIds] {
        try transaction { session in
            var ids: [HeadroomStore.JournalIds] = []
            for write in writes {
                let workloadId = try Self.workloadId(named: write.workload, createdAt: write.timestamp, session)
                let sourceId = try write.sourcePop.map { try Self.popId($0, session) }
                let targetId = try write.targetPop.map { try Self.popId($0, session) }
                guard let decisionId = try session.scalar(Int64.self, """
                    INSERT INTO decisions (timestamp, workload_id, risk, resource_at_risk, action, source_pop_id, target_pop_id, details)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
                    """, .of(write.timestamp, workloadId, write.risk, write.resourceAtRisk, write.action.rawValue, sourceId, targetId,
                             write.details)) else { throw StoreError.invalidArgument("the decision about \(write.workload) was not written") }
                var migrationId: Int64?
                if let strategy = write.migration {
                    migrationId = try session.scalar(Int64.self, """
                        INSERT INTO migrations (decision_id, workload_id, source_pop_id, target_pop_id, strategy, state, started_at, journal)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, '[]') RETURNING id
                        """, .of(decisionId, workloadId, sourceId, targetId, strategy.rawValue, MigrationState.pending.rawValue,
                                 write.timestamp))
                }
                ids.append(HeadroomStore.JournalIds(decisionId: decisionId, migrationId: migrationId))
            }
            return ids
        }
    }

    func updateMigration(id: Int64, _ change: (inout MigrationRecord) throws -> Void) throws {
        try transaction { session in
            guard var row = try session.rows("SELECT \(Self.migrationColumns) FROM migrations WHERE id = $1 FOR UPDATE", .of(id),
                                             { try Self.migration(&$0) }).first else {
                throw JournalError.unknownMigration(id)
            }
            try change(&row)
            try session.execute("""
                UPDATE migrations SET decision_id = $2, workload_id = $3, source_pop_id = $4, target_pop_id = $5, strategy = $6,
                    state = $7, started_at = $8, finished_at = $9, moved_bytes = $10, downtime_ms = $11, journal = $12
                WHERE id = $1
                """, .of(id, row.decisionId, row.workloadId, row.sourcePopId, row.targetPopId, row.strategy.rawValue,
                         row.state.rawValue, row.startedAt, row.finishedAt, row.movedBytes, row.downtimeMs, row.journal))
        }
    }

    func migration(id: Int64) throws -> MigrationRecord? {
        try transaction { session in
            try session.rows("SELECT \(Self.migrationColumns) FROM migrations WHERE id = $1", .of(id)) { try Self.migration(&$0) }.first
        }
    }

    func journaledMigration(id: Int64) throws -> HeadroomStore.JournaledMigration? {
        try transaction { session in
            guard let row = try session.rows("SELECT \(Self.migrationColumns) FROM migrations WHERE id = $1", .of(id),
                                             { try Self.migration(&$0) }).first else { return nil }
            guard let decisionId = row.decisionId,
                  let details = try session.scalar(String.self, "SELECT details FROM decisions WHERE id = $1", .of(decisionId)) else {
                throw JournalError.missingDecision(migrationId: row.id ?? -1)
            }
            return HeadroomStore.JournaledMigration(migration: row, details: details)
        }
    }

    func unfinishedMigrations(order: HeadroomStore.MigrationOrder) throws -> [HeadroomStore.JournaledMigration] {
        try transaction { session in
            let ordering: String = switch order {
            case .startedAt: "m.started_at, m.id"
            case .id: "m.id"
            }
            let columns = Self.migrationColumns.split(separator: ",").map { "m." + $0.trimmingCharacters(in: .whitespaces) }
            return try session.rows("""
                SELECT \(columns.joined(separator: ", ")), d.details FROM migrations m LEFT JOIN decisions d ON d.id = m.decision_id
                WHERE m.state IN ($1, $2) ORDER BY \(ordering)
                """, .of(MigrationState.pending.rawValue, MigrationState.running.rawValue)) { c in
                let migration = try Self.migration(&c)
                guard let details: String = try c.next() else { throw JournalError.missingDecision(migrationId: migration.id ?? -1) }
                return HeadroomStore.JournaledMigration(migration: migration, details: details)
            }
        }
    }

    func decisionRows(workload: String?, limit: Int) throws -> [HeadroomStore.DecisionRow] {
        try transaction { session in
            var sql = """
                SELECT d.id, d.timestamp, w.name, d.action, d.risk, d.resource_at_risk, d.details,
                       s.name, t.name, m.id, m.state
                FROM decisions d JOIN workloads w ON w.id = d.workload_id
                LEFT JOIN pops s ON s.id = d.source_pop_id LEFT JOIN pops t ON t.id = d.target_pop_id
                LEFT JOIN migrations m ON m.decision_id = d.id
                """
            var bindings = PostgresBindings()
            if let workload {
                bindings.add(workload)
                sql += " WHERE w.name = $1"
            }
            bindings.add(Int64(limit))
            sql += " ORDER BY d.id DESC LIMIT $\(bindings.count)"
            return try session.rows(sql, bindings) { c in
                let id: Int64 = try c.next(), timestamp: Int64 = try c.next(), name: String = try c.next()
                let action: String = try c.next(), risk: Double = try c.next(), resource: String? = try c.next()
                let details: String? = try c.next(), source: String? = try c.next(), target: String? = try c.next()
                let migrationId: Int64? = try c.next(), state: String? = try c.next()
                return HeadroomStore.DecisionRow(id: id, timestamp: timestamp, workload: name, action: DecisionAction(rawValue: action) ?? .none,
                                                 risk: risk, resourceAtRisk: resource, details: details, sourcePop: source, targetPop: target,
                                                 migrationId: migrationId, migrationState: state.flatMap(MigrationState.init(rawValue:)))
            }
        }
    }

    func allDecisions() throws -> [DecisionRecord] {
        try transaction { session in
            try session.rows("SELECT \(Self.decisionColumns) FROM decisions ORDER BY id") { try Self.decision(&$0) }
        }
    }

    func allMigrations() throws -> [MigrationRecord] {
        try transaction { session in
            try session.rows("SELECT \(Self.migrationColumns) FROM migrations ORDER BY id") { try Self.migration(&$0) }
        }
    }

    private static func workloadId(named name: String, createdAt: Int64, _ session: PostgresSession) throws -> Int64 {
        var resolver = WorkloadResolver(source: "agent", now: createdAt)
        try resolver.resolve([name], session)
        return try resolver.id(name)
    }

    static func popId(_ name: String, _ session: PostgresSession) throws -> Int64 {
        guard let id = try session.scalar(Int64.self, "SELECT id FROM pops WHERE name = $1", .of(name)) else {
            throw JournalError.unknownPOP(name)
        }
        return id
    }
}
