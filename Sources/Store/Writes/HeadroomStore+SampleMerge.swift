import Forecast
import GRDB

/// What `merge(samples:…)` did.
public struct MergeResult: Sendable, Equatable {
    /// Rows inserted or completed (a stored row's resources filled or replaced).
    public var written: Int
    /// Workloads created, in creation order.
    public var newWorkloads: [String]
}

extension HeadroomStore {
    /// Writes samples whose rows may already be stored in part, in ONE transaction: a new
    /// (workload, timestamp) is inserted; a stored one gets each resource this sample has
    /// (non-NaN) and keeps the others. This is how rows assembled from Prometheus series
    /// arrive: one scrape's series can come in several requests, each carrying the full
    /// sums known so far for the resources it touched (`SeriesAssembler`), so the last
    /// write of a resource is its whole value. (`append(samples:)` instead keeps the first
    /// write: an agent's batch is whole, and a repeated one must not change anything.)
    ///
    /// `chunk`, when given, is recorded in `imported_files` in the same transaction: a
    /// `query_range` import marks each chunk done exactly when its samples are in.
    /// - Throws: `StoreError.invalidArgument` naming the first bad sample before anything is
    ///   written; a storage fault (`storageFault`) with nothing written.
    public func merge(samples: [IncomingSample], source: String, now: Int64, chunk: ImportedFileRecord? = nil) throws -> MergeResult {
        for (i, sample) in samples.enumerated() {
            if let problem = Self.problem(with: sample) { throw StoreError.invalidArgument("sample \(i): \(problem)") }
        }
        return try writer.write { db in
            var workloads = WorkloadResolver(source: source, now: now)
            let columns = Resource.allCases.map(\.snakeCaseName)
            let statement = try db.cachedStatement(sql: """
                INSERT INTO samples (workload_id, timestamp, \(columns.joined(separator: ", ")))
                VALUES (?, ?, \(Array(repeating: "?", count: Resource.count).joined(separator: ", ")))
                ON CONFLICT(workload_id, timestamp) DO UPDATE SET
                \(columns.map { "\($0) = COALESCE(excluded.\($0), \($0))" }.joined(separator: ", "))
                """)
            var written = 0
            for sample in samples {
                let id = try workloads.id(of: sample.workload, in: db)
                var arguments: [(any DatabaseValueConvertible)?] = [id, sample.timestamp]
                for v in sample.values { arguments.append(v.isFinite ? v : nil) }
                try statement.execute(arguments: StatementArguments(arguments))
                written += db.changesCount
            }
            if var chunk { try chunk.insert(db) }
            return MergeResult(written: written, newWorkloads: workloads.created)
        }
    }

    /// Whether a chunk with this identity (`sha256`, format, prefix, member) was recorded
    /// by `merge(samples:…chunk:)`.
    public func hasImported(sha256: String, format: String, prefix: String, member: String) throws -> Bool {
        try reader.read { db in
            try ImportedFileRecord
                .filter(Column("sha256") == sha256 && Column("format") == format && Column("prefix") == prefix && Column("member") == member)
                .fetchCount(db) > 0
        }
    }
}
