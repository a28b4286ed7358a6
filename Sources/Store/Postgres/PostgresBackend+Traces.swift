import PostgresNIO
import Wire

/// Trace events on PostgreSQL: inserted as column arrays through `unnest` (ids follow the
/// batch's order, so "ties in insertion order" holds), read as records.
extension PostgresBackend {
    private static let insertTraceSQL = """
        INSERT INTO trace_events (workload_id, timestamp, kind, name, value, attributes)
        SELECT w, t, k, n, NULLIF(v, 'NaN'), CASE WHEN has_a THEN a END
        FROM unnest($1::bigint[], $2::float8[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::bool[])
             WITH ORDINALITY AS u(w, t, k, n, v, a, has_a, position)
        ORDER BY position
        """

    /// Inserts `events` (validated) in the caller's transaction.
    static func appendTraceEvents(_ events: [TraceEvent], workloads: inout WorkloadResolver,
                                  _ session: PostgresSession) throws -> TraceAppendResult {
        let before = workloads.created.count
        try workloads.resolve(events.map { $0.workload ?? "" }, session)
        var start = 0
        while start < events.count {
            let end = min(start + rowsPerStatement, events.count)
            let slice = events[start..<end]
            var bindings = PostgresBindings(capacity: 7)
            bindings.append(try slice.map { try workloads.id($0.workload ?? "") })
            bindings.append(slice.map(\.timestampSeconds))
            bindings.append(slice.map(\.kind.rawValue))
            bindings.append(slice.map(\.name))
            bindings.append(slice.map { $0.value ?? .nan })
            // Arrays of optionals do not bind; a flag beside each text says which are NULL.
            bindings.append(slice.map { $0.attributesJSON ?? "" })
            bindings.append(slice.map { $0.attributesJSON != nil })
            try session.execute(insertTraceSQL, bindings)
            start = end
        }
        return TraceAppendResult(inserted: events.count, newWorkloads: Array(workloads.created[before...]))
    }

    func append(traceEvents events: [TraceEvent], source: String, now: Int64) throws -> TraceAppendResult {
        try transaction { session in
            var workloads = WorkloadResolver(source: source, now: now)
            return try Self.appendTraceEvents(events, workloads: &workloads, session)
        }
    }

    func append(samples: [IncomingSample], traceEvents: [TraceEvent], source: String, now: Int64) throws -> BatchAppendResult {
        try transaction { session in
            var workloads = WorkloadResolver(source: source, now: now)
            let samplesResult = try Self.appendSamples(samples, workloads: &workloads, session)
            let tracesResult = try Self.appendTraceEvents(traceEvents, workloads: &workloads, session)
            return BatchAppendResult(samples: samplesResult, traces: tracesResult, newWorkloads: workloads.created)
        }
    }

    func traceEvents(workload name: String, from: Double, to: Double, kinds: [String]?) throws -> [TraceEventRecord] {
        try transaction { session in
            guard let id = try Self.workloadID(session, name) else { return [] }
            var sql = "SELECT id, workload_id, timestamp, kind, name, value, attributes FROM trace_events "
                + "WHERE workload_id = $1 AND timestamp >= $2 AND timestamp < $3"
            var bindings = PostgresBindings.of(id, from, to)
            if let kinds {
                guard !kinds.isEmpty else { return [] }
                sql += " AND kind = ANY($4)"
                bindings.add(kinds)
            }
            sql += " ORDER BY timestamp, id"
            return try session.query(sql, bindings).rows.map { row in
                TraceEventRecord(id: try session.decode(Int64.self, row, 0, sql: sql),
                                 workloadId: try session.decode(Int64.self, row, 1, sql: sql),
                                 timestamp: try session.decode(Double.self, row, 2, sql: sql),
                                 kind: try session.decode(String.self, row, 3, sql: sql),
                                 name: try session.decode(String.self, row, 4, sql: sql),
                                 value: try session.decode(Double?.self, row, 5, sql: sql),
                                 attributes: try session.decode(String?.self, row, 6, sql: sql))
            }
        }
    }

    func deleteTraceEvents(before cutoff: Double, batchSize: Int) throws -> Int {
        let workloads = try transaction { session in
            try session.query("SELECT id FROM workloads ORDER BY id").rows.map { try session.decode(Int64.self, $0, 0, sql: "workloads") }
        }
        var deleted = 0
        for workload in workloads {
            while true {
                let count = try transaction { session in
                    try session.execute("""
                        DELETE FROM trace_events WHERE id IN (
                            SELECT id FROM trace_events WHERE workload_id = $1 AND timestamp < $2 LIMIT $3)
                        """, .of(workload, cutoff, Int64(batchSize)))
                }
                deleted += count
                if count < batchSize { break }
            }
        }
        return deleted
    }
}
