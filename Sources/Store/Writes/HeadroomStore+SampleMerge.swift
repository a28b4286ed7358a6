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
        // Workload ids from earlier merges: looking each workload up again in every
        // transaction (one query per workload per request) was a third of a merge.
        let known = mergedWorkloadIDs.withLock { $0 }
        if let postgres {
            let (result, learned) = try postgres.merge(samples: samples, source: source, now: now, chunk: chunk, known: known)
            if !learned.isEmpty { mergedWorkloadIDs.withLock { $0.merge(learned) { kept, _ in kept } } }
            return result
        }
        let (result, learned) = try writer.write { db in
            var workloads = WorkloadResolver(source: source, now: now, known: known)
            // Rows go in statements of `rowsPerStatement` (the rest one by one): one SQLite
            // step and one binding pass per 64 rows instead of per row. A later row of a
            // statement that hits an earlier one's key updates it, as separate statements
            // would. (Arguments as optional existentials: GRDB maps a sequence of
            // `DatabaseValue`s through a key path per value, several times slower.)
            let many = try db.cachedStatement(sql: Self.mergeSQL(rows: Self.rowsPerStatement))
            let one = try db.cachedStatement(sql: Self.mergeSQL(rows: 1))
            var arguments: [(any DatabaseValueConvertible)?] = []
            arguments.reserveCapacity(Self.rowsPerStatement * (2 + Resource.count))
            var written = 0, next = 0
            while next < samples.count {
                let rows = samples.count - next >= Self.rowsPerStatement ? Self.rowsPerStatement : 1
                arguments.removeAll(keepingCapacity: true)
                for sample in samples[next..<(next + rows)] {
                    arguments.append(try workloads.id(of: sample.workload, in: db))
                    arguments.append(sample.timestamp)
                    for v in sample.values { arguments.append(v.isFinite ? v : nil) }
                }
                try (rows == 1 ? one : many).execute(arguments: StatementArguments(arguments))
                written += db.changesCount
                next += rows
            }
            if var chunk { try chunk.insert(db) }
            return (MergeResult(written: written, newWorkloads: workloads.created), workloads.learned)
        }
        // Committed: these ids are now rows (a failed transaction taught nothing).
        if !learned.isEmpty { mergedWorkloadIDs.withLock { $0.merge(learned) { kept, _ in kept } } }
        return result
    }

    /// Rows per multi-row statement of `merge` (64 × 8 = 512 parameters, far below SQLite's
    /// 32,766).
    static let rowsPerStatement = 64

    /// `INSERT … VALUES (…) × rows ON CONFLICT DO UPDATE`: each resource the row has
    /// (non-NULL) replaces the stored one, the others are kept.
    static func mergeSQL(rows: Int) -> String {
        let columns = Resource.allCases.map(\.snakeCaseName)
        let tuple = "(" + Array(repeating: "?", count: 2 + Resource.count).joined(separator: ", ") + ")"
        return """
            INSERT INTO samples (workload_id, timestamp, \(columns.joined(separator: ", ")))
            VALUES \(Array(repeating: tuple, count: rows).joined(separator: ", "))
            ON CONFLICT(workload_id, timestamp) DO UPDATE SET
            \(columns.map { "\($0) = COALESCE(excluded.\($0), \($0))" }.joined(separator: ", "))
            """
    }

    /// Whether a chunk with this identity (`sha256`, format, prefix, member) was recorded
    /// by `merge(samples:…chunk:)`.
    public func hasImported(sha256: String, format: String, prefix: String, member: String) throws -> Bool {
        if let postgres { return try postgres.hasImported(sha256: sha256, format: format, prefix: prefix, member: member) }
        return try reader.read { db in
            try ImportedFileRecord
                .filter(Column("sha256") == sha256 && Column("format") == format && Column("prefix") == prefix && Column("member") == member)
                .fetchCount(db) > 0
        }
    }
}
