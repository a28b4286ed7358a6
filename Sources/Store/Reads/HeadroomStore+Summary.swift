import GRDB

/// Totals of the store's contents (what the demo prints after an import).
public struct StoreSummary: Sendable, Codable, Equatable {
    public struct SourceTotals: Sendable, Codable, Equatable {
        public var source: String
        public var workloads: Int
        public var samples: Int
        public var firstTimestamp: Int64?
        public var lastTimestamp: Int64?
    }
    public var workloads: Int
    public var samples: Int
    public var traceEvents: Int
    public var importedFiles: Int
    public var bySource: [SourceTotals]
}

extension HeadroomStore {
    /// Counts per source (trace format) and overall.
    public func summary() throws -> StoreSummary {
        if let postgres { return try postgres.summary() }
        return try reader.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT w.source AS source, COUNT(DISTINCT w.id) AS workloads, COUNT(s.timestamp) AS samples,
                       MIN(s.timestamp) AS first, MAX(s.timestamp) AS last
                FROM workloads w LEFT JOIN samples s ON s.workload_id = w.id
                GROUP BY w.source ORDER BY w.source
                """)
            let totals = rows.map { row in
                StoreSummary.SourceTotals(source: row["source"], workloads: row["workloads"], samples: row["samples"],
                                          firstTimestamp: row["first"], lastTimestamp: row["last"])
            }
            return StoreSummary(
                workloads: try WorkloadRecord.fetchCount(db),
                samples: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM samples") ?? 0,
                traceEvents: try TraceEventRecord.fetchCount(db),
                importedFiles: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imported_files WHERE member != '*'") ?? 0,
                bySource: totals)
        }
    }
}
