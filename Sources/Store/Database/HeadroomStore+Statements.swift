import GRDB
import PostgresNIO

/// Raw statements on either backend, for the tests that look under the typed API (row
/// counts, a table dropped to make a write fail) and for schema inspection. Not for
/// product code: every other target uses the typed reads and writes.
extension HeadroomStore {
    /// The integer `sql` (one row, one column: a COUNT or SUM) answers; 0 for NULL.
    func scalarCount(_ sql: String) throws -> Int {
        if let postgres {
            return try postgres.transaction { session in Int(try session.scalar(Int64.self, sql) ?? 0) }
        }
        return try reader.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    /// Runs one statement that returns no rows.
    func execute(_ sql: String) throws {
        if let postgres {
            try postgres.transaction { session in try session.execute(sql) }
            return
        }
        try writer.write { db in try db.execute(sql: sql) }
    }

    /// The store's tables (migration bookkeeping excluded), in name order.
    func tableNames() throws -> [String] {
        if let postgres {
            return try postgres.transaction { session in
                try session.rows("""
                    SELECT table_name::text FROM information_schema.tables
                    WHERE table_schema = current_schema() AND table_name != 'schema_migrations' ORDER BY 1
                    """) { try $0.next(String.self) }
            }
        }
        return try reader.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
                ORDER BY name
                """)
        }
    }

    /// The identifiers of the applied migrations, in order.
    func appliedMigrations() throws -> [String] {
        if let postgres {
            return try postgres.transaction { session in
                try session.rows("SELECT identifier FROM schema_migrations ORDER BY identifier") { try $0.next(String.self) }
            }
        }
        return try reader.read { db in try Self.migrator.appliedMigrations(db) }
    }
}
