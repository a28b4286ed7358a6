import GRDB

extension HeadroomStore {
    /// The trace events of workload `name` with `from ≤ timestamp < to` (Unix seconds),
    /// in time order (ties in insertion order), only of `kinds` when given. Empty for an
    /// unknown workload.
    public func traceEvents(workload name: String, from: Double, to: Double, kinds: [String]? = nil) throws -> [TraceEventRecord] {
        if let postgres { return try postgres.traceEvents(workload: name, from: from, to: to, kinds: kinds) }
        return try reader.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM workloads WHERE name = ?", arguments: [name]) else { return [] }
            var sql = "SELECT * FROM trace_events WHERE workload_id = ? AND timestamp >= ? AND timestamp < ?"
            var arguments: StatementArguments = [id, from, to]
            if let kinds {
                guard !kinds.isEmpty else { return [] }
                sql += " AND kind IN (\(Array(repeating: "?", count: kinds.count).joined(separator: ", ")))"
                arguments += StatementArguments(kinds)
            }
            return try TraceEventRecord.fetchAll(db, sql: sql + " ORDER BY timestamp, id", arguments: arguments)
        }
    }
}
