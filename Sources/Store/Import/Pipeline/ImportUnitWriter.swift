import GRDB

/// The writing side of one imported file inside its transaction, on either backend
/// (`SampleWriter` on SQLite, `PostgresSampleWriter` on PostgreSQL): rows in chunks, then
/// the ledger row, all committed together or not at all.
protocol ImportUnitWriter: AnyObject {
    /// Rows inserted so far.
    var samplesInserted: Int { get }
    /// Rows skipped because their (workload, timestamp) was stored already (first kept).
    var duplicates: Int { get }
    /// Names of the workloads that received rows.
    var touchedNames: [String] { get }
    /// Inserts one chunk of parsed rows (workloads created at their first row).
    func insert(_ chunk: ParsedChunk) throws
    /// Whether a file with these bytes (not a whole-archive marker) is in the ledger.
    func seen(digest: String, format: String, prefix: String) throws -> Bool
    /// Fills the limits and intervals still unset from `unit`, and records `ledger`.
    func finish(_ unit: ParsedUnit, ledger: ImportedFileRecord) throws
}

/// The import ledger (`imported_files`) and the importer's transactions, on either backend.
extension HeadroomStore {
    /// Runs `body` with a writer for one file in one transaction.
    func importTransaction(source: String, sourceFile: String, now: Int64,
                           _ body: (any ImportUnitWriter) throws -> Void) throws {
        if let postgres {
            try postgres.transaction { session in
                try body(PostgresSampleWriter(session: session, source: source, sourceFile: sourceFile, now: now))
            }
            return
        }
        try writer.write { db in try body(SampleWriter(db: db, source: source, sourceFile: sourceFile, now: now)) }
    }

    /// Whether the ledger has `digest` for this format and prefix: as a whole compressed
    /// input (`wholeInput`, member "*") or as a file or member.
    func importSeen(digest: String, format: String, prefix: String, wholeInput: Bool) throws -> Bool {
        if let postgres {
            return try postgres.transaction { session in
                try PostgresBackend.importSeen(session, digest: digest, format: format, prefix: prefix, wholeInput: wholeInput)
            }
        }
        return try reader.read { db in try Self.importSeen(db, digest: digest, format: format, prefix: prefix, wholeInput: wholeInput) }
    }

    static func importSeen(_ db: Database, digest: String, format: String, prefix: String, wholeInput: Bool) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT 1 FROM imported_files WHERE sha256 = ? AND format = ? AND prefix = ? AND (member = '*') = ?
            """, arguments: [digest, format, prefix, wholeInput]) ?? false
    }

    /// Adds `record` to the ledger; with `ignoringConflict`, a row already there under the
    /// same identity is kept and nothing is written.
    func recordImport(_ record: ImportedFileRecord, ignoringConflict: Bool) throws {
        if let postgres {
            try postgres.transaction { session in
                try PostgresBackend.insertImportedFile(record, ignoringConflict: ignoringConflict, session)
            }
            return
        }
        try writer.write { [record] db in
            var row = record
            try row.insert(db, onConflict: ignoringConflict ? .ignore : .abort)
        }
    }
}
