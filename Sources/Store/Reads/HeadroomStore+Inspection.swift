import GRDB

/// Whole-table reads and checks for operators and tests that verify what was written: the
/// journal's rows in id order, the import ledger, SQLite's integrity check, a consistent
/// copy of a live store, and an import's progress read from another process.
extension HeadroomStore {
    /// Every journaled decision, in id order.
    public func allDecisions() throws -> [DecisionRecord] {
        try reader.read { db in try DecisionRecord.order(Column("id")).fetchAll(db) }
    }

    /// Every migration row, in id order.
    public func allMigrations() throws -> [MigrationRecord] {
        try reader.read { db in try MigrationRecord.order(Column("id")).fetchAll(db) }
    }

    /// Every committed import (files, archive members, `query_range` chunks), in id order.
    public func importedFiles() throws -> [ImportedFileRecord] {
        try reader.read { db in try ImportedFileRecord.order(Column("id")).fetchAll(db) }
    }

    /// SQLite's `PRAGMA integrity_check`: "ok", or its first complaint.
    public func integrityCheck() throws -> String {
        try reader.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

    /// A consistent copy of this store at `path` through SQLite's backup API (safe while the
    /// store is in use: WAL readers see one snapshot).
    /// - Throws: `StoreError.cannotOpen` naming `path`.
    public func copy(to path: String) throws {
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
    /// not exist yet.
    public static func committedImports(path: String, format: String? = nil) throws -> Int {
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
