import GRDB

/// Whole-table reads and checks for operators and tests that verify what was written: the
/// journal's rows in id order, the import ledger, SQLite's integrity check, a consistent
/// copy of a live store, and an import's progress read from another process.
extension HeadroomStore {
    /// Every journaled decision, in id order.
    public func allDecisions() throws -> [DecisionRecord] {
        if let postgres { return try postgres.allDecisions() }
        return try reader.read { db in try DecisionRecord.order(Column("id")).fetchAll(db) }
    }

    /// Every migration row, in id order.
    public func allMigrations() throws -> [MigrationRecord] {
        if let postgres { return try postgres.allMigrations() }
        return try reader.read { db in try MigrationRecord.order(Column("id")).fetchAll(db) }
    }

    /// Every committed import (files, archive members, `query_range` chunks), in id order.
    public func importedFiles() throws -> [ImportedFileRecord] {
        if let postgres { return try postgres.importedFiles() }
        return try reader.read { db in try ImportedFileRecord.order(Column("id")).fetchAll(db) }
    }

    /// SQLite's `PRAGMA integrity_check`: "ok", or its first complaint.
    /// - Throws: `StoreError.invalidArgument` for a PostgreSQL store (the server checks its
    ///   own pages; `amcheck` is the tool there).
    public func integrityCheck() throws -> String {
        try reader.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

    /// A consistent copy of this store at `path` through SQLite's backup API (safe while the
    /// store is in use: WAL readers see one snapshot).
    /// - Throws: `StoreError.cannotOpen` naming `path`; `StoreError.invalidArgument` for a
    ///   PostgreSQL store (`pg_dump` copies those).
    public func copy(to path: String) throws {
        let writer = try self.writer
        do {
            let destination = try DatabaseQueue(path: path)
            try writer.backup(to: destination)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "copying the store there failed: \(error)")
        }
    }

    /// Imports committed in the store file at `path` (`format` = nil: every format; archive
    /// completion markers, member "*", not counted), read without migrating or writing, so
    /// another process's running import can be watched; 0 when the file or its ledger does
    /// not exist yet. `path` may be a `postgres://` URL (the same count over a connection).
    public static func committedImports(path: String, format: String? = nil) throws -> Int {
        if PostgresLocation.isURL(path) {
            return try PostgresBackend(location: try PostgresLocation(url: path)).committedImports(format: format)
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            guard try db.tableExists(ImportedFileRecord.databaseTableName) else { return 0 }
            var request = ImportedFileRecord.filter(Column("member") != "*")
            if let format { request = request.filter(Column("format") == format) }
            return try request.fetchCount(db)
        }
    }
}
