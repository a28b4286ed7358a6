import Forecast
import PostgresNIO

/// The import ledger (`imported_files`) on PostgreSQL.
extension PostgresBackend {
    private static let ledgerColumns = "id, sha256, format, prefix, path, member, rows, samples, imported_at"

    /// Inserts `record`; returns its id, or nil when `ignoringConflict` and the identity
    /// (sha256, format, prefix, member) was recorded already.
    @discardableResult
    static func insertImportedFile(_ record: ImportedFileRecord, ignoringConflict: Bool, _ session: PostgresSession) throws -> Int64? {
        let sql = """
            INSERT INTO imported_files (sha256, format, prefix, path, member, rows, samples, imported_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """ + (ignoringConflict ? " ON CONFLICT (sha256, format, prefix, member) DO NOTHING" : "") + " RETURNING id"
        return try session.scalar(Int64.self, sql, .of(record.sha256, record.format, record.prefix, record.path, record.member,
                                                       record.rows, record.samples, record.importedAt))
    }

    static func importSeen(_ session: PostgresSession, digest: String, format: String, prefix: String, wholeInput: Bool) throws -> Bool {
        try session.scalar(Int32.self, """
            SELECT 1 FROM imported_files WHERE sha256 = $1 AND format = $2 AND prefix = $3 AND (member = '*') = $4 LIMIT 1
            """, .of(digest, format, prefix, wholeInput)) != nil
    }

    func hasImported(sha256: String, format: String, prefix: String, member: String) throws -> Bool {
        try transaction { session in
            try session.scalar(Int32.self, """
                SELECT 1 FROM imported_files WHERE sha256 = $1 AND format = $2 AND prefix = $3 AND member = $4 LIMIT 1
                """, .of(sha256, format, prefix, member)) != nil
        }
    }

    func importedFiles() throws -> [ImportedFileRecord] {
        try transaction { session in
            let sql = "SELECT \(Self.ledgerColumns) FROM imported_files ORDER BY id"
            return try session.query(sql).rows.map { row in
                ImportedFileRecord(id: try session.decode(Int64.self, row, 0, sql: sql),
                                   sha256: try session.decode(String.self, row, 1, sql: sql),
                                   format: try session.decode(String.self, row, 2, sql: sql),
                                   prefix: try session.decode(String.self, row, 3, sql: sql),
                                   path: try session.decode(String.self, row, 4, sql: sql),
                                   member: try session.decode(String.self, row, 5, sql: sql),
                                   rows: try session.decode(Int64.self, row, 6, sql: sql),
                                   samples: try session.decode(Int64.self, row, 7, sql: sql),
                                   importedAt: try session.decode(Int64.self, row, 8, sql: sql))
            }
        }
    }

    /// Committed imports (archive markers excluded), of `format` when given.
    func committedImports(format: String?) throws -> Int {
        try transaction { session in
            var sql = "SELECT COUNT(*) FROM imported_files WHERE member != '*'"
            var bindings = PostgresBindings()
            if let format {
                sql += " AND format = $1"
                bindings.add(format)
            }
            return Int(try session.scalar(Int64.self, sql, bindings) ?? 0)
        }
    }
}

/// `SampleWriter`'s PostgreSQL twin: one file's rows inside its transaction, as column
/// arrays through `unnest` (`ON CONFLICT DO NOTHING`: the first sample of a (workload,
/// timestamp) is kept, as SQLite's `INSERT OR IGNORE` keeps it), workloads created at
/// their first row with the file's source, and unset limits and intervals filled at the end.
final class PostgresSampleWriter: ImportUnitWriter {
    private let session: PostgresSession
    private let source: String
    private let sourceFile: String
    private let now: Int64
    private var names: [String] = []
    private var ids: [Int64] = []
    private(set) var samplesInserted = 0
    private(set) var duplicates = 0
    private var touched: Set<Int> = []

    init(session: PostgresSession, source: String, sourceFile: String, now: Int64) {
        self.session = session
        self.source = source
        self.sourceFile = sourceFile
        self.now = now
    }

    var touchedNames: [String] { touched.map { names[$0] } }

    func insert(_ chunk: ParsedChunk) throws {
        if !chunk.newWorkloadNames.isEmpty {
            guard chunk.firstNewHandle == names.count else {
                throw StoreError.invalidArgument("import pipeline: workload handle \(chunk.firstNewHandle) arrived out of order (expected \(names.count))")
            }
            names += chunk.newWorkloadNames
            ids += Array(repeating: -1, count: chunk.newWorkloadNames.count)
        }
        let n = chunk.count
        guard n > 0 else { return }
        var workloadIDs = [Int64](repeating: 0, count: n)
        for row in 0..<n {
            let h = Int(chunk.handles[row])
            guard h >= 0, h < ids.count else { throw StoreError.invalidArgument("import pipeline: unknown workload handle \(h)") }
            if ids[h] < 0 { ids[h] = try resolveWorkload(names[h]); touched.insert(h) }
            workloadIDs[row] = ids[h]
        }
        guard chunk.values.count == n * Resource.count else {
            throw StoreError.invalidArgument("import pipeline: \(chunk.values.count) values for \(n) rows")
        }
        var bindings = PostgresBindings(capacity: 2 + Resource.count)
        bindings.append(Int8Column(workloadIDs))
        bindings.append(Int8Column(chunk.timestamps))
        // The chunk's values are row-major: each resource is a strided column of them.
        for k in 0..<Resource.count {
            bindings.append(Float8Column(chunk.values, offset: k, stride: Resource.count, count: n))
        }
        let inserted = try session.execute(PostgresBackend.appendSQL, bindings)
        samplesInserted += inserted
        duplicates += n - inserted
    }

    func seen(digest: String, format: String, prefix: String) throws -> Bool {
        try PostgresBackend.importSeen(session, digest: digest, format: format, prefix: prefix, wholeInput: false)
    }

    func finish(_ unit: ParsedUnit, ledger: ImportedFileRecord) throws {
        for (h, workload) in unit.workloads.enumerated() where h < ids.count && ids[h] >= 0 {
            var assignments: [String] = []
            var bindings = PostgresBindings()
            for r in Resource.allCases where !workload.proposedLimits[r].isNaN {
                let column = "limit_" + r.snakeCaseName
                bindings.add(workload.proposedLimits[r])
                assignments.append("\(column) = COALESCE(\(column), $\(bindings.count))")
            }
            // The interval as `SampleWriter.fillUnset` sets it: the file's median when none is
            // stored or no stored sample is later than the file's (its newest data).
            if let median = workload.medianIntervalSeconds, let last = workload.lastTimestamp {
                bindings.add(ids[h])
                let id = bindings.count
                bindings.add(last)
                let after = bindings.count
                bindings.add(median)
                assignments.append("interval_seconds = CASE WHEN interval_seconds IS NULL OR NOT EXISTS "
                                   + "(SELECT 1 FROM samples WHERE workload_id = $\(id) AND timestamp > $\(after)) THEN $\(bindings.count) ELSE interval_seconds END")
            }
            guard !assignments.isEmpty else { continue }
            bindings.add(ids[h])
            try session.execute("UPDATE workloads SET \(assignments.joined(separator: ", ")) WHERE id = $\(bindings.count)", bindings)
        }
        try PostgresBackend.insertImportedFile(ledger, ignoringConflict: false, session)
    }

    private func resolveWorkload(_ name: String) throws -> Int64 {
        if let id = try PostgresBackend.workloadID(session, name) { return id }
        let vm = TraceFormat(rawValue: source)?.describesVirtualMachines ?? false
        let sql = """
            INSERT INTO workloads (name, source, source_file, checkpointable, live_migratable, created_at)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
            """
        guard let id = try session.scalar(Int64.self, sql, .of(name, source, sourceFile, vm, vm, now)) else {
            throw StoreError.invalidArgument("workload \"\(name)\" was not created")
        }
        return id
    }
}
