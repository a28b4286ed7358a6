import Forecast
import PostgresNIO

/// Samples on PostgreSQL. Writes bind whole columns as arrays and insert through
/// `unnest` — one statement per `rowsPerStatement` rows, whatever the batch's size —
/// and reads aggregate a workload's rows into one row of column arrays
/// (`array_agg`), decoded straight into `SampleSeries`' flat arrays: no per-row objects
/// on either side.
extension PostgresBackend {
    /// Rows per `unnest` insert: 8 array parameters whatever the count; 4096 keeps one
    /// statement's arrays near 300 KB.
    static let rowsPerStatement = 4096

    private static let resourceColumns = Resource.allCases.map(\.snakeCaseName)

    /// `INSERT … SELECT FROM unnest(8 arrays)`: NaN (not measured) becomes NULL.
    static func unnestInsertSQL(conflict: String) -> String {
        let casts = (0..<Resource.count).map { "$\($0 + 3)::float8[]" }.joined(separator: ", ")
        let values = resourceColumns.enumerated().map { "NULLIF(c\($0.offset), 'NaN')" }.joined(separator: ", ")
        let names = resourceColumns.indices.map { "c\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO samples (workload_id, timestamp, \(resourceColumns.joined(separator: ", ")))
            SELECT w, t, \(values) FROM unnest($1::bigint[], $2::bigint[], \(casts)) AS u(w, t, \(names))
            \(conflict)
            """
    }

    static let appendSQL = unnestInsertSQL(conflict: "ON CONFLICT (workload_id, timestamp) DO NOTHING")
    static let mergeSQL = unnestInsertSQL(conflict: "ON CONFLICT (workload_id, timestamp) DO UPDATE SET "
        + resourceColumns.map { "\($0) = COALESCE(excluded.\($0), samples.\($0))" }.joined(separator: ", "))

    /// Inserts `rows` (already validated, workloads resolved) with `sql`; returns the rows
    /// the server reports written.
    static func insertSamples(_ samples: ArraySlice<IncomingSample>, sql: String, workloads: WorkloadResolver,
                              _ session: PostgresSession) throws -> Int {
        var written = 0
        var start = samples.startIndex
        while start < samples.endIndex {
            let end = min(start + rowsPerStatement, samples.endIndex)
            var workloadIDs: [Int64] = [], timestamps: [Int64] = [], values: [Double] = []
            workloadIDs.reserveCapacity(end - start)
            timestamps.reserveCapacity(end - start)
            values.reserveCapacity((end - start) * Resource.count)
            for sample in samples[start..<end] {
                workloadIDs.append(try workloads.id(sample.workload))
                timestamps.append(sample.timestamp)
                for v in sample.values { values.append(v.isFinite ? v : .nan) }
            }
            var bindings = PostgresBindings(capacity: 2 + Resource.count)
            bindings.append(Int8Column(workloadIDs))
            bindings.append(Int8Column(timestamps))
            for k in 0..<Resource.count {
                bindings.append(Float8Column(values, offset: k, stride: Resource.count, count: end - start))
            }
            written += try session.execute(sql, bindings)
            start = end
        }
        return written
    }

    /// Inserts `samples` in the caller's transaction, first write wins.
    static func appendSamples(_ samples: [IncomingSample], workloads: inout WorkloadResolver,
                              _ session: PostgresSession) throws -> AppendResult {
        try workloads.resolve(samples.map(\.workload), session)
        let inserted = try insertSamples(samples[...], sql: appendSQL, workloads: workloads, session)
        return AppendResult(inserted: inserted, duplicates: samples.count - inserted, newWorkloads: workloads.created)
    }

    func append(samples: [IncomingSample], source: String, now: Int64) throws -> AppendResult {
        try transaction { session in
            var workloads = WorkloadResolver(source: source, now: now)
            return try Self.appendSamples(samples, workloads: &workloads, session)
        }
    }

    /// `HeadroomStore.merge`: a later sample of the same (workload, timestamp) fills the
    /// resources it has. PostgreSQL refuses to update one row twice in a statement, so
    /// repeats within the batch are folded first, in order — the row SQLite's
    /// statement-by-statement upserts would leave.
    func merge(samples: [IncomingSample], source: String, now: Int64, chunk: ImportedFileRecord?,
               known: [String: Int64]) throws -> (MergeResult, learned: [String: Int64]) {
        try transaction { session in
            var workloads = WorkloadResolver(source: source, now: now, known: known)
            try workloads.resolve(samples.map(\.workload), session)
            var folded: [IncomingSample] = []
            folded.reserveCapacity(samples.count)
            var position: [SampleKey: Int] = [:]
            for sample in samples {
                let key = SampleKey(workload: sample.workload, timestamp: sample.timestamp)
                if let at = position[key] {
                    for (k, v) in sample.values.enumerated() where v.isFinite { folded[at].values[k] = v }
                } else {
                    position[key] = folded.count
                    folded.append(sample)
                }
            }
            let written = try Self.insertSamples(folded[...], sql: Self.mergeSQL, workloads: workloads, session)
            if let chunk { try Self.insertImportedFile(chunk, ignoringConflict: false, session) }
            // Every row of an upsert is written (inserted or updated), as SQLite counts it.
            return (MergeResult(written: written + samples.count - folded.count, newWorkloads: workloads.created),
                    workloads.learned)
        }
    }

    private struct SampleKey: Hashable {
        var workload: String
        var timestamp: Int64
    }

    // MARK: Reads

    /// One row of 7 arrays: timestamps and the six resources (NULL → NaN), in timestamp
    /// order, from `source` (a subquery over `samples`).
    private static func arraysSQL(from source: String) -> String {
        "SELECT array_agg(timestamp ORDER BY timestamp), "
            + resourceColumns.map { "array_agg(COALESCE(\($0), 'NaN') ORDER BY timestamp)" }.joined(separator: ", ")
            + " FROM (\(source)) s"
    }

    private static let lastSQL = arraysSQL(from: """
        SELECT * FROM samples WHERE workload_id = $1 AND timestamp <= $2 ORDER BY timestamp DESC LIMIT $3
        """)
    private static let rangeSQL = arraysSQL(from: """
        SELECT * FROM samples WHERE workload_id = $1 AND timestamp >= $2 AND timestamp < $3
        """)

    /// The series `sql` aggregates, interleaved into row-major values as each column is read.
    private static func series(_ session: PostgresSession, workload: String, sql: String,
                               _ bindings: PostgresBindings) throws -> SampleSeries {
        guard let row = try session.query(sql, bindings).rows.first else { return SampleSeries(workload: workload) }
        let cells = row.makeRandomAccess()
        var timestamps: [Int64] = []
        guard let count = try PostgresArrayReader.read(cells[0], element: .int8, { _, bits in
            timestamps.append(Int64(bitPattern: bits))
        }) else { return SampleSeries(workload: workload) }
        var values = [Double](repeating: .nan, count: count * Resource.count)
        try values.withUnsafeMutableBufferPointer { out in
            for resource in Resource.allCases {
                let read = try PostgresArrayReader.read(cells[1 + resource.rawValue], element: .float8) { i, bits in
                    if i < count { out[i * Resource.count + resource.rawValue] = Double(bitPattern: bits) }
                }
                guard read == count else {
                    throw StoreError.invalidArgument("samples of \(workload): \(read ?? 0) \(resource.snakeCaseName) values for \(count) timestamps")
                }
            }
        }
        return SampleSeries(workload: workload, timestamps: timestamps, values: values)
    }

    func lastSamples(workload: String, count: Int, until: Int64?) throws -> SampleSeries {
        try transaction { session in
            guard let id = try Self.workloadID(session, workload) else { throw StoreError.unknownWorkload(workload) }
            return try Self.series(session, workload: workload, sql: Self.lastSQL, .of(id, until ?? Int64.max, Int64(count)))
        }
    }

    func samples(workloads names: [String], from: Int64, to: Int64) throws -> [SampleSeries] {
        try transaction { session in
            try names.map { name in
                guard let id = try Self.workloadID(session, name) else { throw StoreError.unknownWorkload(name) }
                return try Self.series(session, workload: name, sql: Self.rangeSQL, .of(id, from, to))
            }
        }
    }

    func timeRange(workload: String) throws -> (first: Int64, last: Int64)? {
        try transaction { session in
            guard let id = try Self.workloadID(session, workload) else { throw StoreError.unknownWorkload(workload) }
            let sql = "SELECT MIN(timestamp), MAX(timestamp) FROM samples WHERE workload_id = $1"
            guard let row = try session.query(sql, .of(id)).rows.first,
                  let first = try session.decode(Int64?.self, row, 0, sql: sql),
                  let last = try session.decode(Int64?.self, row, 1, sql: sql) else { return nil }
            return (first, last)
        }
    }

    func workloadsWithSamples(from: Int64, to: Int64) throws -> [String] {
        try transaction { session in
            try session.rows("""
                SELECT name FROM workloads w
                WHERE EXISTS (SELECT 1 FROM samples s WHERE s.workload_id = w.id AND s.timestamp >= $1 AND s.timestamp < $2)
                ORDER BY name COLLATE "C"
                """, .of(from, to)) { try $0.next(String.self) }
        }
    }

    func latestSampleTimestamp() throws -> Int64? {
        try transaction { session in try session.scalar(Int64.self, "SELECT MAX(timestamp) FROM samples") }
    }

    func summary() throws -> StoreSummary {
        try transaction { session in
            let sql = """
                SELECT w.source, COUNT(DISTINCT w.id), COUNT(s.timestamp), MIN(s.timestamp), MAX(s.timestamp)
                FROM workloads w LEFT JOIN samples s ON s.workload_id = w.id
                GROUP BY w.source ORDER BY w.source COLLATE "C"
                """
            let totals = try session.query(sql).rows.map { row in
                StoreSummary.SourceTotals(source: try session.decode(String.self, row, 0, sql: sql),
                                          workloads: Int(try session.decode(Int64.self, row, 1, sql: sql)),
                                          samples: Int(try session.decode(Int64.self, row, 2, sql: sql)),
                                          firstTimestamp: try session.decode(Int64?.self, row, 3, sql: sql),
                                          lastTimestamp: try session.decode(Int64?.self, row, 4, sql: sql))
            }
            func count(_ sql: String) throws -> Int { Int(try session.scalar(Int64.self, sql) ?? 0) }
            return StoreSummary(workloads: try count("SELECT COUNT(*) FROM workloads"),
                                samples: try count("SELECT COUNT(*) FROM samples"),
                                traceEvents: try count("SELECT COUNT(*) FROM trace_events"),
                                importedFiles: try count("SELECT COUNT(*) FROM imported_files WHERE member != '*'"),
                                bySource: totals)
        }
    }
}
