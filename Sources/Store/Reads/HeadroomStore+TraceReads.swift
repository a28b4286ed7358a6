import GRDB

extension HeadroomStore {
    /// The trace events of workload `name` with `from ≤ timestamp < to` (Unix seconds),
    /// in time order (ties in insertion order). Empty for an unknown workload.
    public func traceEvents(workload name: String, from: Double, to: Double) throws -> [TraceEventRecord] {
        try reader.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM workloads WHERE name = ?", arguments: [name]) else { return [] }
            return try TraceEventRecord.fetchAll(db, sql: """
                SELECT * FROM trace_events WHERE workload_id = ? AND timestamp >= ? AND timestamp < ?
                ORDER BY timestamp, id
                """, arguments: [id, from, to])
        }
    }
}
